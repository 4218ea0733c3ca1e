"""``runner.submitted``: a cancelled call raises asyncio's own ``CancelledError`` (so
``gather``, ``TaskGroup``, ``asyncio.timeout`` and ``wait_for`` behave as asyncio says) and
the handle of a task the provider accepted waits there until someone takes it."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest
from framecast import (
    GenerationFailed,
    GenerationRequest,
    SubmittedTask,
    SyncRunner,
    TaskHandle,
    TaskStatus,
    hookimpl,
)
from framecast.testing import VirtualClock

from .acme import AcmeServer
from .support import ENV, acme_class, make_runner, text_request

pytestmark = pytest.mark.anyio


class Held:
    """Acme whose creates and/or polls wait (in real time) until released: a request on
    the wire while asyncio's tools cancel the call around it."""

    def __init__(self, server: AcmeServer, *, creates: bool = False, polls: bool = False):
        self.server = server
        self.hold_creates, self.hold_polls = creates, polls
        self.created = asyncio.Event()  # a create request has reached the server
        self.polled = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.created.set()
            if self.hold_creates:
                await self.release.wait()
        elif request.url.path.startswith("/v1/videos/"):
            self.polled.set()
            if self.hold_polls:
                await self.release.wait()
        return self.server(request)


def task_ids(entries: list[SubmittedTask]) -> set[str]:
    return {e.handle.task_id for e in entries if e.handle is not None}


async def test_an_accepted_task_is_held_while_its_call_runs_and_released_on_return() -> None:
    clock = VirtualClock()
    held = Held(AcmeServer(clock=clock), polls=True)
    async with make_runner(held, clock) as runner:
        job = asyncio.create_task(runner.generate(text_request()))
        await held.polled.wait()
        [entry] = list(runner.submitted)
        assert entry.in_progress and entry.handle is not None
        assert runner.submitted.drain() == []  # its call will hand it over itself
        held.release.set()
        result = await job
    assert entry.handle == result.handle
    assert len(runner.submitted) == 0  # bounded: returned, so no longer held


async def test_an_error_carrying_the_handle_releases_it_too() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=1, fail_with=("E1", "boom"))
    async with make_runner(server, clock) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(text_request())
    assert caught.value.handle is not None
    assert len(runner.submitted) == 0


async def test_gather_with_return_exceptions_loses_no_handle() -> None:
    clock = VirtualClock()
    held = Held(AcmeServer(clock=clock, polls_to_finish=1), creates=True)
    async with make_runner(held, clock, max_in_flight_requests=0) as runner:
        jobs = [asyncio.create_task(runner.generate(text_request())) for _ in range(6)]
        await held.created.wait()
        for _ in range(5):
            await asyncio.sleep(0)  # every create is on the wire
        for job in jobs[::2]:
            job.cancel()
        held.release.set()
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
    cancelled = [o for o in outcomes if isinstance(o, asyncio.CancelledError)]
    results = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(cancelled) == 3 and len(results) == 3
    drained = runner.submitted.drain()
    assert len(drained) == 3  # the cancelled jobs' tasks, each once
    returned = {r.handle.task_id for r in results}
    assert task_ids(drained) | returned == set(held.server.tasks)
    assert not task_ids(drained) & returned


async def test_a_taskgroup_cancelled_by_a_failing_sibling_loses_no_handle() -> None:
    clock = VirtualClock()
    held = Held(AcmeServer(clock=clock), polls=True)

    async def failing_sibling() -> None:
        await held.polled.wait()
        raise RuntimeError("another part of the request failed")

    async with make_runner(held, clock) as runner:
        with pytest.raises(ExceptionGroup) as caught:
            async with asyncio.TaskGroup() as group:
                for prompt in ("one", "two"):
                    group.create_task(runner.generate(text_request(prompt=prompt)))
                group.create_task(failing_sibling())
    # The group reports the sibling's failure, not a framecast error posing as cancellation.
    assert [type(e) for e in caught.value.exceptions] == [RuntimeError]
    assert task_ids(runner.submitted.drain()) == set(held.server.tasks) == {"task-1", "task-2"}


@pytest.mark.parametrize("phase", ["submit", "wait"])
async def test_asyncio_timeout_raises_timeouterror_and_keeps_the_handle(phase: str) -> None:
    clock = VirtualClock()
    held = Held(AcmeServer(clock=clock), creates=phase == "submit", polls=phase == "wait")
    request = text_request(idempotency_key="order-17")
    async with make_runner(held, clock) as runner:
        if phase == "submit":
            # The create is on the wire when the timeout fires; its answer comes later.
            asyncio.get_running_loop().call_later(0.1, held.release.set)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await runner.generate(request)
        entry = runner.submitted.take("order-17")
    assert entry is not None and entry.handle is not None
    assert entry.handle.task_id == "task-1" and held.server.created == 1
    assert runner.submitted.take("order-17") is None


async def test_wait_for_raises_timeouterror_and_keeps_the_handle() -> None:
    clock = VirtualClock()
    held = Held(AcmeServer(clock=clock), polls=True)
    async with make_runner(held, clock) as runner:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(runner.generate(text_request()), timeout=0.05)
    assert task_ids(runner.submitted.drain()) == {"task-1"}


async def test_a_timeout_before_anything_was_sent_leaves_nothing() -> None:
    clock = VirtualClock()
    held = Held(AcmeServer(clock=clock), creates=True)
    async with make_runner(held, clock, max_in_flight_requests=1) as runner:
        first = asyncio.create_task(runner.submit(text_request()))
        await held.created.wait()  # holds the only request slot
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await runner.submit(text_request(prompt="never sent"))
        held.release.set()
        handle = await first
    assert list(runner.submitted) == []
    assert set(held.server.tasks) == {handle.task_id}


class SlowRecorder:
    """An ``async`` on_submitted observer that stores the handle somewhere slow."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.stored: list[TaskHandle] = []

    @hookimpl
    async def on_submitted(self, handle: TaskHandle, request: GenerationRequest) -> None:
        self.started.set()
        await asyncio.sleep(0.05)  # a database write, say
        self.stored.append(handle)


@pytest.mark.parametrize("call", ["submit", "generate"])
async def test_a_cancel_while_an_async_observer_runs_lets_it_finish_and_keeps_the_handle(
    call: str,
) -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock)
    observer = SlowRecorder()
    async with make_runner(server, clock, plugins=[observer]) as runner:
        job = asyncio.create_task(getattr(runner, call)(text_request()))
        await observer.started.wait()
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
    [entry] = runner.submitted.drain()
    assert entry.handle is not None and entry.handle.task_id == "task-1"
    assert observer.stored == [entry.handle]  # the observer was not cut short
    assert server.created == 1


def test_a_sync_runner_exposes_the_same_collection() -> None:
    runner = SyncRunner(
        acme_class(), transport=httpx.MockTransport(AcmeServer()), env=ENV, clock=VirtualClock()
    )
    try:
        result = runner.generate(GenerationRequest(prompt="a cat"))
        assert result.status is TaskStatus.SUCCEEDED
        assert runner.submitted is runner.runner.submitted and len(runner.submitted) == 0
    finally:
        runner.close()


def test_the_cancellation_is_asyncios_own_on_every_python() -> None:
    # asyncio.timeout() on 3.11 turns only CancelledError itself (an identity check) into
    # TimeoutError; 3.12 accepts subclasses but still drops their payload. Raising the
    # exact type is right on both.
    from framecast import FramecastCancelled

    assert not issubclass(FramecastCancelled, asyncio.CancelledError)
    assert sys.version_info >= (3, 11)
