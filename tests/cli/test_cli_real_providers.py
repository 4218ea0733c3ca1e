"""The command with the real Runway and Kling plugins, against their protocol fakes (in
memory, virtual time): what a user types, what the provider receives, what is printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from framecast import Runner
from framecast.cli import _tasks
from framecast.testing import VirtualClock

ASTRONAUT = Path(__file__).resolve().parents[2] / "examples" / "astronaut.png"


def wire(monkeypatch: pytest.MonkeyPatch, handler: Any, clock: VirtualClock) -> None:
    def open_runner(**options: Any) -> Runner:
        return Runner(transport=httpx.MockTransport(handler), clock=clock, **options)

    monkeypatch.setattr(_tasks, "open_runner", open_runner)


def one_json_object(result: Result) -> dict[str, Any]:
    value = json.loads(result.stdout)
    assert isinstance(value, dict)
    return value


# ------------------------------------------------------------------------- Runway


@pytest.fixture
def runway(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    testing = pytest.importorskip("framecast_runway.testing")
    fake = testing.RunwayFake()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUNWAYML_API_SECRET", fake.api_key)
    wire(monkeypatch, fake, VirtualClock())
    return fake


def test_runway_generate_and_download(
    invoke: Callable[..., Result], runway: Any, tmp_path: Path
) -> None:
    target = tmp_path / "astronaut.mp4"
    result = invoke(
        "generate",
        str(ASTRONAUT),
        "--provider",
        "runway",
        "--model",
        "gen4_turbo",
        "--prompt",
        "The astronaut waves",
        "--camera",
        "zoom_in",
        "--ratio",
        "1280:720",
        "--out",
        str(target),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    shown = one_json_object(result)
    assert shown["provider"] == "runway" and shown["status"] == "SUCCEEDED"
    assert shown["model"] == "gen4_turbo"
    assert target.stat().st_size > 0
    assert runway.tasks_created == 1
    assert runway.violations == []
    assert runway.bodies[0]["promptText"].endswith("Camera: slowly zoom in on the subject.")
    assert runway.api_key not in result.stdout + result.stderr


def test_runway_cancel_of_a_finished_task_needs_delete(
    invoke: Callable[..., Result], runway: Any
) -> None:
    submitted = invoke(
        "generate", str(ASTRONAUT), "--provider", "runway", "--model", "gen4_turbo",
        "--prompt", "The astronaut waves", "--json",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.stderr
    handle = json.dumps(one_json_object(submitted)["handle"])

    refused = invoke("cancel", handle)
    assert refused.exit_code == 2
    assert "--delete" in refused.stderr
    assert runway.deleted == []

    deleted = invoke("cancel", handle, "--delete", "--json")
    assert deleted.exit_code == 0, deleted.stderr
    assert runway.deleted == [one_json_object(submitted)["task_id"]]


def test_runway_lost_create_answer_is_outcome_unknown(
    invoke: Callable[..., Result], runway: Any
) -> None:
    from framecast_runway.testing import reset_after

    runway.inject("POST", "/v1/image_to_video", reset_after())
    result = invoke(
        "generate", str(ASTRONAUT), "--provider", "runway", "--model", "gen4_turbo",
        "--prompt", "The astronaut waves", "--json",
    )  # fmt: skip
    assert result.exit_code == 5
    error = one_json_object(result)["error"]
    assert error["type"] == "OutcomeUnknown"
    assert error["details"]["fingerprint"]
    assert runway.tasks_created == 1  # created once, never resubmitted


def test_runway_rate_limit_outlasting_the_policy_exits_4(
    invoke: Callable[..., Result], runway: Any
) -> None:
    from framecast_runway.testing import rate_limited

    runway.inject("POST", "/v1/image_to_video", *[rate_limited(retry_after=1)] * 10)
    result = invoke(
        "generate", str(ASTRONAUT), "--provider", "runway", "--model", "gen4_turbo",
        "--prompt", "The astronaut waves",
    )  # fmt: skip
    assert result.exit_code == 4
    assert "safe to try" in result.stderr
    assert runway.tasks_created == 0


def test_runway_wrong_key_exits_3_naming_the_variable(
    invoke: Callable[..., Result], runway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAYML_API_SECRET", "key_wrong_not_real")
    result = invoke(
        "generate", str(ASTRONAUT), "--provider", "runway", "--model", "gen4_turbo",
        "--prompt", "The astronaut waves",
    )  # fmt: skip
    assert result.exit_code == 3
    assert "RUNWAYML_API_SECRET" in result.stderr
    assert "key_wrong_not_real" not in result.stderr


# ------------------------------------------------------------------------- Kling


@pytest.fixture
def kling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    testing = pytest.importorskip("framecast_kling.testing")
    clock = VirtualClock()
    fake = testing.KlingFake(clock=clock.time)  # tokens are signed and checked on one clock
    monkeypatch.chdir(tmp_path)
    for name, value in testing.KlingFake.ENV.items():
        monkeypatch.setenv(name, value)
    wire(monkeypatch, fake, clock)
    return fake


def test_kling_generate_then_cancel_is_not_supported(
    invoke: Callable[..., Result], kling: Any, tmp_path: Path
) -> None:
    target = tmp_path / "astronaut.mp4"
    result = invoke(
        "generate", str(ASTRONAUT), "--provider", "kling", "--prompt", "The astronaut waves",
        "--camera", "pan_left", "--out", str(target), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    shown = one_json_object(result)
    assert shown["provider"] == "kling"
    assert target.stat().st_size > 0
    assert kling.tasks_created == 1

    status = invoke("status", json.dumps(shown["handle"]), "--json")
    assert status.exit_code == 0, status.stderr
    assert one_json_object(status)["status"] == "SUCCEEDED"

    cancel = invoke("cancel", json.dumps(shown["handle"]), "--json")
    assert cancel.exit_code == 2
    assert one_json_object(cancel)["error"]["type"] == "NotSupported"


def test_kling_lost_create_answer_is_found_not_paid_twice(
    invoke: Callable[..., Result], kling: Any
) -> None:
    from framecast_kling.testing import reset_after

    kling.inject("create", reset_after())
    result = invoke(
        "generate", str(ASTRONAUT), "--provider", "kling", "--prompt", "The astronaut waves",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert kling.tasks_created == 1
