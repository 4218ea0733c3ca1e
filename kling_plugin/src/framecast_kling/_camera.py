"""Kling's native ``camera_control`` (Kling's camera_control documentation): the axis and sign
of each move, in this one place.

The official English and Chinese pages disagree on the pan/tilt axes. framecast follows the
Chinese page, which matches common film usage: ``pan`` turns the camera left/right
(negative = left) and ``tilt`` turns it up/down (positive = up). To follow the English page
instead, swap the ``pan`` and ``tilt`` axes below (and nowhere else).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framecast import CameraMove

__all__ = ["AXES", "CONFIG_KEYS", "AXIS_RANGE", "native_control"]

#: The six keys of ``camera_control.config``, all sent (the unused ones as 0).
CONFIG_KEYS = ("horizontal", "vertical", "pan", "tilt", "roll", "zoom")
AXIS_RANGE = (-10, 10)

#: move -> (axis, sign); the value sent is ``sign * camera_strength``.
AXES: Mapping[CameraMove, tuple[str, int]] = {
    # negative zoom = longer focal length, narrower view: the picture moves in
    CameraMove.ZOOM_IN: ("zoom", -1),
    CameraMove.ZOOM_OUT: ("zoom", +1),
    CameraMove.PAN_LEFT: ("pan", -1),
    CameraMove.PAN_RIGHT: ("pan", +1),
    CameraMove.TILT_UP: ("tilt", +1),
    CameraMove.TILT_DOWN: ("tilt", -1),
    CameraMove.CRANE_UP: ("vertical", +1),
    CameraMove.CRANE_DOWN: ("vertical", -1),
    # dolly (no forward axis; zoom is not a dolly), orbit (two axes), tracking, handheld and
    # static have no native rendering: they are phrased in the prompt.
}


def native_control(move: CameraMove, strength: int) -> dict[str, Any] | None:
    """The ``camera_control`` object for ``move`` (type ``simple``: exactly one non-zero
    axis), or ``None`` when the move has no native axis."""
    axis = AXES.get(move)
    if axis is None:
        return None
    name, sign = axis
    low, high = AXIS_RANGE
    value = max(low, min(high, sign * strength))
    config = dict.fromkeys(CONFIG_KEYS, 0)
    config[name] = value
    return {"type": "simple", "config": config}
