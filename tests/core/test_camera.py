"""The camera vocabulary and its prompt phrasing, and ratio arithmetic."""

from __future__ import annotations

import pytest
from framecast import (
    CAMERA_PHRASES,
    IDENTITY_PREFIX,
    CameraMove,
    compose_prompt,
    nearest_ratio,
    parse_ratio,
    prompt_length,
    same_aspect,
)

SPEC_PHRASES = {
    "zoom_in": "slowly zoom in on the subject",
    "zoom_out": "camera zooms out to reveal the scene",
    "pan_left": "camera pans left across the scene",
    "pan_right": "camera pans right across the scene",
    "tilt_up": "camera tilts up",
    "tilt_down": "camera tilts down",
    "crane_up": "crane shot moving upward",
    "crane_down": "crane shot moving downward, looking down at subject",
    "dolly_in": "dolly in toward the subject",
    "dolly_out": "dolly out from the subject",
    "orbit_left": "camera orbits left around the subject",
    "orbit_right": "camera orbits right around the subject",
    "tracking": "tracking shot following the subject",
    "static": "static camera, locked shot",
    "handheld": "handheld camera with subtle movement",
}


def test_the_vocabulary_is_the_specs_fifteen_moves_with_their_phrases() -> None:
    assert {m.value for m in CameraMove} == set(SPEC_PHRASES)
    assert {m.value: p for m, p in CAMERA_PHRASES.items()} == SPEC_PHRASES


@pytest.mark.parametrize(
    ("text", "move"),
    [
        ("pan_left", CameraMove.PAN_LEFT),
        ("Pan-Left", CameraMove.PAN_LEFT),
        ("zoom in", CameraMove.ZOOM_IN),
        ("tracking_shot", CameraMove.TRACKING),
        (CameraMove.STATIC, CameraMove.STATIC),
    ],
)
def test_moves_parse_leniently_including_the_alias(text, move: CameraMove) -> None:
    assert CameraMove.parse(text) is move


def test_an_unknown_move_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="orbit_left"):
        CameraMove.parse("barrel_roll")


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("A cat on a wall", "A cat on a wall. Camera: camera pans left across the scene."),
        ("A cat on a wall.", "A cat on a wall. Camera: camera pans left across the scene."),
        ("  A cat  ", "A cat. Camera: camera pans left across the scene."),
        ("", "Camera: camera pans left across the scene."),
    ],
)
def test_the_camera_clause_is_appended_without_a_doubled_full_stop(prompt, expected) -> None:
    assert compose_prompt(prompt, CameraMove.PAN_LEFT) == expected


def test_no_camera_leaves_the_prompt_alone() -> None:
    assert compose_prompt("A cat", None) == "A cat"


def test_the_identity_prefix_comes_first() -> None:
    text = compose_prompt("A woman smiles", CameraMove.ZOOM_IN, preserve_identity=True)
    assert text == IDENTITY_PREFIX + "A woman smiles. Camera: slowly zoom in on the subject."


def test_a_prompt_with_its_own_camera_clause_and_a_move_is_ambiguous() -> None:
    with pytest.raises(ValueError, match="Camera:"):
        compose_prompt("A cat. camera: pans left.", CameraMove.ZOOM_IN)
    assert compose_prompt("A cat. Camera: pans left.", None) == "A cat. Camera: pans left."


def test_prompt_length_in_characters_and_utf16_units() -> None:
    text = "caf\N{LATIN SMALL LETTER E WITH ACUTE} \N{FILM FRAMES}"
    assert prompt_length(text, "characters") == 6
    assert prompt_length(text, "utf16") == 7  # the emoji is a surrogate pair


# ---------------------------------------------------------------- ratios


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("16:9", (16, 9)), (" 1280:720 ", (1280, 720)), ("16x9", None), ("0:9", None), ("a:b", None)],
)
def test_parse_ratio(text: str, parsed) -> None:
    assert parse_ratio(text) == parsed


def test_same_aspect_within_tolerance() -> None:
    assert same_aspect("16:9", "1280:720")
    assert same_aspect("16:9", 1.77)
    assert not same_aspect("16:9", "4:3")
    assert not same_aspect("wide", "16:9")


def test_nearest_ratio_on_a_log_scale_ties_to_the_first() -> None:
    assert nearest_ratio("21:9", ["1:1", "16:9", "9:16"]) == "16:9"
    assert nearest_ratio("2:1", ["1:1", "4:1"]) == "1:1"  # log distance: equal, first wins
    assert nearest_ratio("1:2", ["1:1", "16:9"]) == "1:1"
    assert nearest_ratio("bad", ["1:1"]) is None
    assert nearest_ratio("1:1", ["wire-value"]) is None
