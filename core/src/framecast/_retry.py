"""The retry policy and the outcome table (docs/reliability.md), in one place.

Providers contribute facts only through ``classify`` (business codes, credit errors) and
``auth`` (re-signing); every decision to retry, look up, resubmit or give up is made here.

Every loop that tries again (submit, dedupe lookups, poll, wait, cancel, download) is one
``RetryPolicy.attempts(clock)`` loop; the only waits the runner makes are the ones it
schedules:

    async for attempt in policy.attempts(clock):
        try:
            return await read_status()
        except Transient as exc:
            if attempt.last:
                raise GaveUp(f"failed {attempt.number} times") from None
            attempt.retry(exc.retry_after, reason=str(exc))  # back-off, Retry-After honoured
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._models import Classification, Outcome

if TYPE_CHECKING:
    import httpx

    from ._clock import Clock

__all__ = [
    "Attempt",
    "DeadlineReached",
    "RetryPolicy",
    "backoff",
    "default_classification",
    "parse_retry_after",
]

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

    def attempts(
        self,
        clock: Clock,
        *,
        limit: int | Literal["policy"] | None = "policy",
        deadline: float | None = None,
    ) -> AsyncIterator[Attempt]:
        """Attempts, one per iteration, with the wait the previous one scheduled in between.

        ``limit``: how many attempts at most (default ``max_attempts``; ``None``: no limit,
        as a wait that may run for days). ``deadline`` (on ``clock.monotonic()``): a wait
        that would end past it sleeps only until it, then raises ``DeadlineReached``. The
        body ends each attempt by returning, raising, or scheduling the next one with
        ``retry`` (a failure: the policy's back-off, ``Retry-After`` honoured up to its
        cap), ``again`` (a failure, no wait), ``pause`` (spacing after a success) or
        ``slow_down`` (doubling spacing, e.g. while the provider throttles); a body that
        schedules nothing goes on at once.
        """
        count = max(1, self.max_attempts) if limit == "policy" else limit
        return _Attempts(self, clock, count, deadline)


class DeadlineReached(Exception):
    """The wait an attempt scheduled would end past the ``deadline`` of ``attempts()``;
    ``reason`` is what the attempt gave for waiting (e.g. the last status or error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Attempt:
    """One attempt of a ``RetryPolicy.attempts`` loop: its number and how the next begins."""

    __slots__ = ("_policy", "_state", "number")

    def __init__(self, policy: RetryPolicy, state: _Streaks, number: int) -> None:
        self._policy = policy
        self._state = state
        self.number = number  #: counts from 1

    @property
    def last(self) -> bool:
        """No attempt follows this one (the limit is reached)."""
        return self._state.limit is not None and self.number >= self._state.limit

    @property
    def failures(self) -> int:
        """Failed attempts in a row before this one."""
        return self._state.failures

    def retry(
        self, retry_after: float | None = None, *, at_least: float = 0.0, reason: str = ""
    ) -> float:
        """This attempt failed: wait the back-off for the failures in a row (or the
        server's ``Retry-After``, capped), at least ``at_least`` seconds. Returns the wait."""
        state = self._state
        state.failures += 1
        return state.schedule(
            max(at_least, self._policy.delay(state.failures, retry_after)), reason
        )

    def again(self, reason: str = "") -> None:
        """This attempt failed, and the next one goes at once (e.g. after lookups)."""
        self._state.failures += 1
        self._state.reason = reason

    def pause(self, seconds: float, reason: str = "") -> float:
        """This attempt succeeded; the next one comes ``seconds`` later."""
        self._state.failures = 0
        self._state.throttled = 0
        return self._state.schedule(seconds, reason)

    def slow_down(self, base: float, cap: float, reason: str = "") -> float:
        """This attempt was told to slow down: ``base`` doubled for every such answer in a
        row, at most ``cap``."""
        state = self._state
        state.failures = 0
        state.throttled += 1
        return state.schedule(backoff(base, cap, state.throttled), reason)


@attrs.define
class _Streaks:
    limit: int | None
    failures: int = 0  # failed attempts in a row
    throttled: int = 0  # slow_down answers in a row
    wait: float | None = None  # what the attempt just made scheduled
    reason: str = ""

    def schedule(self, seconds: float, reason: str) -> float:
        self.wait = seconds
        self.reason = reason
        return seconds


class _Attempts:
    """The iterator ``attempts()`` returns (a class, not an async generator: a loop left by
    ``return`` leaves nothing for the event loop to finalise)."""

    __slots__ = ("_clock", "_deadline", "_number", "_policy", "_state")

    def __init__(
        self, policy: RetryPolicy, clock: Clock, limit: int | None, deadline: float | None
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._deadline = deadline
        self._state = _Streaks(limit=limit)
        self._number = 0

    def __aiter__(self) -> _Attempts:
        return self

    async def __anext__(self) -> Attempt:
        state = self._state
        if state.limit is not None and self._number >= state.limit:
            raise StopAsyncIteration
        if self._number:
            wait, state.wait = state.wait, None
            if wait is not None:
                await _sleep(self._clock, wait, self._deadline, state.reason)
        self._number += 1
        return Attempt(self._policy, state, self._number)


async def _sleep(clock: Clock, seconds: float, deadline: float | None, reason: str) -> None:
    if deadline is not None:
        remaining = deadline - clock.monotonic()
        if remaining < seconds:
            if remaining > 0:
                await clock.sleep(remaining)
            raise DeadlineReached(reason)
    await clock.sleep(seconds)


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
