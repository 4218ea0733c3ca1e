"""Observers: host plugins hear of submits, progress, results and failures.

    await notify(session.hook, "on_submitted", shielded=True, handle=handle, request=request)

An observer that raises is logged and never changes the outcome; a ``shielded`` call lets
an ``async`` observer run to its end even if the caller is cancelled meanwhile.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

__all__ = ["notify", "wait_out"]

logger = logging.getLogger("framecast")


async def notify(hook: Any, hook_name: str, *, shielded: bool = False, **kwargs: Any) -> None:
    """Call every observer of ``hook_name``. ``shielded``: an ``async`` observer runs to
    its end even if the caller is cancelled meanwhile; the cancellation is raised once
    all of them have run."""
    caller = getattr(hook, hook_name)
    cancelled: asyncio.CancelledError | None = None
    for impl in reversed(caller.get_hookimpls()):
        try:
            args = {k: v for k, v in kwargs.items() if k in impl.argnames}
            result = impl.function(**args)
            if inspect.isawaitable(result):
                if shielded:
                    running = asyncio.ensure_future(result)
                    cancelled = await wait_out(running) or cancelled
                    if running.cancelled():
                        continue
                    result = running
                await result
        except Exception:
            logger.exception("observer %s of %s failed", hook_name, impl.plugin_name)
    if cancelled is not None:
        raise cancelled


async def wait_out(future: asyncio.Future[Any]) -> asyncio.CancelledError | None:
    """Wait until ``future`` is done, however often the waiting task is cancelled meanwhile;
    the first cancellation met, for the caller to raise afterwards."""
    cancelled: asyncio.CancelledError | None = None
    while not future.done():
        try:
            await asyncio.wait((future,))
        except asyncio.CancelledError as exc:
            cancelled = cancelled or exc
    return cancelled
