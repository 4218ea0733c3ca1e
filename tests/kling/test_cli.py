"""The framecast command with the Kling plugin: cancel says Kling cannot, and a dry run
shows the wire request without credentials."""

from __future__ import annotations

import json

from click.testing import CliRunner
from framecast.cli import cli

from .support import EXAMPLES

HANDLE = json.dumps(
    {
        "provider": "kling",
        "task_id": "822953089408827433",
        "base_url": "https://api-singapore.klingai.com",
        "provider_data": {"endpoint": "image2video"},
        "version": 1,
    }
)


def test_cancel_says_kling_has_no_cancel() -> None:
    result = CliRunner().invoke(cli, ["cancel", HANDLE, "--json"], env={
        "KLING_ACCESS_KEY": "fake-ak", "KLING_SECRET_KEY": "fake-sk-not-real"})  # fmt: skip
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "NotSupported"
    assert "cancel" in error["message"] and "charged" in error["message"]


def test_dry_run_without_credentials() -> None:
    result = CliRunner().invoke(
        cli,
        ["generate", str(EXAMPLES / "astronaut.png"), "--provider", "kling", "--prompt",
         "The astronaut waves", "--camera", "zoom_in", "--dry-run", "--json",
         "--idempotency-key", "dry-1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    prepared = json.loads(result.stdout)
    assert prepared["path"] == "/v1/videos/image2video"
    assert prepared["body"]["external_task_id"] == "dry-1"
    assert prepared["body"]["prompt"].endswith("Camera: slowly zoom in on the subject.")
    assert "aspect_ratio" not in prepared["body"]
