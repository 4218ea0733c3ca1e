"""Seedance's error codes -> rows of framecast's outcome table.

Error answers carry ``{"error": {"code": "<Code.SubCode>", "message": ...}}`` (the SDK's
``_make_status_error`` unwraps ``body["error"]``). The codes seen live are
``InputImageSensitiveContentDetected.PrivacyInformation`` (a reference image that may show a
real person; HTTP 400 at create, or an asynchronous ``failed`` task) and
``OutputVideoSensitiveContentDetected.PolicyViolation``. The account and rate-limit codes
below are from Ark's error-code table as integrators quote it: UNCONFIRMED, and matched by
prefix so a new sub-code falls in its family. A code not listed is left to the HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from framecast import Classification, Outcome

__all__ = ["PRIVACY_CODE", "classify_response", "error_of", "explain", "is_content_code"]

PRIVACY_CODE = "InputImageSensitiveContentDetected.PrivacyInformation"
PRIVACY_HINT = (
    "Seedance 2.x refuses reference images or videos that may show a real person unless "
    "they went through the platform's asset review (upload them to the Assets API and pass "
    "the reviewed asset instead); use an image without a real person, or a reviewed asset. "
    "Sending the same image again will not help"
)

#: Code prefix -> outcome (the first matching prefix wins).
CODE_PREFIXES: tuple[tuple[str, Outcome], ...] = (
    ("InputImageSensitiveContentDetected", Outcome.CONTENT_REJECTED),
    ("InputVideoSensitiveContentDetected", Outcome.CONTENT_REJECTED),
    ("InputAudioSensitiveContentDetected", Outcome.CONTENT_REJECTED),
    ("InputTextSensitiveContentDetected", Outcome.CONTENT_REJECTED),
    ("OutputVideoSensitiveContentDetected", Outcome.CONTENT_REJECTED),
    ("OutputAudioSensitiveContentDetected", Outcome.CONTENT_REJECTED),
    ("SensitiveContentDetected", Outcome.CONTENT_REJECTED),
    ("InvalidParameter", Outcome.INVALID),
    ("MissingParameter", Outcome.INVALID),
    ("InvalidEndpointOrModel", Outcome.INVALID),  # UNCONFIRMED
    ("AccountOverdueError", Outcome.ACCOUNT),  # UNCONFIRMED: balance in arrears
    ("ModelNotOpen", Outcome.ACCOUNT),  # UNCONFIRMED: model not activated in the console
    ("SetLimitExceeded", Outcome.ACCOUNT),  # UNCONFIRMED: the account's spending cap
    ("AuthenticationError", Outcome.AUTHENTICATION),
    ("AccessDenied", Outcome.AUTHENTICATION),  # UNCONFIRMED
    ("RateLimitExceeded", Outcome.RATE_LIMITED),  # UNCONFIRMED sub-codes
    ("QuotaExceeded", Outcome.RATE_LIMITED),  # UNCONFIRMED
)

ACCOUNT_HINTS: Mapping[str, str] = {
    "AccountOverdueError": "top up the account's balance",
    "ModelNotOpen": "activate the model in the console first",
    "SetLimitExceeded": "raise the spending limit in the console",
}


def error_of(data: Any) -> tuple[str | None, str | None]:
    """``(code, message)`` of an ``{"error": {...}}`` body or a task's ``error``."""
    error = data.get("error") if isinstance(data, Mapping) else None
    if not isinstance(error, Mapping):
        return None, None
    code, message = error.get("code"), error.get("message")
    return (
        code if isinstance(code, str) and code else None,
        message if isinstance(message, str) and message else None,
    )


def outcome_of(code: str | None) -> Outcome | None:
    if code is None:
        return None
    for prefix, outcome in CODE_PREFIXES:
        if code.startswith(prefix):
            return outcome
    return None


def is_content_code(code: str | None) -> bool:
    return outcome_of(code) is Outcome.CONTENT_REJECTED


def explain(code: str | None, message: str | None) -> str | None:
    """The message a user reads: the server's, with what to do where we know it."""
    if code is not None and code.startswith(PRIVACY_CODE):
        return f"{message or 'the input may contain a real person'}. {PRIVACY_HINT}"
    for prefix, hint in ACCOUNT_HINTS.items():
        if code is not None and code.startswith(prefix):
            return f"{message or code}; {hint}"
    return message


def classify_response(response: httpx.Response, phase: str) -> Classification | None:
    try:
        data = response.json()
    except ValueError:
        return None
    code, message = error_of(data)
    outcome = outcome_of(code)
    if outcome is None:
        return None  # an unknown code (or none): the HTTP status decides the row
    if outcome is Outcome.INVALID and phase in ("poll", "cancel") and response.status_code == 404:
        return None  # a task that is gone: the core's NOT_FOUND
    return Classification(outcome=outcome, code=code, message=explain(code, message))
