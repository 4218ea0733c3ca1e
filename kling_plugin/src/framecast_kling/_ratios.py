"""``map_ratio`` for Kling: a wire ``aspect_ratio`` on text2video and multi-image2video; on
image2video the output follows the image, so a different ratio becomes a fit the core
applies to the start image (or a refusal naming the image's ratio)."""

from __future__ import annotations

from framecast import (
    GenerationRequest,
    ModelInfo,
    RatioPlan,
    UnsupportedOption,
    ValidationError,
    nearest_ratio,
    parse_ratio,
    reduced_ratio,
    same_aspect,
)

from ._capabilities import ASPECT_RATIOS, DEFAULT_ASPECT_RATIO, IMAGE2VIDEO
from ._declare import MAX_ASPECT, MIN_ASPECT
from ._plan import Plan

__all__ = ["plan_ratio"]


def plan_ratio(request: GenerationRequest, model: ModelInfo, plan: Plan) -> RatioPlan:
    if plan.endpoint == IMAGE2VIDEO:
        return _follow_image(request)
    return _wire_ratio(request, model)


def _wire_ratio(request: GenerationRequest, model: ModelInfo) -> RatioPlan:
    allowed = model.ratios or ASPECT_RATIOS
    asked = request.ratio
    if asked is None:
        return RatioPlan(wire_value=model.default_ratio or DEFAULT_ASPECT_RATIO)
    asked = asked.strip()
    if asked in allowed:
        return RatioPlan(wire_value=asked)
    if parse_ratio(asked) is not None:
        for value in allowed:
            if same_aspect(asked, value):
                return RatioPlan(wire_value=value)
        if request.ratio_policy == "nearest":
            nearest = nearest_ratio(asked, allowed)
            if nearest is not None:
                return RatioPlan(
                    wire_value=nearest,
                    note=f"ratio {asked} is not offered by {model.name}; sent {nearest}, "
                    "the nearest",
                )
    raise UnsupportedOption(
        f"ratio {asked!r} is not offered by kling {model.name}: allowed "
        f"{', '.join(allowed)} (or ratio_policy='nearest')",
        field="ratio",
        value=asked,
        allowed=list(allowed),
    )


def _image_ratio(width: int, height: int) -> str:
    return reduced_ratio(width, height)


def _follow_image(request: GenerationRequest) -> RatioPlan:
    asked = request.ratio.strip() if request.ratio else None
    if asked is None:
        return RatioPlan()
    parsed = parse_ratio(asked)
    if parsed is None:
        raise UnsupportedOption(
            f"ratio {asked!r}: image-to-video takes a 'W:H' ratio (the output follows the image)",
            field="ratio",
            value=asked,
            allowed="W:H",
        )
    aspect = parsed[0] / parsed[1]
    if not MIN_ASPECT - 1e-9 <= aspect <= MAX_ASPECT + 1e-9:
        raise UnsupportedOption(
            f"ratio {asked}: Kling takes images from 1:2.5 to 2.5:1, so no image can be "
            f"fitted to {asked}",
            field="ratio",
            value=asked,
            allowed="1:2.5 to 2.5:1",
        )
    image = request.image if request.image is not None else request.end_image
    width = getattr(image, "width", None)
    height = getattr(image, "height", None)
    if width and height:
        if same_aspect(asked, width / height):
            return RatioPlan()
        shown = f"{_image_ratio(width, height)} ({width}x{height})"
        if request.image_fit == "error" or request.image is None:
            raise ValidationError(
                f"ratio {asked}: Kling image-to-video follows the image, which is {shown}; "
                f"omit ratio, or set image_fit to 'crop' or 'pad' to make it {asked}",
                field="ratio",
                value=asked,
                allowed=[_image_ratio(width, height), "image_fit=crop", "image_fit=pad"],
            )
        return RatioPlan(fit=request.image_fit, fit_aspect=asked)
    # A URL image: its size is unknown until the core downloads it.
    if request.image_fit == "error" or request.image is None:
        raise ValidationError(
            f"ratio {asked}: Kling image-to-video follows the image, and a URL image's ratio "
            "cannot be checked; omit ratio, or set image_fit to 'crop' or 'pad' (the image "
            "is then downloaded and fitted)",
            field="ratio",
            value=asked,
            allowed=["no ratio", "image_fit=crop", "image_fit=pad"],
        )
    return RatioPlan(fit=request.image_fit, fit_aspect=asked)
