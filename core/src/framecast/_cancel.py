"""Cancel: stop an unfinished task, never call a cancel the provider does not have, and
never delete a finished task's output unless asked.

    state = await cancel(session, handle, delete=False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import FramecastError, NotSupported, ValidationError
from ._models import Outcome, TaskHandle, TaskState, TaskStatus
from ._outcomes import classify, error_for
from ._polling import poll

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["cancel"]

_RETRIED = (Outcome.TRANSIENT, Outcome.RATE_LIMITED, Outcome.RETRY)


async def cancel(session: Session, handle: TaskHandle, *, delete: bool) -> TaskState:
    if not session.info.supports_cancel:
        # Never call a cancel the provider says it does not have (it might delete).
        raise NotSupported(
            f"{session.provider_name} has no way to cancel a task: it runs to completion "
            "(and is charged)",
            handle=handle,
        )
    state = await poll(session, handle)
    if state.status.is_terminal and not delete:
        raise _already_ended(handle, state)
    await _send_cancel(session, handle, delete)
    session.cancelled.add(handle.task_id)
    try:
        return await poll(session, handle)
    except FramecastError:
        return TaskState(status=TaskStatus.CANCELLED, message="cancel sent")


def _already_ended(handle: TaskHandle, state: TaskState) -> ValidationError:
    # Only a finished task has an output to lose; a failed or cancelled one has
    # nothing left to stop.
    why = (
        "cancelling now would delete its output"
        if state.status is TaskStatus.SUCCEEDED
        else "there is nothing left to stop"
    )
    return ValidationError(
        f"task {handle.task_id} already ended {state.status.value}; {why}. "
        "Ask to delete it explicitly (framecast cancel --delete; cancel(delete=True))",
        field="delete",
        value=False,
        allowed=[True],
        handle=handle,
    )


async def _send_cancel(session: Session, handle: TaskHandle, delete: bool) -> None:
    async for attempt in session.retry_policy.attempts(session.clock):
        try:
            await session.hook.cancel(handle=handle, http=session.http(), delete=delete)
            return
        except FramecastError as exc:
            if exc.handle is None:
                exc.handle = handle
            raise
        except Exception as exc:  # noqa: BLE001
            c = classify(session, exc, "cancel", None)
            if c.outcome is Outcome.NOT_FOUND:
                return  # already gone: safe to ignore
            if c.outcome in _RETRIED and not attempt.last:
                attempt.retry(c.retry_after)
                continue
            raise error_for(session, c, handle, phase="cancel") from None
