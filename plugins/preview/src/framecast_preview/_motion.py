"""Camera paths: where the crop window sits over the source image at each frame.

Pure arithmetic (no imaging), so it is cheap to test exhaustively. A ``Pose`` is relative to
the *base window* — the largest rectangle of the output's aspect centred in the source
image — so the same move looks the same whatever the image's size or shape:

- ``zoom`` ≥ 1: the window is the base window divided by it (1.3 = 30 % closer);
- ``dx``/``dy``: the window centre's offset, as fractions of the base window's width and
  height (positive = right / down, image coordinates);
- ``angle``: the window's rotation in degrees (positive = counter-clockwise on screen for
  the window, so the content appears to turn clockwise).

Moving the *window* left makes the *content* move right in the frame: "pan left" means the
camera turns left, so it sees what was left of the frame (see docs/concepts.md, camera moves).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import NamedTuple

__all__ = ["MOVES", "Pose", "camera_path", "fits", "pose_at"]

#: Zoom reached at camera strength 5 (the spec's "scale 1.0 ↔ 1.3"); strength scales it.
BASE_AMOUNT = 0.3
#: Share of the free room a slide uses, so rounding never puts the window off the image.
ROOM_USE = 0.96
#: Largest roll of an orbit at strength 5, in degrees.
ORBIT_ROLL = 4.0
#: Handheld: zoom that makes room for the jitter, and largest roll, at strength 5.
HANDHELD_ZOOM = 0.08
HANDHELD_ROLL = 0.6


class Pose(NamedTuple):
    zoom: float = 1.0
    dx: float = 0.0
    dy: float = 0.0
    angle: float = 0.0


def ease(t: float, power: float = 2.0) -> float:
    """Ease-in-out from 0 to 1: slow start, slow end; a higher ``power`` eases harder."""
    t = min(1.0, max(0.0, t))
    a, b = t**power, (1.0 - t) ** power
    return a / (a + b)


def strong_ease(t: float) -> float:
    # Dolly moves reuse the zoom geometry; the harder ease is what tells them apart.
    return ease(t, 4.0)


def half_extent(zoom: float, angle: float, aspect: float) -> tuple[float, float]:
    """Half the width and height of the rotated window's bounding box, in base-window units.

    Base-window units: the base window is 1 wide and ``1 / aspect`` high (``aspect`` = W/H
    of the output), so horizontal and vertical room compare directly.
    """
    width, height = 1.0 / zoom, 1.0 / (aspect * zoom)
    c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    return (width * c + height * s) / 2.0, (width * s + height * c) / 2.0


def room(zoom: float, angle: float, aspect: float) -> tuple[float, float]:
    """How far the window centre may move from the middle, as fractions of the base
    window's width and height, before the window leaves the base window."""
    hx, hy = half_extent(zoom, angle, aspect)
    return max(0.0, 0.5 - hx), max(0.0, (0.5 / aspect - hy) * aspect)


def fits(pose: Pose, aspect: float, tolerance: float = 1e-9) -> bool:
    """True when the window of ``pose`` lies inside the base window."""
    rx, ry = room(pose.zoom, pose.angle, aspect)
    return abs(pose.dx) <= rx + tolerance and abs(pose.dy) <= ry + tolerance


def max_roll(zoom: float, aspect: float, wanted: float) -> float:
    """The largest roll up to ``wanted`` degrees at which the window still fits, with a
    little room to spare (very wide or tall outputs leave almost none)."""
    lo, hi = 0.0, wanted
    if _has_room(zoom, hi, aspect):
        return hi
    for _ in range(40):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if _has_room(zoom, mid, aspect) else (lo, mid)
    return lo


def _has_room(zoom: float, angle: float, aspect: float) -> bool:
    rx, ry = room(zoom, angle, aspect)
    # Keep some room for the slide that accompanies the roll.
    free_x, free_y = room(zoom, 0.0, aspect)
    return rx >= 0.4 * free_x and ry >= 0.4 * free_y


# --------------------------------------------------------------------------- the moves

PathFunction = Callable[[float, float, float], Pose]  # (t 0-1, amount, aspect) -> Pose


def _static(_t: float, _amount: float, _aspect: float) -> Pose:
    return Pose()


def _zoom(direction: int, curve: Callable[[float], float]) -> PathFunction:
    def path(t: float, amount: float, _aspect: float) -> Pose:
        e = curve(t)
        return Pose(zoom=1.0 + amount * (e if direction > 0 else 1.0 - e))

    return path


def _slide(axis: str, direction: int) -> PathFunction:
    """Window slides along ``axis`` in ``direction`` (+1 right/down, -1 left/up)."""

    def path(t: float, amount: float, aspect: float) -> Pose:
        zoom = 1.0 + amount
        rx, ry = room(zoom, 0.0, aspect)
        reach = ROOM_USE * (rx if axis == "x" else ry)
        offset = direction * reach * (2.0 * ease(t) - 1.0)
        return Pose(zoom=zoom, dx=offset if axis == "x" else 0.0, dy=offset if axis == "y" else 0.0)

    return path


