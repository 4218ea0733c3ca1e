"""The fault matrix: every fault each provider's API produces, on submit and on poll, through
the real runner and through the CLI, against the protocol fakes in virtual time.

For every row (``_matrix.ROWS``) the outcome is the one the outcome table (docs/reliability.md) prescribes, and:
- the fake created no more tasks than asked for (one), and exactly the row's count;
- every task the fake accepted is in the result or carried by the error's ``TaskHandle`` --
  except Runway after an ambiguous submit, where ``OutcomeUnknown`` carries the fingerprint
  and the time window instead (Runway offers no lookup);
- attempts and waits stay within the retry policy (5 attempts, backoff cap 30 s,
  Retry-After honoured and capped at 60 s);
- the message says what happened and what to do;
- the CLI exits with the row's code and prints one JSON object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from framecast import FramecastError, GenerationResult, RetryPolicy, TaskStatus
from framecast.cli import cli
from framecast.testing import VirtualClock

from .._secret_audit import leaks_in
from ._matrix import PHRASES, ROWS, Row
from ._sides import SIDES, KlingSide, Side, small_png

MAX_ATTEMPTS = 5
BACKOFF_CAP = 30.0
RETRY_AFTER_CAP = 60.0


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("images") / "frame.png"
    path.write_bytes(small_png())
    return path


def arrange(row: Row) -> Side:
    side = SIDES[row.provider]()
    if row.plan:
        side.plan(**row.plan)
    faults = row.make()
    if faults:
        side.inject(row.phase, *faults)
    return side


def check_accounting(row: Row, side: Side, carried: set[str], error: Any) -> None:
    """No task paid twice, none lost."""
    assert side.tasks_created <= 1, "more tasks than the one asked for"
    assert side.tasks_created == row.created
    accepted = side.task_ids()
    if not side.has_lookup and row.expect == "OutcomeUnknown":
        # Runway and Seedance offer no lookup: the error says when and what was sent instead.
        details = error.details if isinstance(error, FramecastError) else error["details"]
        assert len(details["fingerprint"]) == 64
        assert details["window_start"] <= details["window_end"]
        assert details["model"] == side.model
        assert details["estimate"] is not None
        return
    assert accepted <= carried, f"tasks {accepted - carried} are neither returned nor carried"


def check_policy(row: Row, side: Side, clock: VirtualClock) -> None:
    assert side.creates_sent() <= MAX_ATTEMPTS
    if row.creates is not None:
        assert side.creates_sent() == row.creates
    sleeps = clock.sleeps
    assert all(0 <= s <= RETRY_AFTER_CAP for s in sleeps), sleeps
    if not row.plan.get("throttled_polls"):
        # Only a Retry-After or THROTTLED back-off may wait longer than the backoff cap.
        assert all(s <= max(BACKOFF_CAP, row.retry_after or 0) for s in sleeps), sleeps
    if row.retry_after is not None:
        assert row.retry_after in sleeps, f"Retry-After {row.retry_after} not honoured: {sleeps}"
    if row.lookups is not None:
        assert isinstance(side, KlingSide)
        assert side.lookups_sent() == row.lookups


@pytest.mark.anyio
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
async def test_library(row: Row, image: Path) -> None:
    side = arrange(row)
    clock = VirtualClock()
    result: GenerationResult | None = None
    error: FramecastError | None = None
    async with side.runner(clock, retry_policy=RetryPolicy(seed=6)) as runner:
        try:
            result = await runner.generate(side.request(image), timeout=row.timeout or 3600)
        except FramecastError as exc:
            error = exc
    if row.expect == "ok":
        assert error is None, f"{type(error).__name__}: {error}"
        assert result is not None and result.status is TaskStatus.SUCCEEDED
        carried = {result.handle.task_id}
    else:
        assert type(error).__name__ == row.expect, f"{type(error).__name__}: {error}"
        assert error is not None and error.exit_code == row.exit_code
        for phrase in (*PHRASES[row.expect], *row.extra):
            assert phrase in error.message, f"{phrase!r} not in {error.message!r}"
        if row.retryable is not None:
            assert error.details["retryable"] is row.retryable
        carried = {error.handle.task_id} if error.handle is not None else set()
        if side.tasks_created and not (not side.has_lookup and row.expect == "OutcomeUnknown"):
            assert error.handle is not None, "an error about an existing task must carry it"
    check_accounting(row, side, carried, error)
    check_policy(row, side, clock)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_cli(row: Row, image: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    side = arrange(row)
    clock = VirtualClock()
    monkeypatch.chdir(tmp_path)
    side.wire_cli(monkeypatch, clock)
    args = ["generate", str(image), "--provider", row.provider, "--prompt", "The astronaut waves"]
    args += ["--timeout", f"{row.timeout or 3600:g}", "--json"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == row.exit_code, result.stderr
    shown = json.loads(result.stdout)  # exactly one JSON object
    assert "Traceback" not in result.stderr
    if row.expect == "ok":
        assert shown["status"] == "SUCCEEDED"
        carried = {shown["task_id"]}
        error: Any = None
    else:
        error = shown["error"]
        assert error["type"] == row.expect
        assert result.stderr.strip(), "the user must be told what happened"
        carried = {error["handle"]["task_id"]} if error["handle"] else set()
    check_accounting(row, side, carried, error)
    assert side.creates_sent() <= MAX_ATTEMPTS
    assert not leaks_in([result.stdout, result.stderr])  # keys, bearer headers, JWTs


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["runway", "kling", "seedance", "google"])
@pytest.mark.parametrize("breaks", [2, 5])
async def test_a_broken_download_is_retried_within_the_policy(
    provider: str, breaks: int, image: Path, tmp_path: Path
) -> None:
    from framecast.testing import remote_reset_after, respond

    side = SIDES[provider]()
    faults = [remote_reset_after() if i % 2 else respond(503, text="busy") for i in range(breaks)]
    if provider in ("runway", "seedance"):
        side.fake.inject("GET", "outputs.fake.test", *faults)
    elif provider == "google":
        # Google's file URI (with the key) redirects to the storage host that breaks.
        side.fake.inject("GET", "video-storage.fake.test", *faults)
    else:
        side.fake.inject("download", *faults)
    clock = VirtualClock()
    async with side.runner(clock, retry_policy=RetryPolicy(seed=6)) as runner:
        result = await runner.generate(side.request(image))
        try:
            saved: Path | None = await runner.download(result, tmp_path / "out.mp4")
        except FramecastError as exc:
            saved, error = None, exc
    downloads = [r for r in side.recorder.requests if r.url.host != side.api_host]
    assert len(downloads) == min(breaks + 1, MAX_ATTEMPTS)
    assert getattr(side.fake, "violations", []) == []  # no credential off the API's origin
    assert all(s <= BACKOFF_CAP for s in clock.sleeps)
    if breaks < MAX_ATTEMPTS:
        assert saved is not None and saved.read_bytes()[4:8] == b"ftyp"
    else:
        assert type(error).__name__ == "ProviderError" and error.handle == result.handle
        assert "download it again later" in error.message
        assert not (tmp_path / "out.mp4").exists()  # nothing half-written


@pytest.mark.anyio
async def test_kling_unknown_outcome_then_the_same_key_again_finds_the_one_task(
    image: Path,
) -> None:
    from framecast import OutcomeUnknown
    from framecast_kling import testing as kling

    side = KlingSide()
    # Created behind a reset, then every lookup fails: the runner cannot tell.
    side.inject("submit", kling.reset_after())
    side.fake.inject("query", *[kling.server_error(502) for _ in range(40)])
    side.fake.inject("list", *[kling.server_error(502) for _ in range(40)])
    request = side.request(image, idempotency_key="order-1234")
    async with side.runner(VirtualClock(), retry_policy=RetryPolicy(seed=6)) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.submit(request)
        assert caught.value.details["idempotency_key"] == "order-1234"
        assert "retry with the same idempotency key (order-1234)" in caught.value.message
        side.clear_faults()
        handle = await runner.submit(request)  # what the message advises: the same key
    assert side.tasks_created == 1 and set(side.task_ids()) == {handle.task_id}
    assert side.creates_sent() <= MAX_ATTEMPTS + 1
