"""The FIFO gate: how many requests are in flight, admitted strictly in arrival order.

httpcore's pool rescans its whole queue on every request added or released, which makes
thousands of queued requests quadratic (encode/httpcore#1035): requests therefore wait in
a FIFO gate *before* reaching the pool, which never holds more than the gate's width. The
runner takes a request's gate slot before the provider's hook even builds it
(``GateTicket``, handed to the transport through ``current_ticket``).
"""

from __future__ import annotations

import asyncio
import collections
import contextvars

__all__ = ["FifoGate", "GateTicket", "current_ticket"]


class FifoGate:
    """A semaphore that admits waiters strictly in arrival order. ``size <= 0``: no limit."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def in_use(self) -> int:
        return self.size - self._free

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        if self.size <= 0:
            return
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release_to_next()  # we were handed the slot as we were cancelled
            else:
                try:
                    self._waiters.remove(future)
                except ValueError:
                    pass
            raise

    def release(self) -> None:
        if self.size <= 0:
            return
        self._release_to_next()

    def _release_to_next(self) -> None:
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)  # the slot passes straight to the next waiter
                return
        self._free += 1

    async def __aenter__(self) -> FifoGate:
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()


class GateTicket:
    """A gate slot the runner took before calling a provider's I/O hook.

    The hook's first request through that gate uses it instead of queueing. Thousands of
    tasks waiting for the gate then wait as a future each, before their request is built,
    rather than as a built request, an auth flow and a plugin's frames inside httpx
    (memory per in-flight task). An unused ticket is handed back when the hook
    returns.
    """

    __slots__ = ("gate", "held")

    def __init__(self, gate: FifoGate) -> None:
        self.gate = gate
        self.held = True

    def take(self, gate: FifoGate) -> bool:
        """Use the slot for a request through ``gate``, once."""
        if self.held and gate is self.gate:
            self.held = False
            return True
        return False

    def hand_back(self) -> None:
        if self.held:
            self.held = False
            self.gate.release()


current_ticket: contextvars.ContextVar[GateTicket | None] = contextvars.ContextVar(
    "framecast_gate_ticket", default=None
)
