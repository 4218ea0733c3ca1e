"""Virtual time: the clock jumps to the next sleeper's deadline when nothing else can run."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import Any

__all__ = ["VirtualClock"]

_IDLE_ROUNDS = 3  # scheduler rounds with nothing ready before time moves on
_MAX_ROUNDS = 10_000


class VirtualClock:
    """A ``framecast.Clock`` whose ``sleep`` costs no real time.

    Time advances only when every task on the loop is blocked (on a virtual sleep or a
    future), to the earliest deadline, so concurrent tasks see a consistent timeline.
    ``sleeps`` records every requested duration, for asserting retry and poll policies.
    Works with in-memory transports (``httpx.MockTransport``); real I/O does not mix with
    virtual time.
    """

    def __init__(self, start: float = 0.0, epoch: float = 1_767_225_600.0) -> None:
        self._now = start
        self._epoch = epoch  # 2026-01-01T00:00:00Z, so time() looks like a real timestamp
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._scheduled = False
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._epoch + self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (wakes sleepers whose deadline passed)."""
        self._now += seconds
        self._wake_due()

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        if seconds == 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._heap, (self._now + seconds, next(self._seq), future))
        self._schedule(loop)
        await future

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._tick, loop, 0, 0)

    def _tick(self, loop: asyncio.AbstractEventLoop, idle: int, rounds: int) -> None:
        ready: Any = getattr(loop, "_ready", None)
        busy = ready is not None and len(ready) > 0
        if (busy or idle < _IDLE_ROUNDS) and rounds < _MAX_ROUNDS:
            loop.call_soon(self._tick, loop, 0 if busy else idle + 1, rounds + 1)
            return
        self._scheduled = False
        while self._heap and self._heap[0][2].done():
            heapq.heappop(self._heap)  # cancelled sleepers
        if not self._heap:
            return
        self._now = max(self._now, self._heap[0][0])
        self._wake_due()
        if self._heap:
            self._schedule(loop)

    def _wake_due(self) -> None:
        while self._heap and self._heap[0][0] <= self._now:
            _, _, future = heapq.heappop(self._heap)
            if not future.done():
                future.set_result(None)
