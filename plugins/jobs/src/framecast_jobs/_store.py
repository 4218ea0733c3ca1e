"""framecast's own tables (jobs, their timeline, workers), beside DBOS's in one database.

The schema is versioned: ``framecast_jobs_meta`` holds ``schema_version`` and
``MIGRATIONS`` brings any older database up to ``SCHEMA_VERSION`` on open. Nothing here
holds a credential: a job stores its request (images as bytes), its handle and its result.
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

SCHEMA_VERSION = 1

metadata = sa.MetaData()

meta_table = sa.Table(
    "framecast_jobs_meta",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

jobs_table = sa.Table(
    "framecast_jobs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("idempotency_key", sa.String(255), unique=True, nullable=False),
    sa.Column("fingerprint", sa.String(128), nullable=False),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("model", sa.String(128)),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("request", sa.Text, nullable=False),
    sa.Column("out", sa.Text),
    sa.Column("max_cost", sa.Float),
    sa.Column("estimate", sa.Text),
    sa.Column("attempt", sa.Integer, nullable=False, default=1),
    sa.Column("attempt_started_at", sa.Float),
    sa.Column("handle", sa.Text),
    sa.Column("outputs", sa.Text),
    sa.Column("cost", sa.Float),
    sa.Column("error", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("framecast_jobs_state", "state"),
    sa.Index("framecast_jobs_created", "created_at"),
)

events_table = sa.Table(
    "framecast_job_events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text),
)

workers_table = sa.Table(
    "framecast_workers",
    metadata,
    sa.Column("executor_id", sa.String(255), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("heartbeat_at", sa.Float, nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("providers", sa.Text),
)


def _v1(connection: sa.Connection) -> None:
    metadata.create_all(connection)


# version reached -> the step from the version before it
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {1: _v1}

TERMINAL = frozenset({"succeeded", "failed", "cancelled", "outcome_unknown"})
STATES = ("queued", "submitting", "running", "succeeded", "failed", "cancelled", "outcome_unknown")


def engine_for(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        return sa.create_engine(url, connect_args={"timeout": 60})
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Store:
    """Reads and writes framecast's rows. Every method is one short transaction."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.engine = engine_for(url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self.now = clock
        self.migrate()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as connection:
            yield connection

    # ------------------------------------------------------------------ schema

    def schema_version(self) -> int:
        with self.begin() as c:
            if not sa.inspect(c).has_table("framecast_jobs_meta"):
                return 0
            row = c.execute(
                sa.select(meta_table.c.value).where(meta_table.c.name == "schema_version")
            ).first()
            return int(row[0]) if row else 0

    def migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            from framecast import ConfigurationError

            raise ConfigurationError(
                f"the jobs database {_safe_url(self.url)} has schema version {current}, newer "
                f"than this framecast-jobs ({SCHEMA_VERSION}): upgrade framecast-jobs"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.begin() as c:
                if self.is_postgres:  # one migrator at a time across hosts
                    c.execute(sa.text("SELECT pg_advisory_xact_lock(736475001)"))
                    if self._version_in(c) >= version:
                        continue
                MIGRATIONS[version](c)
                self._set_version(c, version)

    def _version_in(self, c: sa.Connection) -> int:
        if not sa.inspect(c).has_table("framecast_jobs_meta"):
            return 0
        row = c.execute(
            sa.select(meta_table.c.value).where(meta_table.c.name == "schema_version")
        ).first()
        return int(row[0]) if row else 0

    def _set_version(self, c: sa.Connection, version: int) -> None:
        updated = c.execute(
            meta_table.update()
            .where(meta_table.c.name == "schema_version")
            .values(value=str(version))
        )
        if not updated.rowcount:
            c.execute(meta_table.insert().values(name="schema_version", value=str(version)))

    # ------------------------------------------------------------------ jobs

    def insert_job(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Insert a job, or return the one already holding its key: (row, created)."""
        now = self.now()
        values = {**row, "created_at": now, "updated_at": now}
        try:
            with self.begin() as c:
                c.execute(jobs_table.insert().values(**values))
                self._event(c, values["id"], "queued", {"fingerprint": values["fingerprint"]})
            return dict(values), True
        except sa.exc.IntegrityError:
            existing = self.by_key(values["idempotency_key"])
            if existing is None:  # the holder vanished (pruned) in between
                raise
            return existing, False

    def by_key(self, key: str) -> dict[str, Any] | None:
        with self.begin() as c:
            row = c.execute(
                sa.select(jobs_table).where(jobs_table.c.idempotency_key == key)
            ).first()
            return dict(row._mapping) if row else None

    def get(self, job_id: str) -> dict[str, Any] | None:
        """A job by its id or an unambiguous prefix of it (the short form)."""
        with self.begin() as c:
            row = c.execute(sa.select(jobs_table).where(jobs_table.c.id == job_id)).first()
            if row is not None:
                return dict(row._mapping)
            rows = c.execute(
                sa.select(jobs_table)
                .where(jobs_table.c.id.like(_like_prefix(job_id), escape="\\"))
                .limit(2)
            ).fetchall()
        if len(rows) > 1:
            from framecast import ValidationError

            raise ValidationError(
                f"job id {job_id!r} is ambiguous: give more of it",
                field="id",
                value=job_id,
                allowed="a full job id or an unambiguous prefix",
            )
        return dict(rows[0]._mapping) if rows else None

    def list(
        self,
        *,
        state: str | None = None,
        provider: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> builtins.list[dict[str, Any]]:
        query = sa.select(jobs_table).order_by(jobs_table.c.created_at, jobs_table.c.id)
        if state is not None:
            query = query.where(jobs_table.c.state == state)
        if provider is not None:
            query = query.where(jobs_table.c.provider == provider)
        if since is not None:
            query = query.where(jobs_table.c.created_at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self.begin() as c:
            return [dict(row._mapping) for row in c.execute(query)]

    def update(
        self,
        job_id: str,
        event: str,
        detail: Mapping[str, Any] | None = None,
        *,
        unless_terminal: bool = True,
        **values: Any,
    ) -> bool:
        """Change a job and add a timeline event, in one transaction. A finished job is
        left alone (``unless_terminal``): a late worker cannot overwrite a cancel."""
        query = jobs_table.update().where(jobs_table.c.id == job_id)
        if unless_terminal:
            query = query.where(jobs_table.c.state.not_in(sorted(TERMINAL)))
        with self.begin() as c:
            done = c.execute(query.values(**values, updated_at=self.now())).rowcount
            if done:
                self._event(c, job_id, event, detail)
            return bool(done)

    def event(self, job_id: str, kind: str, detail: Mapping[str, Any] | None = None) -> None:
        with self.begin() as c:
            self._event(c, job_id, kind, detail)

    def _event(
        self, c: sa.Connection, job_id: str, kind: str, detail: Mapping[str, Any] | None
    ) -> None:
        c.execute(
            events_table.insert().values(
                job_id=job_id,
                at=self.now(),
                kind=kind,
                detail=json.dumps(dict(detail), default=str) if detail else None,
            )
        )

    def events(self, job_id: str) -> builtins.list[dict[str, Any]]:
        with self.begin() as c:
            rows = c.execute(
                sa.select(events_table)
                .where(events_table.c.job_id == job_id)
                .order_by(events_table.c.seq)
            )
            return [dict(row._mapping) for row in rows]

    def prune(self, before: float) -> builtins.list[str]:
        with self.begin() as c:
            ids = [
                row[0]
                for row in c.execute(
                    sa.select(jobs_table.c.id).where(
                        jobs_table.c.state.in_(sorted(TERMINAL)),
                        jobs_table.c.updated_at < before,
                    )
                )
            ]
            if ids:
                c.execute(events_table.delete().where(events_table.c.job_id.in_(ids)))
                c.execute(jobs_table.delete().where(jobs_table.c.id.in_(ids)))
            return ids

    # ------------------------------------------------------------------ workers

    def register_worker(
        self, executor_id: str, owner: str, providers: builtins.list[str], stale_after: float
    ) -> None:
        """Claim ``executor_id`` for this process. Refused while another live process
        heartbeats under it (two processes on one id would recover each other's work)."""
        now = self.now()
        with self.begin() as c:
            query = sa.select(workers_table).where(workers_table.c.executor_id == executor_id)
            if self.is_postgres:
                query = query.with_for_update()
            row = c.execute(query).first()
            if row is not None and row.owner != owner and now - row.heartbeat_at < stale_after:
                from framecast import ConfigurationError

                raise ConfigurationError(
                    f"worker id {executor_id!r} is in use by a live worker (heartbeat "
                    f"{now - row.heartbeat_at:.1f} s ago): give each worker its own id "
                    "(--worker-id or FRAMECAST_WORKER_ID)"
                )
            c.execute(workers_table.delete().where(workers_table.c.executor_id == executor_id))
            c.execute(
                workers_table.insert().values(
                    executor_id=executor_id,
                    owner=owner,
                    heartbeat_at=now,
                    started_at=now,
                    providers=json.dumps(providers),
                )
            )

    def heartbeat(self, executor_id: str, owner: str) -> bool:
        """False when the row is gone or another process owns it: this worker was taken
        over and must stop."""
        with self.begin() as c:
            done = c.execute(
                workers_table.update()
                .where(workers_table.c.executor_id == executor_id)
                .where(workers_table.c.owner == owner)
                .values(heartbeat_at=self.now())
            ).rowcount
            return bool(done)

    def claim_stale(self, me: str, stale_after: float) -> builtins.list[str]:
        """Remove (claim) the rows of workers silent for ``stale_after`` seconds; each id
        is claimed by one survivor only (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        limit = self.now() - stale_after
        with self.begin() as c:
            query = sa.select(workers_table.c.executor_id).where(
                workers_table.c.heartbeat_at < limit, workers_table.c.executor_id != me
            )
            if self.is_postgres:
                query = query.with_for_update(skip_locked=True)
            stale = [row[0] for row in c.execute(query)]
            if stale:
                c.execute(
                    workers_table.delete()
                    .where(workers_table.c.executor_id.in_(stale))
                    .where(workers_table.c.heartbeat_at < limit)
                )
            return stale

    def unregister_worker(self, executor_id: str, owner: str) -> None:
        with self.begin() as c:
            c.execute(
                workers_table.delete()
                .where(workers_table.c.executor_id == executor_id)
                .where(workers_table.c.owner == owner)
            )

    def workers(self) -> builtins.list[dict[str, Any]]:
        with self.begin() as c:
            return [dict(r._mapping) for r in c.execute(sa.select(workers_table))]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _safe_url(url: str) -> str:
    """The URL without its password (a PostgreSQL URL may carry one)."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - never let a log line fail
        return "<database>"
