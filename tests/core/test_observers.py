"""Observer hooks: every plugin is called, one by one; a failing one stops nothing."""

from __future__ import annotations

import asyncio
import logging

import pytest
from framecast import (
    FramecastError,
    GenerationFailed,
    GenerationRequest,
    GenerationResult,
    TaskHandle,
    TaskState,
    TaskStatus,
    ValidationError,
    hookimpl,
)

from .support import make_runner, scripted, text_request

pytestmark = pytest.mark.anyio


class Broken:
    """Raises from every observer hook."""

    @hookimpl
    def on_submitted(self, handle: TaskHandle, request: GenerationRequest) -> None:
        raise RuntimeError("observer bug (submitted)")

    @hookimpl
    def on_progress(self, handle: TaskHandle, state: TaskState) -> None:
        raise RuntimeError("observer bug (progress)")

    @hookimpl
    async def on_finished(self, handle: TaskHandle, result: GenerationResult) -> None:
        raise RuntimeError("observer bug (finished)")

    @hookimpl
    def on_failed(self, handle: TaskHandle | None, error: FramecastError) -> None:
        raise RuntimeError("observer bug (failed)")


class Journal:
    """Records every event; async, so the runner must await it."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.progress: list[tuple[str, TaskStatus]] = []
        self.errors: list[FramecastError] = []

    async def _note(self, event: str) -> None:
        self.log.append(f"{self.name}:{event}:start")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.log.append(f"{self.name}:{event}:end")

    @hookimpl
    async def on_submitted(self, handle: TaskHandle, request: GenerationRequest) -> None:
        await self._note(f"submitted {handle.task_id}")

    @hookimpl
    async def on_progress(self, handle: TaskHandle, state: TaskState) -> None:
        self.progress.append((handle.task_id, state.status))
        await self._note(f"progress {state.status.value}")

    @hookimpl
    async def on_finished(self, handle: TaskHandle, result: GenerationResult) -> None:
        await self._note(f"finished {result.status.value}")

    @hookimpl
    async def on_failed(self, handle: TaskHandle | None, error: FramecastError) -> None:
        self.errors.append(error)
        await self._note(f"failed {type(error).__name__}")


async def test_a_raising_observer_never_stops_the_others_or_the_task(caplog) -> None:
    clock, _server, faults = scripted(polls_to_finish=2)
    log: list[str] = []
    first, second = Journal("a", log), Journal("b", log)
    caplog.set_level(logging.ERROR, logger="framecast")
    async with make_runner(faults, clock, plugins=[first, Broken(), second]) as runner:
        result = await runner.generate(text_request())
    assert result.status is TaskStatus.SUCCEEDED
    for journal in (first, second):
        events = [
            e.split(":")[1] for e in log if e.startswith(journal.name) and e.endswith("start")
        ]
        assert events == ["submitted task-1", "progress RUNNING", "finished SUCCEEDED"]
    failures = [r for r in caplog.records if "observer" in r.getMessage()]
    assert len(failures) == 3  # each broken call was logged, with its traceback
    assert all(r.exc_info for r in failures)


async def test_observers_are_called_one_at_a_time() -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    log: list[str] = []
    async with make_runner(faults, clock, plugins=[Journal("a", log), Journal("b", log)]) as runner:
        await runner.generate(text_request())
    # Each call ends before the next one starts (an async observer is awaited in turn).
    for i in range(0, len(log), 2):
        start, end = log[i], log[i + 1]
        assert start.endswith(":start") and end == start.replace(":start", ":end")


async def test_progress_callback_sees_the_same_events_as_on_progress() -> None:
    clock, _server, faults = scripted(throttled_polls=2, polls_to_finish=3)
    journal = Journal("a", [])
    seen: list[tuple[str, TaskStatus]] = []

    async def callback(handle: TaskHandle, state: TaskState) -> None:
        await asyncio.sleep(0)
        seen.append((handle.task_id, state.status))

    async with make_runner(faults, clock, plugins=[journal]) as runner:
        await runner.generate(text_request(), on_progress=callback)
    assert seen == journal.progress
    assert [status for _, status in seen] == [
        TaskStatus.THROTTLED,
        TaskStatus.THROTTLED,
        TaskStatus.RUNNING,
        TaskStatus.RUNNING,
    ]


async def test_a_raising_progress_callback_does_not_stop_the_task() -> None:
    clock, _server, faults = scripted(polls_to_finish=3)

    def callback(handle: TaskHandle, state: TaskState) -> None:
        raise RuntimeError("callback bug")

    async with make_runner(faults, clock) as runner:
        result = await runner.generate(text_request(), on_progress=callback)
    assert result.status is TaskStatus.SUCCEEDED


async def test_on_failed_receives_the_error_with_its_handle() -> None:
    clock, _server, faults = scripted(fail_with=("SAFETY", "refused"))
    journal = Journal("a", [])
    async with make_runner(faults, clock, plugins=[journal, Broken()]) as runner:
        with pytest.raises(GenerationFailed):
            await runner.generate(text_request())
    assert len(journal.errors) == 1
    error = journal.errors[0]
    assert isinstance(error, GenerationFailed)
    assert error.handle is not None and error.handle.task_id == "task-1"


async def test_on_failed_hears_about_validation_errors_too() -> None:
    clock, _server, faults = scripted()
    journal = Journal("a", [])
    async with make_runner(faults, clock, plugins=[journal]) as runner:
        with pytest.raises(ValidationError):
            await runner.generate(text_request(duration=7))
    assert [type(e) for e in journal.errors] == [type(journal.errors[0])]
    assert journal.errors[0].handle is None
    assert faults.log == []


async def test_an_observer_may_take_a_subset_of_the_arguments() -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    handles: list[str] = []

    class Minimal:
        @hookimpl
        def on_submitted(self, handle: TaskHandle) -> None:
            handles.append(handle.task_id)

    async with make_runner(faults, clock, plugins=[Minimal()]) as runner:
        await runner.generate(text_request())
    assert handles == ["task-1"]


async def test_a_module_can_be_an_observer_plugin() -> None:
    import types

    finished: list[str] = []
    module = types.ModuleType("house_observers")

    @hookimpl
    def on_finished(handle: TaskHandle, result: GenerationResult) -> None:
        finished.append(handle.task_id)

    module.on_finished = on_finished  # type: ignore[attr-defined]
    clock, _server, faults = scripted(polls_to_finish=1)
    async with make_runner(faults, clock, plugins=[module]) as runner:
        await runner.generate(text_request())
    assert finished == ["task-1"]
