"""The camera vocabulary and its prompt phrasing, shared by every provider."""

from __future__ import annotations

import enum

__all__ = ["IDENTITY_PREFIX", "CAMERA_PHRASES", "CameraMove", "compose_prompt", "prompt_length"]


class CameraMove(str, enum.Enum):
    """One camera move per video: the 15 moves of the vocabulary."""

    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    CRANE_UP = "crane_up"
    CRANE_DOWN = "crane_down"
    DOLLY_IN = "dolly_in"
    DOLLY_OUT = "dolly_out"
    ORBIT_LEFT = "orbit_left"
    ORBIT_RIGHT = "orbit_right"
    TRACKING = "tracking"
    STATIC = "static"
    HANDHELD = "handheld"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: CameraMove | str) -> CameraMove:
        """``"Pan-Left"``, ``"pan_left"`` and the alias ``"tracking_shot"`` all parse.

        Raises ``ValueError`` listing the moves for anything else.
        """
        if isinstance(value, CameraMove):
            return value
        name = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        name = ALIASES.get(name, name)
        try:
            return cls(name)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ValueError(
                f"unknown camera move {value!r}; allowed: {allowed} (alias: tracking_shot)"
            ) from None


ALIASES = {"tracking_shot": "tracking"}

#: The integration guide's code phrases (the fuller ones; camera.md).
CAMERA_PHRASES: dict[CameraMove, str] = {
    CameraMove.ZOOM_IN: "slowly zoom in on the subject",
    CameraMove.ZOOM_OUT: "camera zooms out to reveal the scene",
    CameraMove.PAN_LEFT: "camera pans left across the scene",
    CameraMove.PAN_RIGHT: "camera pans right across the scene",
    CameraMove.TILT_UP: "camera tilts up",
    CameraMove.TILT_DOWN: "camera tilts down",
    CameraMove.CRANE_UP: "crane shot moving upward",
    CameraMove.CRANE_DOWN: "crane shot moving downward, looking down at subject",
    CameraMove.DOLLY_IN: "dolly in toward the subject",
    CameraMove.DOLLY_OUT: "dolly out from the subject",
    CameraMove.ORBIT_LEFT: "camera orbits left around the subject",
    CameraMove.ORBIT_RIGHT: "camera orbits right around the subject",
    CameraMove.TRACKING: "tracking shot following the subject",
    CameraMove.STATIC: "static camera, locked shot",
    CameraMove.HANDHELD: "handheld camera with subtle movement",
}

IDENTITY_PREFIX = (
    "CRITICAL: Preserve exact identity of subject - same face, same hair, same clothing, "
    "same accessories. Only pose/expression can change. "
)


def compose_prompt(
    prompt: str, camera: CameraMove | None, *, preserve_identity: bool = False
) -> str:
    """The finished prompt: identity prefix, the user's prompt, ``. Camera: <phrase>.``.

    A prompt that already holds a ``Camera:`` clause *and* a camera argument is ambiguous:
    ``ValueError`` (the runner words it as a ``ValidationError``).
    """
    text = prompt.strip()
    if camera is not None:
        if "camera:" in text.lower():
            raise ValueError(
                "the prompt already contains a 'Camera:' clause and a camera move was given; "
                "remove one of them"
            )
        phrase = CAMERA_PHRASES[camera]
        if text:
            text = text if text.endswith(".") else text + "."
            text = f"{text} Camera: {phrase}."
        else:
            text = f"Camera: {phrase}."
    if preserve_identity:
        text = IDENTITY_PREFIX + text
    return text


def prompt_length(text: str, unit: str) -> int:
    """Length of ``text`` in ``unit``: ``"characters"`` or ``"utf16"`` (UTF-16 code units)."""
    if unit == "utf16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)
