"""The job API in one process against the Runway and Kling protocol fakes: nothing is
recorded for bad input, one key is one job, every state a caller relies on, and the wait
writes nothing to the database per poll."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from framecast import GenerationRequest, ValidationError
from framecast_jobs import ConflictError, JobNotFound, Jobs, RetryRefused
from framecast_jobs._store import SCHEMA_VERSION

from ._support import Fakes, small_png

pytestmark = pytest.mark.anyio


def rows(database: str, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database.removeprefix("sqlite:///")) as c:
        return c.execute(sql).fetchall()


def request(prompt: str = "A wave") -> GenerationRequest:
    return GenerationRequest(prompt=prompt, image=small_png())


async def test_bad_input_raises_validation_error_and_records_no_job(
    jobs: Jobs, database: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await jobs.submit(GenerationRequest(prompt="A wave", image=small_png(), duration=60),
                          provider="runway")  # fmt: skip
    assert caught.value.field == "duration"
    with pytest.raises(ValidationError) as budget:
        await jobs.submit(request(), provider="runway", max_cost=0.01)
    assert budget.value.field == "max_cost"
    with pytest.raises(ValidationError) as missing:
        await jobs.submit(GenerationRequest(prompt="A wave", image="/no/such.png"),
                          provider="runway")  # fmt: skip
    assert missing.value.field == "image"
    assert rows(database, "SELECT count(*) FROM framecast_jobs") == [(0,)]
    assert await jobs.list() == []


async def test_same_key_is_same_job_and_another_request_conflicts(jobs: Jobs) -> None:
    first = await jobs.submit(request(), provider="runway", key="order-1")
    again = await jobs.submit(request(), provider="runway", key="order-1")
    assert again.id == first.id
    assert first.id.startswith("job_") and first.short_id == first.id[:12]
    with pytest.raises(ConflictError) as caught:
        await jobs.submit(request("Another prompt"), provider="runway", key="order-1")
    message = caught.value.message
    assert first.fingerprint in message
    assert caught.value.details["fingerprint"] != first.fingerprint
    assert caught.value.details["fingerprint"] in message
    assert len(await jobs.list()) == 1


async def test_worker_runs_jobs_on_both_providers_to_succeeded(
    jobs: Jobs, fakes: Fakes, tmp_path: Path
) -> None:
    out = tmp_path / "videos"
    runway_job = await jobs.submit(request(), provider="runway", out=out)
    kling_job = await jobs.submit(request(), provider="kling", key="kling-1")
    assert runway_job.state == "queued" and runway_job.status is None
    async with jobs.worker(worker_id="w1", providers=["runway", "kling"]):
        done = [await jobs.wait(j.id, timeout=60) for j in (runway_job, kling_job)]
    assert [j.state for j in done] == ["succeeded", "succeeded"]
    assert str(done[0].status) == "SUCCEEDED"
    kinds = [e.kind for e in done[0].events]
    assert kinds[0] == "queued"
    assert kinds.index("attempt_started") < kinds.index("submitted") < kinds.index("succeeded")
    assert done[0].handle is not None and done[0].handle.task_id in fakes.runway.tasks
    path = Path(done[0].outputs[0]["path"])
    assert path.parent == out and path.read_bytes().startswith(b"\x00\x00\x00\x18ftyp")
    assert fakes.runway.tasks_created == 1 and fakes.kling.tasks_created == 1
    # short ids resolve
    assert (await jobs.get(done[1].short_id)).id == kling_job.id


async def test_the_record_holds_no_credential_nor_signed_url(
    jobs: Jobs, fakes: Fakes, database: str
) -> None:
    job = await jobs.submit(request(), provider="runway")
    async with jobs.worker(worker_id="w1", providers=["runway"]):
        await jobs.wait(job.id, timeout=60)
    raw = Path(database.removeprefix("sqlite:///")).read_bytes()
    assert fakes.runway.api_key.encode() not in raw
    assert b"_jwt=" not in raw and b"Bearer" not in raw


async def test_wait_writes_nothing_to_the_database_per_poll(
    jobs: Jobs, fakes: Fakes, database: str
) -> None:
    fakes.runway.plan_next(running_polls=60)
    job = await jobs.submit(request(), provider="runway")
    async with jobs.worker(worker_id="w1", providers=["runway"]):
        done = await jobs.wait(job.id, timeout=60)
    assert done.state == "succeeded" and fakes.polls["runway"] >= 60
    # 60 polls, and the whole job checkpointed in two steps: submit, one wait chunk
    assert rows(database, "SELECT count(*) FROM operation_outputs") == [(2,)]
    assert len(done.events) <= 5


async def test_cancel_a_queued_job_and_it_never_starts(jobs: Jobs, fakes: Fakes) -> None:
    job = await jobs.submit(request(), provider="runway")
    cancelled = await jobs.cancel(job.id)
    assert cancelled.state == "cancelled"
    async with jobs.worker(worker_id="w1", providers=["runway"]):
        await asyncio.sleep(1.0)
    assert (await jobs.get(job.id)).state == "cancelled"
    assert fakes.runway.tasks_created == 0


async def test_cancel_a_running_job_cancels_the_provider_task(jobs: Jobs, fakes: Fakes) -> None:
    fakes.runway.plan_next(running_polls=100_000)
    job = await jobs.submit(request(), provider="runway")
    async with jobs.worker(worker_id="w1", providers=["runway"]):
        while (await jobs.get(job.id)).state != "running":
            await asyncio.sleep(0.05)
        cancelled = await jobs.cancel(job.id)
        assert cancelled.state == "cancelled"
        assert cancelled.handle is not None
        await asyncio.sleep(0.3)
    assert fakes.runway.tasks[cancelled.handle.task_id].cancelled
    assert (await jobs.get(job.id)).state == "cancelled"


async def test_failed_job_retries_and_outcome_unknown_needs_the_flag(
    jobs: Jobs, fakes: Fakes
) -> None:
    from framecast_runway.testing import reset_after

    fakes.runway.plan_next(outcome="FAILED")
    failed = await jobs.submit(request(), provider="runway")
    async with jobs.worker(worker_id="w1", providers=["runway"]):
        assert (await jobs.wait(failed.id, timeout=60)).state == "failed"
        retried = await jobs.retry(failed.id)
        assert retried.state == "queued" and retried.attempt == 2
        assert (await jobs.wait(failed.id, timeout=60)).state == "succeeded"
        # a lost create answer: Runway cannot be asked, so the job says so
        fakes.runway.inject("POST", "/v1/image_to_video", reset_after())
        unknown = await jobs.submit(request("Lost"), provider="runway")
        done = await jobs.wait(unknown.id, timeout=60)
        assert done.state == "outcome_unknown"
        assert done.error is not None and done.error["details"]["fingerprint"]
        with pytest.raises(RetryRefused, match="may pay twice"):
            await jobs.retry(unknown.id)
        again = await jobs.retry(unknown.id, may_pay_twice=True)
        assert (await jobs.wait(again.id, timeout=60)).state == "succeeded"
    with pytest.raises(RetryRefused):
        await jobs.retry(failed.id)  # succeeded: nothing to retry
    assert fakes.runway.tasks_created == 4  # failed, its retry, the lost one, its retry


async def test_notify_wakes_a_waiting_job_before_its_next_poll(database: str, fakes: Fakes) -> None:
    jobs = Jobs(database, runner_factory=fakes.factory(poll_interval=30), poll_chunk=60)
    try:
        fakes.runway.plan_next(pending_polls=0, running_polls=1)
        job = await jobs.submit(request(), provider="runway")
        async with jobs.worker(worker_id="w1", providers=["runway"]):
            while (await jobs.get(job.id)).state != "running":
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # the first poll: RUNNING; the next is 30 s away
            woken = await jobs.notify(job.id)
            assert woken is not None
            done = await jobs.wait(job.id, timeout=10)  # long before the 30 s poll
        assert done.state == "succeeded"
    finally:
        jobs.close()


async def test_unknown_ids_and_the_versioned_schema(jobs: Jobs, database: str) -> None:
    with pytest.raises(JobNotFound):
        await jobs.get("job_nope")
    assert rows(database, "SELECT value FROM framecast_jobs_meta") == [(str(SCHEMA_VERSION),)]


def test_one_database_per_process(database: str, tmp_path: Path, fakes: Fakes) -> None:
    from framecast import ConfigurationError

    with Jobs(database, runner_factory=fakes.factory()):
        with pytest.raises(ConfigurationError, match="one per process"):
            Jobs(f"sqlite:///{tmp_path / 'other.db'}")
        Jobs(database).close()  # the same database is shared


def test_a_newer_schema_is_refused(database: str, fakes: Fakes) -> None:
    from framecast import ConfigurationError

    Jobs(database, runner_factory=fakes.factory()).close()
    with sqlite3.connect(database.removeprefix("sqlite:///")) as c:
        c.execute("UPDATE framecast_jobs_meta SET value = '99'")
    with pytest.raises(ConfigurationError, match="schema version 99"):
        Jobs(database)
