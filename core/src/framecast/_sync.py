"""The sync facade: ``Runner``'s methods for scripts and notebooks, and ``generate()``.

with SyncRunner("runway") as runner:
    result = runner.generate(GenerationRequest(prompt="...", image="cat.png"))
    runner.download(result, "cat.mp4")

framecast.generate(prompt="...", image="cat.png", out="cat.mp4")
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ._errors import FramecastCancelled
from ._models import GenerationRequest, TaskHandle
from ._runner import Runner
from ._submitted import _claims_of_this_call

if TYPE_CHECKING:
    from ._models import (
        CostEstimate,
        GenerationResult,
        PreparedRequest,
        ProviderInfo,
        TaskState,
    )
    from ._submitted import SubmittedTasks, _Claim

__all__ = ["SyncRunner", "generate"]

logger = logging.getLogger("framecast")

T = TypeVar("T")


class SyncRunner:
    """``Runner``'s methods for synchronous code. Runs its own event loop in a worker
    thread, so it also works where a loop is already running (notebooks)."""

    def __init__(self, provider: str | type | object | None = None, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="framecast-sync", daemon=True
        )
        self._thread.start()
        try:
            self.runner: Runner = self._call(self._make(provider, kwargs))
        except BaseException:
            self.close()
            raise

    @staticmethod
    async def _make(provider: Any, kwargs: dict[str, Any]) -> Runner:
        return Runner(provider, **kwargs)

    def _call(self, coro: Awaitable[T]) -> T:
        done = threading.Event()
        box: dict[str, asyncio.Task[T]] = {}
        claims: list[_Claim] = []  # what this call submits (``runner.submitted`` entries)
        context = contextvars.copy_context()
        context.run(_claims_of_this_call.set, claims)

        def start() -> None:
            task: asyncio.Task[T] = self._loop.create_task(
                coro,  # type: ignore[arg-type]
                context=context,
            )
            task.add_done_callback(lambda _task: done.set())
            box["task"] = task

        self._loop.call_soon_threadsafe(start)
        try:
            done.wait()
        except KeyboardInterrupt:
            # Cancel inside the loop and wait: a submit already sent finishes (shielded) and
            # its handle rides on FramecastCancelled instead of being lost with the
            # interrupt. A second Ctrl-C stops the wait.
            self._loop.call_soon_threadsafe(lambda: box["task"].cancel())
            done.wait()
            cancelled = _interrupted(box["task"], claims)
            if cancelled is not None:
                raise cancelled from None
            raise
        return box["task"].result()

    @property
    def info(self) -> ProviderInfo:
        return self.runner.info

    @property
    def provider_name(self) -> str:
        return self.runner.provider_name

    @property
    def submitted(self) -> SubmittedTasks:
        """The runner's ``submitted``: tasks accepted whose call never handed them over."""
        return self.runner.submitted

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        return self.runner.prepare(request)

    def estimate(self, request: GenerationRequest) -> CostEstimate | None:
        return self.runner.estimate(request)

    def submit(self, request: GenerationRequest) -> TaskHandle:
        return self._call(self.runner.submit(request))

    def poll(self, handle: Any) -> TaskState:
        return self._call(self.runner.poll(handle))

    def wait(self, handle: Any, **kwargs: Any) -> GenerationResult:
        return self._call(self.runner.wait(handle, **kwargs))

    def generate(self, request: GenerationRequest, **kwargs: Any) -> GenerationResult:
        return self._call(self.runner.generate(request, **kwargs))

    def cancel(self, handle: Any, *, delete: bool = False) -> TaskState:
        return self._call(self.runner.cancel(handle, delete=delete))

    def download(self, target: Any, dest: str | os.PathLike[str], **kwargs: Any) -> Path:
        return self._call(self.runner.download(target, dest, **kwargs))

    def load_handle(self, handle: Any) -> TaskHandle:
        return self.runner.load_handle(handle)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        runner = getattr(self, "runner", None)
        if runner is not None and self._loop.is_running():
            try:
                self._call(runner.aclose())
            except Exception:
                logger.debug("closing the runner failed", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> SyncRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _interrupted(task: asyncio.Task[Any], claims: list[_Claim]) -> FramecastCancelled | None:
    """What an interrupted ``SyncRunner`` call raises instead of ``KeyboardInterrupt``: the
    task it submitted (now handed over to the caller), if any."""
    if not task.cancelled() and task.exception() is None:
        value = task.result()  # the call finished as the interrupt came
        if isinstance(value, TaskHandle):  # a submit's: never lose it with the interrupt
            return FramecastCancelled(
                f"interrupted just after task {value.task_id} was submitted; it keeps running",
                handle=value,
            )
        return None
    for claim in claims:
        if not claim.unclaimed:
            continue
        claim.handed_over()  # the error raised to the caller carries it
        if claim.handle is not None:
            return FramecastCancelled(
                "cancelled after the submit was sent: the task keeps running "
                f"(task {claim.handle.task_id})",
                handle=claim.handle,
            )
        details = claim.outcome_unknown.details if claim.outcome_unknown else None
        return FramecastCancelled(
            "cancelled after the submit was sent: its outcome is unknown", details=details
        )
    return None


def generate(
    request: GenerationRequest | None = None,
    /,
    *,
    provider: str | None = None,
    timeout: float | None = None,
    out: str | os.PathLike[str] | None = None,
    runner_options: Mapping[str, Any] | None = None,
    **fields: Any,
) -> GenerationResult:
    """One call from a script: ``framecast.generate(prompt=..., image=..., camera=...)``.

    Takes a ``GenerationRequest`` or its fields as keywords; ``out`` downloads the video.
    """
    if request is None:
        request = GenerationRequest(**fields)
    elif fields:
        request = request.evolve(**fields)
    if out is not None:
        from ._download import check_destination

        check_destination(Path(out))
    with SyncRunner(provider, **dict(runner_options or {})) as runner:
        result = runner.generate(request, timeout=timeout)
        if out is not None:
            runner.download(result, out)
        return result
