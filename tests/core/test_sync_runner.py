"""SyncRunner and framecast.generate(): usable from scripts and from inside a running event
loop (notebooks), since they run their own loop in a worker thread."""

from __future__ import annotations

import asyncio
from pathlib import Path

import framecast
import httpx
import pytest
from framecast import GenerationRequest, SyncRunner, TaskStatus, TaskTimeout, ValidationError
from framecast.testing import VirtualClock

from .acme import AcmeServer
from .support import ENV, acme_class

pytestmark = pytest.mark.anyio


def options(server: AcmeServer, clock: VirtualClock) -> dict:
    return {"transport": httpx.MockTransport(server), "clock": clock, "env": ENV}


async def test_sync_runner_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    asyncio.get_running_loop()  # this test body runs on a loop, like a notebook cell
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=2)
    with SyncRunner(acme_class(clock), **options(server, clock)) as runner:
        assert runner.provider_name == "acme"
        prepared = runner.prepare(GenerationRequest(prompt="a cat", camera="zoom_in"))
        assert "zoom" in prepared.body["prompt"]
        handle = runner.submit(GenerationRequest(prompt="a cat"))
        state = runner.poll(handle.to_json())
        assert state.status is TaskStatus.RUNNING
        result = runner.wait(handle)
        path = runner.download(result, tmp_path / "cat.mp4")
        again = runner.generate(GenerationRequest(prompt="a dog"))
    assert result.status is TaskStatus.SUCCEEDED and result.handle.task_id == "task-1"
    assert again.handle.task_id == "task-2"
    assert path.read_bytes().startswith(b"\x00\x00\x00\x18ftyp")


async def test_sync_runner_raises_framecast_errors_unchanged() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=100)
    with SyncRunner(acme_class(clock), **options(server, clock)) as runner:
        with pytest.raises(ValidationError) as caught:
            runner.generate(GenerationRequest(prompt="a cat", duration=7))
        assert caught.value.field == "duration"
        with pytest.raises(TaskTimeout) as timed_out:
            runner.generate(GenerationRequest(prompt="a cat"), timeout=20)
    assert timed_out.value.handle is not None


def test_sync_runner_works_without_a_loop() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=1)
    with SyncRunner(acme_class(clock), **options(server, clock)) as runner:
        assert runner.generate(GenerationRequest(prompt="a cat")).status is TaskStatus.SUCCEEDED


def test_a_sync_runner_that_cannot_start_leaves_no_thread_behind() -> None:
    import threading

    before = threading.active_count()
    with pytest.raises(framecast.ConfigurationError):
        SyncRunner("no-such-provider", env={})
    assert threading.active_count() == before


async def test_framecast_generate_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    clock = VirtualClock()
    # By name, the provider class signs with its own clock: the server keeps no time.
    server = AcmeServer(polls_to_finish=2)
    result = framecast.generate(
        prompt="a lighthouse",
        camera="pan_left",
        provider="tests.core.acme:AcmeProvider",
        out=tmp_path / "lighthouse.mp4",
        runner_options=options(server, clock),
    )
    assert result.status is TaskStatus.SUCCEEDED
    assert (tmp_path / "lighthouse.mp4").read_bytes().startswith(b"\x00\x00\x00\x18ftyp")
    assert server.bodies[0]["prompt"].startswith("a lighthouse. Camera:")
    request = GenerationRequest(prompt="from a request")
    assert (
        framecast.generate(
            request, provider="tests.core.acme:AcmeProvider", runner_options=options(server, clock)
        ).handle.task_id
        == "task-2"
    )


def test_an_interrupt_after_the_create_was_sent_hands_back_the_task() -> None:
    import signal
    import threading
    import time

    server = AcmeServer(polls_to_finish=100)
    sent = threading.Event()

    async def slow_create(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            sent.set()
            await asyncio.sleep(0.3)  # the create is on the wire when Ctrl-C comes
        return server(request)

    def press_ctrl_c() -> None:
        sent.wait(10)
        time.sleep(0.05)
        # A real SIGINT to the main thread, as Ctrl-C sends (it interrupts a blocked wait).
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    runner = SyncRunner(
        acme_class(), transport=httpx.MockTransport(slow_create), env=ENV, clock=VirtualClock()
    )
    try:
        with pytest.raises(framecast.FramecastCancelled) as caught:
            runner.generate(GenerationRequest(prompt="a cat"))
    finally:
        runner.close()
    assert server.created == 1
    assert caught.value.handle is not None and caught.value.handle.task_id == "task-1"
