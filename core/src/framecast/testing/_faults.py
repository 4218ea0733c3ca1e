"""Scripted faults for protocol fakes: generic, no provider code.

    fake = SomeProviderFake()
    injector = FaultInjector(fake)
    injector.on("POST", "/v1/tasks", read_timeout_after())   # server creates, answer lost
    injector.on("GET", "/v1/tasks/", respond(503), respond(503))
    transport = httpx.MockTransport(injector)

Each ``on(...)`` queues faults for requests matching the method and a path fragment; each
matching request consumes one fault, in order; requests with no fault left go straight to
the wrapped handler. ``injector.log`` records what happened to every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

__all__ = [
    "Fault",
    "FaultInjector",
    "after",
    "before",
    "connect_error",
    "corrupt_body",
    "read_timeout_after",
    "remote_reset_after",
    "respond",
]

Handler = Callable[[httpx.Request], httpx.Response]
#: A fault takes the request and the real handler, and returns a response or raises.
Fault = Callable[[httpx.Request, Handler], httpx.Response]


class FaultInjector:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self._rules: list[tuple[str, str, list[Fault]]] = []
        self.log: list[tuple[str, str, str]] = []

    def on(self, method: str, path_fragment: str, *faults: Fault) -> FaultInjector:
        self._rules.append((method.upper(), path_fragment, list(faults)))
        return self

    def pending(self) -> int:
        """Faults not yet consumed."""
        return sum(len(faults) for _, _, faults in self._rules)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        for method, fragment, faults in self._rules:
            if faults and request.method == method and fragment in request.url.path:
                fault = faults.pop(0)
                self.log.append(
                    (request.method, request.url.path, getattr(fault, "__name__", "fault"))
                )
                return fault(request, self.handler)
        self.log.append((request.method, request.url.path, "pass"))
        return self.handler(request)


def named(name: str, fault: Fault) -> Fault:
    """``fault`` under ``name``: how it shows in test ids, logs and the reliability matrix."""
    fault.__name__ = name  # type: ignore[attr-defined]
    return fault


_named = named


def respond(
    status: int,
    json_body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    text: str | None = None,
    create: bool = False,
) -> Fault:
    """Answer ``status`` instead of the server; with ``create=True`` the server acts first
    (a task really created behind a 5xx)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if create:
            handler(request)
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        body = json_body if json_body is not None else {"error": f"injected {status}"}
        return httpx.Response(status, json=body, headers=headers)

    return _named(f"respond({status}{', created' if create else ''})", fault)


def before(exc: Exception) -> Fault:
    """Raise ``exc`` without the server seeing the request."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        raise exc

    return _named(f"before({type(exc).__name__})", fault)


def after(exc: Exception) -> Fault:
    """Let the server act, then raise ``exc`` (the answer is lost)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        handler(request)
        raise exc

    return _named(f"after({type(exc).__name__})", fault)


def connect_error() -> Fault:
    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        raise httpx.ConnectError("connection refused (injected)", request=request)

    return _named("connect_error", fault)


def read_timeout_after() -> Fault:
    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        handler(request)
        raise httpx.ReadTimeout("read timed out (injected)", request=request)

    return _named("read_timeout_after", fault)


def remote_reset_after() -> Fault:
    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        handler(request)
        raise httpx.RemoteProtocolError("connection reset by peer (injected)", request=request)

    return _named("remote_reset_after", fault)


def corrupt_body(kind: str = "truncated") -> Fault:
    """Let the server act, then damage its 2xx body: ``truncated``, ``garbage`` or ``empty``."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        content = response.read()
        if kind == "truncated":
            damaged = content[: max(1, len(content) // 2)]
        elif kind == "garbage":
            damaged = b"<html>502 Bad Gateway</html>"
        else:
            damaged = b""
        return httpx.Response(
            response.status_code, content=damaged, headers={"content-type": "application/json"}
        )

    return _named(f"corrupt_body({kind})", fault)


def connection_refused() -> Fault:
    """The connection is never made: the server sees nothing (no task can exist)."""
    return named("connection_refused", connect_error())


def reset_after() -> Fault:
    """The server acts (a create creates), then the connection is reset before the answer."""
    return named("reset_after", remote_reset_after())
