"""Submit: create the task once, through the outcome table (docs/reliability.md).

    with session.submitted._claim() as claim:
        p, slots = await admit(session, request)
        async with slots:
            handle = await submit_prepared(session, p, claim)
        claim.handed_over()

A refusal (429, 503 with Retry-After, a connection never made) is retried: no task exists.
An answer lost after the create request was sent is *ambiguous*: providers with
``find_submitted`` look the task up by its idempotency key; others raise
``OutcomeUnknown`` rather than pay twice (unless ``retry_ambiguous_submit``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import attrs

from ._errors import (
    AccountError,
    AuthenticationError,
    ConfigurationError,
    FramecastError,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    ValidationError,
)
from ._http import SubmitTrack, current_submit, current_ticket
from ._models import Classification, Outcome, TaskHandle
from ._observers import notify, wait_out
from ._outcomes import classify, error_for, exc_text
from ._pipeline import Prepared, prepare_for_submit

if TYPE_CHECKING:
    from ._gate import FifoGate
    from ._models import GenerationRequest
    from ._retry import Attempt
    from ._session import Session
    from ._submitted import _Claim

__all__ = ["SubmitState", "admit", "submit_prepared"]

logger = logging.getLogger("framecast")

_LOST = (Outcome.AMBIGUOUS, Outcome.TRANSIENT, Outcome.UNREADABLE)


@attrs.define
class SubmitState:
    """What a submit and its caller's cancellation tell each other."""

    #: The caller was cancelled after the create was sent: resubmit nothing more.
    cancel_requested: bool = False
    #: An attempt's answer was lost after it was sent: a task may exist.
    ambiguous: bool = False


async def admit(session: Session, request: GenerationRequest) -> tuple[Prepared, FifoGate]:
    """Validate and prepare (observers hear of a refusal); the running-task slots."""
    slots = session.connections().slots
    try:
        p = await prepare_for_submit(session, request)
    except FramecastError as exc:
        await notify(session.hook, "on_failed", handle=None, error=exc)
        raise
    return p, slots


async def submit_prepared(session: Session, p: Prepared, claim: _Claim) -> TaskHandle:
    """The submit, in a task of its own: a cancellation of the caller before the create
    request was sent stops it; after, the submit finishes, its handle reaches
    ``runner.submitted`` and the ``on_submitted`` observers, and the cancellation then
    propagates unchanged (``asyncio.timeout`` and ``TaskGroup`` rely on its type)."""
    track = SubmitTrack(p.prepared.method, p.prepared.path)
    state = SubmitState()
    task = asyncio.ensure_future(_submit_and_keep(session, p, track, state, claim))
    try:
        handle = await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done() and not (track.sent or state.ambiguous):
            task.cancel()  # nothing has left the process: no task can exist
            raise
        state.cancel_requested = True  # no resubmit; a lookup of an ambiguous one finishes
        await wait_out(task)
        if task.cancelled():
            raise
        failure = task.exception()
        if failure is None:
            await _observe_submitted(session, task.result(), p.request)
        elif isinstance(failure, OutcomeUnknown):
            claim.answer_lost(failure)  # a task may exist: what to check, for drain()
        else:
            logger.debug("the cancelled submit had ended: %s", exc_text(failure))
        raise
    except FramecastError as exc:
        await notify(session.hook, "on_failed", handle=exc.handle, error=exc)
        raise
    await _observe_submitted(session, handle, p.request)
    return handle


async def _observe_submitted(
    session: Session, handle: TaskHandle, request: GenerationRequest
) -> None:
    # Run to their end even if the caller is cancelled meanwhile: an observer that
    # stores the handle must not be cut short (the cancellation is raised after them).
    await notify(session.hook, "on_submitted", shielded=True, handle=handle, request=request)


async def _submit_and_keep(
    session: Session, p: Prepared, track: SubmitTrack, state: SubmitState, claim: _Claim
) -> TaskHandle:
    handle = await _Submission(session, p, track, state).run()
    # Here, in the submit's own task: whatever becomes of the call, the handle is kept.
    claim.accepted(handle)
    return handle


