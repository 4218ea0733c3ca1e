"""``runner.submitted``: the tasks a provider accepted whose handle has not reached its caller.

A cancelled ``submit()`` or ``generate()`` raises ``asyncio.CancelledError`` like any other
coroutine, so ``asyncio.timeout()``, ``TaskGroup``, ``wait_for`` and ``gather`` see the
cancellation they expect; none of them passes an exception's payload on, so the handle of a
task that was paid for travels here instead:

    try:
        async with asyncio.timeout(30):
            result = await runner.generate(request)
    except TimeoutError:
        for entry in runner.submitted.drain():
            store(entry.handle)  # resume later with runner.wait(entry.handle)

An entry appears the moment the provider's answer is read (before ``on_submitted``) and
leaves when its call hands the handle over: ``submit()`` returns it, ``generate()`` returns a
result or raises an error carrying it. A call that ends otherwise — cancelled, or interrupted
— leaves its entry *unclaimed* until ``drain()`` or ``take()`` removes it, so the collection
holds the calls in progress plus what nobody has taken yet.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ._errors import OutcomeUnknown
    from ._models import TaskHandle

__all__ = ["SubmittedTask", "SubmittedTasks"]

logger = logging.getLogger("framecast")


@attrs.frozen
class SubmittedTask:
    """One entry of ``runner.submitted``: a task its caller has not received.

    ``handle`` is the task (resume it with ``runner.wait(handle)``). It is ``None`` only
    when the create request was sent but its answer was lost as the call was cancelled:
    ``outcome_unknown`` is then the ``OutcomeUnknown`` the call would have raised, with what
    to check (``details``: fingerprint, time window, idempotency key) before retrying.
    ``in_progress``: the call that submitted it still runs and will hand it over itself.
    """

    handle: TaskHandle | None
    outcome_unknown: OutcomeUnknown | None = None
    in_progress: bool = False

    @property
    def idempotency_key(self) -> str | None:
        """The request's idempotency key: set your own to tell your requests' tasks apart."""
        if self.handle is not None:
            return self.handle.idempotency_key
        if self.outcome_unknown is not None:
            key = self.outcome_unknown.details.get("idempotency_key")
            return key if isinstance(key, str) else None
        return None


class SubmittedTasks:
    """The tasks a runner's provider accepted whose handle has not reached its caller yet.

    ``len()`` and iteration (oldest first, ``SubmittedTask`` snapshots) include the calls in
    progress; ``drain()`` and ``take()`` remove only unclaimed entries, whose call has
    ended. Safe to use from any thread (``SyncRunner`` runs its loop in its own).
    """

    def __init__(self) -> None:
        self._held: dict[_Claim, None] = {}  # insertion order: oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._held)

    def __iter__(self) -> Iterator[SubmittedTask]:
        with self._lock:
            claims = list(self._held)
        return iter([claim.snapshot() for claim in claims])

    def __repr__(self) -> str:
        with self._lock:
            unclaimed = sum(1 for claim in self._held if not claim.running)
        return f"<SubmittedTasks: {len(self._held)} held, {unclaimed} unclaimed>"

    def drain(self) -> list[SubmittedTask]:
        """Remove and return every unclaimed entry (its call has ended), oldest first."""
        with self._lock:
            taken = [claim for claim in self._held if not claim.running]
            for claim in taken:
                del self._held[claim]
        return [claim.snapshot() for claim in taken]

    def take(self, idempotency_key: str) -> SubmittedTask | None:
        """Remove and return the oldest unclaimed entry of the request with this key."""
        with self._lock:
            for claim in self._held:
                if not claim.running and claim.snapshot().idempotency_key == idempotency_key:
                    del self._held[claim]
                    return claim.snapshot()
        return None

    # ------------------------------------------------------------------ the runner's side

    def _claim(self) -> _Claim:
        """A call's hold on the task it may create (``with runner.submitted._claim() as c``)."""
        claim = _Claim(self)
        sink = _claims_of_this_call.get()
        if sink is not None:
            sink.append(claim)
        return claim

    def _hold(self, claim: _Claim) -> None:
        with self._lock:
            self._held[claim] = None

    def _release(self, claim: _Claim) -> None:
        with self._lock:
            self._held.pop(claim, None)

    def _holds(self, claim: _Claim) -> bool:
        return claim in self._held


class _Claim:
    """One ``submit()``/``generate()`` call's entry, live (the collection snapshots it)."""

    __slots__ = ("_book", "handle", "outcome_unknown", "running")

    def __init__(self, book: SubmittedTasks) -> None:
        self._book = book
        self.handle: TaskHandle | None = None
        self.outcome_unknown: OutcomeUnknown | None = None
        self.running = True

    def accepted(self, handle: TaskHandle) -> None:
        """The provider created the task (called by the submit itself, shielded from the
        caller's cancellation, so it happens whatever becomes of the call)."""
        self.handle = handle
        self._book._hold(self)

    def answer_lost(self, error: OutcomeUnknown) -> None:
        """The call is cancelled and its submit ended without knowing whether it created a
        task: what to check goes here, since no error reaches the caller."""
        self.outcome_unknown = error
        self._book._hold(self)

    def handed_over(self) -> None:
        """The caller has the handle: returned, or carried by the error raised to it."""
        self._book._release(self)

    @property
    def unclaimed(self) -> bool:
        return not self.running and self._book._holds(self)

    def snapshot(self) -> SubmittedTask:
        return SubmittedTask(
            handle=self.handle, outcome_unknown=self.outcome_unknown, in_progress=self.running
        )

    def __enter__(self) -> _Claim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        if self._book._holds(self):
            what = f"task {self.handle.task_id}" if self.handle else "a submit of unknown outcome"
            logger.info(
                "%s: the call that submitted it ended before handing it over; kept in "
                "runner.submitted",
                what,
            )


#: Set by ``SyncRunner`` around one call: the claims that call made, so an interrupt can
#: raise ``FramecastCancelled`` with exactly that call's handle.
_claims_of_this_call: contextvars.ContextVar[list[_Claim] | None] = contextvars.ContextVar(
    "framecast_claims_of_this_call", default=None
)
