"""HTTP plumbing: the FIFO gate, origin-restricted auth, and the client providers get.

httpcore's pool rescans its whole queue on every request added or released, which makes
thousands of queued requests quadratic (encode/httpcore#1035): requests therefore wait in
a FIFO gate *before* reaching the pool, which never holds more than the gate's width. The
runner takes a request's gate slot before the provider's hook even builds it
(``GateTicket``), and the default transport (``ShardedPool``) opens connections only as
fast as answers show they are needed (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import time
import urllib.parse
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

import httpx

__all__ = [
    "FifoGate",
    "GateTicket",
    "GatedTransport",
    "OriginAuth",
    "OutputAuth",
    "ProviderClient",
    "ShardedPool",
    "SubmitTrack",
    "current_ticket",
    "default_transport",
    "origin_of",
]

http_logger = logging.getLogger("framecast.http")


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


class SubmitTrack:
    """Whether the create request of a submit has left this process (per attempt).

    The outcome table needs to know it: a failure before the create request was sent (an
    upload, a connection never made) cannot have created a task.
    """

    __slots__ = ("method", "path", "sent")

    def __init__(self, method: str, path: str) -> None:
        self.method = method.upper()
        # ``prepare`` may name an absolute URL (a second API of the same provider): the
        # create is recognised by that URL's path.
        self.path = urllib.parse.urlsplit(path).path if "://" in path else path
        self.sent = False

    def matches(self, request: httpx.Request) -> bool:
        return request.method == self.method and request.url.path.endswith(self.path)


current_submit: contextvars.ContextVar[SubmitTrack | None] = contextvars.ContextVar(
    "framecast_submit", default=None
)


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


class GatedTransport(httpx.AsyncBaseTransport):
    """Waits in the FIFO gate (unless the runner holds a slot for this request: a
    ``GateTicket``), sends, and reads the body before giving the slot back."""

    def __init__(self, inner: httpx.AsyncBaseTransport, gate: FifoGate) -> None:
        self._inner = inner
        self._gate = gate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        track = current_submit.get()
        is_create = track is not None and track.matches(request)
        debug = http_logger.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        ticket = current_ticket.get()
        if ticket is None or not ticket.take(self._gate):
            await self._gate.acquire()
        try:
            if is_create:
                track.sent = True  # type: ignore[union-attr]
            try:
                response = await self._inner.handle_async_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
                if is_create:
                    track.sent = False  # type: ignore[union-attr]  # never reached the server
                raise
            try:
                await response.aread()
            finally:
                await response.aclose()
        finally:
            self._gate.release()
        if debug:
            http_logger.debug(
                "%s %s -> %d (%.0f ms)",
                request.method,
                request.url.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


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


def origin_of(url: httpx.URL | str) -> tuple[str, str, int | None]:
    u = httpx.URL(url) if isinstance(url, str) else url
    port = u.port or (443 if u.scheme == "https" else 80 if u.scheme == "http" else None)
    return (u.scheme, u.host, port)


class OriginAuth(httpx.Auth):
    """Applies the provider's auth only to its own origins; any other host gets none."""

    def __init__(self, inner: httpx.Auth, origins: Iterable[tuple[str, str, int | None]]) -> None:
        self._inner = inner
        self._origins = frozenset(origins)
        self.requires_request_body = getattr(inner, "requires_request_body", False)
        self.requires_response_body = getattr(inner, "requires_response_body", False)

    def __repr__(self) -> str:
        return f"OriginAuth({type(self._inner).__name__}, {len(self._origins)} origins)"

    def trusts(self, url: httpx.URL) -> bool:
        return origin_of(url) in self._origins

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self.trusts(request.url):
            yield request
            return
        flow = self._inner.async_auth_flow(request)
        next_request = await flow.__anext__()
        while True:
            response = yield next_request
            try:
                next_request = await flow.asend(response)
            except StopAsyncIteration:
                break


class OutputAuth(httpx.Auth):
    """The provider's auth for output downloads from its own origins, following redirects
    itself: each hop is a fresh request, signed only when its origin is trusted. (httpx's
    own redirects keep every header but ``Authorization`` on a cross-host hop, so an API-key
    header would follow a redirect to a CDN.) Use on a client with ``follow_redirects=False``.
    """

    def __init__(
        self,
        inner: httpx.Auth,
        origins: Iterable[tuple[str, str, int | None]],
        max_redirects: int = 10,
        check: Callable[[httpx.URL], None] | None = None,
    ) -> None:
        self._inner = inner
        self._origins = frozenset(origins)
        self._max_redirects = max_redirects
        self._check = check  # the fetch policy, on every hop it follows

    def __repr__(self) -> str:
        return f"OutputAuth({type(self._inner).__name__}, {len(self._origins)} origins)"

    async def _signed(self, request: httpx.Request) -> httpx.Request:
        if origin_of(request.url) not in self._origins:
            return request
        flow = self._inner.async_auth_flow(request)
        signed = await flow.__anext__()
        await flow.aclose()
        return signed

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        headers = request.headers.copy()  # before any credential is added
        headers.pop("host", None)  # each hop names its own host
        for _ in range(self._max_redirects):
            response = yield await self._signed(request)
            location = response.headers.get("location")
            if not response.is_redirect or not location:
                return
            request = httpx.Request(
                "GET",
                request.url.join(location),
                headers=headers,
                extensions=request.extensions,
            )
            if self._check is not None:
                self._check(request.url)
        yield await self._signed(request)


class ProviderClient(httpx.AsyncClient):
    """The ``http`` a provider's I/O hooks get: a non-2xx answer raises ``HTTPStatusError``
    (after the auth flow has had its say, so a re-signing auth still sees a 401)."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await super().send(request, **kwargs)
        if response.is_error:
            await response.aread()
            response.raise_for_status()
        return response
