"""Waiting: poll until the task ends, spaced by the poll interval (slower while the
provider throttles), within a timeout — then the result or the error it means.

    result = await wait_for(session, handle, WaitOptions(timeout=600))

A transient failure keeps the wait going (with back-off); the timeout is a ``TaskTimeout``
carrying the handle: the task keeps running and is never resubmitted.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import FramecastError, GenerationFailed, TaskTimeout
from ._models import CostEstimate, GenerationResult, TaskHandle, TaskState, TaskStatus
from ._observers import notify
from ._polling import Transient, make_output, poll_once, poll_rounds, read_in_round
from ._retry import DeadlineReached

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["THROTTLED_BACKOFF_CAP", "ProgressCallback", "WaitOptions", "wait_for"]

logger = logging.getLogger("framecast")

ProgressCallback = Callable[[TaskHandle, TaskState], Any]
THROTTLED_BACKOFF_CAP = 60.0


@attrs.frozen
class WaitOptions:
    """How one wait runs, and what its result carries from the submit."""

    timeout: float | None = None  # None: the runner's
    on_progress: ProgressCallback | None = None
    estimate: CostEstimate | None = None
    notes: tuple[str, ...] = ()


async def wait_for(session: Session, handle: TaskHandle, options: WaitOptions) -> GenerationResult:
    clock = session.clock
    limit = session.limits.timeout if options.timeout is None else options.timeout
    started = clock.monotonic()
    deadline = None if limit is None else started + limit
    interval = interval_for(session, handle)
    rounds = poll_rounds(session, interval)
    due = read_at = started
    polls = 0
    try:
        async for attempt in session.retry_policy.attempts(clock, limit=None, deadline=deadline):
            try:
                if rounds is None:
                    state = await poll_once(session, handle)
                else:
                    state, read_at = await read_in_round(session, rounds, handle, due, deadline)
            except Transient as t:
                last_error = t.classification.message or ""
                logger.debug("poll of %s failed (%s); retrying", handle.task_id, last_error)
                wait = attempt.retry(
                    t.classification.retry_after, at_least=interval, reason=last_error
                )
                due = clock.monotonic() + wait
                continue
            polls += 1
            if state.status.is_terminal:
                elapsed = clock.monotonic() - started
                return await _finish(session, handle, state, elapsed, polls, options)
            await _emit_progress(session, handle, state, options.on_progress)
            if state.status is TaskStatus.THROTTLED:
                base = interval if interval > 0 else 1.0
                cap = max(THROTTLED_BACKOFF_CAP, interval)
                wait = attempt.slow_down(base, cap, reason=state.status.value)
            elif rounds is None:
                wait = attempt.pause(interval, reason=state.status.value)
            else:  # spaced from the round's start, so the tasks of a round stay together
                spacing = max(0.0, interval - (clock.monotonic() - read_at))
                wait = attempt.pause(spacing, reason=state.status.value)
            due = clock.monotonic() + wait
    except DeadlineReached as reached:
        error = _timed_out(handle, limit, reached.reason)
        await notify(session.hook, "on_failed", handle=handle, error=error)
        raise error from None
    except FramecastError as exc:
        if exc.handle is None:
            exc.handle = handle
        await notify(session.hook, "on_failed", handle=handle, error=exc)
        raise
    raise AssertionError("unreachable: a wait without limit ends by returning or raising")


def _timed_out(handle: TaskHandle, limit: float | None, last: str) -> TaskTimeout:
    return TaskTimeout(
        f"task {handle.task_id} still running after {limit:g} s (last: {last}); it "
        "keeps running and is not lost: wait for it again with its handle; "
        "never resubmit",
        handle=handle,
        details={"timeout": limit, "last_status": last},
    )


def interval_for(session: Session, handle: TaskHandle) -> float:
    base = handle.base_url or session.base_url
    if session.is_official(base):
        return max(session.limits.poll_interval, session.info.poll_floor)
    return session.limits.poll_interval


async def _emit_progress(
    session: Session, handle: TaskHandle, state: TaskState, on_progress: ProgressCallback | None
) -> None:
    if on_progress is not None:
        try:
            result = on_progress(handle, state)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("progress callback failed")
    await notify(session.hook, "on_progress", handle=handle, state=state)


async def _finish(
    session: Session,
    handle: TaskHandle,
    state: TaskState,
    elapsed: float,
    polls: int,
    options: WaitOptions,
) -> GenerationResult:
    if state.status is not TaskStatus.SUCCEEDED:
        raise _failure(handle, state)
    result = GenerationResult(
        handle=handle,
        status=state.status,
        outputs=tuple(make_output(session, url) for url in state.outputs),
        elapsed_s=elapsed,
        polls=polls,
        estimated_cost=options.estimate,
        actual_cost=state.cost,
        actual_cost_currency=state.cost_currency,
        notes=options.notes,
        state=state,
    )
    await notify(session.hook, "on_finished", handle=handle, result=result)
    return result


def _failure(handle: TaskHandle, state: TaskState) -> GenerationFailed:
    if state.status is TaskStatus.CANCELLED:
        said = state.message and state.message.strip(" .").lower() != "cancelled"
        return GenerationFailed(
            f"task {handle.task_id} was cancelled" + (f": {state.message}" if said else ""),
            retryable=False,
            code="CANCELLED",
            handle=handle,
        )
    code = f" [{state.failure_code}]" if state.failure_code else ""
    advice = (
        "trying again may succeed (submit a new request)"
        if state.retryable
        else "trying the same request again will not help"
    )
    # Providers end their messages with a full stop; "...again.; trying" reads badly.
    reason = (state.failure_message or state.message or "no reason given").rstrip(". ")
    return GenerationFailed(
        f"task {handle.task_id} failed{code}: {reason}; {advice}",
        retryable=bool(state.retryable),
        code=state.failure_code,
        handle=handle,
        # The charge, where reported: failover counts it in what the request paid.
        details={
            "message": state.failure_message,
            "cost": state.cost,
            "cost_currency": state.cost_currency,
        },
    )
