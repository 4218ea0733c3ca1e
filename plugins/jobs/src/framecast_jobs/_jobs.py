"""``Jobs``: the durable job API (submit, get, list, wait, cancel, retry, prune, notify)."""

from __future__ import annotations

import asyncio
import builtins
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framecast import (
    ConfigurationError,
    GenerationRequest,
    Runner,
    TaskHandle,
    TaskTimeout,
    ValidationError,
)

from . import _requests
from ._model import ConflictError, Job, JobNotFound, RetryRefused
from ._store import TERMINAL, Store, _safe_url

if TYPE_CHECKING:
    from ._worker import Worker

# The version of the job workflow's step sequence, not of the package: DBOS recovers only
# workflows of the running application version, so this changes only when a pending
# workflow could not be replayed by the new code (and then old workers drain first).
APPLICATION_VERSION = "framecast-jobs-1"
WORKFLOW_NAME = "framecast_jobs.run"
WAKE_TOPIC = "framecast.wake"
DATABASE_VARIABLE = "FRAMECAST_JOBS_DATABASE"

RunnerFactory = Callable[[str], Runner]

_process_lock = threading.Lock()
_process_database: str | None = None
_process_users = 0


def queue_name(provider: str) -> str:
    return f"framecast-{provider}"


def new_job_id() -> str:
    return "job_" + secrets.token_hex(13)


def default_database() -> str:
    """``FRAMECAST_JOBS_DATABASE``, else a SQLite file in the user data directory."""
    configured = os.environ.get(DATABASE_VARIABLE)
    if configured:
        return configured
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("framecast", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'jobs.db'}"


def _normalise(database: str) -> str:
    if "://" not in database:  # a bare path: a SQLite file
        return f"sqlite:///{Path(database).expanduser().resolve()}"
    return database


def _claim_process(database: str) -> None:
    """DBOS is one instance per process: one jobs database per process."""
    global _process_database, _process_users
    with _process_lock:
        if _process_database is None:
            _process_database = database
        elif _process_database != database:
            raise ConfigurationError(
                f"this process already uses the jobs database {_safe_url(_process_database)}; "
                f"DBOS allows one per process, so {_safe_url(database)} cannot be opened too "
                "(run a second database's workers in another process)"
            )
        _process_users += 1


def _release_process() -> None:
    global _process_database, _process_users
    with _process_lock:
        _process_users -= 1
        if _process_users <= 0:
            _process_database, _process_users = None, 0


