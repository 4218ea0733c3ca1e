"""Scripted faults for ``KlingFake.inject``: Kling's business codes, server errors, lost
answers and broken bodies. Each has the core's fault signature (request, server)."""

from __future__ import annotations

import json

import httpx
from framecast.testing import (
    connection_refused,
    corrupt_body,
    named,
    read_timeout_after,
    reset_after,
)

from .._codes import CODES
from ._common import Fault, Handler, Refusal, error_response

__all__ = [
    "FAILURE_MESSAGES",
    "business_error",
    "connection_refused",
    "expired_token",
    "malformed",
    "not_yet_valid",
    "read_timeout_after",
    "reset_after",
    "server_error",
    "truncated",
    "unknown_status",
]


#: ``task_status_msg`` of a ``failed`` task, one per class the plugin tells apart (for
#: ``KlingFake.plan_next(fail_with=...)``). Kling's exact wording is UNCONFIRMED: the docs
#: name content risk control and mask/image mismatches; anything else reads as internal.
FAILURE_MESSAGES = {
    "content": "Failure to pass the risk control system",
    "input": "static_mask resolution does not match the image",
    "internal": "Task failed due to an internal error, please try again",
}


_named = named


def business_error(
    code: int,
    message: str | None = None,
    *,
    status: int | None = None,
    created: bool = False,
    retry_after: float | None = None,
) -> Fault:
    """Answer Kling's error envelope for ``code`` (HTTP status per the docs' table). With
    ``created=True`` the server creates the task first (a 5xxx whose task exists);
    ``retry_after`` adds that header (whether Kling ever sends one is UNCONFIRMED)."""
    if code not in CODES:
        raise ValueError(f"{code} is not a documented Kling code: {sorted(CODES)}")

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        refusal = Refusal(code, message, status)
        response = error_response(refusal, request_id=f"fault-{code}")
        if retry_after is not None:
            response.headers["Retry-After"] = f"{retry_after:g}"
        return response

    extra = f", retry_after={retry_after:g}" if retry_after is not None else ""
    return _named(f"business_error({code}{', created' if created else ''}{extra})", fault)


def expired_token() -> Fault:
    """401/1004 once, as if the token had expired in flight."""
    return _named("expired_token", business_error(1004))


def not_yet_valid() -> Fault:
    """401/1003 once, as if the server's clock ran behind the token's ``nbf``."""
    return _named("not_yet_valid", business_error(1003))


def server_error(
    status: int = 500, *, created: bool = False, retry_after: float | None = None
) -> Fault:
    """A 500 (5000 envelope), 502 (a gateway's HTML page), 503 (5001) or 504 (5002).
    ``retry_after`` adds that header: a 503 with it is a refusal (docs/reliability.md), no task."""
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        if status == 502:
            return httpx.Response(
                502, text="<html><body>502 Bad Gateway</body></html>", headers=headers
            )
        code = 5002 if status == 504 else 5001 if status == 503 else 5000
        response = error_response(Refusal(code, status=status), request_id=f"fault-{status}")
        response.headers.update(headers)
        return response

    extra = f", retry_after={retry_after:g}" if retry_after is not None else ""
    return _named(f"server_error({status}{', created' if created else ''}{extra})", fault)


def malformed(*, created: bool = True) -> Fault:
    """A 200 whose body is not JSON (with ``created``, the server acted first)."""
    if created:
        return corrupt_body("garbage")
    return _named(
        "malformed(not created)",
        lambda request, handler: httpx.Response(200, text="<html>oops</html>"),
    )


def truncated(*, created: bool = True) -> Fault:
    """A 200 whose JSON is cut in half."""
    if created:
        return corrupt_body("truncated")
    return _named(
        "truncated(not created)",
        lambda request, handler: httpx.Response(200, text='{"code":0,"message":"SUCC'),
    )


def unknown_status(word: str = "paused", *, task_id: str | None = None) -> Fault:
    """A query answered normally, but with ``task_status`` ``word``; on a task list, that of
    every task on the page, or only of ``task_id``."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        body = json.loads(response.read())
        data = body.get("data")
        for task in data if isinstance(data, list) else [data]:
            if isinstance(task, dict) and task_id in (None, task.get("task_id")):
                task["task_status"] = word
        return httpx.Response(response.status_code, json=body, headers=response.headers)

    return _named(f"unknown_status({word})", fault)
