"""Cancellation: of a generate() in flight (it propagates as asyncio's own CancelledError;
the handle waits in ``runner.submitted``), and of a task through the provider (cancel,
delete, providers without cancel)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from framecast import (
    GenerationRequest,
    NotSupported,
    TaskHandle,
    TaskStatus,
    ValidationError,
    hookimpl,
)
from framecast.testing import VirtualClock

from .acme import AcmeProvider, AcmeServer
from .support import acme_class, make_runner, scripted, text_request

pytestmark = pytest.mark.anyio


class SlowCreate:
    """Acme whose create requests wait for ``release`` (the request is on the wire)."""

    def __init__(self, server: AcmeServer) -> None:
        self.server = server
        self.sent = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.sent.set()
            await self.release.wait()
        return self.server(request)


async def cancelled(job: asyncio.Future[object]) -> None:
    """The job ends in asyncio's own CancelledError (asyncio.timeout checks the type)."""
    with pytest.raises(asyncio.CancelledError) as caught:
        await job
    assert type(caught.value) is asyncio.CancelledError


class Recorder:
    def __init__(self) -> None:
        self.submitted: list[TaskHandle] = []

    @hookimpl
    def on_submitted(self, handle: TaskHandle, request: GenerationRequest) -> None:
        self.submitted.append(handle)


async def test_cancel_after_the_submit_was_sent_hands_back_the_created_task() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock)
    slow = SlowCreate(server)
    observer = Recorder()
    async with make_runner(slow, clock, plugins=[observer]) as runner:
        job = asyncio.create_task(runner.generate(text_request()))
        await slow.sent.wait()
        job.cancel()
        await asyncio.sleep(0)
        slow.release.set()
        await cancelled(job)
    [entry] = runner.submitted.drain()
    handle = entry.handle
    assert handle is not None and handle.task_id == "task-1"
    assert handle.idempotency_key == server.tasks["task-1"]["key"] == entry.idempotency_key
    assert entry.outcome_unknown is None and not entry.in_progress
    assert observer.submitted == [handle]
    assert server.created == 1
    assert len(runner.submitted) == 0  # drained: nothing accumulates
    assert not any(r.url.path == "/v1/videos/task-1" for r in server.requests)  # no polling


async def test_cancel_of_submit_after_send_also_hands_back_the_task() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock)
    slow = SlowCreate(server)
    async with make_runner(slow, clock) as runner:
        job = asyncio.create_task(runner.submit(text_request()))
        await slow.sent.wait()
        job.cancel()
        slow.release.set()
        await cancelled(job)
    assert [e.handle.task_id for e in runner.submitted.drain() if e.handle] == ["task-1"]


async def test_cancel_before_the_submit_was_sent_creates_no_task() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=1)
    slow = SlowCreate(server)
    observer = Recorder()
    async with make_runner(slow, clock, plugins=[observer], max_in_flight_requests=1) as runner:
        first = asyncio.create_task(runner.submit(text_request()))
        await slow.sent.wait()  # holds the only request slot
        second = asyncio.create_task(runner.generate(text_request(prompt="second")))
        for _ in range(5):
            await asyncio.sleep(0)  # the second submit now waits for a slot
        second.cancel()
        await cancelled(second)
        slow.release.set()
        await first
    assert list(runner.submitted) == []  # the first was returned; the second never sent
    assert server.created == 1
    assert [body["prompt"] for body in server.bodies] == ["a lighthouse at dusk"]
    assert [h.task_id for h in observer.submitted] == ["task-1"]


async def test_cancel_while_waiting_keeps_the_task_and_frees_the_slot() -> None:
    clock, server, faults = scripted(polls_to_finish=100)
    async with make_runner(faults, clock, max_running_tasks=1) as runner:
        job = asyncio.create_task(runner.generate(text_request()))
        while not server.created:
            await asyncio.sleep(0)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        server.polls_to_finish = 1
        # The slot was released: a second generate can run.
        result = await asyncio.wait_for(runner.generate(text_request()), timeout=5)
    assert result.status is TaskStatus.SUCCEEDED
    assert "task-1" in server.tasks  # cancelling the wait never cancels the task


# ---------------------------------------------------------------- cancelling a task


async def test_cancel_stops_an_unfinished_task() -> None:
    clock, server, faults = scripted(polls_to_finish=10)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        state = await runner.cancel(handle.to_json())
    assert state.status is TaskStatus.CANCELLED
    assert "task-1" not in server.tasks
    assert ("DELETE", "/v1/videos/task-1", "pass") in faults.log


async def test_cancel_of_a_finished_task_needs_delete() -> None:
    clock, server, faults = scripted(polls_to_finish=1)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        await runner.wait(handle)
        with pytest.raises(ValidationError) as caught:
            await runner.cancel(handle)
        assert caught.value.field == "delete"
        assert "task-1" in server.tasks  # the paid output is still there
        await runner.cancel(handle, delete=True)
    assert "task-1" not in server.tasks
    assert "would delete its output" in str(caught.value)


