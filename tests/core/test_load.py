"""1,000 concurrent generate() calls behind the FIFO gate and the running-task cap."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from framecast import TaskStatus
from framecast.testing import VirtualClock

from .acme import AcmeServer
from .support import make_runner, text_request

pytestmark = pytest.mark.anyio

TASKS = 1000


class Meter:
    """Wraps Acme: measures requests in flight at once and tasks being waited on at once."""

    def __init__(self, server: AcmeServer) -> None:
        self.server = server
        self.in_flight = 0
        self.max_in_flight = 0
        self.running: set[str] = set()
        self.max_running = 0
        self.create_order: list[int] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # let every other task run: contention is real
            await asyncio.sleep(0)
            response = self.server(request)
        finally:
            self.in_flight -= 1
        if request.method == "POST":
            self.create_order.append(int(json.loads(request.content)["prompt"].split()[-1]))
            self.running.add(response.json()["data"]["id"])
        elif response.status_code == 200 and request.url.path.startswith("/v1/videos/"):
            data = response.json()["data"]
            if data["status"] == "done":
                self.running.discard(data["id"])
        self.max_running = max(self.max_running, len(self.running))
        return response


async def test_thousand_tasks_respect_the_gate_the_cap_and_fifo_order() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=2)
    meter = Meter(server)
    async with make_runner(meter, clock, max_in_flight_requests=10, max_running_tasks=50) as runner:
        results = await asyncio.gather(
            *(runner.generate(text_request(prompt=f"shot {i}")) for i in range(TASKS))
        )
    assert all(r.status is TaskStatus.SUCCEEDED for r in results)
    assert len({r.handle.task_id for r in results}) == TASKS
    assert server.created == TASKS
    assert 1 < meter.max_in_flight <= 10
    assert 1 < meter.max_running <= 50
    assert meter.create_order == list(range(TASKS))  # first come, first served


async def test_submit_waits_for_a_running_slot_but_keeps_none() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=3)
    async with make_runner(server, clock, max_running_tasks=1) as runner:
        first = await runner.submit(text_request(prompt="one"))
        second = await runner.submit(text_request(prompt="two"))  # the slot came back
        assert (first.task_id, second.task_id) == ("task-1", "task-2")
        waiting = asyncio.create_task(runner.generate(text_request(prompt="three")))
        while server.created < 3:
            await asyncio.sleep(0)
        blocked = asyncio.create_task(runner.submit(text_request(prompt="four")))
        third = await waiting
        fourth = await blocked
    order = [(r.method, r.url.path) for r in server.requests]
    last_poll_of_third = max(
        i for i, entry in enumerate(order) if entry == ("GET", f"/v1/videos/{third.handle.task_id}")
    )
    fourth_create = order.index(("POST", "/v1/videos"), last_poll_of_third)
    assert fourth_create > last_poll_of_third  # it waited while generate held the only slot
    assert fourth.task_id == "task-4"


async def test_cancelling_half_the_tasks_midway_leaks_no_request_or_running_slot() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=3)
    meter = Meter(server)
    async with make_runner(meter, clock, max_in_flight_requests=5, max_running_tasks=20) as runner:
        jobs = [
            asyncio.create_task(runner.generate(text_request(prompt=f"shot {i}")))
            for i in range(200)
        ]
        for _ in range(30):
            await asyncio.sleep(0)  # some are queued, some sent, some polling
        for job in jobs[::2]:
            job.cancel()
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        assert meter.max_in_flight <= 5
        await assert_nothing_leaked(runner, meter, width=5, slots=20)
    finished = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(finished) == 100
    assert all(r.status is TaskStatus.SUCCEEDED for r in finished)


async def assert_nothing_leaked(runner, meter: Meter, width: int, slots: int) -> None:
    """A fresh batch gets the gate's full width and every running slot: had a cancelled
    task kept a request ticket or a slot, fewer would run at once (or the batch would
    never finish)."""
    meter.max_in_flight = meter.max_running = 0
    meter.running.clear()
    batch = await asyncio.gather(
        *(runner.generate(text_request(prompt=f"after {i}")) for i in range(slots))
    )
    assert all(r.status is TaskStatus.SUCCEEDED for r in batch)
    assert meter.max_in_flight == width
    assert meter.max_running == slots


class HookMeter:
    """Stands in for the runner's hook relay: counts provider I/O hooks running at once."""

    def __init__(self, hook: object) -> None:
        self._hook = hook
        self.running = 0
        self.peak = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._hook, name)

    async def _count(self, name: str, **kwargs: object) -> object:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            return await getattr(self._hook, name)(**kwargs)
        finally:
            self.running -= 1

    async def submit(self, **kwargs: object) -> object:
        return await self._count("submit", **kwargs)

    async def poll(self, **kwargs: object) -> object:
        return await self._count("poll", **kwargs)


async def test_tasks_waiting_for_the_gate_have_not_built_their_request_yet() -> None:
    # Thousands of waiting tasks wait as a future each, before the provider's hook builds
    # and signs a request (memory per in-flight task); the hook's first request
    # uses the slot the runner took for it, so a gate of one cannot deadlock.
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=2)
    meter = Meter(server)
    async with make_runner(meter, clock, max_in_flight_requests=3) as runner:
        runner._ensure_gates()
        hooks = HookMeter(runner._hook)
        runner._hook = hooks  # type: ignore[assignment]
        results = await asyncio.gather(
            *(runner.generate(text_request(prompt=f"shot {i}")) for i in range(300))
        )
        assert 1 < hooks.peak <= 3
        assert 1 < meter.max_in_flight <= 3
        assert meter.create_order == list(range(300))
        await assert_nothing_leaked(runner, meter, width=3, slots=3)
    assert all(r.status is TaskStatus.SUCCEEDED for r in results)


async def test_a_gate_of_one_serves_every_task() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=2)
    meter = Meter(server)
    async with make_runner(meter, clock, max_in_flight_requests=1) as runner:
        results = await asyncio.gather(
            *(runner.generate(text_request(prompt=f"shot {i}")) for i in range(50))
        )
    assert all(r.status is TaskStatus.SUCCEEDED for r in results)
    assert meter.max_in_flight == 1
