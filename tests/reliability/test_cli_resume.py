"""The CLI's handle commands under poll faults: ``generate --no-wait`` prints the handle,
then ``status`` and ``wait`` meet the faults and exit with the table's code, carrying the
handle, and a later ``wait`` picks the same task up (never a second one)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from framecast.cli import cli
from framecast.testing import VirtualClock, respond
from framecast_kling import testing as kling
from framecast_runway import testing as runway

from .._secret_audit import leaks_in
from ._sides import SIDES, Side, small_png

Faults = Callable[[], list[Any]]

#: provider -> (command, faults on the status reads, exit code, error type or None)
CASES: list[tuple[str, str, Faults, int, str | None]] = [
    ("runway", "status", lambda: [runway.unavailable(), runway.rate_limited(retry_after=3)], 0, None),
    ("runway", "status", lambda: [runway.unknown_status("EXPLODED")], 7, "ProviderError"),
    ("runway", "status", lambda: [respond(404, {"error": "The task does not exist."})], 1, "TaskNotFound"),
    ("runway", "status", lambda: [runway.unauthorized()], 3, "AuthenticationError"),
    ("runway", "wait", lambda: [runway.unavailable() for _ in range(200)], 6, "TaskTimeout"),
    ("kling", "status", lambda: [kling.business_error(5001), kling.reset_after()], 0, None),
    ("kling", "status", lambda: [kling.unknown_status("paused")], 7, "ProviderError"),
    ("kling", "status", lambda: [kling.business_error(1203)], 1, "TaskNotFound"),
    ("kling", "status", lambda: [kling.business_error(1102)], 3, "AccountError"),
    ("kling", "wait", lambda: [kling.business_error(1302) for _ in range(200)], 6, "TaskTimeout"),
]  # fmt: skip


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("provider", "command", "faults", "exit_code", "error_type"),
    CASES,
    ids=[f"{p}-{c}-{t or 'ok'}" for p, c, _, _, t in CASES],
)
def test_handle_commands_under_poll_faults(
    provider: str,
    command: str,
    faults: Faults,
    exit_code: int,
    error_type: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    side: Side = SIDES[provider]()
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    monkeypatch.chdir(tmp_path)
    side.wire_cli(monkeypatch, VirtualClock())
    submitted = invoke("generate", str(image), "--provider", provider, "--prompt", "A wave",
                       "--no-wait", "--json")  # fmt: skip
    assert submitted.exit_code == 0, submitted.stderr
    handle = json.loads(submitted.stdout)
    assert set(side.task_ids()) == {handle["task_id"]}

    side.inject("poll", *faults())
    extra = ["--timeout", "60"] if command == "wait" else []
    result = invoke(command, json.dumps(handle), *extra, "--json")
    assert result.exit_code == exit_code, result.stderr
    shown = json.loads(result.stdout)
    if error_type is None:
        assert shown["task_id"] == handle["task_id"]
    else:
        assert shown["error"]["type"] == error_type
        assert shown["error"]["handle"]["task_id"] == handle["task_id"]
        if exit_code in (6, 7):
            assert "framecast wait" in result.stderr  # the command that resumes it
    assert not leaks_in([result.stdout, result.stderr, submitted.stdout, submitted.stderr])

    if exit_code == 6:  # the wait timed out: resuming finds the same task, and no new one
        side.clear_faults()
        resumed = invoke("wait", json.dumps(handle), "--json")
        assert resumed.exit_code == 0, resumed.stderr
        assert json.loads(resumed.stdout)["task_id"] == handle["task_id"]
    assert side.tasks_created == 1