async def test_cancelling_a_cancelled_task_again_does_not_speak_of_an_output() -> None:
    clock, _server, faults = scripted(polls_to_finish=10)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        await runner.cancel(handle)
        with pytest.raises(ValidationError) as caught:
            await runner.cancel(handle)
    message = str(caught.value)
    assert "already ended CANCELLED" in message and "nothing left to stop" in message
    assert "output" not in message


class NoCancelAcme(AcmeProvider):
    """Acme as a provider without a cancel endpoint: it implements no cancel hook."""

    cancel = None


async def test_cancel_where_the_provider_cannot_is_not_supported() -> None:
    clock, server, faults = scripted(polls_to_finish=10)
    NoCancelAcme.clock = clock
    async with make_runner(faults, clock, provider=NoCancelAcme) as runner:
        handle = await runner.submit(text_request())
        with pytest.raises(NotSupported) as caught:
            await runner.cancel(handle)
    assert caught.value.handle == handle
    assert "task-1" in server.tasks
    assert not any(m == "DELETE" for m, _, _ in faults.log)


async def test_cancel_during_an_ambiguous_submit_finishes_the_lookup_and_hands_back_the_task() -> (
    None
):
    from framecast.testing import FaultInjector, respond

    clock = VirtualClock()
    server = AcmeServer(clock=clock)
    faults = FaultInjector(server)
    faults.on("POST", "/v1/videos", respond(502, create=True))  # created, answer lost
    slow = SlowCreate(faults)
    observer = Recorder()
    async with make_runner(slow, clock, plugins=[observer]) as runner:
        job = asyncio.create_task(runner.generate(text_request()))
        await slow.sent.wait()
        job.cancel()
        slow.release.set()
        await cancelled(job)
    [entry] = runner.submitted.drain()
    assert entry.handle is not None and entry.handle.task_id == "task-1"
    assert observer.submitted == [entry.handle]
    assert server.created == 1
    assert ("GET", "/v1/videos", "pass") in faults.log  # it looked the key up


async def test_a_cancel_answered_404_is_taken_as_already_gone() -> None:
    from framecast.testing import respond

    clock, server, faults = scripted(polls_to_finish=10)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        # Removed elsewhere between the runner's poll and its cancel: nothing left to stop.
        faults.on("DELETE", "/v1/videos/", respond(404, {"message": "no such task"}))
        state = await runner.cancel(handle)
    assert state.status is TaskStatus.RUNNING  # what the provider reports afterwards
    assert "task-1" in server.tasks
    assert sum(1 for m, _, _ in faults.log if m == "DELETE") == 1


async def test_a_cancel_hit_by_a_transient_error_is_retried() -> None:
    from framecast.testing import respond

    clock, server, faults = scripted(polls_to_finish=10)
    faults.on("DELETE", "/v1/videos/", respond(503), respond(502))
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        state = await runner.cancel(handle)
    assert state.status is TaskStatus.CANCELLED
    assert sum(1 for m, _, _ in faults.log if m == "DELETE") == 3
    assert "task-1" not in server.tasks
    assert len(clock.sleeps) == 2


async def test_cancel_after_send_of_a_refused_submit_leaves_nothing_to_claim() -> None:
    from framecast.testing import FaultInjector, respond

    clock = VirtualClock()
    server = AcmeServer(clock=clock)
    faults = FaultInjector(server)
    faults.on("POST", "/v1/videos", respond(422, {"message": "prompt rejected"}))
    slow = SlowCreate(faults)
    async with make_runner(slow, clock) as runner:
        job = asyncio.create_task(runner.submit(text_request()))
        await slow.sent.wait()
        job.cancel()
        slow.release.set()
        await cancelled(job)
    assert list(runner.submitted) == []  # refused: no task, nothing to check
    assert server.created == 0


async def test_cancel_after_send_of_an_ambiguous_submit_keeps_the_details_to_check() -> None:
    from framecast.testing import FaultInjector, respond

    clock = VirtualClock()
    server = AcmeServer(clock=clock)
    faults = FaultInjector(server)
    faults.on("POST", "/v1/videos", respond(502, create=True))
    slow = SlowCreate(faults)
    provider = acme_class(clock, supports_dedupe=False)
    async with make_runner(slow, clock, provider=provider) as runner:
        job = asyncio.create_task(runner.submit(text_request()))
        await slow.sent.wait()
        job.cancel()
        slow.release.set()
        await cancelled(job)
    [entry] = runner.submitted.drain()
    assert entry.handle is None and entry.outcome_unknown is not None
    assert "may or may not have created the task" in entry.outcome_unknown.message
    assert entry.outcome_unknown.details["model"] == "acme-1"
    assert len(entry.outcome_unknown.details["fingerprint"]) == 64
    assert entry.idempotency_key == entry.outcome_unknown.details["idempotency_key"]
