"""The framecast command with the Seedance plugin: generate end to end against the fake,
providers and estimate without a key, a dry run, and cancel's rule for a running task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from framecast import Runner
from framecast.cli import _tasks, cli
from framecast.testing import VirtualClock
from framecast_seedance.testing import SeedanceFake

from .conftest import FAKE_KEY

ASTRONAUT = Path(__file__).resolve().parents[2] / "examples" / "astronaut.png"


def wire(monkeypatch: pytest.MonkeyPatch, fake: SeedanceFake) -> None:
    clock = VirtualClock()

    def open_runner(**options: Any) -> Runner:
        return Runner(transport=httpx.MockTransport(fake), clock=clock, **options)

    monkeypatch.setattr(_tasks, "open_runner", open_runner)


def test_generate_a_photo_end_to_end(monkeypatch, tmp_path) -> None:
    fake = SeedanceFake()
    wire(monkeypatch, fake)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "astronaut.mp4"
    result = CliRunner().invoke(
        cli,
        ["generate", str(ASTRONAUT), "--provider", "seedance", "--prompt", "The astronaut waves",
         "--camera", "zoom_in", "--out", str(target), "--json"],
        env={"ARK_API_KEY": FAKE_KEY},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["status"] == "SUCCEEDED" and shown["model"] == "dreamina-seedance-2-0-260128"
    assert shown["cost"]["actual_currency"] == "USD" and shown["cost"]["actual"] > 0
    assert target.read_bytes()[4:8] == b"ftyp"
    assert fake.tasks_created == 1 and fake.violations == []
    assert FAKE_KEY not in result.stdout + result.stderr
    text = fake.bodies[0]["content"][0]["text"]
    assert text.startswith("The astronaut waves. Camera: ")


def test_providers_shows_seedance_without_a_key() -> None:
    result = CliRunner().invoke(cli, ["providers", "seedance", "--json"], env={})
    assert result.exit_code == 0, result.output
    assert "dreamina-seedance-2-0-260128" in result.stdout


def test_estimate_without_a_key_in_each_region() -> None:
    args = ["estimate", str(ASTRONAUT), "--provider", "seedance", "--prompt", "p", "--json"]
    intl = json.loads(CliRunner().invoke(cli, args, env={}).stdout)
    cn = json.loads(CliRunner().invoke(cli, args, env={"SEEDANCE_REGION": "cn"}).stdout)
    assert intl["currency"] == "USD" and intl["model"] == "dreamina-seedance-2-0-260128"
    assert cn["currency"] == "CNY" and cn["model"] == "doubao-seedance-2-0-260128"


def test_dry_run_shows_the_body_without_a_key() -> None:
    result = CliRunner().invoke(
        cli,
        ["generate", str(ASTRONAUT), "--provider", "seedance", "--prompt", "A lake",
         "--model", "seedance-1-5-pro-251215", "--camera", "static", "--dry-run", "--json"],
        env={},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)["body"]
    assert body["camera_fixed"] is True and body["content"][1]["role"] == "first_frame"


def test_cancel_of_a_running_task_says_it_cannot(monkeypatch, tmp_path) -> None:
    fake = SeedanceFake(queued_polls=0, running_polls=10)
    wire(monkeypatch, fake)
    monkeypatch.chdir(tmp_path)
    env = {"ARK_API_KEY": FAKE_KEY}
    submitted = CliRunner().invoke(
        cli,
        ["generate", str(ASTRONAUT), "--provider", "seedance", "--prompt", "p", "--no-wait",
         "--json"],
        env=env,
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    shown = json.loads(submitted.stdout)
    handle = json.dumps(shown.get("handle", shown))
    result = CliRunner().invoke(cli, ["cancel", handle, "--json"], env=env)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "NotSupported" and "queued" in error["message"]