class _Submission:
    """One submit's attempts: what was sent, what was lost, and when the window opened."""

    def __init__(
        self, session: Session, p: Prepared, track: SubmitTrack, state: SubmitState
    ) -> None:
        self.session = session
        self.p = p
        self.track = track
        self.state = state
        self.key = p.request.idempotency_key or ""
        self.window_start = session.now_iso()
        self.last: Classification | None = None

    async def run(self) -> TaskHandle:
        session, state = self.session, self.state
        async for attempt in session.retry_policy.attempts(session.clock):
            if state.cancel_requested and not state.ambiguous:
                raise asyncio.CancelledError()
            answer = await self._send(attempt)
            if isinstance(answer, TaskHandle):
                return answer
            self.last = answer
            found = await self._after_failure(attempt, answer)
            if found is not None:
                return found
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(self, attempt: Attempt) -> TaskHandle | Classification:
        """One create: its handle, or what its failure means."""
        session, track = self.session, self.track
        track.sent = False
        ticket = await session.ticket()
        token = current_submit.set(track)
        ticket_token = current_ticket.set(ticket)
        try:
            handle = await session.hook.submit(prepared=self.p.prepared, http=session.http())
            return self._complete(handle)
        except ProviderError as exc:
            if not track.sent:
                raise
            # An unreadable answer to a create that was sent: a task may exist.
            return Classification(outcome=Outcome.AMBIGUOUS, message=exc.message)
        except FramecastError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is classified below
            c = classify(session, exc, "submit", track)
            logger.debug(
                "submit attempt %d of %s: %s (%s)",
                attempt.number,
                self.p.model.name,
                c.outcome.value,
                c.message,
            )
            return c
        finally:
            current_ticket.reset(ticket_token)
            ticket.hand_back()
            current_submit.reset(token)

    async def _after_failure(self, attempt: Attempt, c: Classification) -> TaskHandle | None:
        """The task found after a failure, or ``None`` with the next attempt scheduled;
        raises when the outcome table says to stop."""
        if c.outcome in (Outcome.RETRY, Outcome.RATE_LIMITED):
            self.track.sent = False  # refused: no task exists, so a cancel need not wait
            if attempt.last or self.state.cancel_requested:
                raise self._refused(attempt, c)
            attempt.retry(c.retry_after)
            return None
        if c.outcome in _LOST:
            return await self._lost(attempt, c)
        if self.state.ambiguous and self.session.info.supports_dedupe:
            # A refusal of a resubmit may mean the first one did create the task.
            found = await self._dedupe(1)
            if found is not None:
                return found
            if c.outcome is Outcome.INVALID:
                raise self._outcome_unknown()
        raise error_for(self.session, c, None, phase="submit")

    async def _lost(self, attempt: Attempt, c: Classification) -> TaskHandle | None:
        self.state.ambiguous = True
        session = self.session
        if session.info.supports_dedupe:
            found = await self._dedupe(session.retry_policy.dedupe_lookups)
            if found is not None:
                return found
            if attempt.last:
                raise self._outcome_unknown()
            attempt.again()  # resubmit with the same key (the lookups waited)
            return None
        if session.limits.retry_ambiguous_submit and not attempt.last:
            attempt.retry(c.retry_after)
            return None
        raise self._outcome_unknown()

    def _refused(self, attempt: Attempt, c: Classification) -> FramecastError:
        if self.state.ambiguous:
            return self._outcome_unknown()
        name, details = self.session.provider_name, {"code": c.code, "attempts": attempt.number}
        if c.outcome is Outcome.RATE_LIMITED:
            return RateLimited(
                f"{name} rate-limited the submit {attempt.number} times ({c.message}); no "
                "task was created, it is safe to try again later",
                details=details,
            )
        # Exit 4's promise holds: the server refused or was never reached.
        return RateLimited(
            f"{name} was unavailable (refused, rate-limited or unreachable) for the submit "
            f"{attempt.number} times ({c.message}); no task was created, it is safe to try "
            "again later",
            details=details,
        )

    async def _dedupe(self, lookups: int) -> TaskHandle | None:
        found = await dedupe(self.session, self.p, self.key, lookups)
        return None if found is None else self._complete(found)

    def _complete(self, handle: TaskHandle) -> TaskHandle:
        session, p = self.session, self.p
        if not isinstance(handle, TaskHandle):
            raise ProviderError(f"{session.provider_name}: submit() returned no TaskHandle")
        return attrs.evolve(
            handle,
            provider=handle.provider or session.provider_name,
            base_url=handle.base_url or session.base_url,
            model=handle.model or p.model.name,
            idempotency_key=handle.idempotency_key or p.request.idempotency_key,
            submitted_at=handle.submitted_at or session.now_iso(),
            fingerprint=handle.fingerprint or p.prepared.fingerprint(),
            provider_data={**p.prepared.provider_data, **handle.provider_data},
        )

    def _outcome_unknown(self) -> OutcomeUnknown:
        session, p, last = self.session, self.p, self.last
        name = session.provider_name
        reason = f" ({last.message})" if last and last.message else ""
        advice = (
            f"retry with the same idempotency key ({p.request.idempotency_key}): "
            f"{name} finds the task under it instead of creating a second one"
            if session.info.supports_dedupe
            else "retrying blindly may pay twice"
        )
        return OutcomeUnknown(
            f"{name} may or may not have created the task: the submit's answer "
            f"was lost{reason}. Check the provider's dashboard for a {p.model.name} task created "
            f"between {self.window_start} and {session.now_iso()} before retrying; {advice}",
            details={
                "fingerprint": p.prepared.fingerprint(),
                "window_start": self.window_start,
                "window_end": session.now_iso(),
                "model": p.model.name,
                "idempotency_key": p.request.idempotency_key,
                "estimate": p.estimate.to_dict() if p.estimate else None,
                "provider": name,
            },
        )


async def dedupe(session: Session, p: Prepared, key: str, lookups: int) -> TaskHandle | None:
    """The task an ambiguous submit created, looked up by its key (``find_submitted``)."""
    spacing = session.retry_policy.dedupe_spacing
    async for attempt in session.retry_policy.attempts(session.clock, limit=lookups):
        attempt.pause(spacing)  # the next lookup, if one is needed
        try:
            found = await session.hook.find_submitted(
                prepared=p.prepared, idempotency_key=key, http=session.http()
            )
        except (ConfigurationError, AuthenticationError, AccountError, ValidationError):
            raise
        except FramecastError as exc:
            # The task may exist: an unreadable lookup must end as OutcomeUnknown (with
            # what to check), never as a bare error inviting a blind resubmit.
            logger.debug("find_submitted failed: %s", exc.message)
            continue
        except Exception as exc:  # noqa: BLE001
            c = classify(session, exc, "find", None)
            if c.outcome in (Outcome.AUTHENTICATION, Outcome.ACCOUNT):
                raise error_for(session, c, None, phase="find") from None
            logger.debug("find_submitted failed: %s", c.message)
            continue
        if found is not None:
            logger.info("found the task of an ambiguous submit by its key: %s", found.task_id)
            return found  # type: ignore[no-any-return]
    return None
