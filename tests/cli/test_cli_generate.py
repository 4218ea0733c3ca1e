"""``framecast generate`` and ``framecast estimate`` through the real runner, against the
scripted service in memory: outputs, --json shapes, downloads, and every exit code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from framecast import CAMERA_PHRASES, CameraMove
from framecast.cli import _tasks

from . import _scripted
from ._scripted import API_KEY, MP4_BYTES, ScriptedService

RESULT_KEYS = {
    "provider",
    "model",
    "task_id",
    "status",
    "outputs",
    "cost",
    "elapsed_s",
    "polls",
    "handle",
}


def one_json_object(result: Result) -> dict[str, Any]:
    """stdout must hold exactly one JSON object and nothing else."""
    value = json.loads(result.stdout)
    assert isinstance(value, dict)
    return value


def no_secret(result: Result) -> None:
    assert API_KEY not in result.stdout and API_KEY not in result.stderr


def png_bytes(width: int = 64, height: int = 36) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------------- success


def test_generate_shows_progress_and_a_summary(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    result = invoke("generate", "--prompt", "A cat", "--camera", "zoom_in")
    assert result.exit_code == 0, result.stderr
    assert "SUCCEEDED" in result.stdout
    assert "task-1" in result.stdout
    assert "/files/out.mp4" in result.stdout
    assert "0.25 USD estimated" in result.stdout
    # progress (plain lines off a terminal) and nothing else on stderr
    assert "QUEUED" in result.stderr and "RUNNING 50%" in result.stderr
    no_secret(result)


def test_generate_json_prints_exactly_the_result(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    result = invoke("generate", "--prompt", "A cat", "--json")
    assert result.exit_code == 0, result.stderr
    shown = one_json_object(result)
    assert RESULT_KEYS <= set(shown)
    assert shown["provider"] == "scripted"
    assert shown["model"] == "clip-1"
    assert shown["task_id"] == "task-1"
    assert shown["status"] == "SUCCEEDED"
    assert shown["polls"] == 3
    [output] = shown["outputs"]
    assert set(output) == {"url", "media_type", "expires_at"}
    assert output["url"] == "http://scripted.test/files/out.mp4"
    assert output["media_type"] == "video/mp4"
    assert shown["handle"]["task_id"] == "task-1"
    assert shown["handle"]["base_url"] == _scripted.IN_MEMORY_BASE_URL
    assert shown["cost"]["estimated"]["amount"] == pytest.approx(0.25)
    assert "RUNNING" in result.stderr  # progress still goes to stderr
    no_secret(result)


def test_generate_sends_what_the_options_say(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    result = invoke(
        "generate",
        "--prompt",
        "A cat",
        "--camera",
        "orbit-left",
        "--ratio",
        "9:16",
        "--duration",
        "10",
        "--seed",
        "42",
        "--negative-prompt",
        "blur",
        "--idempotency-key",
        "key-123",
        "--preserve-identity",
        "-o",
        "style",
        "cinematic",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    [body] = wired.created()
    assert body["prompt"].endswith(f"A cat. Camera: {CAMERA_PHRASES[CameraMove.ORBIT_LEFT]}.")
    assert body["prompt"].startswith("CRITICAL: Preserve exact identity")
    assert body["ratio"] == "9:16"
    assert body["duration"] == 10
    assert body["seed"] == 42
    assert body["negative_prompt"] == "blur"
    assert body["key"] == "key-123"
    assert body["options"] == {"style": "cinematic"}
    assert one_json_object(result)["handle"]["idempotency_key"] == "key-123"


def test_nearest_ratio_takes_the_closest_wire_value(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    result = invoke("generate", "--prompt", "A cat", "--ratio", "5:4", "--nearest-ratio")
    assert result.exit_code == 0, result.stderr
    assert wired.created()[0]["ratio"] == "1:1"
    assert "ratio 5:4 taken as 1:1" in result.stderr


def test_image_arguments_become_image_end_image_and_images(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    start = tmp_path / "start.png"
    start.write_bytes(png_bytes())
    result = invoke(
        "generate",
        str(start),
        "--prompt",
        "A cat",
        "--end-image",
        "https://example.com/end.png",
    )
    assert result.exit_code == 0, result.stderr
    body = wired.created()[0]
    assert body["image"].startswith("data:image/png;base64,")
    assert body["end_image"] == "https://example.com/end.png"

    result = invoke(
        "generate",
        "--prompt",
        "Two cats",
        "--image",
        str(start),
        "--image",
        "https://example.com/b.png",
    )
    assert result.exit_code == 0, result.stderr
    body = wired.created()[1]
    assert "image" not in body
    assert body["images"][0].startswith("data:image/png;base64,")
    assert body["images"][1] == "https://example.com/b.png"


def test_out_downloads_the_video(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    target = tmp_path / "clip.mp4"
    result = invoke("generate", "--prompt", "A cat", "--out", str(target), "--json")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == MP4_BYTES
    assert one_json_object(result)["saved_to"] == str(target)
    download = [r for r in wired.requests if r[1].startswith("/files/")]
    assert len(download) == 1


def test_a_failed_download_says_where_the_paid_video_is(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    wired.file_bytes = b"<html>an error page, not a video</html>"
    target = tmp_path / "clip.mp4"
    result = invoke("generate", "--prompt", "A cat", "--out", str(target), "--json")
    assert result.exit_code != 0
    error = one_json_object(result)["error"]
    assert error["handle"]["task_id"] == "task-1"
    assert "its output: http://scripted.test/files/out.mp4" in result.stderr
    assert f"framecast wait task-1 --out {target}" in result.stderr
    assert not target.exists()
    assert len(wired.created()) == 1


def test_a_result_without_output_says_nothing_was_saved(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    wired.states = [{"status": "SUCCEEDED"}]
    target = tmp_path / "clip.mp4"
    result = invoke("generate", "--prompt", "A cat", "--out", str(target))
    assert result.exit_code == 0, result.stderr
    assert "without an output; nothing saved" in result.stderr
    assert not target.exists()


def test_dry_run_sends_nothing_and_needs_no_credentials(
    invoke: Callable[..., Result], wired: ScriptedService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(_scripted.KEY_VARIABLE)
    result = invoke("generate", "--prompt", "A cat", "--camera", "static", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    shown = one_json_object(result)
    assert shown["method"] == "POST"
    assert shown["path"] == "/tasks"
    assert shown["model"] == "clip-1"
    assert shown["body"]["prompt"] == "A cat. Camera: static camera, locked shot."
    assert shown["estimate"]["amount"] == pytest.approx(0.25)
    assert wired.requests == []

    text = invoke("generate", "--prompt", "A cat", "--dry-run")
    assert text.exit_code == 0
    assert json.loads(text.stdout)["path"] == "/tasks"  # readable and still parseable


def test_no_wait_prints_the_handle_and_wait_resumes_it(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    submitted = invoke("generate", "--prompt", "A cat", "--no-wait", "--json")
    assert submitted.exit_code == 0, submitted.stderr
    handle = one_json_object(submitted)
    assert handle["task_id"] == "task-1"
    assert wired.polls == 0
    waited = invoke("wait", "-", "--json", input=submitted.stdout)
    assert waited.exit_code == 0, waited.stderr
    assert one_json_object(waited)["status"] == "SUCCEEDED"

    plain = invoke("generate", "--prompt", "A dog", "--no-wait", "--out", "dog.mp4")
    assert plain.exit_code == 0
    assert json.loads(plain.stdout)["task_id"] == "task-2"  # stdout is the handle alone
    assert "framecast wait task-2 --out dog.mp4" in plain.stderr
    assert wired.polls == 3  # the three polls of the wait above; --no-wait never polls


# ------------------------------------------------------------------------- estimate


def test_estimate_needs_no_network_and_no_credentials(
    invoke: Callable[..., Result], wired: ScriptedService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(_scripted.KEY_VARIABLE)
    result = invoke("estimate", "--prompt", "A cat", "--duration", "10", "--json")
    assert result.exit_code == 0, result.stderr
    shown = one_json_object(result)
    assert shown["amount"] == pytest.approx(0.5)
    assert shown["currency"] == "USD"
    assert shown["confidence"] == "unconfirmed"
    assert shown["provider"] == "scripted" and shown["model"] == "clip-1"
    text = invoke("estimate", "--prompt", "A cat")
    assert text.exit_code == 0
    assert "0.25 USD" in text.stdout and "unconfirmed" in text.stdout
    assert wired.requests == []


def test_estimate_validates_like_generate(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    result = invoke("estimate", "--prompt", "A cat", "--duration", "7", "--json")
    assert result.exit_code == 2
    error = one_json_object(result)["error"]
    assert error["details"]["field"] == "duration"


# ------------------------------------------------------------------------- failures


def failing(
    service: ScriptedService,
    *,
    states: list[dict[str, Any]] | None = None,
    submit: tuple[int, dict[str, Any]] | None = None,
) -> None:
    if states is not None:
        service.states = states
    service.submit_answer = submit


@pytest.mark.parametrize(
    ("states", "submit", "args", "code", "error_type", "words"),
    [
        pytest.param(
            [{"status": "FAILED", "failure": "the cat left", "failure_code": "NO_CAT"}],
            None,
            (),
            1,
            "GenerationFailed",
            ["the cat left", "NO_CAT"],
            id="failed-1",
        ),
        pytest.param(
            None,
            (400, {"error": "prompt too feline"}),
            (),
            2,
            "ProviderValidationError",
            ["refused"],
            id="refused-2",
        ),
        pytest.param(
            None,
            (401, {"error": "who are you"}),
            (),
            3,
            "AuthenticationError",
            ["SCRIPTED_API_KEY"],
            id="auth-3",
        ),
        pytest.param(
            None,
            (429, {"error": "slow down"}),
            (),
            4,
            "RateLimited",
            ["no task was created"],
            id="rate-limited-4",
        ),
        pytest.param(
            None,
            (500, {"error": "oops"}),
            (),
            5,
            "OutcomeUnknown",
            ["may or may not"],
            id="outcome-unknown-5",
        ),
        pytest.param(
            [{"status": "RUNNING"}],
            None,
            ("--timeout", "30"),
            6,
            "TaskTimeout",
            ["still running"],
            id="timeout-6",
        ),
        pytest.param(
            [{"status": "MELTING"}],
            None,
            (),
            7,
            "ProviderError",
            ["MELTING"],
            id="unreadable-7",
        ),
    ],
)
def test_exit_codes_and_json_errors(
    invoke: Callable[..., Result],
    wired: ScriptedService,
    states: list[dict[str, Any]] | None,
    submit: tuple[int, dict[str, Any]] | None,
    args: tuple[str, ...],
    code: int,
    error_type: str,
    words: list[str],
) -> None:
    failing(wired, states=states, submit=submit)
    result = invoke("generate", "--prompt", "A cat", *args, "--json")
    assert result.exit_code == code, result.stderr
    error = one_json_object(result)["error"]
    assert set(error) == {"type", "message", "handle", "details"}
    assert error["type"] == error_type
    for word in words:
        assert word in error["message"] or word in json.dumps(error["details"])
        assert word in result.stderr
    assert "Traceback" not in result.stderr
    no_secret(result)
    if code in (1, 6, 7):  # a task exists: its handle travels with the error
        assert error["handle"]["task_id"] == "task-1"
    else:
        assert error["handle"] is None


def test_timeout_prints_the_handle_and_the_resume_command(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    failing(wired, states=[{"status": "RUNNING", "progress": 0.2}])
    target = tmp_path / "late.mp4"
    result = invoke("generate", "--prompt", "A cat", "--timeout", "30", "--out", str(target))
    assert result.exit_code == 6
    assert "The task keeps running" in result.stderr
    assert f"framecast wait task-1 --out {target}" in result.stderr
    assert '"task_id":"task-1"' in result.stderr
    assert not target.exists()


def test_outcome_unknown_shows_what_to_check(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    failing(wired, submit=(502, {"error": "bad gateway"}))
    result = invoke("generate", "--prompt", "A cat")
    assert result.exit_code == 5
    for detail in ("fingerprint:", "window_start:", "window_end:", "model: clip-1"):
        assert detail in result.stderr
    assert len(wired.created()) == 1  # never resubmitted on its own


def test_retry_ambiguous_submit_resubmits_only_when_asked(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    wired.submit_answers = [(500, {"error": "lost"})]
    refused = invoke("generate", "--prompt", "A cat", "--json")
    assert refused.exit_code == 5
    assert len(wired.created()) == 1

    wired.submit_answers = [(500, {"error": "lost"})]
    retried = invoke("generate", "--prompt", "A cat", "--retry-ambiguous-submit", "--json")
    assert retried.exit_code == 0, retried.stderr
    assert len(wired.created()) == 3
    assert wired.created()[1]["key"] == wired.created()[2]["key"]  # the same logical task


def test_allow_unknown_model_sends_it_unvalidated(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    refused = invoke("generate", "--prompt", "A cat", "--model", "clip-9")
    assert refused.exit_code == 2
    assert "--allow-unknown-model" in refused.stderr
    sent = invoke("generate", "--prompt", "A cat", "--model", "clip-9", "--allow-unknown-model")
    assert sent.exit_code == 0, sent.stderr
    assert [body["model"] for body in wired.created()] == ["clip-9"]
    warning = next(line for line in sent.stderr.splitlines() if "clip-9" in line)
    assert warning.startswith("framecast: WARNING:") and "unvalidated" in warning


def test_prompt_is_required_but_may_be_empty(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    missing = invoke("generate", "--dry-run")
    assert missing.exit_code == 2
    assert "--prompt" in missing.stderr
    image = tmp_path / "start.png"
    image.write_bytes(png_bytes())
    empty = invoke("generate", str(image), "--prompt", "", "--dry-run", "--json")
    assert empty.exit_code == 0, empty.stderr
    assert one_json_object(empty)["body"]["prompt"] == ""


def test_missing_credential_names_the_variable(
    invoke: Callable[..., Result], wired: ScriptedService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(_scripted.KEY_VARIABLE)
    result = invoke("generate", "--prompt", "A cat", "--json")
    assert result.exit_code == 2
    error = one_json_object(result)["error"]
    assert error["type"] == "ConfigurationError"
    assert "SCRIPTED_API_KEY" in error["message"]
    assert wired.requests == []


def test_validation_errors_exit_2_before_any_request(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    cases = [
        (("--camera", "barrel_roll"), "camera", "zoom_in"),
        (("--ratio", "4:3"), "ratio", "16:9"),
        (("--model", "clip-0"), "model", "clip-1"),
        (("-o", "style", "baroque"), "options", "cinematic"),
        (("--camera-strength", "12"), "camera_strength", "1 to 10"),
        (("--max-cost", "0.10"), "max_cost", "0.25"),
    ]
    for args, field, hint in cases:
        result = invoke("generate", "--prompt", "A cat", *args, "--json")
        assert result.exit_code == 2, (args, result.stderr)
        error = one_json_object(result)["error"]
        assert field in (error["details"].get("field") or "") or field in error["message"]
        assert hint in error["message"] or hint in json.dumps(error["details"]), error
    assert wired.requests == []


def test_no_provider_configured_is_a_configuration_error(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAMECAST_PLUGINS", "no-provider-has-this-name")
    result = invoke("generate", "--prompt", "A cat")
    assert result.exit_code == 2
    assert "no provider is installed" in result.stderr
    assert "pip install" in result.stderr


def test_unknown_provider_lists_what_is_installed(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("generate", "--prompt", "A cat", "--provider", "nosuch", "--json")
    assert result.exit_code == 2
    error = one_json_object(result)["error"]
    assert error["type"] == "ConfigurationError"
    assert "nosuch" in error["message"]


# ------------------------------------------------------------------------- --debug


def test_unexpected_errors_are_one_line_unless_debug(
    invoke: Callable[..., Result], wired: ScriptedService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_runner(**options: Any) -> Any:
        raise RuntimeError("the flux capacitor is empty")

    monkeypatch.setattr(_tasks, "open_runner", broken_runner)
    result = invoke("generate", "--prompt", "A cat")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "RuntimeError: the flux capacitor is empty" in result.stderr
    assert "run with --debug" in result.stderr

    result = invoke("generate", "--prompt", "A cat", "--debug", "--json")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "broken_runner" in result.stderr
    assert one_json_object(result)["error"]["type"] == "RuntimeError"


def test_debug_logs_framecast_activity_to_stderr(
    invoke: Callable[..., Result], wired: ScriptedService
) -> None:
    quiet = invoke("generate", "--prompt", "A cat", "--json")
    assert "framecast.http" not in quiet.stderr
    loud = invoke("generate", "--prompt", "A cat", "--json", "--debug")
    assert loud.exit_code == 0
    assert "framecast.http DEBUG POST /v1/tasks -> 200" in loud.stderr
    one_json_object(loud)  # logging never reaches stdout
    no_secret(loud)


def test_an_out_path_that_cannot_be_written_is_refused_before_submitting(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    # Found only after the video is paid for, the user would be left with an error and a
    # task to fetch again; refused first, nothing is spent.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke("generate", "--prompt", "A cat", "--out", str(blocker / "cat.mp4"), "--json")
    assert result.exit_code == 2, result.stderr
    error = one_json_object(result)["error"]
    assert error["type"] == "ValidationError" and error["details"]["field"] == "out"
    assert "nothing was submitted" in error["message"]
    assert wired.created() == []


def test_an_out_path_in_folders_still_to_create_is_accepted(
    invoke: Callable[..., Result], wired: ScriptedService, tmp_path: Path
) -> None:
    target = tmp_path / "new" / "nested" / "cat.mp4"
    result = invoke("generate", "--prompt", "A cat", "--out", str(target), "--json")
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == MP4_BYTES
