"""Many hosts: two worker processes share a real PostgreSQL database; one is killed with
SIGKILL mid-wait and the survivor takes its jobs over after the heartbeat timeout and
finishes them: one task per job, none lost. Skipped (with the reason) without PostgreSQL;
under CI=true its absence fails the run."""

from __future__ import annotations

import time

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

STALE_AFTER = 3.0  # the heartbeat timeout: a survivor takes a silent worker over after it


def test_survivor_takes_over_a_killed_worker_and_finishes_its_jobs(
    postgres_database: str,
) -> None:
    with served("runway") as (wire, origin):
        env = provider_env("runway", wire, origin)
        for _ in range(4):  # every task runs until released below
            wire.fake.plan_next(running_polls=100_000)
        with Jobs(postgres_database, runner_factory=submit_factory("runway", wire, origin)) as jobs:
            workers = {
                name: start_worker(
                    postgres_database,
                    name,
                    "runway",
                    env,
                    "--concurrency",
                    "2",
                    stale_after=STALE_AFTER,
                )
                for name in ("host-a", "host-b")
            }
            for process in workers.values():
                wait_ready(process)
            ids = [
                jobs.sync.submit(GenerationRequest(prompt=f"A wave {n}", image=small_png()),
                                 provider="runway", key=f"pg-{n}").id
                for n in range(4)
            ]  # fmt: skip
            try:
                wait_until(lambda: all(jobs.sync.get(i).state == "running" for i in ids), "running")
            except AssertionError as exc:
                states = {i: (jobs.sync.get(i).state, [e.kind for e in jobs.sync.get(i).events])
                          for i in ids}  # fmt: skip
                logs = {name: stop(p)[-4000:] for name, p in workers.items()}
                pytest.fail(f"{exc}: {states}\n{logs}")
            owners = {
                i: next(
                    e.detail["worker"] for e in jobs.sync.get(i).events if e.kind == "submitted"
                )
                for i in ids
            }
            assert set(owners.values()) == {"host-a", "host-b"}  # both took work
            kill_9(workers.pop("host-a"))
            killed_at = time.monotonic()
            for task in wire.fake.tasks.values():
                task.plan.pending_polls = task.plan.running_polls = 0
            failure: BaseException | None = None
            try:
                done = [jobs.sync.wait(i, timeout=60) for i in ids]
                finished = time.monotonic() - killed_at
            except Exception as exc:  # reported below with the survivor's log
                failure = exc
            err = stop(workers.pop("host-b"))
            if failure is not None:
                timelines = {i: [e.kind for e in jobs.sync.get(i).events] for i in ids}
                pytest.fail(f"{failure}\n{timelines}\nsurvivor's log:\n{err[-6000:]}")
        assert [j.state for j in done] == ["succeeded"] * 4, err[-3000:]
        assert wire.fake.tasks_created == 4
        print(f"takeover: the killed worker's jobs finished {finished:.2f} s after SIGKILL "
              f"(heartbeat timeout {STALE_AFTER} s)")  # fmt: skip
