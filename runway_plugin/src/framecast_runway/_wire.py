"""Runway's JSON: request bodies out, task stubs, task objects and error bodies in.

Nothing here does I/O. The body builder is the conformance seam (its output is checked
against the official SDK's parameter types in the tests).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx
from framecast import (
    GenerationRequest,
    ImageRef,
    MalformedResponse,
    Mode,
    PendingUpload,
    TaskHandle,
    TaskState,
    TaskStatus,
    UnsupportedOption,
    ValidationError,
    prompt_length,
    status_from_word,
)

from ._models import DATA_URI_LIMIT, RunwayModel, Variant
from ._pricing import CREDIT_USD

__all__ = [
    "STATUS_MAP",
    "BodyParts",
    "MalformedResponse",
    "build_body",
    "describe_issues",
    "error_message",
    "parse_created",
    "parse_task",
    "retryable_failure",
    "substitute",
]


#: Runway task status -> framecast status (runway.md §3).
STATUS_MAP: Mapping[str, TaskStatus] = {
    "PENDING": TaskStatus.QUEUED,
    "THROTTLED": TaskStatus.THROTTLED,
    "RUNNING": TaskStatus.RUNNING,
    "SUCCEEDED": TaskStatus.SUCCEEDED,
    "FAILED": TaskStatus.FAILED,
    "CANCELLED": TaskStatus.CANCELLED,
}


@attrs.frozen
class BodyParts:
    body: dict[str, Any]
    uploads: tuple[PendingUpload, ...] = ()


# --------------------------------------------------------------------------- request bodies


class _Images:
    """Turns image inputs into wire strings, collecting the ones to upload first."""

    def __init__(self) -> None:
        self.uploads: list[PendingUpload] = []

    def uri(self, value: Any, where: str, field: str) -> str:
        if isinstance(value, ImageRef):
            if value.url is not None:
                return value.url
            if value.data_uri_length > DATA_URI_LIMIT:
                # Runway refuses data URIs over 5 MB (encoded): upload it, send runway://.
                placeholder = f"<upload:{where}>"
                self.uploads.append(PendingUpload(placeholder=placeholder, image=value))
                return placeholder
            return value.data_uri()
        if isinstance(value, str) and value.startswith(("https://", "data:image/", "runway://")):
            return value
        raise ValidationError(
            f"{field}: prepare needs an image the runner has loaded (ImageRef), an https URL, "
            "a data:image/ URI or a runway:// URI",
            field=field,
            value=type(value).__name__,
            allowed=["ImageRef", "https URL", "data:image/ URI", "runway:// URI"],
        )


def build_body(
    request: GenerationRequest,
    model: RunwayModel,
    variant: Variant,
    *,
    ratio: str | None,
    prompt: str,
    duration: int | None,
    options: Mapping[str, Any],
) -> BodyParts:
    body: dict[str, Any] = {"model": model.name}
    images = _Images()
    if variant.endpoint == "image_to_video":
        body["promptImage"] = _prompt_image(request, model, variant, images)
    elif variant.endpoint == "text_to_image":
        references = _text_to_image_references(request, model, variant, images)
        if references:
            body["referenceImages"] = references

    _put_prompt(body, prompt, model, variant)
    if ratio is not None:
        body["ratio"] = ratio
    if duration is not None:
        body["duration"] = duration
    # The core refuses a seed or a negative prompt where the model declares none.
    if request.seed is not None:
        body["seed"] = request.seed
    if request.negative_prompt:
        _check_length("negative_prompt", request.negative_prompt, 1, 1000)
        body["negativePrompt"] = request.negative_prompt
    _put_options(body, options, model)
    unknown = set(body) - variant.fields - {"model"}
    if unknown:  # a table inconsistency, not a user error: say so plainly
        raise ValidationError(
            f"{model.name} on {variant.endpoint} does not take {', '.join(sorted(unknown))}",
            field=sorted(unknown)[0],
            value=None,
            allowed=sorted(variant.fields),
        )
    return BodyParts(body=body, uploads=tuple(images.uploads))


def _prompt_image(
    request: GenerationRequest, model: RunwayModel, variant: Variant, images: _Images
) -> Any:
    mode = request.mode
    if mode is Mode.MULTI_IMAGE:
        refs = ([request.image] if request.image is not None else []) + list(request.images)
        if request.end_image is not None:
            raise ValidationError(
                "images (reference images) and end_image (keyframes) cannot be mixed on "
                f"{model.name}",
                field="end_image",
                value="set",
                allowed="either images or image + end_image",
            )
        if variant.max_references < 2 or len(refs) > variant.max_references:
            raise UnsupportedOption(
                f"{model.name} takes at most {max(variant.max_references, 1)} image(s); "
                f"got {len(refs)}",
                field="images",
                value=len(refs),
                allowed=f"1-{max(variant.max_references, 1)}",
            )
        return [
            {"uri": images.uri(ref, f"promptImage[{i}]", "images")} for i, ref in enumerate(refs)
        ]
    if request.image is None:
        raise ValidationError(
            f"{model.name} image-to-video needs a start image"
            + (" (it cannot generate from a last frame only)" if request.end_image else ""),
            field="image",
            value=None,
            allowed="an image (path, bytes, https URL or data URI)",
        )
    if mode is Mode.FIRST_LAST:
        if "last" not in variant.positions:
            raise UnsupportedOption(
                f"{model.name} takes no last frame (end_image); models that do: "
                "veo3.1, veo3.1_fast, seedance2, hailuo3",
                field="end_image",
                value="set",
                allowed=[],
            )
        return [
            {"uri": images.uri(request.image, "promptImage[0]", "image"), "position": "first"},
            {"uri": images.uri(request.end_image, "promptImage[1]", "end_image"),
             "position": "last"},
        ]  # fmt: skip
    return images.uri(request.image, "promptImage", "image")


def _text_to_image_references(
    request: GenerationRequest, model: RunwayModel, variant: Variant, images: _Images
) -> list[dict[str, str]]:
    if request.end_image is not None:
        raise UnsupportedOption(
            f"{model.name} makes images: it takes no end_image",
            field="end_image",
            value="set",
            allowed=[],
        )
    refs = ([request.image] if request.image is not None else []) + list(request.images)
    if len(refs) > variant.max_references:
        raise UnsupportedOption(
            f"{model.name} takes at most {variant.max_references} reference images; "
            f"got {len(refs)}",
            field="images",
            value=len(refs),
            allowed=f"0-{variant.max_references}",
        )
    if variant.references_required and not refs:
        raise ValidationError(
            f"{model.name} needs 1-{variant.max_references} reference images (image/images)",
            field="image",
            value=None,
            allowed=f"1-{variant.max_references} images",
        )
    return [
        {"uri": images.uri(ref, f"referenceImages[{i}]", "images")} for i, ref in enumerate(refs)
    ]


def _put_prompt(body: dict[str, Any], prompt: str, model: RunwayModel, variant: Variant) -> None:
    if not prompt:
        if variant.prompt_required:
            raise ValidationError(
                f"{model.name} needs a prompt on {variant.endpoint.replace('_', '-')}",
                field="prompt",
                value=prompt,
                allowed=f"{variant.prompt_min}-{variant.prompt_max or '…'} UTF-16 units",
            )
        return  # minLength 1: an empty promptText is refused, so none is sent
    _check_length("prompt", prompt, variant.prompt_min, variant.prompt_max)
    body["promptText"] = prompt


def _check_length(field: str, text: str, low: int, high: int | None) -> None:
    length = prompt_length(text, "utf16")
    if length < low or (high is not None and length > high):
        raise ValidationError(
            f"{field} is {length} UTF-16 units long (camera clause and identity prefix "
            f"included); allowed: {low}-{high or '…'}",
            field=field,
            value=f"{length} UTF-16 units",
            allowed=f"{low}-{high or '…'}",
        )


def _put_options(body: dict[str, Any], options: Mapping[str, Any], model: RunwayModel) -> None:
    specs = {o.name: o for o in model.options}
    for name, value in options.items():
        spec = specs.get(name)
        if spec is None:
            raise UnsupportedOption(
                f"{model.name} has no option {name!r}; options: {', '.join(specs) or 'none'}",
                field=f"options.{name}",
                value=value,
                allowed=sorted(specs),
            )
        if spec.choices is not None and value not in spec.choices:
            raise UnsupportedOption(
                f"option {name} of {model.name} must be one of "
                f"{', '.join(map(str, spec.choices))}; got {value!r}",
                field=f"options.{name}",
                value=value,
                allowed=list(spec.choices),
            )
        if spec.type == "bool" and not isinstance(value, bool):
            raise ValidationError(
                f"option {name} must be true or false; got {value!r}",
                field=f"options.{name}",
                value=value,
                allowed=[True, False],
            )
        field = model.option_fields[name]
        if "." in field:
            outer, inner = field.split(".", 1)
            body.setdefault(outer, {})[inner] = value
        else:
            body[field] = value
    profile = body.get("proresProfile")
    if profile is not None:
        # SDK docstring: any profile with prores; only 422, 422 HQ, 4444 with hdr_prores.
        allowed = {"prores": None, "hdr_prores": ("422", "422 HQ", "4444")}
        output_format = body.get("outputFormat")
        if output_format not in allowed:
            raise ValidationError(
                "option prores_profile is only valid with output_format prores or hdr_prores",
                field="options.prores_profile",
                value=profile,
                allowed="output_format=prores or hdr_prores",
            )
        choices = allowed[output_format]
        if choices is not None and profile not in choices:
            raise UnsupportedOption(
                f"hdr_prores takes prores_profile {', '.join(choices)}; got {profile!r}",
                field="options.prores_profile",
                value=profile,
                allowed=list(choices),
            )


def substitute(value: Any, placeholder: str, uri: str) -> Any:
    """``value`` with ``placeholder`` replaced by ``uri`` wherever it occurs."""
    if isinstance(value, str):
        return uri if value == placeholder else value
    if isinstance(value, Mapping):
        return {k: substitute(v, placeholder, uri) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [substitute(v, placeholder, uri) for v in value]
    return value


# --------------------------------------------------------------------------- responses


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise MalformedResponse(
            f"Runway answered {what} with a body that is not JSON "
            f"(HTTP {response.status_code}, {len(response.content)} bytes)"
        ) from None
    if not isinstance(data, dict):
        raise MalformedResponse(f"Runway answered {what} with JSON that is not an object")
    return data


def parse_created(response: httpx.Response) -> tuple[str, float | None]:
    """The task id and estimated credits of a create response ``{id, estimatedCost}``."""
    data = _json_object(response, "a create request")
    task_id = data.get("id")
    if not isinstance(task_id, str) or not task_id:
        raise MalformedResponse(
            f"Runway's create response has no task id (keys: {', '.join(sorted(data))})"
        )
    return task_id, _credits(data.get("estimatedCost"))


def _credits(value: Any) -> float | None:
    if isinstance(value, Mapping):
        credits = value.get("credits")
        if isinstance(credits, (int, float)) and not isinstance(credits, bool):
            return float(credits)
    return None


def retryable_failure(code: str | None) -> bool | None:
    """Whether trying the same request again may succeed (runway.md §3 failure codes).

    A flag only: framecast never resubmits a failed task by itself.
    """
    if code is None or code == "":
        return True  # "INTERNAL or null/absent: retry after a delay"
    if code.startswith("SAFETY.") or code.startswith("INPUT_PREPROCESSING.SAFETY"):
        return False
    if code.startswith("ASSET."):
        return False  # fix the input first
    if code.startswith(("INTERNAL", "INPUT_PREPROCESSING.INTERNAL")):
        return True
    if code == "THIRD_PARTY.UNAVAILABLE":
        return True
    return None  # a code the spec does not describe


def parse_task(response: httpx.Response, handle: TaskHandle) -> TaskState:
    data = _json_object(response, "a task read")
    status = status_from_word(data.get("status"), STATUS_MAP, provider="Runway", handle=handle)
    cost_units = _credits(data.get("cost"))
    common: dict[str, Any] = {
        "status": status,
        "raw": data,
        "cost_units": cost_units,
        "cost": None if cost_units is None else round(cost_units * CREDIT_USD, 4),
    }
    if status is TaskStatus.THROTTLED:
        # runway.md §6.1: stored, not yet enqueued, until the organization's other tasks end.
        common["message"] = "waiting for a free slot of the organization's concurrency limit"
    elif status is TaskStatus.RUNNING:
        progress = data.get("progress")
        if isinstance(progress, (int, float)) and not isinstance(progress, bool):
            common["progress"] = min(max(float(progress), 0.0), 1.0)
    elif status is TaskStatus.SUCCEEDED:
        output = data.get("output")
        if not isinstance(output, list) or not all(isinstance(u, str) for u in output):
            raise MalformedResponse(
                f"Runway's SUCCEEDED task {handle.task_id} has no list of output URLs"
            )
        common["outputs"] = tuple(output)
        common["progress"] = 1.0
    elif status is TaskStatus.FAILED:
        code = data.get("failureCode")
        code = code if isinstance(code, str) else None
        failure = data.get("failure")
        common["failure_code"] = code
        common["failure_message"] = failure if isinstance(failure, str) else None
        common["retryable"] = retryable_failure(code)
    return TaskState(**common)


def error_message(response: httpx.Response) -> tuple[str | None, list[dict[str, Any]]]:
    """``error`` and ``issues`` of a Runway error body (``None``/``[]`` when absent)."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None, []
    if not isinstance(data, dict):
        return None, []
    error = data.get("error")
    issues = data.get("issues")
    return (
        error if isinstance(error, str) else None,
        [i for i in issues if isinstance(i, dict)] if isinstance(issues, list) else [],
    )


def describe_issues(issues: list[dict[str, Any]]) -> str:
    """``promptImage: Failed to fetch asset; duration: too big`` from Zod issues."""
    parts = []
    for issue in issues:
        path = issue.get("path")
        where = ".".join(str(p) for p in path) if isinstance(path, list) and path else "body"
        parts.append(f"{where}: {issue.get('message') or issue.get('code') or 'invalid'}")
    return "; ".join(parts)
