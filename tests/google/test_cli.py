"""The framecast command with the Google plugin, without a key: the provider's page, an
estimate, a dry run with a camera move, and cancel saying Veo has none."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from framecast.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_providers_google_needs_no_key() -> None:
    result = CliRunner().invoke(cli, ["providers", "google"], env={"GEMINI_API_KEY": ""})
    assert result.exit_code == 0, result.output
    assert "veo-3.1-generate-preview (default)" in result.stdout
    assert "veo-3.0-generate-001 (withdrawn; use veo-3.1-generate-preview)" in result.stdout


def test_estimate_needs_no_key() -> None:
    result = CliRunner().invoke(
        cli,
        ["estimate", "--provider", "google", "--prompt", "A red fox", "--model",
         "veo-3.1-fast-generate-preview", "-o", "resolution", "1080p", "--json"],
        env={"GEMINI_API_KEY": "", "GOOGLE_API_KEY": ""},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert "0.96" in json.dumps(shown)


def test_dry_run_phrases_the_camera_move_and_inlines_the_image() -> None:
    result = CliRunner().invoke(
        cli,
        ["generate", str(EXAMPLES / "astronaut.png"), "--provider", "google", "--prompt",
         "The astronaut waves", "--camera", "dolly_in", "--dry-run", "--json"],
        env={"GEMINI_API_KEY": ""},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    prepared = json.loads(result.stdout)
    assert prepared["path"] == "/v1beta/models/veo-3.1-generate-preview:predictLongRunning"
    instance = prepared["body"]["instances"][0]
    assert instance["prompt"].endswith("Camera: dolly in toward the subject.")
    assert "image" in instance


def test_cancel_says_veo_has_no_cancel() -> None:
    handle = json.dumps({
        "provider": "google",
        "task_id": "models/veo-3.1-generate-preview/operations/op1",
        "base_url": "https://generativelanguage.googleapis.com",
        "version": 1,
    })  # fmt: skip
    result = CliRunner().invoke(
        cli, ["cancel", handle, "--json"], env={"GEMINI_API_KEY": "gemini-test-key-not-real"}
    )
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["type"] == "NotSupported"


def test_generate_with_out_is_the_whole_story(tmp_path: Path, monkeypatch) -> None:
    """`GEMINI_API_KEY=… framecast generate photo.png --prompt … --camera dolly_in
    --provider google --out clip.mp4`, against the fake: the video is saved, the key went
    to Google's origin only."""
    import httpx
    from framecast import Runner
    from framecast.cli import _tasks
    from framecast.testing import VirtualClock
    from framecast_google.testing import GoogleFake

    fake = GoogleFake(redirect_downloads=True)
    clock = VirtualClock()

    def open_runner(**options):
        return Runner(transport=httpx.MockTransport(fake), clock=clock, **options)

    monkeypatch.setattr(_tasks, "open_runner", open_runner)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["generate", str(EXAMPLES / "astronaut.png"), "--prompt", "The astronaut waves",
         "--camera", "dolly_in", "--provider", "google", "--out", "clip.mp4"],
        env={"GEMINI_API_KEY": fake.api_key},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "clip.mp4").read_bytes()[4:8] == b"ftyp"
    assert fake.tasks_created == 1 and fake.downloads == 1 and fake.violations == []
    assert fake.api_key not in result.output
