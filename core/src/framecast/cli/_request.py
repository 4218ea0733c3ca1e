"""From command-line values to a ``GenerationRequest``."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .._camera import CameraMove
from .._errors import ValidationError

if TYPE_CHECKING:
    from .._models import GenerationRequest

__all__ = ["build_request", "parse_camera", "parse_option_value", "parse_options"]


def parse_option_value(text: str) -> Any:
    """``-o NAME VALUE``: a JSON literal when it is one (``5``, ``0.5``, ``true``, ``null``,
    ``[1, 2]``), else the text itself — so ``-o style cinematic`` needs no quoting."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        return text


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; an option spelled that way is meant as text.
    raise ValueError(name)


def parse_options(pairs: Iterable[Sequence[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, value in pairs:
        if not name.strip():
            raise ValidationError(
                "-o: the option name is empty",
                field="options",
                value=name,
                allowed="-o NAME VALUE, NAME one of the provider's declared options",
            )
        options[name.strip()] = parse_option_value(value)
    return options


def parse_camera(value: str | None) -> CameraMove | None:
    """The move named on the command line; ``ValidationError`` listing the moves otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return CameraMove.parse(value)
    except ValueError as exc:
        raise ValidationError(
            f"--camera: {exc}",
            field="camera",
            value=value,
            allowed=[move.value for move in CameraMove],
        ) from None


def parse_duration(value: float | None) -> int | float | None:
    if value is None:
        return None
    if math.isfinite(value) and value == int(value):
        return int(value)
    return value


def build_request(
    *,
    image: str | None,
    prompt: str,
    camera: str | None,
    camera_strength: int,
    ratio: str | None,
    duration: float | None,
    model: str | None,
    seed: int | None,
    negative_prompt: str | None,
    end_image: str | None,
    images: Sequence[str],
    fit: str,
    nearest_ratio: bool,
    preserve_identity: bool,
    idempotency_key: str | None,
    allow_unknown_model: bool,
    options: Iterable[Sequence[str]],
) -> GenerationRequest:
    """The request the shared options describe; ``ValidationError`` (raised here or by the
    model's validators) when a value is invalid."""
    from .._models import GenerationRequest

    return GenerationRequest(
        prompt=prompt,
        image=image or None,
        end_image=end_image or None,
        images=tuple(images),
        camera=parse_camera(camera),
        camera_strength=camera_strength,
        ratio=ratio,
        ratio_policy="nearest" if nearest_ratio else "exact",
        image_fit=fit,  # type: ignore[arg-type]  # click.Choice keeps it in range
        duration=parse_duration(duration),  # type: ignore[arg-type]
        model=model,
        seed=seed,
        negative_prompt=negative_prompt,
        preserve_identity=preserve_identity,
        idempotency_key=idempotency_key,
        options=parse_options(options),
        allow_unknown_model=allow_unknown_model,
    )