class Jobs:
    """Durable framecast jobs in one database (process-wide: one per process).

    ``database``: ``sqlite:///path`` (one host) or ``postgresql://…`` (many hosts); default
    ``FRAMECAST_JOBS_DATABASE``, else a SQLite file in the user data directory.
    ``runner_factory``: builds the ``Runner`` for a provider name (default
    ``Runner(name)``, credentials from the environment; they are never stored).
    Methods are coroutines; ``jobs.sync`` has the same methods, blocking.
    """

    def __init__(
        self,
        database: str | None = None,
        *,
        runner_factory: RunnerFactory | None = None,
        clock: Callable[[], float] = time.time,
        poll_chunk: float = 300.0,
        application_version: str = APPLICATION_VERSION,
    ) -> None:
        self.database = _normalise(database or default_database())
        _claim_process(self.database)
        try:
            self.clock = clock
            self.runner_factory: RunnerFactory = runner_factory or (lambda name: Runner(name))
            self.poll_chunk = poll_chunk
            self.application_version = application_version
            self._store = Store(self.database, clock=clock)
            self._client: Any = None
            self._runners: dict[str, Runner] = {}
            self._worker: Worker | None = None
            self.sync = SyncJobs(self)
        except BaseException:
            _release_process()
            raise

    def __repr__(self) -> str:
        return f"Jobs(database={_safe_url(self.database)!r})"

    def close(self) -> None:
        if self._client is not None:
            self._client.destroy()
            self._client = None
        self._store.close()
        _release_process()

    async def __aenter__(self) -> Jobs:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ engine

    def _dbos_client(self) -> Any:
        if self._client is None:
            from dbos import DBOS, DBOSClient
            from dbos._serialization import DBOSPortableJSONSerializer

            DBOS.migrate(self.database)
            self._client = DBOSClient(
                system_database_url=self.database,
                serializer=DBOSPortableJSONSerializer(),
                application_name="framecast",
            )
        return self._client

    def runner(self, provider: str) -> Runner:
        """The (cached) runner for ``provider``."""
        runner = self._runners.get(provider)
        if runner is None:
            runner = self._runners[provider] = self.runner_factory(provider)
        return runner

    def _enqueue(self, job_id: str, provider: str, attempt: int) -> None:
        client = self._dbos_client()
        client.enqueue(
            {
                "workflow_name": WORKFLOW_NAME,
                "queue_name": queue_name(provider),
                "workflow_id": f"{job_id}.{attempt}",
                "app_version": self.application_version,
                "application_name": "framecast",
            },
            job_id,
            attempt,
        )

    # ------------------------------------------------------------------ submit

    def _submit(
        self,
        request: GenerationRequest,
        provider: str | None,
        key: str | None,
        max_cost: float | None,
        out: str | os.PathLike[str] | None,
    ) -> Job:
        if not isinstance(request, GenerationRequest):
            raise ValidationError(
                "request: expected a GenerationRequest",
                field="request",
                value=type(request).__name__,
                allowed="GenerationRequest",
            )
        runner = self.runner(provider or os.environ.get("FRAMECAST_PROVIDER") or "preview")
        name = runner.provider_name
        job_id = new_job_id()
        key = key or request.idempotency_key or job_id
        frozen = _requests.freeze(request).evolve(idempotency_key=key)
        # Everything that can refuse the request runs before anything is recorded.
        prepared = runner.prepare(frozen)
        estimate = runner.estimate(frozen)
        if max_cost is not None:
            _check_budget(max_cost, estimate, prepared.model)
        fingerprint = prepared.fingerprint()
        row = {
            "id": job_id,
            "idempotency_key": key,
            "fingerprint": fingerprint,
            "provider": name,
            "model": prepared.model or None,
            "state": "queued",
            "request": json.dumps(_requests.to_data(frozen)),
            "out": str(Path(out).expanduser().resolve()) if out is not None else None,
            "max_cost": max_cost,
            "estimate": json.dumps(estimate.to_dict()) if estimate else None,
            "attempt": 1,
            "cancel_requested": False,
        }
        stored, created = self._store.insert_job(row)
        if not created:
            if stored["fingerprint"] != fingerprint or stored["provider"] != name:
                raise ConflictError(
                    f"idempotency key {key!r} already names job {stored['id']} with another "
                    f"request (fingerprint {stored['fingerprint']}, {stored['provider']}); "
                    f"this request's fingerprint is {fingerprint} ({name}). Use a new key "
                    "for a new request",
                    details={
                        "key": key,
                        "job_id": stored["id"],
                        "stored_fingerprint": stored["fingerprint"],
                        "fingerprint": fingerprint,
                    },
                )
            return self._get(stored["id"])
        self._enqueue(job_id, name, 1)
        if self._client.retrieve_queue(queue_name(name)) is None:
            reason = f"no worker has served provider {name!r} yet (start `framecast worker`)"
            self._store.update(job_id, "waiting", {"reason": reason}, reason=reason)
        return self._get(job_id)

    async def submit(
        self,
        request: GenerationRequest,
        *,
        provider: str | None = None,
        key: str | None = None,
        max_cost: float | None = None,
        out: str | os.PathLike[str] | None = None,
    ) -> Job:
        """Record a job for ``request`` and queue it. Validates, prepares and estimates
        first: bad input raises ``ValidationError`` and records nothing. The same ``key``
        again (from any process on this database) returns the same job; with another
        request it raises ``ConflictError`` naming both fingerprints."""
        return await asyncio.to_thread(self._submit, request, provider, key, max_cost, out)

    # ------------------------------------------------------------------ reading

    def _get(self, job_id: str) -> Job:
        row = self._store.get(job_id)
        if row is None:
            raise JobNotFound(f"no job {job_id!r} in {_safe_url(self.database)}")
        return Job.from_row(row, self._store.events(row["id"]))

    async def get(self, job_id: str) -> Job:
        return await asyncio.to_thread(self._get, job_id)

    def _list(
        self, state: str | None, provider: str | None, since: float | None, limit: int | None
    ) -> builtins.list[Job]:
        rows = self._store.list(state=state, provider=provider, since=since, limit=limit)
        return [Job.from_row(row) for row in rows]

    async def list(
        self,
        *,
        state: str | None = None,
        provider: str | None = None,
        since: float | None = None,
        limit: int | None = None,
    ) -> builtins.list[Job]:
        """Jobs oldest first; ``since``: a Unix time."""
        return await asyncio.to_thread(self._list, state, provider, since, limit)

    async def wait(self, job_id: str, *, timeout: float | None = None, poll: float = 0.2) -> Job:
        """The job once it has ended. ``TaskTimeout`` if it outlasts ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = await self.get(job_id)
            if job.done:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TaskTimeout(
                    f"job {job.id} is still {job.state} after {timeout} s",
                    handle=job.handle,
                    details={"job_id": job.id, "state": job.state},
                )
            await asyncio.sleep(poll)

    # ------------------------------------------------------------------ changing

    async def cancel(self, job_id: str, *, delete: bool = False) -> Job:
        """Cancel the job: a queued one never starts; a running one's provider task is
        cancelled (``delete``: its output deleted too, where the provider can)."""
        job = await self.get(job_id)
        if job.done:
            return job
        self._store.update(job.id, "cancel_requested", None, cancel_requested=True)
        if job.handle is not None:
            try:
                async with self.runner_factory(job.provider) as runner:
                    await runner.cancel(job.handle, delete=delete)
            except Exception as exc:  # noqa: BLE001 - recorded; the worker's poll sees the end
                self._store.event(job.id, "cancel_failed", {"error": str(exc)})
        if job.state in ("queued",) or job.handle is not None:
            await asyncio.to_thread(
                self._store.update, job.id, "cancelled", None, state="cancelled"
            )
            await asyncio.to_thread(self._wake_remote, job.id, job.attempt)
        return await self.get(job.id)

    def _retry(self, job_id: str, may_pay_twice: bool) -> Job:
        job = self._get(job_id)
        if job.state == "outcome_unknown" and not may_pay_twice:
            raise RetryRefused(
                f"job {job.id} may already have a provider task (outcome unknown): retrying "
                "may pay twice. Check the provider's dashboard, then retry with "
                "may_pay_twice=True (CLI: --may-pay-twice)",
                details={"job_id": job.id, "state": job.state, "error": job.error},
            )
        if job.state not in ("failed", "outcome_unknown"):
            raise RetryRefused(
                f"job {job.id} is {job.state}: only a failed job (or, paying twice, an "
                "outcome-unknown one) can be retried",
                details={"job_id": job.id, "state": job.state},
            )
        attempt = job.attempt + 1
        self._store.update(
            job.id,
            "retried",
            {"attempt": attempt, "previous_handle": job.handle.to_dict() if job.handle else None},
            unless_terminal=False,
            state="queued",
            attempt=attempt,
            attempt_started_at=None,
            handle=None,
            error=None,
            reason=None,
            cancel_requested=False,
        )
        self._enqueue(job.id, job.provider, attempt)
        return self._get(job.id)

    async def retry(self, job_id: str, *, may_pay_twice: bool = False) -> Job:
        """Run a failed job again (a new provider task). From ``outcome_unknown`` only
        with ``may_pay_twice=True``: the first task may exist and be billed."""
        return await asyncio.to_thread(self._retry, job_id, may_pay_twice)

    async def prune(self, *, before: float) -> builtins.list[str]:
        """Delete finished jobs last changed before ``before`` (a Unix time)."""
        return await asyncio.to_thread(self._store.prune, before)

    # ------------------------------------------------------------------ wake-ups

    def _wake_remote(self, job_id: str, attempt: int) -> None:
        try:
            self._dbos_client().send(f"{job_id}.{attempt}", {"wake": True}, WAKE_TOPIC)
        except Exception:  # noqa: BLE001 - a wake-up is a hint; polling is the backstop
            pass

    async def notify(self, target: str | TaskHandle) -> Job | None:
        """Wake a waiting job early (it polls now instead of at its next poll): by job id
        or by provider handle. In this process at once; elsewhere at its next chunk."""
        job: Job | None = None
        if isinstance(target, TaskHandle):
            for row in await self.list(provider=target.provider):
                if row.handle is not None and row.handle.task_id == target.task_id:
                    job = row
                    break
        else:
            job = await self.get(target)
        if job is None or job.done:
            return job
        from . import _worker

        if not _worker.wake_local(job.id):
            await asyncio.to_thread(self._wake_remote, job.id, job.attempt)
        return job

    # ------------------------------------------------------------------ workers

    def worker(self, **kwargs: Any) -> Worker:
        """``async with jobs.worker():`` runs this database's jobs in this process."""
        from ._worker import Worker

        return Worker(self, **kwargs)


