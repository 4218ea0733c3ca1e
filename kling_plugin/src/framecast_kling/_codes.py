"""Kling's business codes -> rows of framecast's retry table (docs/reliability.md).

The code in the JSON body decides, never the HTTP status: 429 carries both throttling
(1302/1303, retried) and account errors (1100-1102, 1304, never retried).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from framecast import Classification, Outcome, parse_retry_after

from ._wire import business_code, error_message

__all__ = ["CODES", "HTTP_STATUS", "classify_response", "outcome_for"]

#: code -> (documented HTTP status, meaning). The fake answers with these statuses.
CODES: Mapping[int, tuple[int, str]] = {
    1000: (401, "Authentication failed"),
    1001: (401, "Authorization is empty"),
    1002: (401, "Authorization is invalid"),
    1003: (401, "Authorization is not yet valid"),
    1004: (401, "Authorization has expired"),
    1100: (429, "Account exception"),
    1101: (429, "Account in arrears (postpaid)"),
    1102: (429, "Resource pack depleted or expired (prepaid)"),
    1103: (403, "Unauthorized access to requested resource"),
    1200: (400, "Invalid request parameters"),
    1201: (400, "Invalid parameters"),
    1202: (404, "Requested method is invalid"),
    1203: (404, "Requested resource does not exist"),
    1300: (400, "Platform strategy triggered"),
    1301: (400, "Content security policy triggered"),
    1302: (429, "API request too fast"),
    1303: (429, "Concurrency or QPS exceeds prepaid resource pack limit"),
    1304: (429, "IP whitelist policy"),
    5000: (500, "Server internal error"),
    5001: (503, "Service temporarily unavailable"),
    5002: (504, "Server internal timeout"),
}
HTTP_STATUS: Mapping[int, int] = {code: status for code, (status, _) in CODES.items()}

_FIXED: Mapping[int, Outcome] = {
    **dict.fromkeys((1000, 1001, 1002, 1003, 1004), Outcome.AUTHENTICATION),
    **dict.fromkeys((1100, 1101, 1102, 1304), Outcome.ACCOUNT),
    # 1103 is a permission the account lacks (a model or API not enabled for it), not a
    # wrong key: re-entering credentials cannot fix it, so it reads as an account error.
    1103: Outcome.ACCOUNT,
    **dict.fromkeys((1200, 1201, 1202, 1300), Outcome.INVALID),
    1301: Outcome.CONTENT_REJECTED,
    **dict.fromkeys((1302, 1303), Outcome.RATE_LIMITED),
}


def outcome_for(code: int, phase: str, message: str | None = None) -> Outcome | None:
    """The table row for ``code`` met in ``phase``; ``None`` for a code Kling does not
    document (the core's HTTP-status defaults then apply)."""
    if 5000 <= code <= 5002:
        # On submit a server error may have created the task: look it up before resending.
        return Outcome.AMBIGUOUS if phase == "submit" else Outcome.TRANSIENT
    if code == 1203:
        # "Requested resource does not exist": on a read it is the task itself (which code an
        # unknown task id gets is UNCONFIRMED; 1203 is the documented "does not exist").
        return Outcome.INVALID if phase == "submit" else Outcome.NOT_FOUND
    if phase == "submit" and code in (1200, 1201) and _names_external_task_id(message):
        # A refused duplicate external_task_id: the key's task already exists, so the core
        # looks it up ("a refusal of that resubmit -> look the key up once more").
        # The refusal's code and wording are UNCONFIRMED; any 1200/1201 naming the field
        # counts.
        return Outcome.AMBIGUOUS
    return _FIXED.get(code)


def _names_external_task_id(message: str | None) -> bool:
    if not message:
        return False
    lowered = message.lower()
    return "external_task_id" in lowered or "external task id" in lowered


def classify_response(response: httpx.Response, phase: str) -> Classification | None:
    code = business_code(response)
    if code is None:
        return None
    message = error_message(response)
    outcome = outcome_for(code, phase, message)
    if outcome is None:
        return None
    retry_after = _retry_after(response)
    if outcome is Outcome.AMBIGUOUS and response.status_code == 503 and retry_after is not None:
        # A 503 with Retry-After is the server refusing the request (no task), so
        # it is retried after the wait, not looked up as a possibly created task.
        outcome = Outcome.RETRY
    return Classification(
        outcome=outcome,
        code=str(code),
        message=message or CODES.get(code, (0, ""))[1] or None,
        retry_after=retry_after,
    )


def _retry_after(response: httpx.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))
