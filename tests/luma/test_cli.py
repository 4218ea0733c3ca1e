"""The CLI end to end against LumaFake: Ray 3.2 from a local file, Ray 2 from an https
image, and `providers` / `estimate` without any key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from framecast import Runner
from framecast.cli import cli
from framecast.testing import VirtualClock
from framecast_luma.testing import LumaFake

from .conftest import ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LumaFake:
    from framecast.cli import _tasks

    fake = LumaFake()
    clock = VirtualClock()

    def open_runner(**options: Any) -> Runner:
        return Runner(transport=httpx.MockTransport(fake), clock=clock, **options)

    monkeypatch.setattr(_tasks, "open_runner", open_runner)
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "examples" / "astronaut.png", tmp_path / "photo.png")
    for variable in ENV:
        monkeypatch.delenv(variable, raising=False)
    return fake


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_generate_ray_3_2_from_a_local_file(fake, monkeypatch):
    monkeypatch.setenv("LUMA_AGENTS_API_KEY", ENV["LUMA_AGENTS_API_KEY"])
    result = run("generate", "photo.png", "--provider", "luma", "--prompt", "She waves",
                 "--out", "wave.mp4", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["status"] == "SUCCEEDED"
    assert Path("wave.mp4").read_bytes()[4:8] == b"ftyp"
    assert fake.bodies[0]["video"]["start_frame"]["media_type"] == "image/png"
    assert fake.violations == []


def test_generate_ray_2_from_an_https_image(fake, monkeypatch):
    monkeypatch.setenv("LUMAAI_API_KEY", ENV["LUMAAI_API_KEY"])
    result = run("generate", "https://example.com/photo.jpg", "--provider", "luma",
                 "--model", "ray-2", "--camera", "orbit_left", "--prompt", "A lighthouse",
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "SUCCEEDED"
    assert fake.bodies[0]["concepts"] == [{"key": "orbit_left"}]
    assert fake.bodies[0]["keyframes"]["frame0"]["url"] == "https://example.com/photo.jpg"


def test_ray_2_from_a_local_file_is_refused_before_any_request(fake, monkeypatch):
    monkeypatch.setenv("LUMAAI_API_KEY", ENV["LUMAAI_API_KEY"])
    result = run("generate", "photo.png", "--provider", "luma", "--model", "ray-2",
                 "--prompt", "x")  # fmt: skip
    assert result.exit_code == 2
    assert "no upload" in result.stderr and "ray-3.2" in result.stderr
    assert fake.requests == []


def test_a_missing_key_names_the_variable_for_the_model(fake, monkeypatch):
    monkeypatch.setenv("LUMA_AGENTS_API_KEY", ENV["LUMA_AGENTS_API_KEY"])
    result = run("generate", "https://example.com/photo.jpg", "--provider", "luma",
                 "--model", "ray-flash-2", "--prompt", "x")  # fmt: skip
    assert result.exit_code == 2
    assert "LUMAAI_API_KEY" in result.stderr
    assert fake.requests == []


def test_providers_and_estimate_work_without_a_key(fake):
    shown = run("providers", "luma")
    assert shown.exit_code == 0, shown.stderr
    assert "ray-3.2" in shown.stdout and "ray-2" in shown.stdout
    estimate = run("estimate", "photo.png", "--provider", "luma", "--prompt", "x", "--duration", "10",
                   "-o", "resolution", "1080p")  # fmt: skip
    assert estimate.exit_code == 0, estimate.stderr
    assert "3.6" in estimate.stdout
    assert fake.requests == []
