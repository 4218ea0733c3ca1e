"""The default transport: httpx's, split into small shards that widen only when it pays
(docs/performance.md)."""

from __future__ import annotations

import asyncio
import collections

import httpx

__all__ = [
    "GROW_AFTER_SECONDS",
    "SHARD_CONNECTIONS",
    "WARM_CONNECTIONS",
    "ShardedPool",
    "default_transport",
]


class ShardedPool(httpx.AsyncBaseTransport):
    """Several small connection pools in place of one wide one, widened only when it pays.

    httpcore's pool walks every connection it holds, polling each idle socket to see whether
    it has expired, whenever it admits or releases a request: its CPU cost per request grows
    with its size, and at a 100-request gate that walk was a third of a task's CPU
    (docs/performance.md). ``capacities[i]`` is shard ``i``'s connection limit. A request
    goes to the first shard with a free connection, so a shard opens a connection only when
    every shard before it is fully busy.

    Not every request the gate admits gets a connection at once. ``warm`` requests may be in
    flight from the start; beyond that a request waits here, in arrival order, for one to
    finish. The limit grows by half (at least one), up to the sum of the capacities, when
    requests are waiting and none has finished for ``grow_after`` seconds, or when the
    first in line has waited ``max_wait`` seconds; it never shrinks. A client whose requests
    come back quickly — its own CPU is the limit — therefore keeps a few connections (each
    costs ~15 KiB, and more would not make it faster); a burst against a distant API gets
    the full width within a few ``grow_after`` steps; and a steady load that the connections
    cannot carry makes a queue whose head waits ``max_wait``, so it grows until they can.
    Only a pool at its full width waits on the request's pool timeout
    (``httpx.PoolTimeout``, like httpcore's own queue); below it, growth bounds every wait.

    The response body is read before the request counts as done, as in ``GatedTransport``:
    the connection is busy until then.
    """

    def __init__(
        self,
        shards: list[httpx.AsyncBaseTransport],
        capacities: list[int],
        *,
        warm: int | None = None,
        grow_after: float = 0.005,
        max_wait: float = 0.25,
    ) -> None:
        if not shards or len(shards) != len(capacities):
            raise ValueError("ShardedPool needs at least one shard, and one capacity per shard")
        self._shards = shards
        self._capacities = capacities
        self._busy = [0] * len(shards)
        self._total = sum(capacities)
        self._allowed = self._total if warm is None else max(1, min(warm, self._total))
        self._grow_after = grow_after
        self._max_wait = max_wait
        self._in_flight = 0
        # (future, when it began to wait), first in line first.
        self._waiters: collections.deque[tuple[asyncio.Future[None], float]] = collections.deque()
        self._last_release = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    @property
    def shards(self) -> tuple[httpx.AsyncBaseTransport, ...]:
        return tuple(self._shards)

    @property
    def allowed(self) -> int:
        """How many requests may be in flight now; about the connections the pool keeps."""
        return self._allowed

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def _pick(self) -> int:
        # Admission keeps the requests in flight within the capacities, so one has room.
        busy = self._busy
        for index, capacity in enumerate(self._capacities):
            if busy[index] < capacity:
                return index
        raise AssertionError("ShardedPool admitted more requests than it has connections")

    async def _admit(self, request: httpx.Request) -> None:
        if self._in_flight < self._allowed and not self._waiters:
            self._in_flight += 1
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiters.append((future, loop.time()))
        expiry = None
        if self._allowed < self._total:
            if self._timer is None or self._timer_loop is not loop:
                # (A timer left on a loop that has since ended would never fire.)
                wait = min(self._grow_after, self._max_wait)
                self._timer = loop.call_later(wait, self._grow, loop)
                self._timer_loop = loop
        else:
            timeout = request.extensions.get("timeout", {}).get("pool")
            if timeout is not None:
                expiry = loop.call_later(timeout, _expire, future)
        try:
            await future
        except BaseException as exc:
            if future.done() and not future.cancelled() and future.exception() is None:
                self._release()  # handed a slot as we were cancelled: pass it on
            else:
                _discard(self._waiters, future)
            if isinstance(exc, _PoolExpired):
                raise httpx.PoolTimeout(
                    "no connection became free within the pool timeout", request=request
                ) from None
            raise
        finally:
            if expiry is not None:
                expiry.cancel()

    def _release(self) -> None:
        self._last_release = asyncio.get_running_loop().time()
        while self._waiters:
            future, _ = self._waiters.popleft()
            if not future.done():
                future.set_result(None)  # the slot passes straight to the next waiter
                return
        self._in_flight -= 1

    def _grow(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        if not self._waiters or self._allowed >= self._total:
            return
        now = loop.time()
        quiet = now - self._last_release >= self._grow_after
        if quiet or now - self._waiters[0][1] >= self._max_wait:
            # Half as many again, like TCP's slow start: a distant API reaches the full
            # width in a few steps; a client limited by its own CPU rarely gets here.
            step = min(max(1, self._allowed // 2), self._total - self._allowed)
            self._allowed += step
            self._last_release = now  # the next step needs another quiet interval
            while step and self._waiters:
                future, _ = self._waiters.popleft()
                if not future.done():
                    self._in_flight += 1
                    step -= 1
                    future.set_result(None)
        if self._waiters and self._allowed < self._total:
            due = min(self._last_release + self._grow_after, self._waiters[0][1] + self._max_wait)
            self._timer = loop.call_at(max(due, now), self._grow, loop)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._admit(request)
        try:
            index = self._pick()
            self._busy[index] += 1
            try:
                response = await self._shards[index].handle_async_request(request)
                try:
                    await response.aread()
                finally:
                    await response.aclose()
                return response
            finally:
                self._busy[index] -= 1
        finally:
            self._release()

    async def aclose(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for shard in self._shards:
            await shard.aclose()


class _PoolExpired(Exception):
    """A waiter's pool timeout ran out (raised to the caller as ``httpx.PoolTimeout``)."""


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(_PoolExpired())


def _discard(
    waiters: collections.deque[tuple[asyncio.Future[None], float]], future: asyncio.Future[None]
) -> None:
    for entry in waiters:
        if entry[0] is future:
            waiters.remove(entry)
            return


#: Connections per shard of the default transport: small enough that httpcore's walk stays
#: cheap, large enough that an idle client still finds a kept-alive connection.
SHARD_CONNECTIONS = 10
#: Requests the default transport lets in flight before it first widens (one shard's worth).
WARM_CONNECTIONS = SHARD_CONNECTIONS
#: How long requests must wait with none finishing before the default transport widens.
GROW_AFTER_SECONDS = 0.005


def default_transport(
    max_connections: int | None, *, warm: int | None = WARM_CONNECTIONS
) -> httpx.AsyncBaseTransport:
    """The provider client's transport: httpx's own, split into shards of
    ``SHARD_CONNECTIONS`` connections when a gate bounds the requests in flight, opening
    ``warm`` of them at first (``None``: all at once, as before the connection ramp)."""
    if max_connections is None or max_connections <= SHARD_CONNECTIONS:
        return httpx.AsyncHTTPTransport(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            )
        )
    # One TLS context for all shards: each would otherwise load the CA bundle (~0.7 MB).
    tls = httpx.create_ssl_context()
    shards: list[httpx.AsyncBaseTransport] = []
    capacities: list[int] = []
    remaining = max_connections
    while remaining > 0:
        size = min(SHARD_CONNECTIONS, remaining)
        capacities.append(size)
        shards.append(
            httpx.AsyncHTTPTransport(
                verify=tls,
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
            )
        )
        remaining -= size
    return ShardedPool(shards, capacities, warm=warm, grow_after=GROW_AFTER_SECONDS)
