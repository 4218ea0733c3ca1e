"""The CLI's task log: one SQLite row per task ``framecast generate`` submits.

The row is written the moment the provider accepts the task, before any waiting, so a
process killed outright (``kill -9``, a closed laptop) still leaves the way back:
``framecast tasks`` lists the rows, and ``wait``/``status``/``cancel`` take a task id or a
unique prefix of it. ``status``, ``wait`` and ``cancel`` keep the rows' state current.

A row holds the handle, provider, model, a prompt summary, the estimate, the state, the
outputs and timings; never a credential (handles carry none, and provider failure text is
stored as the runner redacted it). The schema version is ``PRAGMA user_version``; each
version's migration runs once, in order. The log keeps at most ``limit`` rows: finished
tasks go first, oldest first.

Where it lives: ``FRAMECAST_LOG``, else ``task_log`` in the ``[cli]`` table of
framecast.toml, else ``tasks.db`` in the user data folder (platformdirs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._config import ConfigKey, check_keys

if TYPE_CHECKING:
    from .._config import Config
    from .._models import GenerationRequest, TaskHandle, TaskState

__all__ = [
    "FINISHED",
    "JOB_PREFIX",
    "LOG_VARIABLE",
    "LoggedTask",
    "TaskLog",
    "TaskLogError",
    "log_path",
    "request_fingerprint",
]

LOG_VARIABLE = "FRAMECAST_LOG"
#: Durable jobs use ids with this prefix; a task reference never starts with it.
JOB_PREFIX = "job_"
DEFAULT_LIMIT = 10_000
SCHEMA_VERSION = 2
SHORT_ID_LENGTH = 8
PROMPT_SUMMARY_CHARS = 200
FAILURE_CHARS = 500
MAX_OUTPUTS = 20

#: States a task leaves no more: pruning takes these first.
FINISHED = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "NOT_FOUND"})
#: A keyed submit in flight (its row is written before the create, so a second submit
#: with the key finds it) and one whose answer was lost.
SUBMITTING = "SUBMITTING"
UNKNOWN = "UNKNOWN"
#: Accepted by the provider, not read since.
SUBMITTED = "SUBMITTED"

_MIGRATIONS: tuple[str, ...] = (
    # 1: the tasks table.
    """
    CREATE TABLE tasks (
        id INTEGER PRIMARY KEY,
        provider TEXT NOT NULL,
        task_id TEXT,
        model TEXT,
        prompt TEXT NOT NULL DEFAULT '',
        handle TEXT,
        estimate TEXT,
        state TEXT NOT NULL,
        progress REAL,
        outputs TEXT NOT NULL DEFAULT '[]',
        failure TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (provider, task_id)
    );
    CREATE INDEX tasks_created ON tasks (created_at);
    CREATE INDEX tasks_task_id ON tasks (task_id);
    """,
    # 2: idempotency keys a user gave (one row per key), the request they went with, the
    # process that submitted it, and where the video was saved.
    """
    ALTER TABLE tasks ADD COLUMN idempotency_key TEXT;
    ALTER TABLE tasks ADD COLUMN fingerprint TEXT;
    ALTER TABLE tasks ADD COLUMN pid INTEGER;
    ALTER TABLE tasks ADD COLUMN saved_to TEXT;
    CREATE UNIQUE INDEX tasks_idempotency_key ON tasks (idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    """,
)
assert len(_MIGRATIONS) == SCHEMA_VERSION


class TaskLogError(Exception):
    """The log cannot be used (unreadable, not a database, a newer schema). Commands warn
    and go on without it: the log must never stop a task from being waited on."""


def log_path(env: Mapping[str, str], config: Config | None = None) -> Path:
    """``FRAMECAST_LOG``, else ``[cli] task_log`` (relative to its file), else the user
    data folder's ``tasks.db``."""
    configured = env.get(LOG_VARIABLE, "").strip()
    check_cli_table(config)
    if configured:
        return Path(configured).expanduser()
    if config is not None:
        value = config.table("cli").get("task_log")
        if isinstance(value, str) and value.strip():
            path = Path(value.strip()).expanduser()
            if not path.is_absolute() and config.source:
                path = Path(config.source).parent / path
            return path
    import platformdirs

    return platformdirs.user_data_path("framecast", appauthor=False) / "tasks.db"


#: The ``[cli]`` table of framecast.toml, as the CLI reads it.
CLI_KEYS = (
    ConfigKey("task_log", "str", doc="a file path, relative to the config file"),
    ConfigKey("task_log_limit", "int", minimum=1, doc="tasks kept, >= 1"),
)


def check_cli_table(config: Config | None) -> None:
    """Unknown ``[cli]`` keys warned about, wrong types refused (naming file and key)."""
    if config is not None and "cli" in config.tables:
        check_keys(config.table("cli"), CLI_KEYS, config.source, "cli")


def log_limit(config: Config | None) -> int:
    check_cli_table(config)
    value = config.table("cli").get("task_log_limit") if config is not None else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return DEFAULT_LIMIT


def request_fingerprint(provider: str, request: GenerationRequest) -> str:
    """What a reused idempotency key is compared with: the provider and every request
    field as given on the command line (image paths as written, not their bytes)."""
    import attrs as _attrs

    fields = _attrs.asdict(request, recurse=True)
    fields["provider"] = provider
    text = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def prompt_summary(prompt: str) -> str:
    flat = " ".join(prompt.split())
    if len(flat) <= PROMPT_SUMMARY_CHARS:
        return flat
    return flat[: PROMPT_SUMMARY_CHARS - 3] + "..."


@attrs.frozen
class LoggedTask:
    """One row of the log."""

    row: int
    provider: str
    task_id: str | None
    model: str | None
    prompt: str
    handle: dict[str, Any] | None
    estimate: dict[str, Any] | None
    state: str
    progress: float | None
    outputs: tuple[str, ...]
    failure: str | None
    created_at: str
    updated_at: str
    finished_at: str | None
    idempotency_key: str | None
    fingerprint: str | None
    pid: int | None
    saved_to: str | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "task_id": self.task_id,
            "model": self.model,
            "prompt": self.prompt,
            "state": self.state,
            "progress": self.progress,
            "outputs": list(self.outputs),
            "failure": self.failure,
            "estimate": self.estimate,
            "idempotency_key": self.idempotency_key,
            "saved_to": self.saved_to,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "finished_at": self.finished_at,
            "handle": self.handle,
        }


