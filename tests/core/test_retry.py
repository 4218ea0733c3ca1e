"""``RetryPolicy.attempts``: the one loop every retry in the runner goes through."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
from framecast import RetryPolicy
from framecast._retry import DeadlineReached, backoff
from framecast.testing import VirtualClock

CORE = Path(__file__).resolve().parents[2] / "core" / "src" / "framecast"


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


async def collect(policy: RetryPolicy, clock: VirtualClock, plan, **kwargs):  # type: ignore[no-untyped-def]
    """Run an attempts loop; ``plan(attempt)`` schedules the next one or returns a str."""
    numbers = []
    async for attempt in policy.attempts(clock, **kwargs):
        numbers.append(attempt.number)
        value = plan(attempt)
        if isinstance(value, str):
            return numbers, value
    return numbers, None


def test_attempts_stop_at_the_policy_limit_and_say_which_is_last() -> None:
    clock = VirtualClock()
    lasts: list[bool] = []

    def plan(attempt):  # type: ignore[no-untyped-def]
        lasts.append(attempt.last)
        attempt.retry()

    numbers, _ = run(collect(RetryPolicy(max_attempts=4, seed=1), clock, plan))
    assert numbers == [1, 2, 3, 4]
    assert lasts == [False, False, False, True]
    assert len(clock.sleeps) == 3  # no wait after the last attempt


def test_retry_waits_the_jittered_backoff_of_the_failures_in_a_row() -> None:
    clock = VirtualClock()
    run(collect(RetryPolicy(seed=7), clock, lambda a: a.retry()))
    reference = RetryPolicy(seed=7)
    assert clock.sleeps == [reference.delay(n) for n in (1, 2, 3, 4)]
    assert all(0 <= s <= backoff(1.0, 30.0, n) for n, s in enumerate(clock.sleeps))


def test_retry_after_is_honoured_up_to_its_cap() -> None:
    clock = VirtualClock()
    hints = iter([2.0, 500.0, 0.0, 1.0])

    def plan(attempt):  # type: ignore[no-untyped-def]
        attempt.retry(next(hints))

    run(collect(RetryPolicy(max_attempts=4, retry_after_cap=60.0), clock, plan))
    assert clock.sleeps == [2.0, 60.0, 0.0]


def test_a_success_resets_the_failure_streak() -> None:
    clock = VirtualClock()
    outcomes = iter(["fail", "fail", "ok", "fail"])
    streaks: list[int] = []

    def plan(attempt):  # type: ignore[no-untyped-def]
        streaks.append(attempt.failures)
        if next(outcomes) == "ok":
            attempt.pause(5.0)
        else:
            attempt.retry(at_least=0.5)

    policy = RetryPolicy(max_attempts=4, base=100.0, cap=100.0, seed=3)
    run(collect(policy, clock, plan))
    assert streaks == [0, 1, 2, 0]
    assert clock.sleeps[2] == 5.0
    assert all(s >= 0.5 for s in clock.sleeps)


def test_again_counts_a_failure_without_waiting() -> None:
    clock = VirtualClock()
    numbers, _ = run(collect(RetryPolicy(max_attempts=3), clock, lambda a: a.again()))
    assert numbers == [1, 2, 3]
    assert clock.sleeps == []  # not even a zero-second sleep


def test_slow_down_doubles_up_to_its_cap_and_never_overflows() -> None:
    clock = VirtualClock()
    count = 0

    def plan(attempt):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        if count > 1100:  # past the doublings where base * 2**n overflows a float
            return "done"
        attempt.slow_down(2.0, 60.0)
        return None

    numbers, value = run(collect(RetryPolicy(), clock, plan, limit=None))
    assert value == "done" and len(numbers) == 1101
    assert clock.sleeps[:5] == [4.0, 8.0, 16.0, 32.0, 60.0]
    assert set(clock.sleeps[5:]) == {60.0}


def test_a_wait_past_the_deadline_sleeps_until_it_then_stops() -> None:
    clock = VirtualClock()

    async def main() -> str:
        async for attempt in RetryPolicy().attempts(clock, limit=None, deadline=10.0):
            attempt.pause(4.0, reason="RUNNING")
        raise AssertionError("unreachable")

    with pytest.raises(DeadlineReached) as caught:
        run(main())
    assert caught.value.reason == "RUNNING"
    assert clock.sleeps == [4.0, 4.0, 2.0]  # the last one only up to the deadline
    assert clock.monotonic() == 10.0


def test_an_unbounded_loop_runs_past_the_policy_limit() -> None:
    clock = VirtualClock()
    count = 0

    def plan(attempt):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        if count == 50:
            return "done"
        attempt.retry()
        return None

    numbers, value = run(collect(RetryPolicy(max_attempts=2), clock, plan, limit=None))
    assert value == "done" and numbers[-1] == 50
    assert max(clock.sleeps) <= 30.0  # the back-off cap, however many failures in a row


def test_the_runner_waits_only_through_the_retry_primitive() -> None:
    """Every wait of the runner (retries, poll spacing, lookups, downloads) is scheduled on
    an attempts loop: no core module but ``_retry`` (and the clocks) calls ``sleep``. (A
    ``sleep`` method passing httpcore's own on, as a network backend must, is no wait.)"""
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE).as_posix()
        # _rounds: the poll rounds' one timer per round (the waits' spacing is scheduled
        # on their attempts loops; the round only starts at its due time).
        if rel in ("_retry.py", "_clock.py", "_rounds.py") or rel.startswith(("testing/", "cli/")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        delegated = {
            id(call)
            for method in ast.walk(tree)
            if isinstance(method, ast.AsyncFunctionDef | ast.FunctionDef) and method.name == "sleep"
            for call in ast.walk(method)
        }
        for node in ast.walk(tree):
            if id(node) in delegated:
                continue
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "sleep"
            ):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []
