"""The CLI's task log under the worst endings: ``framecast generate`` killed with SIGKILL
while it waits (a real process against a fake on a loopback socket) leaves a log row, and
``framecast wait <id>`` picks the same task up; a reused ``--idempotency-key`` returns the
logged task instead of creating (and billing) a second one, on every provider."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from framecast.cli import cli
from framecast.testing import VirtualClock, remote_reset_after
from framecast_kling import testing as kling

from .._secret_audit import leaks_in
from ._matrix import BARE, KILLED, OTHER_REQUEST, REUSED, RUNNER_KEY, cli_providers
from ._sides import SIDES, Side, small_png
from .test_loopback import REPO, kling_server, runway_server

# --------------------------------------------------------------------------- kill -9


def framecast(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAY", "KLING"))}
    full.pop("FRAMECAST_PROVIDER", None)
    full.update(env, FRAMECAST_POLL_INTERVAL="0.05")
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "framecast", *args],
        cwd=cwd, env=full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = framecast(args, env, cwd)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def logged_task_ids(db: Path) -> list[str]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as connection:
        try:
            rows = connection.execute("SELECT task_id FROM tasks WHERE task_id IS NOT NULL")
            return [row[0] for row in rows]
        except sqlite3.OperationalError:  # the schema is being written
            return []


def served(provider: str) -> Any:
    return runway_server() if provider == "runway" else kling_server()


def wire_env(provider: str, fake: Any, origin: str) -> dict[str, str]:
    if provider == "runway":
        return {"RUNWAYML_API_SECRET": fake.api_key, "RUNWAYML_BASE_URL": origin}
    return {**kling.KlingFake.ENV, "KLING_BASE_URL": origin}


def keep_running(provider: str, fake: Any) -> None:
    if provider == "runway":
        fake.plan_next(running_polls=100_000)
    else:
        fake.plan_next(queries_to_processing=1, queries_to_finish=100_000)


def let_finish(provider: str, fake: Any, task_id: str) -> None:
    task = fake.tasks[task_id]
    if provider == "runway":
        task.plan.throttled_polls = task.plan.pending_polls = task.plan.running_polls = 0
    else:
        task.to_finish = task.queries + 1


@pytest.mark.parametrize("provider", cli_providers(KILLED))
def test_kill_9_while_generate_waits_then_wait_by_short_id_resumes(
    provider: str, tmp_path: Path
) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    db = tmp_path / "tasks.db"
    target = tmp_path / "wave.mp4"
    with served(provider) as (fake, origin, late):
        keep_running(provider, fake)
        env = {**wire_env(provider, fake, origin), "FRAMECAST_LOG": str(db)}
        process = framecast(["generate", str(image), "--provider", provider, "--prompt", "A wave",
                             "--out", str(target), "--json"], env, tmp_path)  # fmt: skip
        wait_until(lambda: len(logged_task_ids(db)) == 1, "the task log row")
        (task_id,) = logged_task_ids(db)
        polls = len(late.requests)
        wait_until(lambda: len(late.requests) > polls + 1, "polling")  # it is waiting
        process.send_signal(signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        assert stdout == ""  # killed outright: no result, no error object
        # What it printed while waiting, --json or not, on stderr: the handle and the
        # short command.
        assert f'"task_id":"{task_id}"' in stderr
        short = task_id[:8]
        assert f"resume with: framecast wait {short} --out {target} --provider {provider}" in (
            stderr
        )

        code, out, err = run(["tasks", "--json"], env, tmp_path)
        assert code == 0, err
        (listed,) = json.loads(out)["tasks"]
        assert listed["task_id"] == task_id and listed["short_id"] == short
        assert listed["state"] in ("SUBMITTED", "RUNNING", "QUEUED")
        assert listed["prompt"] == "A wave" and listed["handle"]["provider"] == provider

        let_finish(provider, fake, task_id)
        # The Runway fake serves its outputs on the loopback origin; Kling's CDN is a
        # name the test cannot reach, so that video is not downloaded.
        download = ["--out", str(target)] if provider == "runway" else []
        code, out, err = run(["wait", short, *download, "--json"], env, tmp_path)
        assert code == 0, err
        shown = json.loads(out)
        assert shown["task_id"] == task_id and shown["status"] == "SUCCEEDED"
        assert fake.tasks_created == 1

        code, out, err = run(["tasks", "--json", "--state", "SUCCEEDED"], env, tmp_path)
        (done,) = json.loads(out)["tasks"]
        assert done["finished_at"] and done["outputs"] == [shown["outputs"][0]["url"]]
        if download:
            assert target.read_bytes()[4:8] == b"ftyp" and done["saved_to"] == str(target)
        assert not leaks_in([stderr, out, err, db.read_bytes().decode("utf-8", "replace")])


@pytest.mark.parametrize("provider", cli_providers(BARE))
def test_a_handle_of_provider_and_task_id_alone_resumes(provider: str, tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    with served(provider) as (fake, origin, _):
        env = {**wire_env(provider, fake, origin), "FRAMECAST_LOG": str(tmp_path / "a.db")}
        code, out, err = run(["generate", str(image), "--provider", provider, "--prompt",
                              "A wave", "--no-wait", "--json"], env, tmp_path)  # fmt: skip
        assert code == 0, err
        task_id = json.loads(out)["task_id"]
        # Another machine: no task log, only the id typed by hand.
        bare = json.dumps({"provider": provider, "task_id": task_id})
        env["FRAMECAST_LOG"] = str(tmp_path / "b.db")
        code, out, err = run(["wait", bare, "--json"], env, tmp_path)
        assert code == 0, err
        assert json.loads(out)["status"] == "SUCCEEDED"
        assert fake.tasks_created == 1


# --------------------------------------------------------------------------- reused keys


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def wired(provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Side, str]:
    side: Side = SIDES[provider]()
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    monkeypatch.chdir(tmp_path)
    side.wire_cli(monkeypatch, VirtualClock())
    return side, str(image)


@pytest.mark.parametrize("provider", cli_providers(REUSED))
@pytest.mark.parametrize("wait", [False, True], ids=["no-wait", "wait"])
def test_a_reused_key_returns_the_logged_task_and_creates_nothing(
    provider: str, wait: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    side, image = wired(provider, tmp_path, monkeypatch)
    command = ["generate", image, "--provider", provider, "--prompt", "A wave",
               "--idempotency-key", "order-42", "--json"]  # fmt: skip
    first = invoke(*command, "--no-wait")
    assert first.exit_code == 0, first.stderr
    task_id = json.loads(first.stdout)["task_id"]

    again = invoke(*command, *([] if wait else ["--no-wait"]))
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["task_id"] == task_id
    assert "not submitted again" in again.stderr
    assert side.tasks_created == 1 and side.creates_sent() == 1
    if wait:
        assert json.loads(again.stdout)["status"] == "SUCCEEDED"
    # Runway keeps no key: the CLI says the promise ends at this machine's log.
    warned = "keeps no idempotency key" in first.stderr
    assert warned is (provider == "runway")


@pytest.mark.parametrize("provider", cli_providers(OTHER_REQUEST))
def test_a_key_reused_for_another_request_is_refused(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    side, image = wired(provider, tmp_path, monkeypatch)
    base = ["generate", image, "--provider", provider, "--idempotency-key", "k-1", "--no-wait"]
    assert invoke(*base, "--prompt", "A wave", "--json").exit_code == 0
    other = invoke(*base, "--prompt", "A bow", "--json")
    assert other.exit_code == 2, other.stderr
    error = json.loads(other.stdout)["error"]
    assert error["type"] == "ValidationError" and error["details"]["field"] == "idempotency_key"
    assert side.tasks_created == 1


def test_runway_key_whose_answer_was_lost_is_not_submitted_again_blindly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    side, image = wired("runway", tmp_path, monkeypatch)
    command = ["generate", image, "--provider", "runway", "--prompt", "A wave",
               "--idempotency-key", "k-lost", "--no-wait", "--json"]  # fmt: skip
    side.inject("submit", remote_reset_after())
    lost = invoke(*command)
    assert lost.exit_code == 5, lost.stderr
    assert side.tasks_created == 1

    again = invoke(*command)
    assert again.exit_code == 5, again.stderr
    error = json.loads(again.stdout)["error"]
    assert error["type"] == "OutcomeUnknown" and error["details"]["idempotency_key"] == "k-lost"
    assert "--retry-ambiguous-submit" in again.stderr
    assert side.creates_sent() == 1  # nothing sent

    forced = invoke(*command, "--retry-ambiguous-submit")
    assert forced.exit_code == 0, forced.stderr
    assert side.tasks_created == 2  # asked for: paid twice
    assert invoke(*command).exit_code == 0 and side.tasks_created == 2


def test_kling_key_whose_process_died_mid_create_is_found_by_kling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from framecast.cli._tasklog import TaskLog

    side, image = wired("kling", tmp_path, monkeypatch)
    command = ["generate", image, "--provider", "kling", "--prompt", "A wave",
               "--idempotency-key", "k-died", "--no-wait", "--json"]  # fmt: skip
    first = invoke(*command)
    task_id = json.loads(first.stdout)["task_id"]
    # As if that process had been killed between the create and its answer: the key's
    # row holds no task.
    log = TaskLog(Path(os.environ["FRAMECAST_LOG"]))
    with sqlite3.connect(log.path) as db:
        db.execute("UPDATE tasks SET task_id = NULL, handle = NULL, state = 'SUBMITTING'")
    again = invoke(*command)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["task_id"] == task_id  # Kling refused the key; found
    assert side.tasks_created == 1
    assert [task.task_id for task in log.tasks()] == [task_id]


# --------------------------------------------------------------------------- the Runner


@pytest.mark.anyio
@pytest.mark.parametrize("provider", cli_providers(RUNNER_KEY))
async def test_the_runner_dedupes_a_reused_key_only_where_the_provider_does(
    provider: str, tmp_path: Path
) -> None:
    tasks = {"kling": 1, "runway": 2}[provider]  # as the matrix rows say
    # Kling refuses a second external_task_id and the runner finds the first task under
    # it; Runway has no key, so the Runner's promise there is none (its docstring says so).
    side: Side = SIDES[provider]()
    async with side.runner(VirtualClock()) as runner:
        request = side.request(small_png(), idempotency_key="order-7")
        first = await runner.submit(request)
        second = await runner.submit(request)
    assert side.tasks_created == tasks
    assert (first.task_id == second.task_id) is (tasks == 1)