def _crane(direction: int) -> PathFunction:
    """Vertical slide plus a slight zoom: up = window rises and widens (content moves down,
    a little more of the scene shows); down = the reverse."""

    def path(t: float, amount: float, aspect: float) -> Pose:
        near, far = 1.0 + amount, 1.0 + amount / 2.0
        e = ease(t)
        zoom = near + (far - near) * e if direction < 0 else far + (near - far) * e
        _, ry = room(far, 0.0, aspect)  # the tighter of the two ends
        dy = direction * ROOM_USE * ry * (2.0 * e - 1.0)
        return Pose(zoom=zoom, dy=dy)

    return path


def _orbit(direction: int) -> PathFunction:
    """Horizontal slide plus a small roll; left = window slides left (content moves right)
    and rolls counter-clockwise."""

    def path(t: float, amount: float, aspect: float) -> Pose:
        zoom = 1.0 + amount
        roll = max_roll(zoom, aspect, ORBIT_ROLL * amount / BASE_AMOUNT)
        rx, _ = room(zoom, roll, aspect)
        e = ease(t)
        dx = direction * ROOM_USE * rx * (2.0 * e - 1.0)
        return Pose(zoom=zoom, dx=dx, angle=-direction * roll * e)

    return path


def _tracking(t: float, amount: float, aspect: float) -> Pose:
    """Constant-speed slide to the right (following a subject walking right: the scene
    drifts left), half a pan's reach."""
    zoom = 1.0 + amount
    rx, _ = room(zoom, 0.0, aspect)
    return Pose(zoom=zoom, dx=0.5 * ROOM_USE * rx * (2.0 * t - 1.0))


MOVES: dict[str, PathFunction] = {
    "static": _static,
    "zoom_in": _zoom(+1, ease),
    "zoom_out": _zoom(-1, ease),
    "dolly_in": _zoom(+1, strong_ease),
    "dolly_out": _zoom(-1, strong_ease),
    "pan_left": _slide("x", -1),
    "pan_right": _slide("x", +1),
    "tilt_up": _slide("y", -1),
    "tilt_down": _slide("y", +1),
    "crane_up": _crane(-1),
    "crane_down": _crane(+1),
    "orbit_left": _orbit(-1),
    "orbit_right": _orbit(+1),
    "tracking": _tracking,
}


def amount_for(strength: int) -> float:
    """Strength 5 gives the spec's amplitudes; 1 is a fifth of them, 10 twice."""
    return BASE_AMOUNT * strength / 5.0


def pose_at(move: str, t: float, *, strength: int = 5, aspect: float = 16 / 9) -> Pose:
    """The pose of ``move`` at ``t`` (0 = first frame, 1 = last) for a deterministic move."""
    return MOVES[move](t, amount_for(strength), aspect)


def camera_path(
    move: str | None,
    frames: int,
    *,
    fps: int = 24,
    strength: int = 5,
    aspect: float = 16 / 9,
    seed: int = 0,
) -> list[Pose]:
    """One ``Pose`` per frame. ``None`` means static; ``handheld`` uses ``seed``."""
    move = move or "static"
    if move == "handheld":
        return _handheld(frames, fps, strength, aspect, seed)
    if move not in MOVES:
        raise ValueError(f"unknown camera move {move!r}")
    last = max(1, frames - 1)
    return [pose_at(move, i / last, strength=strength, aspect=aspect) for i in range(frames)]


def _handheld(frames: int, fps: int, strength: int, aspect: float, seed: int) -> list[Pose]:
    """Small seeded jitter: a sum of slow sines with random frequencies and phases per axis,
    so it sways like a hand rather than shaking like noise, and repeats exactly per seed."""
    rng = random.Random(seed)
    k = strength / 5.0
    zoom = 1.0 + HANDHELD_ZOOM * k
    roll = max_roll(zoom, aspect, HANDHELD_ROLL * k)
    rx, ry = room(zoom, roll, aspect)

    def wave() -> Callable[[float], float]:
        parts = [
            (rng.uniform(0.15, 1.2), rng.uniform(0.0, 2.0 * math.pi), weight)
            for weight in (0.55, 0.3, 0.15)
        ]
        return lambda s: sum(w * math.sin(2.0 * math.pi * f * s + p) for f, p, w in parts)

    wave_x, wave_y, wave_roll = wave(), wave(), wave()
    poses = []
    for i in range(frames):
        s = i / fps
        poses.append(
            Pose(
                zoom=zoom,
                dx=ROOM_USE * rx * wave_x(s),
                dy=ROOM_USE * ry * wave_y(s),
                angle=roll * wave_roll(s),
            )
        )
    return poses
