"""Ctrl-C, SIGTERM and SIGHUP never lose a task: real ``python -m framecast`` processes
against the scripted service on a loopback port, plus the signal plumbing in process."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from framecast import TaskHandle
from framecast.cli._output import Output
from framecast.cli._running import run_command
from framecast.cli._tasks import TaskCommand

from . import _scripted
from ._scripted import API_KEY, ScriptedService
from ._support import PROVIDER_SPEC, subprocess_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

Start = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def loopback() -> Iterator[tuple[ScriptedService, dict[str, str]]]:
    service = ScriptedService([{"status": "RUNNING", "progress": 0.1}])
    with _scripted.serve(service) as base_url:
        env = subprocess_env(
            FRAMECAST_PROVIDER=PROVIDER_SPEC,
            SCRIPTED_BASE_URL=base_url,
            SCRIPTED_API_KEY=API_KEY,
            FRAMECAST_POLL_INTERVAL="0.05",
        )
        yield service, env


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def resume_words(stderr: str) -> list[str]:
    """The resume command the process printed last, as argv."""
    lines = [line.strip() for line in stderr.splitlines()]
    line = next(line for line in reversed(lines) if line.startswith("framecast wait "))
    words = shlex.split(line)
    assert words[:2] == ["framecast", "wait"]
    return words


def test_sigterm_during_the_submit_lets_it_finish_and_prints_the_handle(
    loopback: tuple[ScriptedService, dict[str, str]], framecast_process: Start
) -> None:
    service, env = loopback
    service.hold_submit = True
    process = framecast_process("generate", "--prompt", "A cat", "--json", env=env)
    wait_for(service.submit_received.is_set, "the create request")
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)  # the signal lands while the create request is still unanswered
    service.release_submit.set()
    stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == 143, stderr
    error = json.loads(stdout)["error"]
    assert error["type"] == "FramecastCancelled"
    assert error["handle"]["task_id"] == "task-1"
    assert "SIGTERM" in stderr
    assert "Traceback" not in stderr
    assert API_KEY not in stdout + stderr
    assert len(service.created()) == 1
    assert resume_words(stderr)[2] == "task-1"  # the task log's short id
    assert '"task_id":"task-1"' in stderr  # and the handle, for another machine


def test_ctrl_c_while_waiting_exits_130_and_the_printed_command_resumes(
    loopback: tuple[ScriptedService, dict[str, str]], framecast_process: Start, tmp_path: Path
) -> None:
    service, env = loopback
    target = tmp_path / "cat.mp4"
    process = framecast_process("generate", "--prompt", "A cat", "--out", str(target), env=env)
    wait_for(lambda: service.polls >= 2, "polling")
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == 130, stderr
    assert stdout == ""  # without --json, stdout is kept for results only
    assert "The task keeps running" in stderr
    assert "Traceback" not in stderr
    assert service.cancelled == set()  # interrupting never cancels the task
    words = resume_words(stderr)
    assert words[3:] == ["--out", str(target)]

    service.tasks["task-1"] = [_scripted.succeeded()]
    resumed = framecast_process("wait", *words[2:], "--json", env=env)
    out, err = resumed.communicate(timeout=30)
    assert resumed.returncode == 0, err
    assert json.loads(out)["status"] == "SUCCEEDED"
    assert target.read_bytes() == _scripted.MP4_BYTES
    assert len(service.created()) == 1


def test_sighup_is_handled_like_sigterm(
    loopback: tuple[ScriptedService, dict[str, str]], framecast_process: Start
) -> None:
    service, env = loopback
    handle = TaskHandle(provider="scripted", task_id="task-1")
    service.tasks["task-1"] = [{"status": "RUNNING"}]
    process = framecast_process("wait", handle.to_json(), env=env)
    wait_for(lambda: service.polls >= 1, "polling")
    process.send_signal(signal.SIGHUP)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "framecast wait task-1" in stderr


# ------------------------------------------------------------------------- in process


def test_a_signal_cancels_the_command_and_is_reported() -> None:
    seen: list[str] = []

    async def body() -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(30)
        return 0

    started = time.monotonic()
    finished = run_command(body, on_first_signal=seen.append)
    assert time.monotonic() - started < 10
    assert finished.signal_name == "SIGTERM"
    assert finished.interrupt_exit_code == 143
    assert isinstance(finished.error, asyncio.CancelledError)
    assert seen == ["SIGTERM"]
    # the handlers are gone afterwards
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.SIG_IGN, None)


def test_a_second_signal_does_not_abandon_a_shielded_submit() -> None:
    repeated: list[str] = []

    async def body() -> int:
        async def submit() -> int:
            await asyncio.sleep(0.2)
            return 7

        task = asyncio.ensure_future(submit())
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            return await task  # what the runner does: let the sent submit finish

    finished = run_command(body, on_repeated_signal=repeated.append)
    assert finished.value == 7
    assert finished.signal_name == "SIGINT"
    assert repeated == ["SIGINT"]


def test_interrupted_before_any_submit_says_nothing_is_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def body() -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(30)
        return 0

    command = TaskCommand(Output(json_mode=True, debug=False))
    assert command.run(body) == 143
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["type"] == "FramecastCancelled"
    assert error["handle"] is None
    assert "nothing is running" in captured.err and "nothing was submitted" in error["message"]


def test_interrupted_wait_prints_the_known_handle(capsys: pytest.CaptureFixture[str]) -> None:
    handle = TaskHandle(provider="scripted", task_id="task-9")

    async def body() -> int:
        command.remember(handle)
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(30)
        return 0

    command = TaskCommand(Output(json_mode=False, debug=False), resume_extra=["--out", "x.mp4"])
    assert command.run(body) == 130
    err = capsys.readouterr().err
    assert "framecast wait '" in err and "task-9" in err and "--out x.mp4" in err


def test_output_refuses_a_second_json_object() -> None:
    out = Output(json_mode=True, debug=False)
    buffer = io.StringIO()
    sys_stdout, sys.stdout = sys.stdout, buffer
    try:
        out.emit({"a": 1})
        with pytest.raises(RuntimeError):
            out.emit({"b": 2})
    finally:
        sys.stdout = sys_stdout
    assert json.loads(buffer.getvalue()) == {"a": 1}
