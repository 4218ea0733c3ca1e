"""The data model: requests, handles, results and errors as users and the CLI see them."""

from __future__ import annotations

import base64
import json

import framecast
import pytest
from framecast import (
    AccountError,
    AuthenticationError,
    CameraMove,
    ConfigurationError,
    CostEstimate,
    FramecastCancelled,
    FramecastError,
    GenerationFailed,
    GenerationRequest,
    GenerationResult,
    Mode,
    NotSupported,
    OutcomeUnknown,
    Output,
    PreparedRequest,
    ProviderError,
    ProviderValidationError,
    RateLimited,
    TaskHandle,
    TaskNotFound,
    TaskStatus,
    TaskTimeout,
    UnsupportedOption,
    ValidationError,
    exit_code_for,
)

from .support import png


@pytest.mark.parametrize(
    ("fields", "mode"),
    [
        ({}, Mode.TEXT),
        ({"image": "https://x.test/a.png"}, Mode.IMAGE),
        ({"image": "a.png", "end_image": "b.png"}, Mode.FIRST_LAST),
        ({"images": ["a.png", "b.png"]}, Mode.MULTI_IMAGE),
    ],
)
def test_the_mode_follows_the_image_fields(fields, mode: Mode) -> None:
    assert GenerationRequest(prompt="p", **fields).mode is mode


def test_camera_names_become_moves_including_the_alias() -> None:
    assert GenerationRequest(prompt="p", camera="zoom_in").camera is CameraMove.ZOOM_IN
    assert GenerationRequest(prompt="p", camera="tracking_shot").camera is CameraMove.TRACKING


def test_a_request_repr_shows_image_kind_and_size_never_bytes() -> None:
    data = png(64, 64)
    request = GenerationRequest(prompt="p", image=data, images=[data])
    text = repr(request)
    assert base64.b64encode(data).decode()[:40] not in text
    assert repr(data[:12]) not in text
    assert "bytes" in text


def test_evolve_validates_like_the_constructor() -> None:
    request = GenerationRequest(prompt="p")
    with pytest.raises(ValidationError):
        request.evolve(camera_strength=0)
    assert request.evolve(duration=10).duration == 10


def test_terminal_statuses() -> None:
    terminal = {s for s in TaskStatus if s.is_terminal}
    assert terminal == {TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED}


def test_the_fingerprint_is_stable_and_sees_every_byte_of_inline_data() -> None:
    body = {"prompt": "p", "image": "A" * 4000}
    first = PreparedRequest(method="POST", path="/v1/x", body=body)
    assert first.fingerprint() == PreparedRequest("POST", "/v1/x", dict(body)).fingerprint()
    changed = PreparedRequest("POST", "/v1/x", {"prompt": "p", "image": "A" * 3999 + "B"})
    assert changed.fingerprint() != first.fingerprint()
    assert PreparedRequest("POST", "/v1/y", body).fingerprint() != first.fingerprint()


def test_the_dry_run_shape_abbreviates_inline_data() -> None:
    prepared = PreparedRequest("POST", "/v1/x", {"image": "data:image/png;base64," + "A" * 4000})
    shown = prepared.to_dict()
    assert shown["body"]["image"].startswith("<data:image/png;base64, 4,022 characters")
    assert prepared.to_dict(full=True)["body"]["image"].endswith("A" * 10)


def test_the_result_json_has_the_cli_shape() -> None:
    handle = TaskHandle(provider="acme", task_id="t1", model="acme-1", base_url="https://a")
    result = GenerationResult(
        handle=handle,
        status=TaskStatus.SUCCEEDED,
        outputs=(Output(url="https://cdn/x.mp4", media_type="video/mp4", expires_at="2026"),),
        elapsed_s=12.34567,
        polls=3,
        estimated_cost=CostEstimate(amount=0.5, formula="5 s x $0.10"),
        actual_cost=0.5,
    )
    shown = json.loads(json.dumps(result.to_dict()))
    assert {"provider", "model", "task_id", "status", "outputs", "cost", "elapsed_s", "polls",
            "handle"} <= set(shown)  # fmt: skip
    assert shown["outputs"] == [
        {"url": "https://cdn/x.mp4", "media_type": "video/mp4", "expires_at": "2026"}
    ]
    assert shown["status"] == "SUCCEEDED" and shown["elapsed_s"] == 12.346
    assert TaskHandle.from_dict(shown["handle"]) == handle
    assert result.url == "https://cdn/x.mp4"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigurationError("x"), 2),
        (ValidationError("x"), 2),
        (UnsupportedOption("x"), 2),
        (NotSupported("x"), 2),
        (ProviderValidationError("x"), 2),
        (AuthenticationError("x"), 3),
        (AccountError("x"), 3),
        (RateLimited("x"), 4),
        (OutcomeUnknown("x"), 5),
        (TaskTimeout("x"), 6),
        (ProviderError("x"), 7),
        (TaskNotFound("x"), 1),
        (GenerationFailed("x"), 1),
        (FramecastCancelled("x"), 130),
        (KeyboardInterrupt(), 130),
        (__import__("asyncio").CancelledError(), 130),
        (RuntimeError("x"), 1),
    ],
)
def test_exit_codes_follow_the_outcome_table(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_every_error_is_a_framecast_error_and_serializes() -> None:
    handle = TaskHandle(provider="acme", task_id="t1")
    error = OutcomeUnknown("lost", handle=handle, details={"estimate": CostEstimate(amount=1.0)})
    assert isinstance(error, FramecastError)
    shown = json.loads(json.dumps(error.to_dict()))
    assert shown["type"] == "OutcomeUnknown"
    assert shown["handle"]["task_id"] == "t1"
    assert shown["details"]["estimate"]["amount"] == 1.0


def test_validation_errors_carry_field_value_allowed_in_details() -> None:
    error = UnsupportedOption("bad ratio", field="ratio", value="4:3", allowed=["16:9"])
    assert error.details == {"field": "ratio", "value": "4:3", "allowed": ["16:9"]}


def test_the_public_namespace_is_pinned_and_lazy() -> None:
    for name in framecast.__all__:
        assert getattr(framecast, name) is not None, name
    with pytest.raises(AttributeError):
        framecast.NoSuchThing  # noqa: B018


def test_the_errors_import_no_asyncio() -> None:
    # The CLI loads the errors at start-up; asyncio would cost every command tens of ms.
    import subprocess
    import sys

    code = (
        "import sys, framecast._errors as e; e.exit_code_for(KeyboardInterrupt()); "
        "print('asyncio' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_import_framecast_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, framecast; framecast.GenerationRequest; "
        "print(sorted(m for m in ('httpx', 'rich', 'cattrs', 'PIL', 'pluggy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
