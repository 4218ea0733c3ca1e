"""Canonical ratios (``"16:9"``) to a Runway model's wire values (``"1280:720"``)."""

from __future__ import annotations

from framecast import (
    GenerationRequest,
    RatioPlan,
    UnsupportedOption,
    nearest_ratio,
    parse_ratio,
    reduced_ratio,
    same_aspect,
)

from ._models import RunwayModel, Variant

__all__ = ["describe_ratio", "plan_ratio"]

#: Names shown next to wire values in messages, so "allowed: 16:9 (1280:720)" reads well.
COMMON_ASPECTS = ("16:9", "9:16", "4:3", "3:4", "1:1", "21:9", "9:21", "3:2", "2:3", "2:1")


def describe_ratio(wire: str) -> str:
    for name in COMMON_ASPECTS:
        if wire != name and parse_ratio(wire) and same_aspect(wire, name):
            return f"{wire} ({name})"
    return wire


def _area(value: str) -> int:
    parsed = parse_ratio(value)
    return parsed[0] * parsed[1] if parsed else 0


def _mode_label(variant: Variant) -> str:
    return variant.endpoint.replace("_", "-")


def plan_ratio(request: GenerationRequest, model: RunwayModel, variant: Variant) -> RatioPlan:
    """The wire ratio for ``request`` on ``variant``.

    A wire value of the model is taken as given. Any other ``W:H`` is an aspect: the
    model's size with the same aspect (within 2.5 %) is sent, the smallest where there are
    several (the larger ones are reachable by giving their wire value). Without one:
    ``UnsupportedOption`` listing the model's ratios, or with ``ratio_policy="nearest"``
    the closest aspect and a note.
    """
    wanted = request.ratio.strip() if request.ratio else None
    if not variant.ratios:
        return _plan_without_ratio_field(request, model, variant, wanted)
    if wanted is None:
        if model.default_ratio in variant.ratios:
            return RatioPlan(wire_value=model.default_ratio)
        # A required ratio with no declared default: the first the source lists.
        return RatioPlan(wire_value=variant.ratios[0] if variant.ratio_required else None)
    if wanted in variant.ratios:
        return RatioPlan(wire_value=wanted)

    parsed = parse_ratio(wanted)
    sized = sorted((r for r in variant.ratios if parse_ratio(r)), key=_area)
    if parsed is not None:
        same = [r for r in sized if same_aspect(r, wanted)]
        if same:
            note = None
            if max(parsed) >= 100 and same[0] != wanted:
                # "1024:1024" is a size, not an aspect; say which size is sent instead.
                note = f"ratio {wanted} is not a {model.name} size; sent {same[0]} (same aspect)"
            return RatioPlan(wire_value=same[0], note=note)
        if request.ratio_policy == "nearest" and sized:
            nearest = _nearest(wanted, sized)
            return RatioPlan(
                wire_value=nearest,
                note=f"{model.name} has no {wanted} ratio; "
                f"sent the nearest, {describe_ratio(nearest)}",
            )
    allowed = [describe_ratio(r) for r in variant.ratios]
    raise UnsupportedOption(
        f"ratio {wanted!r} is not offered by {model.name} ({_mode_label(variant)}); "
        f"allowed: {', '.join(allowed)}"
        + ("" if parsed is None else "; or use ratio_policy='nearest'"),
        field="ratio",
        value=wanted,
        allowed=list(variant.ratios),
    )


def _nearest(wanted: str, sized: list[str]) -> str:
    # Among equally close ones, the smallest size: ``sized`` is sorted by area and the
    # first candidate wins ties.
    return nearest_ratio(wanted, sized) or sized[0]


def _plan_without_ratio_field(
    request: GenerationRequest, model: RunwayModel, variant: Variant, wanted: str | None
) -> RatioPlan:
    """The variant takes no ratio: on image-to-video the output follows the image."""
    if wanted is None:
        return RatioPlan()
    parsed = parse_ratio(wanted)
    if variant.endpoint == "image_to_video" and parsed is not None:
        if request.image_fit in ("crop", "pad"):
            aspect = reduced_ratio(*parsed)
            return RatioPlan(
                fit=request.image_fit,
                fit_aspect=aspect,
                note=f"{model.name} follows the image: the image was fitted ({request.image_fit}) "
                f"to {aspect}",
            )
        raise UnsupportedOption(
            f"{model.name} takes no ratio on image-to-video: the video follows the image. "
            "Set image_fit to 'crop' or 'pad' to fit the image to the ratio, or drop the ratio",
            field="ratio",
            value=wanted,
            allowed=["image_fit=crop", "image_fit=pad", None],
        )
    raise UnsupportedOption(
        f"{model.name} takes no ratio on {_mode_label(variant)}; drop the ratio",
        field="ratio",
        value=wanted,
        allowed=[],
    )
