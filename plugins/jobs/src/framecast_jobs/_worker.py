"""The worker: DBOS runs each job as a workflow of two kinds of checkpointed step.

``submit`` sends the create request (after committing an ``attempt_started`` mark) and
records the handle; ``wait`` polls from the recorded handle at the provider's floor for a
bounded chunk, with no database write per poll, and records the result when the task ends.
Between chunks the workflow takes wake-ups sent from other processes.

Each worker heartbeats under its own executor id; a survivor claims the id of a worker
silent for ``stale_after`` seconds and recovers its pending workflows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
import threading
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbos import DBOS
from framecast import (
    FramecastError,
    GenerationFailed,
    OutcomeUnknown,
    Runner,
    TaskTimeout,
)

from . import _requests
from ._jobs import APPLICATION_VERSION, WAKE_TOPIC, WORKFLOW_NAME, queue_name
from ._model import Job
from ._store import _safe_url

if TYPE_CHECKING:
    from ._jobs import Jobs

logger = logging.getLogger("framecast_jobs")

_current: Worker | None = None
_wakers: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
_wakers_lock = threading.Lock()


def wake_local(job_id: str) -> bool:
    """Wake a job waiting in this process; False when none is."""
    with _wakers_lock:
        entry = _wakers.get(job_id)
    if entry is None:
        return False
    loop, event = entry
    loop.call_soon_threadsafe(event.set)
    return True


def _worker() -> Worker:
    if _current is None:
        raise RuntimeError("no framecast worker is running in this process")
    return _current


# --------------------------------------------------------------------------- workflow


@DBOS.step(name="framecast_jobs.submit")
async def submit_step(job_id: str, attempt: int) -> dict[str, Any]:
    return await _worker().submit(job_id, attempt)


@DBOS.step(name="framecast_jobs.wait")
async def wait_step(job_id: str, attempt: int) -> dict[str, Any]:
    return await _worker().wait_chunk(job_id, attempt)


@DBOS.workflow(name=WORKFLOW_NAME)
async def run_job(job_id: str, attempt: int) -> dict[str, Any]:
    outcome = await submit_step(job_id, attempt)
    while not outcome.get("end"):
        outcome = await wait_step(job_id, attempt)
        if not outcome.get("end"):
            await DBOS.recv_async(WAKE_TOPIC, timeout_seconds=0.01)
    return outcome


# --------------------------------------------------------------------------- worker


def installed_providers() -> list[str]:
    return sorted({ep.name for ep in entry_points(group="framecast")})


def default_worker_id() -> str:
    return os.environ.get("FRAMECAST_WORKER_ID") or f"{socket.gethostname()}-worker"


class Worker:
    """Runs the jobs of one database in this process (``async with jobs.worker():``).

    ``worker_id``: this worker's executor id, unique and stable across restarts (default
    ``FRAMECAST_WORKER_ID``, else ``<hostname>-worker``); a restarted worker resumes its
    own jobs at once. ``providers``: the queues served (default: every installed
    provider). ``concurrency``: jobs run at once here. ``heartbeat``/``stale_after``:
    seconds between heartbeats, and of silence after which a survivor takes over.
    """

    def __init__(
        self,
        jobs: Jobs,
        *,
        worker_id: str | None = None,
        providers: list[str] | None = None,
        concurrency: int = 16,
        heartbeat: float = 1.0,
        stale_after: float = 3.0,
        poll_chunk: float | None = None,
        queue_poll: float = 0.2,
    ) -> None:
        self.jobs = jobs
        self.store = jobs._store
        self.worker_id = worker_id or default_worker_id()
        self.providers = providers or installed_providers()
        self.concurrency = concurrency
        self.heartbeat = heartbeat
        self.stale_after = stale_after
        self.poll_chunk = poll_chunk if poll_chunk is not None else jobs.poll_chunk
        self.queue_poll = queue_poll
        self.owner = secrets.token_hex(8)
        self.lost = threading.Event()  # taken over by another worker: stop
        self.stopping = threading.Event()
        self.recovered: list[str] = []  # executor ids this worker took over
        self._runners: dict[str, Runner] = {}
        self._beat: threading.Thread | None = None
        self._launched_dbos = False

    def __repr__(self) -> str:
        return f"Worker(id={self.worker_id!r}, database={_safe_url(self.jobs.database)!r})"

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Worker:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)

    def start(self) -> None:
        global _current
        if _current is not None:
            from framecast import ConfigurationError

            raise ConfigurationError("a framecast worker already runs in this process")
        from dbos import _dbos
        from dbos._serialization import DBOSPortableJSONSerializer

        existing = _dbos._dbos_global_instance
        if existing is not None:
            from framecast import ConfigurationError

            url = existing._config.get("system_database_url")
            if url != self.jobs.database:
                raise ConfigurationError(
                    "this process already runs DBOS on another system database "
                    f"({_safe_url(str(url))}); framecast jobs need "
                    f"{_safe_url(self.jobs.database)}: give Jobs the same database to "
                    "share DBOS, or run the worker in its own process"
                )
        self._register()
        _current = self
        try:
            if existing is None:
                DBOS(
                    config={
                        "name": "framecast",
                        "system_database_url": self.jobs.database,
                        "application_version": self.jobs.application_version,
                        "executor_id": self.worker_id,
                        # async workflows run on one event loop; the pool serves sync work
                        "max_executor_threads": max(8, self.concurrency),
                        "serializer": DBOSPortableJSONSerializer(),
                        "notification_listener_polling_interval_sec": 0.2,
                        "log_level": os.environ.get("FRAMECAST_JOBS_DBOS_LOG", "WARNING"),
                    }
                )
                DBOS.listen_queues([queue_name(p) for p in self.providers])
                DBOS.launch()
                self._launched_dbos = True
            for provider in self.providers:
                cap = self._global_cap(provider)
                DBOS.register_queue(
                    queue_name(provider),
                    worker_concurrency=min(self.concurrency, cap or self.concurrency),
                    global_concurrency=cap,
                    polling_interval_sec=self.queue_poll,
                    on_conflict="always_update",
                )
        except BaseException:
            _current = None
            raise
        self._beat = threading.Thread(target=self._beat_loop, name="framecast-heartbeat")
        self._beat.daemon = True
        self._beat.start()
        logger.info("worker %s serving %s", self.worker_id, ", ".join(self.providers))

    def _register(self) -> None:
        """Claim the worker id; a fresh heartbeat under it may be a process just killed
        (it beats no more), so wait out one silence before refusing."""
        from framecast import ConfigurationError

        deadline = time.monotonic() + self.stale_after + 2 * self.heartbeat
        while True:
            try:
                self.store.register_worker(
                    self.worker_id, self.owner, self.providers, self.stale_after
                )
                return
            except ConfigurationError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(self.heartbeat / 2)

    def _global_cap(self, provider: str) -> int | None:
        """The provider's running-task cap, held across every worker by DBOS's queue."""
        try:
            cap = self.jobs.runner(provider).max_running_tasks
        except Exception:  # noqa: BLE001 - a provider that cannot load here has no cap
            return None
        return cap or None

    def stop(self) -> None:
        """Stop taking jobs. In-flight jobs stay pending under this worker's id and are
        handed back: the row is marked stale at once, so a survivor (or this worker's
        next start) resumes them from their last checkpoint."""
        global _current
        self.stopping.set()
        if self._beat is not None:
            self._beat.join(timeout=5)
        if self._launched_dbos:
            DBOS.destroy(workflow_completion_timeout_sec=0)
            self._launched_dbos = False
        if not self.lost.is_set():
            try:
                with self.store.begin() as c:
                    from ._store import workers_table

                    c.execute(
                        workers_table.update()
                        .where(workers_table.c.executor_id == self.worker_id)
                        .where(workers_table.c.owner == self.owner)
                        .values(heartbeat_at=0.0)
                    )
            except Exception:  # noqa: BLE001
                logger.debug("could not hand back worker %s", self.worker_id)
        _current = None

    async def serve(self) -> None:
        """Run until stopped or taken over."""
        while not (self.stopping.is_set() or self.lost.is_set()):
            await asyncio.sleep(0.2)

    # ------------------------------------------------------------------ heartbeat

    def _beat_loop(self) -> None:
        sweeps = 0
        while not self.stopping.wait(self.heartbeat):
            try:
                if not self.store.heartbeat(self.worker_id, self.owner):
                    logger.warning(
                        "worker %s is no longer owned by this process (another worker took "
                        "it over after a silence): stopping",
                        self.worker_id,
                    )
                    self.lost.set()
                    return
                for stale in self.store.claim_stale(self.worker_id, self.stale_after):
                    handles = DBOS._recover_pending_workflows([stale])
                    self.recovered.append(stale)
                    logger.warning("took over worker %s: %d jobs resumed here", stale, len(handles))
                sweeps += 1
                if sweeps % 5 == 1:
                    self._sweep_unqueued()
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried
                logger.warning("heartbeat of %s failed: %s", self.worker_id, exc)

    def _sweep_unqueued(self) -> None:
        """Queue jobs recorded but never queued (their submitter died in between); the
        workflow id makes this idempotent."""
        limit = self.store.now() - 5.0
        for provider in self.providers:
            for row in self.store.list(state="queued", provider=provider, limit=200):
                if row["created_at"] < limit and row["attempt_started_at"] is None:
                    self.jobs._enqueue(row["id"], provider, row["attempt"] or 1)

    # ------------------------------------------------------------------ steps

    def runner(self, provider: str) -> Runner:
        runner = self._runners.get(provider)
        if runner is None:
            runner = self._runners[provider] = self.jobs.runner_factory(provider)
        return runner

    def _job(self, job_id: str) -> Job:
        return self.jobs._get(job_id)

    def _check_owned(self) -> None:
        if self.lost.is_set():
            raise RuntimeError(f"worker {self.worker_id} is no longer owned by this process")

    async def submit(self, job_id: str, attempt: int) -> dict[str, Any]:
        self._check_owned()
        store = self.store
        job = await asyncio.to_thread(self._job, job_id)
        if job.done or job.attempt != attempt:
            return {"end": job.state}
        if job.handle is not None:  # recorded before a crash: go on waiting
            return {}
        if job.cancel_requested:
            store.update(job_id, "cancelled", None, state="cancelled")
            return {"end": "cancelled"}
        runner = self.runner(job.provider)
        if job.attempt_started_at is not None:
            # A run of this step before a crash may have sent the create request.
            if not runner.info.supports_dedupe:
                return self._unknown_after_crash(job)
            store.event(
                job_id,
                "resubmit_same_key",
                {"key": job.idempotency_key, "why": "the provider dedupes by key"},
            )
        now = store.now()
        store.update(
            job_id,
            "attempt_started",
            {"attempt": attempt, "worker": self.worker_id, "fingerprint": job.fingerprint},
            state="submitting",
            attempt_started_at=job.attempt_started_at or now,
        )
        request = _requests.from_data(job.request)
        try:
            handle = await runner.submit(request)
        except OutcomeUnknown as exc:
            store.update(
                job_id, "outcome_unknown", exc.details, state="outcome_unknown", error=_err(exc)
            )
            return {"end": "outcome_unknown"}
        except FramecastError as exc:
            if job.attempt_started_at is not None:  # a resubmit after a crash was refused
                return self._unknown_after_crash(job, exc)
            store.update(job_id, "failed", {"phase": "submit"}, state="failed", error=_err(exc))
            return {"end": "failed"}
        store.update(
            job_id,
            "submitted",
            {"task_id": handle.task_id, "worker": self.worker_id},
            state="running",
            handle=handle.to_json(),
            reason=None,
        )
        return {}

    def _unknown_after_crash(self, job: Job, exc: FramecastError | None = None) -> dict[str, Any]:
        evidence = {
            "fingerprint": job.fingerprint,
            "idempotency_key": job.idempotency_key,
            "window_start": _iso(job.attempt_started_at),
            "window_end": _iso(self.store.now()),
            "provider": job.provider,
            "model": job.model,
            "why": (
                "a worker stopped after marking the attempt started and before recording the "
                "provider's answer: the create request may have reached the provider"
            ),
        }
        if exc is not None:
            evidence["resubmit_error"] = exc.message
        message = (
            f"{job.provider} may or may not have created the task of job {job.id}: check the "
            f"provider's dashboard for a {job.model} task created between "
            f"{evidence['window_start']} and {evidence['window_end']} before retrying "
            "(retrying may pay twice)"
        )
        self.store.update(
            job.id,
            "outcome_unknown",
            evidence,
            state="outcome_unknown",
            error=json.dumps(
                {"type": "OutcomeUnknown", "message": message, "handle": None, "details": evidence}
            ),
        )
        return {"end": "outcome_unknown"}

    async def wait_chunk(self, job_id: str, attempt: int) -> dict[str, Any]:
        self._check_owned()
        job = await asyncio.to_thread(self._job, job_id)
        if job.done or job.attempt != attempt:
            return {"end": job.state}
        assert job.handle is not None
        runner = self.runner(job.provider)
        event = asyncio.Event()
        with _wakers_lock:
            _wakers[job_id] = (asyncio.get_running_loop(), event)
        deadline = time.monotonic() + self.poll_chunk
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.lost.is_set():
                    return {}
                waiter = asyncio.ensure_future(runner.wait(job.handle, timeout=remaining))
                woken = asyncio.ensure_future(event.wait())
                await asyncio.wait({waiter, woken}, return_when=asyncio.FIRST_COMPLETED)
                if waiter.done():
                    woken.cancel()
                    break
                event.clear()  # woken: poll again now
                waiter.cancel()
                await asyncio.gather(waiter, return_exceptions=True)
        finally:
            with _wakers_lock:
                if _wakers.get(job_id, (None, None))[1] is event:
                    del _wakers[job_id]
        try:
            result = waiter.result()
        except TaskTimeout:
            return {}
        except GenerationFailed as exc:
            state = "cancelled" if _cancelled(exc) else "failed"
            self.store.update(job_id, state, {"phase": "wait"}, state=state, error=_err(exc))
            return {"end": state}
        except FramecastError as exc:
            fresh = await asyncio.to_thread(self._job, job_id)
            state = "cancelled" if fresh.cancel_requested else "failed"
            self.store.update(job_id, state, {"phase": "wait"}, state=state, error=_err(exc))
            return {"end": state}
        # Output URLs are signed (a token in the query): the record keeps the URL without
        # it, and the local path when downloaded.
        outputs = [{**o.to_dict(), "url": _unsigned(o.url)} for o in result.outputs]
        if job.out and result.outputs:
            try:
                path = await runner.download(result, _destination(job))
                outputs[0]["path"] = str(path)
            except FramecastError as exc:
                self.store.event(job_id, "download_failed", {"error": exc.message})
        self.store.update(
            job_id,
            "succeeded",
            {"polls": result.polls, "elapsed_s": round(result.elapsed_s, 3)},
            state="succeeded",
            outputs=json.dumps(outputs),
            cost=result.actual_cost,
        )
        return {"end": "succeeded"}


def _unsigned(url: str) -> str:
    base, _, query = url.partition("?")
    return base + ("?<signed>" if query else "")


def _cancelled(exc: GenerationFailed) -> bool:
    code = (exc.code or "").lower()
    return "cancel" in code or "cancel" in exc.message.lower()


def _destination(job: Job) -> Path:
    out = Path(job.out or ".")
    if out.suffix:
        return out
    out.mkdir(parents=True, exist_ok=True)
    return out / f"{job.id}.mp4"


def _err(exc: FramecastError) -> str:
    return json.dumps(exc.to_dict(), default=str)


def _iso(timestamp: float | None) -> str | None:
    from ._model import iso

    return iso(timestamp)


__all__ = ["APPLICATION_VERSION", "Worker", "run_job", "wake_local"]
