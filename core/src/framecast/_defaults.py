"""What the core does for a provider that leaves an optional sync hook out — and the same
helpers for providers that implement the hook and want the common case done the same way.

``declared_ratio_plan`` is ``map_ratio`` from the model's declared ratios;
``prompt_camera_plan`` is ``translate_camera`` by prompt phrasing.
"""

from __future__ import annotations

from ._camera import compose_prompt
from ._errors import UnsupportedOption, ValidationError
from ._models import CameraPlan, GenerationRequest, ModelInfo, RatioPlan
from ._ratios import nearest_ratio, parse_ratio, same_aspect

__all__ = ["declared_ratio_plan", "prompt_camera_plan"]

DEFAULT_CAMERA_STRENGTH = 5


def declared_ratio_plan(request: GenerationRequest, model: ModelInfo) -> RatioPlan:
    """The model's wire ratio for ``request.ratio``: the value itself when the model
    declares it, the declared value of the same aspect (``16:9`` for ``1280:720``), the
    nearest with ``ratio_policy="nearest"`` (with a note), the model's default when no ratio
    is asked. A model that takes any ``W:H`` takes any well-formed one."""
    asked = request.ratio
    if asked is None:
        return RatioPlan(wire_value=model.default_ratio)
    if asked in model.ratios:
        return RatioPlan(wire_value=asked)
    if parse_ratio(asked) is None:
        raise ValidationError(
            f"ratio: {asked!r} is not a ratio (W:H with positive whole numbers, e.g. 16:9)"
            + (f"; {model.name} takes {', '.join(model.ratios)}" if model.ratios else ""),
            field="ratio",
            value=asked,
            allowed=list(model.ratios) or "W:H",
        )
    if model.any_ratio:
        return RatioPlan(wire_value=asked)
    if not model.ratios:
        raise UnsupportedOption(
            f"ratio {asked!r}: {model.name} takes no ratio (its output follows the image)",
            field="ratio",
            value=asked,
            allowed=[],
        )
    for wire in model.ratios:
        if same_aspect(asked, wire):
            return RatioPlan(wire_value=wire)
    if request.ratio_policy == "nearest":
        nearest = nearest_ratio(asked, model.ratios)
        if nearest is not None:
            return RatioPlan(
                wire_value=nearest,
                note=f"ratio {asked} is not offered; sent the nearest, {nearest}",
            )
    raise UnsupportedOption(
        f"ratio {asked!r} is not offered by {model.name}; allowed: {', '.join(model.ratios)} "
        "(or ratio_policy='nearest' / --nearest-ratio for the closest)",
        field="ratio",
        value=asked,
        allowed=list(model.ratios),
    )


def prompt_camera_plan(request: GenerationRequest, model: ModelInfo | None = None) -> CameraPlan:
    """The camera move phrased into the prompt (``compose_prompt``), as a ``CameraPlan``
    (with a note when a ``camera_strength`` was asked that phrasing cannot carry); a prompt
    that already holds a camera instruction next to ``request.camera`` is a
    ``ValidationError``. ``model`` is accepted so a provider can call it from
    ``translate_camera`` as it is."""
    del model  # the phrasing is the same for every model
    try:
        prompt = compose_prompt(
            request.prompt, request.camera, preserve_identity=request.preserve_identity
        )
    except ValueError as exc:
        raise ValidationError(
            f"prompt: {exc}",
            field="prompt",
            value=request.prompt,
            allowed="a prompt without a 'Camera:' clause when a camera move is given",
        ) from None
    if request.camera is None:
        return CameraPlan(prompt=prompt, method="none")
    notes: tuple[str, ...] = ()
    if request.camera_strength != DEFAULT_CAMERA_STRENGTH:
        notes = ("camera_strength has no effect: the move is phrased in the prompt",)
    return CameraPlan(prompt=prompt, method="prompt", notes=notes)
