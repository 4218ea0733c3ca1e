"""``status``, ``wait`` and ``cancel``: the three handle forms, trust, and their errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from framecast import TaskHandle

from . import _scripted
from ._scripted import MP4_BYTES, ScriptedService


def submit(invoke: Callable[..., Result]) -> str:
    """A task created through the CLI; returns the handle JSON it printed."""
    result = invoke("generate", "--prompt", "A cat", "--no-wait", "--json")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def one_json_object(result: Result) -> dict[str, Any]:
    value = json.loads(result.stdout)
    assert isinstance(value, dict)
    return value


def test_status_reads_the_handle_from_text_a_file_or_stdin(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    handle = submit(invoke)
    path = tmp_path / "handle.json"
    path.write_text(handle)

    first = invoke("status", handle)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.startswith("QUEUED: scripted task task-1")

    second = invoke("status", f"@{path}", "--json")
    assert second.exit_code == 0, second.stderr
    state = one_json_object(second)
    assert state["status"] == "RUNNING"
    assert state["progress"] == 0.5
    assert state["task_id"] == "task-1"
    assert state["handle"]["task_id"] == "task-1"

    third = invoke("status", "-", input=handle)
    assert third.exit_code == 0, third.stderr
    assert third.stdout.startswith("SUCCEEDED")
    assert "/files/out.mp4" in third.stdout
    assert wired.polls == 3


def test_wait_resumes_and_downloads(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    handle = submit(invoke)
    target = tmp_path / "resumed.mp4"
    result = invoke("wait", handle, "--out", str(target))
    assert result.exit_code == 0, result.stderr
    assert "SUCCEEDED" in result.stdout
    assert f"saved to {target}" in result.stdout
    assert target.read_bytes() == MP4_BYTES


def test_wait_says_it_is_waiting_not_that_it_submitted(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    # `wait` resumes a task sent earlier: a "submitted" line would suggest it paid again.
    handle = submit(invoke)
    result = invoke("wait", handle, "--json")
    assert result.exit_code == 0, result.stderr
    assert "scripted task task-1: waiting" in result.stderr
    assert "submitted" not in result.stderr
    assert len(wired.created()) == 1


def test_wait_takes_a_printed_error_object(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    wired.states = [{"status": "RUNNING"}]
    timed_out = invoke("generate", "--prompt", "A cat", "--timeout", "10", "--json")
    assert timed_out.exit_code == 6
    saved = tmp_path / "timed-out.json"
    saved.write_text(timed_out.stdout)
    wired.tasks["task-1"] = [_scripted.succeeded()]
    result = invoke("wait", f"@{saved}", "--json")
    assert result.exit_code == 0, result.stderr
    assert one_json_object(result)["task_id"] == "task-1"
    assert len(wired.created()) == 1


def test_wait_timeout_exits_6_with_the_resume_command(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    wired.states = [{"status": "RUNNING"}]
    handle = submit(invoke)
    result = invoke("wait", handle, "--timeout", "20")
    assert result.exit_code == 6
    assert "framecast wait task-1" in result.stderr


@pytest.mark.parametrize(
    ("argument", "stdin", "words"),
    [
        ("{oops", None, ["HANDLE", "not valid JSON", "{oops"]),
        ('{"provider": "scripted"}', None, ["HANDLE", "task_id"]),
        ("@missing-handle.json", None, ["HANDLE", "missing-handle.json", "cannot read"]),
        ("-", "", ["HANDLE", "from stdin", "not valid JSON"]),
    ],
)
@pytest.mark.parametrize("command", ["status", "wait", "cancel"])
def test_malformed_handles_exit_2_naming_the_handle(
    invoke: Callable[..., Result],
    wired: ScriptedService,
    command: str,
    argument: str,
    stdin: str | None,
    words: list[str],
) -> None:
    result = invoke(command, argument, input=stdin)
    assert result.exit_code == 2
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.stderr
    as_json = invoke(command, argument, "--json", input=stdin)
    assert as_json.exit_code == 2
    assert one_json_object(as_json)["error"]["type"] == "ValidationError"
    assert wired.requests == []


def test_a_handle_naming_an_untrusted_host_is_refused_before_any_request(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    forged = TaskHandle(provider="scripted", task_id="task-1", base_url="https://evil.test/v1")
    result = invoke("status", forged.to_json(), "--json")
    assert result.exit_code == 2
    error = one_json_object(result)["error"]
    assert error["type"] == "ConfigurationError"
    assert "evil.test" in error["message"]
    assert _scripted.BASE_URL_VARIABLE in error["message"]
    assert wired.requests == []


def test_a_handle_of_another_provider_says_which(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    other = TaskHandle(provider="elsewhere", task_id="t-1", base_url=_scripted.IN_MEMORY_BASE_URL)
    result = invoke("status", other.to_json())
    assert result.exit_code == 2
    assert "elsewhere" in result.stderr


def test_status_of_an_unknown_task_exits_1(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    ghost = TaskHandle(provider="scripted", task_id="task-404")
    result = invoke("status", ghost.to_json(), "--json")
    assert result.exit_code == 1
    error = one_json_object(result)["error"]
    assert error["type"] == "TaskNotFound"
    assert error["handle"]["task_id"] == "task-404"
    assert "Resume with" not in result.stderr  # nothing to resume


def test_cancel_stops_a_running_task(invoke: Callable[..., Result], wired: ScriptedService) -> None:
    wired.states = [{"status": "RUNNING"}]
    handle = submit(invoke)
    result = invoke("cancel", handle, "--json")
    assert result.exit_code == 0, result.stderr
    assert one_json_object(result)["status"] == "CANCELLED"
    assert wired.cancelled == {"task-1"}
    text = invoke("cancel", handle)
    assert text.exit_code == 2  # now finished: cancelling again would delete it
    assert "--delete" in text.stderr


def test_cancel_of_a_finished_task_needs_delete(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    wired.states = [_scripted.succeeded()]
    handle = submit(invoke)
    refused = invoke("cancel", handle)
    assert refused.exit_code == 2
    assert "--delete" in refused.stderr
    assert wired.cancelled == set()
    deleted = invoke("cancel", handle, "--delete")
    assert deleted.exit_code == 0, deleted.stderr
    assert wired.cancelled == {"task-1"}


def test_cancel_where_the_provider_cannot_exits_2(
    invoke: Callable[..., Result], wired: ScriptedService, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = submit(invoke)
    monkeypatch.setenv("FRAMECAST_PROVIDER", "tests.cli._scripted:NoCancelProvider")
    result = invoke("cancel", handle, "--json")
    assert result.exit_code == 2
    error = one_json_object(result)["error"]
    assert error["type"] == "NotSupported"
    assert "cancel" in error["message"]
    assert wired.cancelled == set()


def test_cancel_on_kling_is_not_supported(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("framecast_kling")
    monkeypatch.chdir(tmp_path)
    handle = TaskHandle(
        provider="kling",
        task_id="860000000000000000",
        model="kling-v2-1",
        provider_data={"endpoint": "/v1/videos/image2video"},
    )
    result = invoke("cancel", handle.to_json())
    assert result.exit_code == 2
    assert "cancel" in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_the_config_file_names_the_provider_and_the_timeout(
    invoke: Callable[..., Result],
    wired: ScriptedService,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("FRAMECAST_PROVIDER")
    (tmp_path / "framecast.toml").write_text(
        'provider = "tests.cli._scripted:ScriptedProvider"\ntimeout = 42\n'
    )
    wired.states = [{"status": "RUNNING"}]
    timed_out = invoke("generate", "--prompt", "A cat", "--json")
    assert timed_out.exit_code == 6
    error = one_json_object(timed_out)["error"]
    assert error["details"]["timeout"] == 42
    handle = json.dumps(error["handle"])
    status = invoke("status", handle, "--json")
    assert status.exit_code == 0, status.stderr
    assert one_json_object(status)["status"] == "RUNNING"
