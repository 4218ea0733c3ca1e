"""HTTP plumbing: the FIFO gate, origin-restricted auth, and the client providers get.

httpcore's pool rescans its whole queue on every request added or released, which makes
thousands of queued requests quadratic (encode/httpcore#1035): requests therefore wait in
a FIFO gate *before* reaching the pool, which never holds more than the gate's width.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import time
from collections.abc import AsyncGenerator, Iterable
from typing import Any

import httpx

__all__ = [
    "FifoGate",
    "GatedTransport",
    "OriginAuth",
    "ProviderClient",
    "ShardedPool",
    "SubmitTrack",
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
        self.path = path
        self.sent = False

    def matches(self, request: httpx.Request) -> bool:
        return request.method == self.method and request.url.path.endswith(self.path)


current_submit: contextvars.ContextVar[SubmitTrack | None] = contextvars.ContextVar(
    "framecast_submit", default=None
)


class GatedTransport(httpx.AsyncBaseTransport):
    """Waits in the FIFO gate, sends, and reads the body before giving the slot back."""

    def __init__(self, inner: httpx.AsyncBaseTransport, gate: FifoGate) -> None:
        self._inner = inner
        self._gate = gate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        track = current_submit.get()
        is_create = track is not None and track.matches(request)
        debug = http_logger.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
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
    """Several small connection pools in place of one wide one.

    httpcore's pool walks every connection it holds, polling each idle socket to see whether
    it has expired, whenever it admits or releases a request: its CPU cost per request grows
    with its size, and at a 100-request gate that walk was a third of a task's CPU
    (docs/performance.md). ``capacities[i]`` is shard ``i``'s connection limit. A request
    goes to the first shard with a free connection, so a shard opens a connection only when
    every shard before it is fully busy: no more connections than requests in flight (as
    one pool would keep), and behind a gate no wider than the total no shard ever queues.
    Without such a gate, an overflow goes to the least busy shard.

    The response body is read before the request counts as done, as in ``GatedTransport``:
    the connection is busy until then.
    """

    def __init__(self, shards: list[httpx.AsyncBaseTransport], capacities: list[int]) -> None:
        if not shards or len(shards) != len(capacities):
            raise ValueError("ShardedPool needs at least one shard, and one capacity per shard")
        self._shards = shards
        self._capacities = capacities
        self._busy = [0] * len(shards)

    def _pick(self) -> int:
        busy = self._busy
        for index, capacity in enumerate(self._capacities):
            if busy[index] < capacity:
                return index
        return busy.index(min(busy))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
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

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


#: Connections per shard of the default transport: small enough that httpcore's walk stays
#: cheap, large enough that an idle client still finds a kept-alive connection.
SHARD_CONNECTIONS = 10


def default_transport(max_connections: int | None) -> httpx.AsyncBaseTransport:
    """The provider client's transport: httpx's own, split into shards of
    ``SHARD_CONNECTIONS`` connections when a gate bounds the requests in flight."""
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
    return ShardedPool(shards, capacities)


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


class ProviderClient(httpx.AsyncClient):
    """The ``http`` a provider's I/O hooks get: a non-2xx answer raises ``HTTPStatusError``
    (after the auth flow has had its say, so a re-signing auth still sees a 401)."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await super().send(request, **kwargs)
        if response.is_error:
            await response.aread()
            response.raise_for_status()
        return response
