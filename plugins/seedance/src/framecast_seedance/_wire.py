"""The wire format: the create body, and a task object read into a ``TaskState``.

Create ``POST /contents/generations/tasks`` takes ``model``, ``content`` (a text item, then
``image_url`` items with a ``role``: ``first_frame``, ``last_frame`` or
``reference_image``) and the generation parameters as body fields (``ratio``,
``duration``, ``resolution``, ``seed``, ``camera_fixed``, ``watermark``,
``generate_audio``, ``service_tier``, ``callback_url``, ``execution_expires_after``), as
the official SDK sends them; fields left unset are not sent (the SDK sends them as
``null``). The older ``--rt``/``--dur``/``--cf`` prompt flags are not used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from framecast import (
    CameraPlan,
    GenerationRequest,
    ImageRef,
    MalformedResponse,
    Mode,
    ModelInfo,
    RatioPlan,
    TaskHandle,
    TaskState,
    TaskStatus,
    ValidationError,
    status_from_word,
)

from ._codes import error_of, explain, is_content_code
from ._models import DEFAULT_RESOLUTION, MAX_BODY_BYTES, Family

__all__ = ["CREATE_PATH", "STATUSES", "TASKS_PATH", "build_body", "read_json", "task_state"]

TASKS_PATH = "/contents/generations/tasks"
CREATE_PATH = TASKS_PATH

#: ``expired`` (past ``execution_expires_after``) is a failure a resubmission may cure.
STATUSES: Mapping[str, TaskStatus] = {
    "queued": TaskStatus.QUEUED,
    "running": TaskStatus.RUNNING,
    "succeeded": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
    "expired": TaskStatus.FAILED,
    "cancelled": TaskStatus.CANCELLED,
}
EXPIRED_MESSAGE = (
    "the task expired before it finished (execution_expires_after, default 48 h); nothing "
    "was charged. Submit it again, with a larger execution_expires_after if the queue is long"
)


def _image_item(image: Any, role: str) -> dict[str, Any]:
    if not isinstance(image, ImageRef):  # the runner always hands ImageRefs
        raise TypeError(f"expected an ImageRef, got {type(image).__name__}")
    url = image.url if image.url is not None else image.data_uri()
    return {"type": "image_url", "image_url": {"url": url}, "role": role}


def content_items(request: GenerationRequest, prompt: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if prompt:
        items.append({"type": "text", "text": prompt})
    mode = request.mode
    if mode is Mode.MULTI_IMAGE:
        if request.image is not None or request.end_image is not None:
            raise ValidationError(
                "images: reference images cannot be combined with a first or last frame "
                "(Seedance's first-frame, first+last-frame and reference modes are exclusive)",
                field="images",
                value=f"{len(request.images)} reference images with a start/end frame",
                allowed="reference images alone, or image (+ end_image)",
            )
        items.extend(_image_item(ref, "reference_image") for ref in request.images)
    elif mode in (Mode.IMAGE, Mode.FIRST_LAST):
        items.append(_image_item(request.image, "first_frame"))
        if request.end_image is not None:
            items.append(_image_item(request.end_image, "last_frame"))
    return items


def build_body(
    request: GenerationRequest,
    model: ModelInfo,
    family: Family | None,
    ratio_plan: RatioPlan,
    camera_plan: CameraPlan,
    options: Mapping[str, Any],
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model.name,
        "content": content_items(request, camera_plan.prompt),
    }
    resolution = options.get("resolution", DEFAULT_RESOLUTION)
    if (
        family is not None
        and family.key == "1.0-lite-i2v"
        and request.mode is Mode.MULTI_IMAGE
        and resolution == "1080p"
    ):
        raise ValidationError(
            f"options.resolution: {model.name} takes at most 720p with reference images",
            field="options.resolution",
            value=resolution,
            allowed=["480p", "720p"],
        )
    body["resolution"] = resolution
    if ratio_plan.wire_value is not None:
        body["ratio"] = ratio_plan.wire_value
    body["duration"] = int(request.duration or model.default_duration or 5)
    if request.seed is not None:
        body["seed"] = request.seed
    for key, value in (camera_plan.native or {}).items():
        body[key] = value
    if family is not None and family.audio:
        # Sent explicitly (the server's default is on): the price depends on it.
        body["generate_audio"] = bool(options.get("generate_audio", True))
    elif family is None and "generate_audio" in options:  # a model outside the table
        body["generate_audio"] = bool(options["generate_audio"])
    for name in ("watermark", "service_tier", "callback_url", "execution_expires_after"):
        if options.get(name) is not None:
            body[name] = options[name]
    size = sum(len(item.get("image_url", {}).get("url", "")) for item in body["content"])
    if size > MAX_BODY_BYTES:
        raise ValidationError(
            f"images: the inline images come to {size:,} characters; Seedance takes a "
            f"request body of at most {MAX_BODY_BYTES:,} bytes. Pass large images as https "
            "URLs",
            field="images",
            value=f"{size:,} characters",
            allowed=f"at most {MAX_BODY_BYTES:,} bytes in all",
        )
    return body


def read_json(response: Any, what: str) -> Mapping[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MalformedResponse(
            f"seedance: the {what} answer is not JSON (HTTP {response.status_code})"
        ) from None
    if not isinstance(data, Mapping):
        raise MalformedResponse(
            f"seedance: the {what} answer is not a JSON object ({type(data).__name__})"
        )
    return data


def task_state(
    data: Mapping[str, Any], handle: TaskHandle, cost: Any = None, currency: str = "USD"
) -> TaskState:
    """One task object -> ``TaskState``. ``cost(tokens) -> amount or None``."""
    word = data.get("status")
    status = status_from_word(word, STATUSES, provider="seedance", handle=handle)
    content = data.get("content")
    outputs: list[str] = []
    if status is TaskStatus.SUCCEEDED:
        url = content.get("video_url") if isinstance(content, Mapping) else None
        if not isinstance(url, str) or not url:
            raise MalformedResponse(
                f"seedance: task {handle.task_id} succeeded without content.video_url"
            )
        outputs.append(url)
    code, message = error_of(data)
    failure_code = failure_message = None
    retryable: bool | None = None
    if word == "expired":
        failure_code, failure_message, retryable = "expired", EXPIRED_MESSAGE, True
    elif status is TaskStatus.FAILED:
        failure_code = code
        failure_message = explain(code, message) or "the task failed without a reason"
        retryable = False if is_content_code(code) else None
    tokens = _tokens(data)
    amount = cost(tokens) if (cost is not None and tokens is not None) else None
    return TaskState(
        status=status,
        outputs=tuple(outputs),
        failure_code=failure_code,
        failure_message=failure_message,
        retryable=retryable,
        cost=amount if status is TaskStatus.SUCCEEDED else None,
        cost_units=float(tokens) if tokens is not None and status is TaskStatus.SUCCEEDED else None,
        cost_currency=currency,
        raw=dict(data),
    )


def _tokens(data: Mapping[str, Any]) -> int | None:
    usage = data.get("usage")
    if not isinstance(usage, Mapping):
        return None
    for key in ("completion_tokens", "total_tokens"):
        value = usage.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None
