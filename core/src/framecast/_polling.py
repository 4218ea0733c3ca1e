"""Polling: a handle checked and loaded, one status read, and outputs described.

    handle = load_handle(session, '{"provider": "runway", "task_id": "..."}')
    state = await poll(session, handle)     # transient errors retried within the policy

``poll_once`` is one read with no retry: a transient failure is a ``Transient`` for the
caller's own loop (``poll`` retries it; a wait keeps waiting).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._errors import ConfigurationError, FramecastError, ProviderError, ValidationError
from ._models import Classification, Outcome, Output, TaskHandle, TaskState, TaskStatus
from ._outcomes import classify, error_for
from ._session import iso

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._rounds import PollRounds
    from ._session import Session

__all__ = [
    "Transient",
    "fresh_output",
    "load_handle",
    "make_output",
    "poll",
    "poll_once",
    "poll_rounds",
    "read_in_round",
]

#: A first guess from the URL; ``download()`` checks the real type by magic bytes.
_MEDIA_TYPE_BY_SUFFIX = {
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mov": "video/quicktime",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}
UNREADABLE_POLL_ADVICE = (
    "The task is not lost: check it later with poll(handle) / 'framecast status HANDLE', "
    "or update framecast and the provider plugin"
)
#: Outcomes of a status read worth reading again: the task is still there.
_TRANSIENT = (
    Outcome.TRANSIENT,
    Outcome.RATE_LIMITED,
    Outcome.RETRY,
    Outcome.AMBIGUOUS,
    Outcome.UNREADABLE,
)


class Transient(Exception):
    """A status read failed in a way that reading again may fix."""

    def __init__(self, classification: Classification, cause: BaseException) -> None:
        super().__init__(classification.message or type(cause).__name__)
        self.classification = classification
        self.cause = cause


def load_handle(
    session: Session, handle: TaskHandle | Mapping[str, Any] | str | bytes
) -> TaskHandle:
    """A handle from an object, a dict or JSON, checked: provider and trusted base URL."""
    if isinstance(handle, (str, bytes)):
        handle = TaskHandle.from_json(handle)
    elif isinstance(handle, Mapping):
        handle = TaskHandle.from_dict(dict(handle))
    if not isinstance(handle, TaskHandle):
        raise ValidationError(
            "handle: expected a TaskHandle, its dict or its JSON",
            field="handle",
            value=type(handle).__name__,
            allowed="TaskHandle",
        )
    name = session.provider_name
    if handle.provider != name:
        raise ValidationError(
            f"handle belongs to provider {handle.provider!r}, but this runner uses "
            f"{name!r}; use --provider {handle.provider}",
            field="handle.provider",
            value=handle.provider,
            allowed=[name],
        )
    if handle.base_url and handle.base_url.rstrip("/") != session.base_url:
        if not session.is_official(handle.base_url):
            raise _untrusted_base_url(session, handle)
    return handle


def _untrusted_base_url(session: Session, handle: TaskHandle) -> ConfigurationError:
    variables = " or ".join(session.info.base_url_variables) or "the provider's base URL"
    return ConfigurationError(
        f"the handle names base URL {handle.base_url!r}, which is neither the "
        f"configured one ({session.base_url}) nor an official {session.provider_name} "
        f"host; credentials are never sent there. Set {variables} to it if you "
        "trust it",
        handle=handle,
        details={
            "base_url": handle.base_url,
            "variables": list(session.info.base_url_variables),
        },
    )


async def poll(session: Session, handle: TaskHandle) -> TaskState:
    """One status read (transient errors retried within the retry policy)."""
    async for attempt in session.retry_policy.attempts(session.clock):
        try:
            return await poll_once(session, handle)
        except Transient as t:
            if attempt.last:
                raise ProviderError(
                    f"{session.provider_name}: status read failed {attempt.number} times "
                    f"({t.classification.message}); the task is not lost: poll again later",
                    handle=handle,
                ) from None
            attempt.retry(t.classification.retry_after)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def poll_once(session: Session, handle: TaskHandle) -> TaskState:
    from ._http import current_ticket

    ticket = await session.ticket()
    ticket_token = current_ticket.set(ticket)
    try:
        state = await session.hook.poll(handle=handle, http=session.http())
    except FramecastError as exc:
        raise _poll_error(exc, handle) from None
    except Exception as exc:
        c = classify(session, exc, "poll", None)
        if c.outcome is Outcome.NOT_FOUND and handle.task_id in session.cancelled:
            return TaskState(status=TaskStatus.CANCELLED, message="cancelled through this runner")
        if c.outcome in _TRANSIENT:
            raise Transient(c, exc) from exc
        raise error_for(session, c, handle, phase="poll") from None
    finally:
        current_ticket.reset(ticket_token)
        ticket.hand_back()
    if not isinstance(state, TaskState):
        raise ProviderError(f"{session.provider_name}: poll() returned no TaskState", handle=handle)
    return state


def _poll_error(exc: FramecastError, handle: TaskHandle) -> FramecastError:
    if exc.handle is None:
        exc.handle = handle
    if isinstance(exc, ProviderError) and not exc.message.endswith(UNREADABLE_POLL_ADVICE):
        # The provider's words say what happened; the user also needs what to do.
        exc.message = f"{exc.message}. {UNREADABLE_POLL_ADVICE}"
        exc.args = (exc.message,)
    return exc


def make_output(session: Session, url: str) -> Output:
    expires = None
    lifetime = session.info.output_url_lifetime
    if lifetime and not url.startswith("file:"):
        expires = iso(session.clock.time() + lifetime)
    suffix = url.split("?", 1)[0].rsplit(".", 1)[-1].lower()
    return Output(url=url, media_type=_MEDIA_TYPE_BY_SUFFIX.get(suffix), expires_at=expires)


async def fresh_output(session: Session, handle: TaskHandle) -> Output:
    """The task's first output, with a fresh URL (polled now)."""
    state = await poll(session, handle)
    if state.status is not TaskStatus.SUCCEEDED or not state.outputs:
        raise ValidationError(
            f"task {handle.task_id} is {state.status.value}: nothing to download yet",
            field="handle",
            value=state.status.value,
            allowed="a SUCCEEDED task",
            handle=handle,
        )
    return make_output(session, state.outputs[0])


