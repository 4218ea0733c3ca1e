"""The create-task body: only the fields Kling documents for each endpoint, checked against
the capability table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framecast import (
    CameraPlan,
    GenerationRequest,
    ImageRef,
    RatioPlan,
    UnsupportedOption,
    ValidationError,
    prompt_length,
)

from ._capabilities import (
    ASPECT_RATIOS,
    CFG_SCALE_RANGE,
    DEFAULT_ASPECT_RATIO,
    IMAGE2VIDEO,
    MAX_IMAGE_LIST,
    MODELS,
    MULTI_IMAGE2VIDEO,
    PROMPT_LIMIT,
    TEXT2VIDEO,
)
from ._plan import Plan, asked_explicitly, options_of

__all__ = ["KNOWN_OPTIONS", "build_body"]

KNOWN_OPTIONS = ("mode", "cfg_scale")


def build_body(
    request: GenerationRequest,
    plan: Plan,
    ratio_plan: RatioPlan,
    camera_plan: CameraPlan,
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    _refuse_seed(request)
    options = options_of(request, defaults)
    unknown = sorted(set(request.options) - set(KNOWN_OPTIONS))
    if unknown:
        raise UnsupportedOption(
            f"kling: unknown option {unknown[0]!r}; Kling's options: {', '.join(KNOWN_OPTIONS)}",
            field=f"options.{unknown[0]}",
            value=request.options[unknown[0]],
            allowed=list(KNOWN_OPTIONS),
        )
    prompt = camera_plan.prompt
    _check_text("prompt", prompt)
    if plan.endpoint in (TEXT2VIDEO, MULTI_IMAGE2VIDEO) and not prompt.strip():
        raise ValidationError(
            f"prompt: Kling {plan.endpoint} requires a prompt",
            field="prompt",
            value=prompt,
            allowed="1-2500 characters",
        )
    body: dict[str, Any] = {"model_name": plan.model_name}
    if plan.mode is not None:
        body["mode"] = plan.mode
    body["duration"] = str(plan.duration)  # Kling takes the strings "5" / "10"
    if plan.endpoint == IMAGE2VIDEO:
        if request.image is not None:
            body["image"] = _wire_image(request.image, "image")
        if request.end_image is not None:
            body["image_tail"] = _wire_image(request.end_image, "end_image")
    elif plan.endpoint == MULTI_IMAGE2VIDEO:
        body["image_list"] = _image_list(request)
    if prompt:
        body["prompt"] = prompt
    if request.negative_prompt:
        _check_text("negative_prompt", request.negative_prompt)
        body["negative_prompt"] = request.negative_prompt
    cfg_scale = _cfg_scale(
        options.get("cfg_scale"), plan, asked_explicitly(request, defaults, "cfg_scale")
    )
    if cfg_scale is not None:
        body["cfg_scale"] = cfg_scale
    if camera_plan.method == "native" and camera_plan.native is not None:
        _check_native(plan)
        body["camera_control"] = dict(camera_plan.native)
    if plan.endpoint != IMAGE2VIDEO:  # image2video has no aspect_ratio: it follows the image
        body["aspect_ratio"] = _aspect_ratio(ratio_plan)
    if request.idempotency_key:
        # One external_task_id per logical submit, the same on every retry: Kling keeps it
        # unique per account, and find_submitted looks the task up by it.
        body["external_task_id"] = request.idempotency_key
    return body


def _refuse_seed(request: GenerationRequest) -> None:
    if request.seed is not None:
        raise UnsupportedOption(
            "seed: Kling has no seed parameter; remove the seed",
            field="seed",
            value=request.seed,
            allowed=None,
        )


def _check_text(field: str, text: str) -> None:
    length = prompt_length(text, "characters")
    if length > PROMPT_LIMIT:
        raise ValidationError(
            f"{field}: {length} characters; Kling takes at most {PROMPT_LIMIT}",
            field=field,
            value=f"<{length} characters>",
            allowed=f"at most {PROMPT_LIMIT} characters",
        )


def _wire_image(value: Any, field: str) -> str:
    """A URL as is, otherwise raw base64 (Kling refuses a ``data:`` prefix)."""
    if isinstance(value, ImageRef):
        return value.url if value.url is not None else value.base64()
    if isinstance(value, str) and value.startswith("https://"):
        return value
    raise ValidationError(
        f"{field}: expected an image the runner has loaded (an ImageRef) or an https URL",
        field=field,
        value=type(value).__name__,
        allowed="ImageRef or https URL",
    )


def _image_list(request: GenerationRequest) -> list[dict[str, str]]:
    for field in ("image", "end_image"):
        if getattr(request, field) is not None:
            raise ValidationError(
                f"{field}: Kling multi-image2video takes only reference images (images); "
                f"put the {field} among them",
                field=field,
                value="an image",
                allowed="images only",
            )
    if len(request.images) > MAX_IMAGE_LIST:
        raise ValidationError(
            f"images: Kling multi-image2video takes at most {MAX_IMAGE_LIST} images; "
            f"got {len(request.images)}",
            field="images",
            value=len(request.images),
            allowed=f"1-{MAX_IMAGE_LIST}",
        )
    return [{"image": _wire_image(image, f"images[{i}]")} for i, image in enumerate(request.images)]


def _cfg_scale(value: Any, plan: Plan, explicit: bool) -> float | None:
    if value is None:
        return None
    supported = plan.model is None or plan.model.cfg_scale
    if not supported or plan.endpoint == MULTI_IMAGE2VIDEO:
        if not explicit:
            return None  # a configured default does not apply where the field does not exist
        takers = [m.name for m in MODELS if m.cfg_scale]
        where = (
            "multi-image2video has no cfg_scale field"
            if supported
            else f"{plan.model_name} does not take cfg_scale (Kling v2.x and later do not)"
        )
        raise UnsupportedOption(
            f"options.cfg_scale: {where}; models that take it: {', '.join(takers)} "
            "(text2video and image2video)",
            field="options.cfg_scale",
            value=value,
            allowed=takers,
        )
    low, high = CFG_SCALE_RANGE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise UnsupportedOption(
            f"options.cfg_scale must be a number from {low:g} to {high:g}; got {value!r}",
            field="options.cfg_scale",
            value=value,
            allowed=f"{low:g}-{high:g}",
        )
    return float(value)


def _check_native(plan: Plan) -> None:
    offer = plan.model.camera_offer(plan.endpoint, plan.mode, plan.duration) if plan.model else None
    if offer is None or plan.with_tail:
        raise ValidationError(
            f"camera: {plan.model_name} {plan.endpoint} mode {plan.mode} {plan.duration} s "
            + ("with an end frame " if plan.with_tail else "")
            + "does not take Kling's native camera_control; phrase the move in the prompt",
            field="camera",
            value="native camera_control",
            allowed="prompt phrasing",
        )


def _aspect_ratio(ratio_plan: RatioPlan) -> str:
    value = ratio_plan.wire_value or DEFAULT_ASPECT_RATIO
    if value not in ASPECT_RATIOS:
        raise UnsupportedOption(
            f"ratio {value!r}: Kling takes aspect_ratio {', '.join(ASPECT_RATIOS)}",
            field="ratio",
            value=value,
            allowed=list(ASPECT_RATIOS),
        )
    return value
