"""The task log (``framecast.cli._tasklog``) and the commands built on it: ``framecast
tasks``, task ids and prefixes as HANDLE, the idempotency key reused on this machine."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from framecast import TaskHandle, TaskState, TaskStatus
from framecast.cli._tasklist import parse_when
from framecast.cli._tasklog import (
    SCHEMA_VERSION,
    TaskLog,
    TaskLogError,
    log_path,
)

from .._secret_audit import leaks_in
from . import _scripted
from ._scripted import ScriptedService


def handle(task_id: str, provider: str = "scripted") -> TaskHandle:
    return TaskHandle(provider=provider, task_id=task_id, model="clip-1")


def log_at(tmp_path: Path, **kwargs: object) -> TaskLog:
    return TaskLog(tmp_path / "log" / "tasks.db", **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the file


def test_where_the_log_lives(tmp_path: Path) -> None:
    from framecast._config import Config

    assert log_path({"FRAMECAST_LOG": str(tmp_path / "x.db")}) == tmp_path / "x.db"
    config = Config(tables={"cli": {"task_log": "logs/t.db"}}, source=str(tmp_path / "f.toml"))
    assert log_path({}, config) == tmp_path / "logs" / "t.db"
    default = log_path({})
    assert default.name == "tasks.db" and "framecast" in default.parts


def test_the_conftest_keeps_tests_off_the_users_log() -> None:
    import platformdirs

    assert os.environ["FRAMECAST_LOG"]
    assert not Path(os.environ["FRAMECAST_LOG"]).is_relative_to(
        platformdirs.user_data_path("framecast", appauthor=False)
    )


def test_a_new_log_is_created_at_the_current_schema_and_private(tmp_path: Path) -> None:
    log = log_at(tmp_path)
    log.record_submitted(handle("t-1"), prompt="A cat")
    with sqlite3.connect(log.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert log.path.stat().st_mode & 0o077 == 0


def test_a_version_1_log_is_migrated_keeping_its_rows(tmp_path: Path) -> None:
    from framecast.cli import _tasklog

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(_tasklog._MIGRATIONS[0])
        db.execute(
            "INSERT INTO tasks (provider, task_id, handle, state, created_at, updated_at) "
            "VALUES ('scripted', 'old-1', ?, 'RUNNING', '2026-01-01T00:00:00+00:00', "
            "'2026-01-01T00:00:00+00:00')",
            (handle("old-1").to_json(),),
        )
        db.execute("PRAGMA user_version = 1")
    log = TaskLog(path)
    (old,) = log.tasks()
    assert old.task_id == "old-1" and old.idempotency_key is None
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_log_from_a_newer_framecast_is_refused_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(TaskLogError, match="newer than this framecast"):
        TaskLog(path).tasks()


def test_a_file_that_is_not_a_database_is_a_task_log_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(TaskLogError):
        TaskLog(path).record_submitted(handle("t-1"))


def test_the_log_keeps_at_most_limit_rows_finished_ones_go_first(tmp_path: Path) -> None:
    clock = iter(range(1_000, 2_000)).__next__
    log = log_at(tmp_path, limit=3, clock=lambda: float(clock()))
    log.record_submitted(handle("running-old"))
    for name in ("done-1", "done-2"):
        log.record_submitted(handle(name))
        log.record_state(handle(name), TaskState(status=TaskStatus.SUCCEEDED))
    log.record_submitted(handle("new"))
    assert sorted(t.task_id for t in log.tasks()) == ["done-2", "new", "running-old"]


def test_prune_deletes_finished_tasks_only(tmp_path: Path) -> None:
    log = log_at(tmp_path)
    log.record_submitted(handle("running"))
    log.record_state(handle("running"), TaskState(status=TaskStatus.RUNNING))
    log.record_submitted(handle("failed"))
    log.record_state(handle("failed"), TaskState(status=TaskStatus.FAILED, failure_message="x"))
    assert log.prune() == 1
    assert [t.task_id for t in log.tasks()] == ["running"]


def test_short_ids_grow_past_a_shared_prefix(tmp_path: Path) -> None:
    log = log_at(tmp_path)
    for task_id in ("800000000000000001", "800000000000000002", "a8bc37d6-1111"):
        log.record_submitted(handle(task_id))
    assert log.short_id("a8bc37d6-1111") == "a8bc37d6"
    assert log.short_id("800000000000000001") == "800000000000000001"
    assert [t.task_id for t in log.find("8000")] == ["800000000000000002", "800000000000000001"]


def test_parse_when_takes_dates_times_and_ages() -> None:
    now = 1_767_225_600.0  # 2026-01-01T00:00:00Z
    assert parse_when("2d", "--since", lambda: now) == "2025-12-30T00:00:00+00:00"
    assert parse_when("2026-01-01T00:00Z", "--since") == "2026-01-01T00:00:00+00:00"
    with pytest.raises(Exception, match="not a date"):
        parse_when("yesterday", "--since")


# --------------------------------------------------------------------------- commands


def submit(invoke: Callable[..., Result], *extra: str) -> dict[str, object]:
    result = invoke("generate", "--prompt", "A cat", "--no-wait", "--json", *extra)
    assert result.exit_code == 0, result.stderr
    shown: dict[str, object] = json.loads(result.stdout)
    return shown


def test_generate_logs_the_task_before_waiting(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    seen: list[list[str | None]] = []
    original = wired.transport

    def spying_transport():  # the log is read at the first poll: waiting has begun
        def observe(request):
            if request.method == "GET" and "/v1/tasks/" in request.url.path:
                seen.append([t.task_id for t in TaskLog(Path(os.environ["FRAMECAST_LOG"])).tasks()])
            return inner.handle_request(request)

        import httpx

        inner = original()
        return httpx.MockTransport(observe)

    wired.transport = spying_transport  # type: ignore[method-assign]
    result = invoke("generate", "--prompt", "A cat", "--json")
    assert result.exit_code == 0, result.stderr
    assert seen and seen[0] == ["task-1"]
    (row,) = TaskLog(Path(os.environ["FRAMECAST_LOG"])).tasks()
    assert row.state == "SUCCEEDED" and row.outputs and row.finished_at
    assert row.prompt == "A cat" and row.estimate is not None and row.model == "clip-1"


def test_tasks_lists_filters_and_prints_json(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    submit(invoke)
    submit(invoke)
    assert invoke("wait", "task-1", "--json").exit_code == 0
    table = invoke("tasks")
    assert table.exit_code == 0
    assert "task-1" in table.stdout and "task-2" in table.stdout and "SUCCEEDED" in table.stdout
    listed = json.loads(invoke("tasks", "--json", "--state", "unfinished").stdout)["tasks"]
    assert [t["task_id"] for t in listed] == ["task-2"]
    assert json.loads(invoke("tasks", "--json", "--provider", "other").stdout)["tasks"] == []
    assert len(json.loads(invoke("tasks", "--json", "--since", "1h").stdout)["tasks"]) == 2
    refused = invoke("tasks", "--state", "DONE")
    assert refused.exit_code == 2 and "SUCCEEDED" in refused.stderr


def test_tasks_prune(invoke: Callable[..., Result], wired: ScriptedService) -> None:
    submit(invoke)
    assert invoke("wait", "task-1").exit_code == 0
    submit(invoke)
    pruned = invoke("tasks", "--prune", "--json")
    assert json.loads(pruned.stdout)["pruned"] == 1
    assert [t["task_id"] for t in json.loads(invoke("tasks", "--json").stdout)["tasks"]] == [
        "task-2"
    ]


@pytest.mark.parametrize("command", ["status", "wait", "cancel"])
def test_handle_commands_take_a_task_id_or_its_prefix(
    command: str, invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    wired.tasks["abcdef12-3456"] = [{"status": "RUNNING"}, _scripted.succeeded()]
    submitted = TaskHandle(provider="scripted", task_id="abcdef12-3456", model="clip-1")
    TaskLog(Path(os.environ["FRAMECAST_LOG"])).record_submitted(submitted, prompt="x")
    result = invoke(command, "abcd", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["task_id"] == "abcdef12-3456"
    (row,) = TaskLog(Path(os.environ["FRAMECAST_LOG"])).tasks()
    assert row.state != "SUBMITTED"  # the command updated the log


def test_an_ambiguous_prefix_lists_the_candidates(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    for _ in range(2):
        submit(invoke)
    result = invoke("wait", "task-", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert "ambiguous" in error["message"]
    assert "task-1" in error["message"] and "task-2" in error["message"]
    assert wired.polls == 0


def test_an_unknown_id_says_where_it_looked(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    result = invoke("status", "nosuch")
    assert result.exit_code == 2
    assert os.environ["FRAMECAST_LOG"] in result.stderr and "framecast tasks" in result.stderr


def test_job_ids_are_not_task_ids(invoke: Callable[..., Result], wired: ScriptedService) -> None:
    # A task whose id happened to start with job_ must not be reached by it either.
    TaskLog(Path(os.environ["FRAMECAST_LOG"])).record_submitted(handle("job_1"))
    result = invoke("wait", "job_1")
    assert result.exit_code == 2
    assert "durable jobs" in result.stderr
    assert wired.polls == 0


def test_no_wait_and_errors_print_the_short_command(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    result = invoke("generate", "--prompt", "A cat", "--no-wait")
    assert "follow it with: framecast wait task-1\n" in result.stderr


def test_an_unusable_log_warns_and_the_task_still_runs(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite" * 200)
    monkeypatch.setenv("FRAMECAST_LOG", str(junk))
    result = invoke("generate", "--prompt", "A cat", "--json")
    assert result.exit_code == 0, result.stderr
    assert "task log unavailable" in result.stderr
    assert '"task_id":"task-1"' in result.stderr  # the handle is still shown while waiting


def test_a_reused_key_returns_the_logged_task(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    first = submit(invoke, "--idempotency-key", "k-1")
    again = submit(invoke, "--idempotency-key", "k-1")
    assert again["task_id"] == first["task_id"]
    assert len(wired.created()) == 1


def test_the_log_holds_no_credential(invoke: Callable[..., Result], wired: ScriptedService) -> None:
    submit(invoke, "--idempotency-key", "k-1")
    assert invoke("wait", "task-1").exit_code == 0
    raw = Path(os.environ["FRAMECAST_LOG"]).read_bytes().decode("utf-8", "replace")
    assert "task-1" in raw  # the file is readable as text: the check below means something
    assert _scripted.API_KEY not in raw
    assert not leaks_in([raw])


def test_preview_resumes_from_provider_and_task_id_alone(
    invoke: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAMECAST_PREVIEW_DIR", str(tmp_path / "cache"))
    submitted = invoke("generate", "--provider", "preview", "--prompt", "Waves", "--duration",
                       "1", "-o", "short_side", "144", "--no-wait", "--json")  # fmt: skip
    assert submitted.exit_code == 0, submitted.stderr
    task_id = json.loads(submitted.stdout)["task_id"]
    monkeypatch.setenv("FRAMECAST_LOG", str(tmp_path / "elsewhere.db"))  # not in this log
    bare = json.dumps({"provider": "preview", "task_id": task_id})
    waited = invoke("wait", bare, "--json", "--timeout", "120")
    assert waited.exit_code == 0, waited.stderr
    assert json.loads(waited.stdout)["status"] == "SUCCEEDED"


def test_help_states_what_the_key_promises(invoke: Callable[..., Result]) -> None:
    shown = " ".join(invoke("generate", "--help").stdout.split())
    assert "One task per key on this machine" in shown
    assert "whoever submits it" not in shown