@attrs.frozen
class Claim:
    """The outcome of claiming an idempotency key: the new row, or the row holding it."""

    row: int | None = None
    existing: LoggedTask | None = None


class TaskLog:
    """The SQLite task log at ``path``. Each method opens, works and closes: CLI processes
    share the file, and none holds it between its steps."""

    def __init__(
        self,
        path: Path,
        *,
        limit: int = DEFAULT_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.limit = limit
        self._clock = clock

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, config: Config | None = None
    ) -> TaskLog:
        from .._config import load_config
        from .._errors import ConfigurationError

        if config is None:
            try:
                config = load_config()
            except ConfigurationError:
                config = None
        environ = os.environ if env is None else env
        return cls(log_path(environ, config), limit=log_limit(config))

    # ------------------------------------------------------------------ connection

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fresh = not self.path.exists()
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise TaskLogError(f"cannot open {self.path}: {exc}") from None
        try:
            if fresh:
                # Handles name tasks a user paid for; the log is theirs alone to read.
                with contextlib.suppress(OSError):
                    os.chmod(self.path, 0o600)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA busy_timeout = 10000")
            self._migrate(connection)
            yield connection
        except sqlite3.Error as exc:
            raise TaskLogError(f"{self.path}: {exc}") from None
        finally:
            connection.close()

    def _migrate(self, connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise TaskLogError(
                f"{self.path} has schema version {version}, newer than this framecast "
                f"reads ({SCHEMA_VERSION}): upgrade framecast, or set {LOG_VARIABLE} to "
                "another file"
            )
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _statements(_MIGRATIONS[number - 1]):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _now(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="seconds")

    # ------------------------------------------------------------------ writing

    def claim_key(
        self,
        key: str,
        *,
        provider: str,
        fingerprint: str,
        prompt: str,
        model: str | None,
        estimate: Mapping[str, Any] | None,
    ) -> Claim:
        """Reserve ``key`` for a submit about to be sent, or return the row holding it."""
        with self._write() as db:
            found = db.execute("SELECT * FROM tasks WHERE idempotency_key = ?", (key,)).fetchone()
            if found is not None:
                return Claim(existing=_task(found))
            now = self._now()
            cursor = db.execute(
                "INSERT INTO tasks (provider, model, prompt, estimate, state, created_at, "
                "updated_at, idempotency_key, fingerprint, pid) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    provider,
                    model,
                    prompt_summary(prompt),
                    _json(estimate),
                    SUBMITTING,
                    now,
                    now,
                    key,
                    fingerprint,
                    os.getpid(),
                ),
            )
            row = cursor.lastrowid
        self._bound()
        return Claim(row=row)

    def take_over(self, row: int) -> None:
        """This process submits again for a claimed key whose first submit left no task."""
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET state = ?, pid = ?, updated_at = ? WHERE id = ?",
                (SUBMITTING, os.getpid(), self._now(), row),
            )

    def release(self, row: int) -> None:
        """The submit for a claimed key certainly created nothing: free the key."""
        with self._write() as db:
            db.execute("DELETE FROM tasks WHERE id = ? AND task_id IS NULL", (row,))

    def mark_unknown(self, row: int, reason: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE tasks SET state = ?, failure = ?, updated_at = ? "
                "WHERE id = ? AND task_id IS NULL",
                (UNKNOWN, reason[:FAILURE_CHARS], self._now(), row),
            )

    def record_submitted(
        self,
        handle: TaskHandle,
        *,
        prompt: str = "",
        estimate: Mapping[str, Any] | None = None,
        row: int | None = None,
    ) -> None:
        """The provider accepted ``handle``'s task (into the claimed ``row`` if any)."""
        now = self._now()
        data = json.dumps(handle.to_dict(), sort_keys=True)
        with self._write() as db:
            if row is not None:
                db.execute(
                    "UPDATE tasks SET task_id = ?, handle = ?, model = ?, state = ?, "
                    "updated_at = ? WHERE id = ?",
                    (handle.task_id, data, handle.model, SUBMITTED, now, row),
                )
            else:
                db.execute(
                    "INSERT INTO tasks (provider, task_id, model, prompt, handle, estimate, "
                    "state, created_at, updated_at, pid) VALUES (?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (provider, task_id) DO UPDATE SET handle = excluded.handle",
                    (
                        handle.provider,
                        handle.task_id,
                        handle.model,
                        prompt_summary(prompt),
                        data,
                        _json(estimate),
                        SUBMITTED,
                        now,
                        now,
                        os.getpid(),
                    ),
                )
        self._bound()

    def record_state(
        self, handle: TaskHandle, state: TaskState, *, saved_to: str | None = None
    ) -> None:
        """What a status read, a wait or a cancel learnt (the row is added if missing)."""
        failure = None
        if state.failure_code or state.failure_message:
            code = f"[{state.failure_code}] " if state.failure_code else ""
            failure = (code + (state.failure_message or "")).strip()[:FAILURE_CHARS]
        self.record(
            handle,
            state=state.status.value,
            progress=state.progress,
            outputs=list(state.outputs)[:MAX_OUTPUTS],
            failure=failure,
            saved_to=saved_to,
        )

    def record_outcome(self, handle: TaskHandle, state: str, failure: str | None = None) -> None:
        """A state learnt from an error (``FAILED``, ``NOT_FOUND``)."""
        self.record(handle, state=state, failure=(failure or None) and failure[:FAILURE_CHARS])

    def record(
        self,
        handle: TaskHandle,
        *,
        state: str,
        progress: float | None = None,
        outputs: Sequence[str] | None = None,
        failure: str | None = None,
        saved_to: str | None = None,
    ) -> None:
        """Set ``handle``'s row's state and what came with it (the row is added if missing)."""
        now = self._now()
        finished = now if state in FINISHED else None
        with self._write() as db:
            found = db.execute(
                "SELECT id, finished_at FROM tasks WHERE provider = ? AND task_id = ?",
                (handle.provider, handle.task_id),
            ).fetchone()
            if found is None:
                db.execute(
                    "INSERT INTO tasks (provider, task_id, model, handle, state, created_at, "
                    "updated_at) VALUES (?,?,?,?,?,?,?)",
                    (
                        handle.provider,
                        handle.task_id,
                        handle.model,
                        json.dumps(handle.to_dict(), sort_keys=True),
                        state,
                        now,
                        now,
                    ),
                )
                found = db.execute(
                    "SELECT id, finished_at FROM tasks WHERE provider = ? AND task_id = ?",
                    (handle.provider, handle.task_id),
                ).fetchone()
            db.execute(
                "UPDATE tasks SET state = ?, progress = COALESCE(?, progress), "
                "outputs = COALESCE(?, outputs), failure = COALESCE(?, failure), "
                "saved_to = COALESCE(?, saved_to), updated_at = ?, "
                "finished_at = COALESCE(finished_at, ?) WHERE id = ?",
                (
                    state,
                    progress,
                    json.dumps(list(outputs)) if outputs else None,
                    failure,
                    saved_to,
                    now,
                    finished,
                    found["id"],
                ),
            )
        self._bound()

    def _bound(self) -> None:
        """At most ``limit`` rows: the oldest finished tasks go first, then the oldest."""
        with self._write() as db:
            count = db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
            excess = count - self.limit
            if excess <= 0:
                return
            marks = ",".join("?" * len(FINISHED))
            db.execute(
                f"DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE state IN ({marks}) "
                "ORDER BY created_at, id LIMIT ?)",
                (*sorted(FINISHED), excess),
            )
            count = db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
            if count > self.limit:
                db.execute(
                    "DELETE FROM tasks WHERE id IN (SELECT id FROM tasks "
                    "ORDER BY created_at, id LIMIT ?)",
                    (count - self.limit,),
                )

    # ------------------------------------------------------------------ reading

    def tasks(
        self,
        *,
        provider: str | None = None,
        states: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
    ) -> list[LoggedTask]:
        """Rows, newest first, filtered."""
        where, params = _filters(provider, states, since, until)
        sql = f"SELECT * FROM tasks{where} ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._connect() as db:
            return [_task(row) for row in db.execute(sql, params)]

    def prune(
        self,
        *,
        provider: str | None = None,
        states: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
    ) -> int:
        """Delete the finished tasks the filters select (unfinished ones stay: they are the
        way back to tasks still running). Returns how many went."""
        chosen = [s for s in states if s in FINISHED] if states else sorted(FINISHED)
        if not chosen:
            return 0
        where, params = _filters(provider, chosen, since, until)
        with self._write() as db:
            deleted = db.execute(f"DELETE FROM tasks{where}", params).rowcount
        with self._connect() as db:
            db.execute("VACUUM")
        return int(deleted)

    def find(self, reference: str) -> list[LoggedTask]:
        """Rows whose task id is ``reference``, else those it is a prefix of."""
        with self._connect() as db:
            exact = db.execute(
                "SELECT * FROM tasks WHERE task_id = ? ORDER BY created_at DESC", (reference,)
            ).fetchall()
            if exact:
                return [_task(row) for row in exact]
            rows = db.execute(
                "SELECT * FROM tasks WHERE substr(task_id, 1, ?) = ? "
                "ORDER BY created_at DESC LIMIT 20",
                (len(reference), reference),
            ).fetchall()
        return [_task(row) for row in rows]

    def short_id(self, task_id: str) -> str:
        """The shortest prefix of ``task_id`` (at least 8 characters) no other logged task
        id starts with, or the whole id."""
        with self._connect() as db:
            for length in range(SHORT_ID_LENGTH, len(task_id)):
                prefix = task_id[:length]
                others = db.execute(
                    "SELECT COUNT(*) FROM tasks WHERE substr(task_id, 1, ?) = ? AND task_id != ?",
                    (length, prefix, task_id),
                ).fetchone()[0]
                if not others:
                    return prefix
        return task_id


def _filters(
    provider: str | None, states: Sequence[str], since: str | None, until: str | None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if provider:
        clauses.append("provider = ?")
        params.append(provider)
    if states:
        clauses.append(f"state IN ({','.join('?' * len(states))})")
        params.extend(states)
    if since:
        clauses.append("created_at >= ?")
        params.append(since)
    if until:
        clauses.append("created_at < ?")
        params.append(until)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(dict(value), sort_keys=True, default=str)


def _task(row: sqlite3.Row) -> LoggedTask:
    return LoggedTask(
        row=row["id"],
        provider=row["provider"],
        task_id=row["task_id"],
        model=row["model"],
        prompt=row["prompt"],
        handle=json.loads(row["handle"]) if row["handle"] else None,
        estimate=json.loads(row["estimate"]) if row["estimate"] else None,
        state=row["state"],
        progress=row["progress"],
        outputs=tuple(json.loads(row["outputs"] or "[]")),
        failure=row["failure"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
        idempotency_key=row["idempotency_key"],
        fingerprint=row["fingerprint"],
        pid=row["pid"],
        saved_to=row["saved_to"],
    )
