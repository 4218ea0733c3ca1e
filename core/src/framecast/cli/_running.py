"""Running a command's coroutine so that Ctrl-C, SIGTERM and SIGHUP never lose a task.

A signal cancels the command's main task; the runner lets a submit already sent finish
(shielded) and raises ``FramecastCancelled`` carrying the handle, which the command prints
with the resume command. A second signal while that submit finishes only says so: quitting
then would lose the handle of a task that runs (and costs) anyway.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import attrs

__all__ = ["Finished", "run_command"]

T = TypeVar("T")

#: Exit codes of an interrupted command: 130 for Ctrl-C, 143 for SIGTERM and SIGHUP.
INTERRUPT_EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143, "SIGHUP": 143}


@attrs.frozen
class Finished(Generic[T]):
    """How the command's coroutine ended: a value, an error, and the signal if any."""

    value: T | None = None
    error: BaseException | None = None
    signal_name: str | None = None

    @property
    def interrupted(self) -> bool:
        return self.signal_name is not None

    @property
    def interrupt_exit_code(self) -> int:
        return INTERRUPT_EXIT_CODES.get(self.signal_name or "SIGINT", 130)


def run_command(
    main: Callable[[], Awaitable[T]],
    *,
    on_first_signal: Callable[[str], None] | None = None,
    on_repeated_signal: Callable[[str], None] | None = None,
) -> Finished[T]:
    """Run ``main()`` in a fresh event loop with the signal handlers installed."""
    return asyncio.run(_guarded(main, on_first_signal, on_repeated_signal))


async def _guarded(
    main: Callable[[], Awaitable[T]],
    on_first_signal: Callable[[str], None] | None,
    on_repeated_signal: Callable[[str], None] | None,
) -> Finished[T]:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[str] = []

    def handle(signum: int) -> None:
        name = signal.Signals(signum).name
        if received:
            if on_repeated_signal is not None:
                on_repeated_signal(name)
            return
        received.append(name)
        if on_first_signal is not None:
            on_first_signal(name)
        if task is not None:
            task.cancel()

    installed = _install(loop, handle)
    try:
        value = await main()
    except asyncio.CancelledError as exc:
        if not received:
            raise
        return Finished(error=exc, signal_name=received[0])
    except Exception as exc:  # noqa: BLE001 - every failure becomes an exit code, not a traceback
        return Finished(error=exc, signal_name=received[0] if received else None)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
    if received:
        # The signal came after the work was done (or the work swallowed the
        # cancellation): the command still honours it.
        return Finished(value=value, signal_name=received[0])
    return Finished(value=value)


def _install(loop: asyncio.AbstractEventLoop, handler: Callable[[int], None]) -> list[int]:
    installed: list[int] = []
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            loop.add_signal_handler(signum, handler, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            # Windows, or not the main thread: Ctrl-C then arrives as KeyboardInterrupt,
            # which main() turns into exit 130.
            continue
        installed.append(signum)
    return installed
