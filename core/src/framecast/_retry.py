"""The retry policy and the outcome table (docs/reliability.md), in one place.

Providers contribute facts only through ``classify`` (business codes, credit errors) and
``auth`` (re-signing); every decision to retry, look up, resubmit or give up is made here.
"""

from __future__ import annotations

import email.utils
import random
from typing import TYPE_CHECKING, Any

import attrs

from ._models import Classification, Outcome

if TYPE_CHECKING:
    import httpx

__all__ = ["RetryPolicy", "backoff", "default_classification", "parse_retry_after"]

#: Doublings past which a back-off stops growing. ``base * 2**n`` overflows a float near
#: ``n = 1024`` (about a thousand failed polls: hours of 503s, or a day of THROTTLED); 2**64
#: times any base already lies beyond every cap, so clamping there changes no delay.
MAX_DOUBLINGS = 64


def backoff(base: float, cap: float, doublings: int) -> float:
    """``base * 2**doublings``, at most ``cap``, for any number of doublings (a wait may
    run for days)."""
    return min(cap, base * float(2 ** min(max(0, doublings), MAX_DOUBLINGS)))


@attrs.frozen
class RetryPolicy:
    """Exponential backoff with full jitter; ``Retry-After`` honoured up to ``retry_after_cap``."""

    base: float = attrs.field(default=1.0, validator=lambda _i, a, v: _seconds(a, v))
    cap: float = attrs.field(default=30.0, validator=lambda _i, a, v: _seconds(a, v))
    max_attempts: int = attrs.field(default=5, validator=lambda _i, a, v: _count(a, v, 1))
    retry_after_cap: float = attrs.field(default=60.0, validator=lambda _i, a, v: _seconds(a, v))
    #: find_submitted calls after an ambiguous submit, and the seconds between them
    dedupe_lookups: int = attrs.field(default=2, validator=lambda _i, a, v: _count(a, v, 0))
    dedupe_spacing: float = attrs.field(default=3.0, validator=lambda _i, a, v: _seconds(a, v))
    seed: int | None = None  # for reproducible jitter in tests
    _rng: random.Random = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_rng", random.Random(self.seed))

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.retry_after_cap))
        return self._rng.uniform(0.0, backoff(self.base, self.cap, attempt - 1))


def _seconds(attribute: Any, value: Any) -> None:
    from ._checks import check_number

    check_number(value, f"retry_policy.{attribute.name}", minimum=0, unit="seconds")


def _count(attribute: Any, value: Any, minimum: int) -> None:
    from ._checks import check_number

    check_number(value, f"retry_policy.{attribute.name}", minimum=minimum, integer=True)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds (a number, or an HTTP date relative to ``now``)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    import time

    reference = time.time() if now is None else now
    return max(0.0, when.timestamp() - reference)


def default_classification(response: httpx.Response, phase: str) -> Classification:
    """The core's HTTP-status defaults, used when ``classify`` returns ``None``."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    message = _short_body(response)
    outcome: Outcome
    if status in (401, 403):
        outcome = Outcome.AUTHENTICATION
    elif status == 429:
        outcome = Outcome.RATE_LIMITED
    elif status == 404 and phase in ("poll", "cancel"):
        outcome = Outcome.NOT_FOUND
    elif status == 503 and retry_after is not None:
        outcome = Outcome.RETRY if phase == "submit" else Outcome.TRANSIENT
    elif status >= 500:
        outcome = Outcome.AMBIGUOUS if phase == "submit" else Outcome.TRANSIENT
    elif 400 <= status < 500:
        outcome = Outcome.INVALID
    else:
        outcome = Outcome.UNREADABLE
    return Classification(
        outcome=outcome, code=str(status), message=message, retry_after=retry_after
    )


def _short_body(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
    except Exception:  # noqa: BLE001 - any unreadable body is shown as text
        text = response.text if response.is_stream_consumed or hasattr(response, "_content") else ""
        return text.strip()[:300] or f"HTTP {response.status_code}"
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            if isinstance(data.get(key), str):
                return str(data[key])[:300]
    return str(data)[:300]
