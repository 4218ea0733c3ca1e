"""translate_camera(): native camera_control only on kling-v1 text2video std 5 s and
kling-v1-5 image2video pro 5 s, never with image_tail; prompt phrasing everywhere else
(docs/concepts.md)."""

from __future__ import annotations

import pytest
from framecast import CAMERA_PHRASES, CameraMove, GenerationRequest, ValidationError

from .support import image_ref, model_of, prepare

NATIVE = {
    "zoom_in": ("zoom", -1),
    "zoom_out": ("zoom", 1),
    "pan_left": ("pan", -1),
    "pan_right": ("pan", 1),
    "tilt_up": ("tilt", 1),
    "tilt_down": ("tilt", -1),
    "crane_up": ("vertical", 1),
    "crane_down": ("vertical", -1),
}
PROMPT_ONLY = [
    "dolly_in",
    "dolly_out",
    "orbit_left",
    "orbit_right",
    "tracking",
    "static",
    "handheld",
]


def camera_plan(provider, request, model):
    return provider.translate_camera(request=request, model=model_of(provider, model))


@pytest.mark.parametrize("move", sorted(NATIVE))
@pytest.mark.parametrize("strength", [1, 5, 10])
def test_text2video_kling_v1_std_5_native_axes_and_signs(provider, move, strength) -> None:
    request = GenerationRequest(prompt="A misty forest", camera=move, camera_strength=strength)
    plan = camera_plan(provider, request, "kling-v1")
    axis, sign = NATIVE[move]
    assert plan.method == "native"
    assert plan.prompt == "A misty forest"  # no camera clause when the control is native
    assert plan.native == {
        "type": "simple",
        "config": {k: (sign * strength if k == axis else 0)
                   for k in ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")},
    }  # fmt: skip


def test_image2video_kling_v1_5_pro_5_native(provider, portrait) -> None:
    request = GenerationRequest(
        prompt="x", image=portrait, camera="zoom_in", options={"mode": "pro"}
    )
    plan = camera_plan(provider, request, "kling-v1-5")
    assert plan.method == "native"
    assert plan.native["config"]["zoom"] == -5
    body = prepare(provider, request, model="kling-v1-5").body
    assert body["camera_control"] == plan.native
    assert body["mode"] == "pro" and body["duration"] == "5"


@pytest.mark.parametrize(
    ("model", "kwargs"),
    [
        ("kling-v1", {"duration": 10}),  # T2V native only at 5 s
        ("kling-v1", {"options": {"mode": "pro"}}),  # T2V native only std
        ("kling-v1-6", {}),
        ("kling-v2-5-turbo", {}),
        ("kling-v2-master", {}),
        ("kling-v3", {}),
    ],
)
def test_text2video_elsewhere_is_phrased(provider, model, kwargs) -> None:
    request = GenerationRequest(prompt="A misty forest", camera="pan_left", **kwargs)
    plan = camera_plan(provider, request, model)
    assert plan.method == "prompt"
    assert plan.native is None
    assert plan.prompt == f"A misty forest. Camera: {CAMERA_PHRASES[CameraMove.PAN_LEFT]}."
    assert any("camera_strength 5 ignored" in n for n in plan.notes)
    assert "camera_control" not in prepare(provider, request, model=model).body


def test_image2video_kling_v1_5_std_is_phrased(provider, portrait) -> None:
    plan = camera_plan(
        provider, GenerationRequest(prompt="x", image=portrait, camera="zoom_in"), "kling-v1-5"
    )
    assert plan.method == "prompt"


def test_native_never_with_image_tail(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, end_image=image_ref(size=(512, 512)),
                                camera="zoom_in", options={"mode": "pro"})  # fmt: skip
    plan = camera_plan(provider, request, "kling-v1-5")
    assert plan.method == "prompt"
    assert "Camera: slowly zoom in on the subject." in plan.prompt
    assert any("image_tail" in note for note in plan.notes)
    body = prepare(provider, request, model="kling-v1-5").body
    assert "camera_control" not in body and "image_tail" in body


@pytest.mark.parametrize("move", PROMPT_ONLY)
def test_moves_without_an_axis_are_phrased_even_where_native_exists(provider, move) -> None:
    plan = camera_plan(provider, GenerationRequest(prompt="x", camera=move), "kling-v1")
    assert plan.method == "prompt"
    assert plan.prompt.endswith(f"Camera: {CAMERA_PHRASES[CameraMove(move)]}.")


def test_multi_image_camera_is_phrased(provider, portrait) -> None:
    plan = camera_plan(
        provider, GenerationRequest(prompt="x", images=[portrait], camera="crane_up"), "kling-v1-6"
    )
    assert plan.method == "prompt"


def test_no_camera(provider) -> None:
    plan = camera_plan(provider, GenerationRequest(prompt="x"), "kling-v1")
    assert (plan.method, plan.prompt, plan.native) == ("none", "x", None)


def test_ambiguous_camera_clause_is_a_prompt_validation_error(provider) -> None:
    request = GenerationRequest(prompt="A forest. Camera: pan left.", camera="zoom_in")
    for model in ("kling-v1", "kling-v2-5-turbo"):  # native and prompt paths alike
        with pytest.raises(ValidationError) as caught:
            camera_plan(provider, request, model)
        assert caught.value.field == "prompt"


def test_identity_prefix_kept_with_native_control(provider) -> None:
    request = GenerationRequest(prompt="x", camera="zoom_out", preserve_identity=True)
    plan = camera_plan(provider, request, "kling-v1")
    assert plan.method == "native" and plan.prompt.startswith("CRITICAL: Preserve exact identity")
