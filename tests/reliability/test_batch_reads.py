"""Batch status reads (``poll_many``): Kling's waiting tasks read from its task list give
the same outcomes as one read per task, under the load-with-faults plan, for a small
fraction of the status requests."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from framecast import GenerationRequest, ProviderSettings, Runner
from framecast import _rounds as rounds_module
from framecast.testing import VirtualClock
from framecast_kling.testing import KlingFake

from .test_load_with_faults import outcome_name, run_load

pytestmark = pytest.mark.anyio


def _single_reads_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rounds_module, "MIN_BATCH", 10**9)


async def test_batch_reads_end_every_job_as_single_reads_do_under_faults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batched = await run_load("kling")
    with monkeypatch.context() as m:
        _single_reads_only(m)
        single = await run_load("kling")
    b, s = batched["faults"], single["faults"]
    # Single reads list only to find a task whose create answer was lost (dedupe).
    assert b.list_reads > s.list_reads
    assert (b.list_reads + b.single_reads) * 10 <= s.list_reads + s.single_reads
    assert not batched["faults"].pending and not single["faults"].pending
    assert [outcome_name(o) for o in batched["outcomes"]] == [
        outcome_name(o) for o in single["outcomes"]
    ]
    # The same task for the same job, and the same charge: never paid twice, never lost.
    for i, (x, y) in enumerate(zip(batched["outcomes"], single["outcomes"], strict=True)):
        assert b.job_of_task[x.handle.task_id] == i == s.job_of_task[y.handle.task_id]
        assert getattr(x, "actual_cost", None) == getattr(y, "actual_cost", None)
    assert batched["side"].tasks_created == single["side"].tasks_created


async def _thousand_waiting(batch: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list]:
    clock = VirtualClock()
    fake = KlingFake(clock=clock.time, queries_to_processing=2, queries_to_finish=8)
    status_reads = 0

    def transport(request: httpx.Request) -> httpx.Response:
        nonlocal status_reads
        if request.method == "GET" and request.url.path.startswith("/v1/videos/"):
            status_reads += 1
        return fake(request)

    with monkeypatch.context() as m:
        if not batch:
            _single_reads_only(m)
        runner = Runner(
            "kling",
            settings=ProviderSettings(name="kling", env=dict(KlingFake.ENV)),
            transport=httpx.MockTransport(transport),
            clock=clock,
            env={},
            max_running_tasks=0,
        )
        async with runner:
            results = await asyncio.gather(
                *(runner.generate(GenerationRequest(prompt=f"job {i}")) for i in range(1000))
            )
    return status_reads, results


async def test_thousand_waiting_kling_tasks_cost_at_most_a_fiftieth_of_the_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batched, batched_results = await _thousand_waiting(True, monkeypatch)
    single, single_results = await _thousand_waiting(False, monkeypatch)
    assert single == 8 * 1000  # one read per task per round, 8 rounds
    assert batched * 50 <= single, (batched, single)
    assert [(r.status, len(r.outputs), r.actual_cost) for r in batched_results] == [
        (r.status, len(r.outputs), r.actual_cost) for r in single_results
    ]
