"""The camera paths as numbers: every move stays on the picture, eases as documented, and
the handheld jitter repeats per seed."""

from __future__ import annotations

import pytest
from framecast import CameraMove
from framecast_preview._motion import Pose, camera_path, fits, pose_at

ASPECTS = [16 / 9, 9 / 16, 1.0, 21 / 9, 4.0, 0.25]


@pytest.mark.parametrize("move", [m.value for m in CameraMove])
@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("strength", [1, 5, 10])
def test_every_window_stays_on_the_picture(move: str, aspect: float, strength: int) -> None:
    poses = camera_path(move, 48, strength=strength, aspect=aspect, seed=3)
    assert len(poses) == 48
    assert all(pose.zoom >= 1.0 for pose in poses)
    assert all(fits(pose, aspect) for pose in poses), move


def test_no_camera_is_static() -> None:
    assert camera_path(None, 5) == [Pose()] * 5
    assert camera_path("static", 5) == [Pose()] * 5


def test_zoom_goes_from_1_to_1_3_at_the_default_strength() -> None:
    assert pose_at("zoom_in", 0.0).zoom == pytest.approx(1.0)
    assert pose_at("zoom_in", 1.0).zoom == pytest.approx(1.3)
    assert pose_at("zoom_out", 0.0).zoom == pytest.approx(1.3)
    assert pose_at("zoom_out", 1.0).zoom == pytest.approx(1.0)


def test_dolly_eases_harder_than_zoom() -> None:
    # Same ends, but slower at the start and faster through the middle.
    assert pose_at("dolly_in", 0.2).zoom < pose_at("zoom_in", 0.2).zoom
    assert pose_at("dolly_in", 1.0).zoom == pytest.approx(pose_at("zoom_in", 1.0).zoom)


@pytest.mark.parametrize(
    ("move", "axis", "sign"),
    [
        ("pan_left", "dx", -1),
        ("pan_right", "dx", +1),
        ("tilt_up", "dy", -1),
        ("tilt_down", "dy", +1),
        ("crane_up", "dy", -1),
        ("crane_down", "dy", +1),
        ("orbit_left", "dx", -1),
        ("orbit_right", "dx", +1),
        ("tracking", "dx", +1),
    ],
)
def test_the_window_travels_the_documented_way(move: str, axis: str, sign: int) -> None:
    start, end = pose_at(move, 0.0), pose_at(move, 1.0)
    travel = getattr(end, axis) - getattr(start, axis)
    assert travel * sign > 0.05


def test_orbit_left_rolls_the_window_counter_clockwise() -> None:
    assert pose_at("orbit_left", 1.0).angle > 0 > pose_at("orbit_right", 1.0).angle


def test_handheld_repeats_per_seed_and_differs_between_seeds() -> None:
    one = camera_path("handheld", 48, seed=11)
    assert one == camera_path("handheld", 48, seed=11)
    assert one != camera_path("handheld", 48, seed=12)
    assert len({(p.dx, p.dy) for p in one}) > 40  # it keeps moving


def test_an_unknown_move_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown camera move"):
        camera_path("barrel_roll", 5)
