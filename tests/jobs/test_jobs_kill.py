"""Workers are real processes, killed with SIGKILL mid-wait and mid-submit (before and
after the create request reached the provider), then restarted under the same id: every
job ends, no job is lost, never more tasks than jobs, and a job whose create may have been
sent is ``outcome_unknown`` with the evidence to check, never silently sent again."""

from __future__ import annotations

from pathlib import Path

import pytest
from framecast import GenerationRequest
from framecast_jobs import Jobs

from ._processes import (
    kill_9,
    provider_env,
    served,
    start_worker,
    stop,
    submit_factory,
    wait_ready,
    wait_until,
)
from ._support import small_png

pytestmark = [pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]


def request(n: int) -> GenerationRequest:
    return GenerationRequest(prompt=f"A wave {n}", image=small_png())


@pytest.mark.parametrize("provider", ["runway", "kling"])
def test_kill_9_mid_wait_then_restart_finishes_every_job(provider: str, tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'jobs.db'}"
    with served(provider) as (wire, origin):
        env = provider_env(provider, wire, origin)
        for _ in range(3):  # every task runs until released below
            if provider == "runway":
                wire.fake.plan_next(running_polls=100_000)
            else:
                wire.fake.plan_next(queries_to_processing=1, queries_to_finish=100_000)
        with Jobs(database, runner_factory=submit_factory(provider, wire, origin)) as jobs:
            ids = [jobs.sync.submit(request(n), provider=provider).id for n in range(3)]
            worker = start_worker(database, "host-a", provider, env)
            wait_ready(worker)
            wait_until(lambda: all(jobs.sync.get(i).state == "running" for i in ids), "running")
            polls = wire.polls
            wait_until(lambda: wire.polls > polls + 3, "polling")
            kill_9(worker)
            for task in wire.fake.tasks.values():  # the tasks end while no worker runs
                if provider == "runway":
                    task.plan.throttled_polls = task.plan.pending_polls = 0
                    task.plan.running_polls = 0
                else:
                    task.to_finish = task.queries + 1
            worker = start_worker(database, "host-a", provider, env)
            wait_ready(worker)
            try:
                done = [jobs.sync.wait(i, timeout=60) for i in ids]
            finally:
                stop(worker)
            assert [j.state for j in done] == ["succeeded"] * 3
            assert wire.fake.tasks_created == 3
            assert {j.handle.task_id for j in done if j.handle} == set(wire.fake.tasks)


@pytest.mark.parametrize("reached", [False, True], ids=["before-create", "after-create"])
def test_kill_9_mid_submit_never_resends_and_says_outcome_unknown(
    reached: bool, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'jobs.db'}"
    with served("runway") as (wire, origin):
        env = provider_env("runway", wire, origin)
        with Jobs(database, runner_factory=submit_factory("runway", wire, origin)) as jobs:
            job = jobs.sync.submit(request(0), provider="runway", key="order-7")
            if reached:
                wire.hold_after = True
            else:
                wire.hold_before = True
            worker = start_worker(database, "host-a", "runway", env)
            wait_ready(worker)
            assert wire.held.wait(60), "the create request never came"
            assert wire.fake.tasks_created == (1 if reached else 0)
            assert jobs.sync.get(job.id).state == "submitting"
            kill_9(worker)
            wire.hold_before = wire.hold_after = False
            wire.release.set()
            worker = start_worker(database, "host-a", "runway", env)
            wait_ready(worker)
            try:
                done = jobs.sync.wait(job.id, timeout=60)
            finally:
                stop(worker)
        assert done.state == "outcome_unknown"
        assert wire.fake.tasks_created == (1 if reached else 0)  # never sent again
        assert done.error is not None
        evidence = done.error["details"]
        assert evidence["fingerprint"] == job.fingerprint
        assert evidence["idempotency_key"] == "order-7"
        assert evidence["window_start"] <= evidence["window_end"]
        assert "may or may not have created" in done.error["message"]