# ---------------------------------------------------------------------- batch reads


def poll_rounds(session: Session, interval: float) -> PollRounds | None:
    """The session's shared poll rounds when the provider reads many tasks at once
    (``poll_many``); ``None`` (each wait reads on its own) otherwise."""
    if session.rounds is None:
        if not session.hook.poll_many.get_hookimpls():
            return None
        from ._rounds import PollRounds

        async def read_batch(handles: Sequence[TaskHandle]) -> dict[str, Any]:
            return await _read_batch(session, handles)

        session.rounds = PollRounds(session.clock, read_batch, window=interval)
    return session.rounds


async def read_in_round(
    session: Session, rounds: PollRounds, handle: TaskHandle, due: float, deadline: float | None
) -> tuple[TaskState, float]:
    """This task's read in the round it joins: (its state, the round's start). A task the
    batch did not answer is read on its own, as ``poll_once``."""
    answer, started = await rounds.read(handle, due, deadline)
    if answer is None:
        return await poll_once(session, handle), started
    if isinstance(answer, Transient):
        raise Transient(answer.classification, answer.cause)
    if isinstance(answer, FramecastError):
        raise _poll_error(answer, handle)
    return answer, started


async def _read_batch(session: Session, handles: Sequence[TaskHandle]) -> dict[str, Any]:
    """One ``poll_many`` call, its failure read as ``poll``'s would be: a transient one is a
    failed read of every task passed; any other sends them all to single reads."""
    try:
        answers = await session.hook.poll_many(handles=list(handles), http=session.http())
    except FramecastError:
        return {}
    except Exception as exc:  # noqa: BLE001 - classified as poll would classify it
        c = classify(session, exc, "poll", None)
        if c.outcome in _TRANSIENT:
            failed = Transient(c, exc)
            return {h.task_id: failed for h in handles}
        return {}
    if not isinstance(answers, Mapping):
        return {}
    return {
        task_id: answer
        for task_id, answer in answers.items()
        if isinstance(answer, (TaskState, FramecastError))
    }
