"""Turning command-line text into requests, handles and resume commands."""

from __future__ import annotations

import io
import json
import shlex
from pathlib import Path

import pytest
from framecast import CameraMove, Mode, TaskHandle, ValidationError
from framecast.cli._handles import read_handle_argument
from framecast.cli._output import resume_command
from framecast.cli._request import build_request, parse_camera, parse_option_value

HANDLE = TaskHandle(
    provider="scripted",
    task_id="task-7",
    base_url="http://scripted.test/v1",
    model="clip-1",
    idempotency_key="k-1",
    provider_data={"endpoint": "/tasks"},
)


def request_values(**changes: object) -> dict[str, object]:
    values: dict[str, object] = dict(
        image=None,
        prompt="A cat",
        camera=None,
        camera_strength=5,
        ratio=None,
        duration=None,
        model=None,
        seed=None,
        negative_prompt=None,
        end_image=None,
        images=(),
        fit="error",
        nearest_ratio=False,
        preserve_identity=False,
        idempotency_key=None,
        allow_unknown_model=False,
        options=(),
    )
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", 5),
        ("0.5", 0.5),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[1, 2]", [1, 2]),
        ('{"type": "simple"}', {"type": "simple"}),
        ('"5"', "5"),
        ("cinematic", "cinematic"),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
        ("", ""),
        ("16:9", "16:9"),
    ],
)
def test_option_values_are_json_literals_when_they_can_be(text: str, value: object) -> None:
    assert parse_option_value(text) == value
    assert type(parse_option_value(text)) is type(value)


def test_camera_names_are_forgiving_and_unknown_moves_list_the_vocabulary() -> None:
    assert parse_camera("Pan-Left") is CameraMove.PAN_LEFT
    assert parse_camera("tracking_shot") is CameraMove.TRACKING
    assert parse_camera(None) is None
    with pytest.raises(ValidationError) as caught:
        parse_camera("barrel_roll")
    assert caught.value.field == "camera"
    assert "barrel_roll" in caught.value.message
    for move in CameraMove:
        assert move.value in caught.value.message


def test_request_from_command_line_values() -> None:
    request = build_request(
        **request_values(  # type: ignore[arg-type]
            image="photo.png",
            camera="zoom-in",
            camera_strength=7,
            ratio="9:16",
            duration=10.0,
            model="clip-1",
            seed=42,
            negative_prompt="blur",
            end_image="https://example.com/end.png",
            fit="crop",
            nearest_ratio=True,
            preserve_identity=True,
            idempotency_key="key-1",
            allow_unknown_model=True,
            options=(("style", "cinematic"), ("steps", "30"), ("hq", "true")),
        )
    )
    assert request.image == "photo.png"
    assert request.end_image == "https://example.com/end.png"
    assert request.mode is Mode.FIRST_LAST
    assert request.camera is CameraMove.ZOOM_IN
    assert request.camera_strength == 7
    assert request.ratio == "9:16"
    assert request.ratio_policy == "nearest"
    assert request.image_fit == "crop"
    assert request.duration == 10 and isinstance(request.duration, int)
    assert (request.model, request.seed, request.negative_prompt) == ("clip-1", 42, "blur")
    assert request.preserve_identity and request.allow_unknown_model
    assert request.idempotency_key == "key-1"
    assert dict(request.options) == {"style": "cinematic", "steps": 30, "hq": True}


def test_repeated_image_options_make_a_multi_image_request() -> None:
    request = build_request(**request_values(images=("a.png", "b.png")))  # type: ignore[arg-type]
    assert request.images == ("a.png", "b.png")
    assert request.image is None
    assert request.mode is Mode.MULTI_IMAGE


def test_no_image_is_text_to_video_and_fractional_durations_stay_fractional() -> None:
    request = build_request(**request_values(duration=2.5))  # type: ignore[arg-type]
    assert request.mode is Mode.TEXT
    assert request.duration == 2.5


def test_out_of_range_values_are_validation_errors_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        build_request(**request_values(camera_strength=11))  # type: ignore[arg-type]
    assert caught.value.field == "camera_strength"
    with pytest.raises(ValidationError) as caught:
        build_request(**request_values(options=(("", "x"),)))  # type: ignore[arg-type]
    assert caught.value.field == "options"


# ------------------------------------------------------------------------- handles


def test_handle_from_json_text() -> None:
    assert read_handle_argument(HANDLE.to_json(), io.StringIO()) == HANDLE.to_dict()


def test_handle_from_file_and_from_stdin(tmp_path: Path) -> None:
    path = tmp_path / "handle.json"
    path.write_text(HANDLE.to_json())
    assert read_handle_argument(f"@{path}", io.StringIO()) == HANDLE.to_dict()
    assert read_handle_argument("-", io.StringIO(HANDLE.to_json() + "\n")) == HANDLE.to_dict()


def test_a_printed_result_or_error_object_gives_its_handle() -> None:
    result = {
        "provider": "scripted",
        "task_id": "task-7",
        "status": "SUCCEEDED",
        "handle": HANDLE.to_dict(),
    }
    error = {
        "error": {
            "type": "TaskTimeout",
            "message": "...",
            "handle": HANDLE.to_dict(),
            "details": {},
        }
    }
    assert read_handle_argument(json.dumps(result), io.StringIO()) == HANDLE.to_dict()
    assert read_handle_argument(json.dumps(error), io.StringIO()) == HANDLE.to_dict()


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"error": {"type": "ValidationError", "handle": null}}', "expected a JSON object"),
        ("@/nonexistent/handle.json", "cannot read"),
    ],
)
def test_malformed_handles_are_named_in_the_error(argument: str, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_handle_argument(argument, io.StringIO())
    assert caught.value.field == "HANDLE"
    assert expected in caught.value.message
    assert caught.value.message.startswith("HANDLE")


def test_resume_command_survives_the_shell() -> None:
    tricky = TaskHandle(provider="scripted", task_id="it's-a-task", model="clip-1")
    command = resume_command(tricky, ["--out", "my video.mp4"])
    words = shlex.split(command)
    assert words[:2] == ["framecast", "wait"]
    assert TaskHandle.from_json(words[2]) == tricky
    assert words[3:] == ["--out", "my video.mp4"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["generate", "photo.png", "--json"], "Missing option '--prompt'"),
        (["generate", "--prompt", "A cat", "--seed", "abc", "--json"], "'--seed'"),
        (["status", "--json"], "Missing argument 'HANDLE'"),
    ],
)
def test_a_usage_error_under_json_still_prints_one_error_object(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from framecast.cli import main

    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert said in error["message"] and error["type"] == "UsageError"
    assert error["handle"] is None
    assert said in captured.err  # the person at the terminal still reads it on stderr


def test_a_usage_error_without_json_leaves_stdout_empty(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from framecast.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["generate", "photo.png"])
    assert exited.value.code == 2
    assert capsys.readouterr().out == ""
