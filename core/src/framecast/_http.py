"""The client providers get, and the transport under it: the FIFO gate (``_gate``), the
sharded pool (``_pool``) and origin-restricted auth (``_auth``) around httpx.

``GatedTransport`` waits in the gate (or uses the runner's ``GateTicket``), sends, and marks
a submit's create request as sent (``SubmitTrack``); ``ProviderClient`` raises on a non-2xx
answer once the auth flow has had its say.
"""

from __future__ import annotations

import contextvars
import logging
import time
import urllib.parse
from typing import Any

import httpx

from ._auth import OriginAuth, OutputAuth, origin_of
from ._gate import FifoGate, GateTicket, current_ticket
from ._pool import ShardedPool, default_transport

__all__ = [
    "FifoGate",
    "GateTicket",
    "GatedTransport",
    "OriginAuth",
    "OutputAuth",
    "ProviderClient",
    "ShardedPool",
    "SubmitTrack",
    "current_submit",
    "current_ticket",
    "default_transport",
    "origin_of",
]

http_logger = logging.getLogger("framecast.http")


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


class GatedTransport(httpx.AsyncBaseTransport):
    """Waits in the FIFO gate (unless the runner holds a slot for this request: a
    ``GateTicket``), sends, and reads the body before giving the slot back."""

    def __init__(self, inner: httpx.AsyncBaseTransport, gate: FifoGate) -> None:
        self._inner = inner
        self._gate = gate
        self._traced = speaks_httpcore(inner)

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
                assert track is not None
                if self._traced:
                    _watch_headers(request, track)  # sent: httpcore began writing them
                else:
                    track.sent = True  # a transport of its own: entering it counts as sent
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


def speaks_httpcore(transport: httpx.AsyncBaseTransport) -> bool:
    """Whether ``transport`` sends through httpcore, whose trace events say when a
    request's headers begin to be written."""
    if isinstance(transport, ShardedPool):
        return all(speaks_httpcore(shard) for shard in transport.shards)
    return type(transport) is httpx.AsyncHTTPTransport


def _watch_headers(request: httpx.Request, track: SubmitTrack) -> None:
    """Mark the create as sent when httpcore starts writing its headers (the
    ``send_request_headers.started`` trace event); unmark it when h11 refused to build
    them (``LocalProtocolError``: an illegal header value, nothing written). Anything
    earlier (a bad URL, a refused connection) leaves it unsent: no task can exist."""
    import httpcore

    outer = request.extensions.get("trace")

    async def trace(event: str, info: dict[str, Any]) -> None:
        if event.endswith("send_request_headers.started"):
            track.sent = True
        elif event.endswith("send_request_headers.failed") and isinstance(
            info.get("exception"), httpcore.LocalProtocolError
        ):
            track.sent = False
        if outer is not None:
            await outer(event, info)

    request.extensions = {**request.extensions, "trace": trace}


class ProviderClient(httpx.AsyncClient):
    """The ``http`` a provider's I/O hooks get: a non-2xx answer raises ``HTTPStatusError``
    (after the auth flow has had its say, so a re-signing auth still sees a 401)."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = await super().send(request, **kwargs)
        if response.is_error:
            await response.aread()
            response.raise_for_status()
        return response
