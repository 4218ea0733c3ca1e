"""Poll rounds: waiting tasks whose next status read is due together share one timer and,
where the provider can list (``poll_many``), one batch read.

    rounds = PollRounds(clock, read_batch, window=interval)
    answer, started = await rounds.read(handle, due=clock.monotonic() + interval)
    # answer: a TaskState, an exception to raise for this task, or None (read it singly)

A task whose read comes due at ``due`` joins the earliest round already scheduled in
``[due, due + window]`` (never past ``latest``, the task's deadline), or schedules a new
one at ``due``: one timer per round, not one per task, and tasks submitted at different
times soon read together. A round starts no earlier than its time, so a task read in rounds
``started`` apart is never read more often than the spacing its wait asked for (the poll
floor, measured from the start of one round to the start of the next).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._clock import Clock
    from ._models import TaskHandle

__all__ = ["PollRounds", "ReadBatch"]

logger = logging.getLogger("framecast")

#: The batch reader: handles -> {task_id: TaskState or exception}; absent tasks are read
#: singly by their own waits.
ReadBatch = Callable[["Sequence[TaskHandle]"], Awaitable["Mapping[str, Any]"]]
#: A round of fewer tasks than this reads them singly (a list request would say less).
MIN_BATCH = 2


class _Round:
    __slots__ = ("at", "waiters")

    def __init__(self, at: float) -> None:
        self.at = at
        self.waiters: list[tuple[TaskHandle, asyncio.Future[tuple[Any, float]]]] = []


class PollRounds:
    """The rounds of one runner (see the module)."""

    def __init__(self, clock: Clock, read_batch: ReadBatch | None, window: float) -> None:
        self._clock = clock
        self._read_batch = read_batch
        self.window = max(0.0, window)
        self._times: list[float] = []  # scheduled round times, sorted
        self._rounds: dict[float, _Round] = {}
        self._timers: set[asyncio.Task[None]] = set()
        self.rounds_run = 0
        self.batches_read = 0

    def __len__(self) -> int:
        """Tasks waiting for a round."""
        return sum(len(r.waiters) for r in self._rounds.values())

    async def read(
        self, handle: TaskHandle, due: float, latest: float | None = None
    ) -> tuple[Any, float]:
        """Wait for the round this task joins; return (answer, the round's start time)."""
        loop = asyncio.get_running_loop()
        now = self._clock.monotonic()
        # ``due`` may lie just behind ``now`` (the wait slept until it): tasks of one round
        # keep the same due time, so they meet again in one round.
        at = self._join(due, latest)
        if at is None:
            at = due
            self._schedule(loop, at, now)
        future: asyncio.Future[tuple[Any, float]] = loop.create_future()
        self._rounds[at].waiters.append((handle, future))
        return await future

    def _join(self, due: float, latest: float | None) -> float | None:
        i = bisect.bisect_left(self._times, due)
        if i < len(self._times):
            at = self._times[i]
            if at <= due + self.window and (latest is None or at <= latest):
                return at
        return None

    def _schedule(self, loop: asyncio.AbstractEventLoop, at: float, now: float) -> None:
        bisect.insort(self._times, at)
        self._rounds[at] = _Round(at)
        timer = loop.create_task(self._run(at, max(0.0, at - now)))
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)

    async def _run(self, at: float, delay: float) -> None:
        if delay > 0:
            await self._clock.sleep(delay)
        else:
            await asyncio.sleep(0)  # let the tasks due now join
        i = bisect.bisect_left(self._times, at)
        del self._times[i]
        round_ = self._rounds.pop(at)
        waiters = [(h, f) for h, f in round_.waiters if not f.done()]
        started = self._clock.monotonic()
        self.rounds_run += 1
        answers: Mapping[str, Any] = {}
        try:
            if self._read_batch is not None and len(waiters) >= MIN_BATCH:
                self.batches_read += 1
                answers = await self._read_batch([h for h, _ in waiters])
        except Exception:  # the batch is an optimisation: single reads decide
            logger.exception("batch status read failed; reading the tasks one by one")
            answers = {}
        finally:  # even when cancelled: every waiter goes on (None: a single read)
            for handle, future in waiters:
                if not future.done():
                    future.set_result((answers.get(handle.task_id), started))