def _check_budget(max_cost: float, estimate: Any, model: str) -> None:
    if estimate is None:
        raise ValidationError(
            f"max_cost is set to ${max_cost:.2f} but the price of {model!r} is unknown; "
            "refusing to record the job",
            field="max_cost",
            value=max_cost,
            allowed="a model with a known price, or no max_cost",
        )
    if estimate.amount > max_cost:
        raise ValidationError(
            f"estimated cost ${estimate.amount:.2f} ({estimate.formula}) exceeds "
            f"max_cost ${max_cost:.2f}",
            field="max_cost",
            value=max_cost,
            allowed=f"max_cost of at least ${estimate.amount:.2f} (the estimate)",
            details={"estimate": estimate.to_dict()},
        )


class SyncJobs:
    """``Jobs``' methods, blocking (for scripts and the CLI)."""

    def __init__(self, jobs: Jobs) -> None:
        self._jobs = jobs

    def submit(self, request: GenerationRequest, **kwargs: Any) -> Job:
        return self._jobs._submit(
            request,
            kwargs.get("provider"),
            kwargs.get("key"),
            kwargs.get("max_cost"),
            kwargs.get("out"),
        )

    def get(self, job_id: str) -> Job:
        return self._jobs._get(job_id)

    def list(self, **kwargs: Any) -> builtins.list[Job]:
        return self._jobs._list(
            kwargs.get("state"), kwargs.get("provider"), kwargs.get("since"), kwargs.get("limit")
        )

    def wait(self, job_id: str, **kwargs: Any) -> Job:
        return asyncio.run(self._jobs.wait(job_id, **kwargs))

    def cancel(self, job_id: str, **kwargs: Any) -> Job:
        return asyncio.run(self._jobs.cancel(job_id, **kwargs))

    def retry(self, job_id: str, *, may_pay_twice: bool = False) -> Job:
        return self._jobs._retry(job_id, may_pay_twice)

    def prune(self, *, before: float) -> builtins.list[str]:
        return self._jobs._store.prune(before)

    def notify(self, target: str | TaskHandle) -> Job | None:
        return asyncio.run(self._jobs.notify(target))


__all__ = ["TERMINAL", "Jobs", "SyncJobs"]
