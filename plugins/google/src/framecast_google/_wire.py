"""The Gemini API's wire format for Veo: the ``predictLongRunning`` body, the operation it
answers with, and Google's error envelope. Facts from ``google-genai==2.34.0``
(``models.py``: ``_GenerateVideosParameters_to_mldev``, ``_GenerateVideosConfig_to_mldev``,
``_GenerateVideosOperation_from_mldev``) and the Gemini API's video page."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import attrs
import httpx
from framecast import ImageRef, MalformedResponse, ProviderError, TaskHandle

__all__ = [
    "API_VERSION",
    "Operation",
    "WebhookConfig",
    "build_body",
    "create_path",
    "error_of",
    "operation_path",
    "parse_created",
    "parse_operation",
    "retry_delay",
]

#: The Gemini API version the SDK uses for Veo (``_api_client.py``).
API_VERSION = "v1beta"
#: An operation name as the create answer gives it: ``models/{model}/operations/{id}``.
_OPERATION = re.compile(r"^models/([A-Za-z0-9][A-Za-z0-9._-]*)/operations/([A-Za-z0-9_-]+)$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")
#: An operation's ``error`` is a ``google.rpc.Status``: a gRPC code number, not a word.
_GRPC_WORDS = {
    1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION", 10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED",
    13: "INTERNAL", 14: "UNAVAILABLE", 16: "UNAUTHENTICATED",
}  # fmt: skip


@attrs.frozen
class WebhookConfig:
    """A per-request webhook (``webhookConfig`` in the create body): Google POSTs to each of
    ``uris`` when the video is ready, signed with an RS256 JWT. ``user_metadata`` keeps its
    snake_case key on the wire (the SDK copies the dict through as it is).

    Not offered to users yet: framecast has no webhook contract for providers. This is the
    seam a later contract fills in (``build_body(..., webhook=...)``)."""

    uris: tuple[str, ...] = attrs.field(converter=tuple)
    user_metadata: Mapping[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"uris": list(self.uris)}
        if self.user_metadata is not None:
            wire["user_metadata"] = dict(self.user_metadata)
        return wire


def create_path(model: str) -> str:
    return f"/{API_VERSION}/models/{quote(model, safe='.-_')}:predictLongRunning"


def operation_path(name: str, handle: TaskHandle | None = None) -> str:
    """``/v1beta/{operation name}``, from a name checked against its documented shape: a
    tampered handle cannot add a path segment or a query."""
    match = _OPERATION.match(name)
    if match is None:
        raise ProviderError(
            f"google: {name!r} is not an operation name (models/<model>/operations/<id>)",
            handle=handle,
        )
    return f"/{API_VERSION}/models/{match.group(1)}/operations/{match.group(2)}"


def _image(image: ImageRef) -> dict[str, str]:
    # [SDK] ``_Image_to_mldev``: ``bytesBase64Encoded`` + ``mimeType``. (The docs' REST
    # samples use ``inlineData``; the SDK's form is the one Google's own tests exercise.)
    return {"bytesBase64Encoded": image.base64(), "mimeType": image.media_type or "image/png"}


def build_body(
    *,
    prompt: str | None,
    image: ImageRef | None = None,
    last_frame: ImageRef | None = None,
    references: Sequence[ImageRef] = (),
    aspect_ratio: str | None,
    duration: int,
    resolution: str | None,
    negative_prompt: str | None = None,
    person_generation: str | None = None,
    enhance_prompt: bool | None = None,
    webhook: WebhookConfig | None = None,
) -> dict[str, Any]:
    """The create body, field for field as the SDK writes it (keys in the SDK's order)."""
    instance: dict[str, Any] = {}
    if prompt:
        instance["prompt"] = prompt
    if image is not None:
        instance["image"] = _image(image)
    parameters: dict[str, Any] = {"sampleCount": 1, "durationSeconds": duration}
    if aspect_ratio is not None:
        parameters["aspectRatio"] = aspect_ratio
    if resolution is not None:
        parameters["resolution"] = resolution
    if person_generation is not None:
        parameters["personGeneration"] = person_generation
    if negative_prompt:
        parameters["negativePrompt"] = negative_prompt
    if enhance_prompt is not None:
        parameters["enhancePrompt"] = enhance_prompt
    if last_frame is not None:
        instance["lastFrame"] = _image(last_frame)
    if references:
        instance["referenceImages"] = [
            {"image": _image(ref), "referenceType": "ASSET"} for ref in references
        ]
    body: dict[str, Any] = {"instances": [instance], "parameters": parameters}
    if webhook is not None:
        body["webhookConfig"] = webhook.to_wire()
    return body


def _json(response: httpx.Response, what: str) -> Mapping[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MalformedResponse(
            f"google: the {what} answer is not JSON (HTTP {response.status_code})"
        ) from None
    if not isinstance(data, Mapping):
        raise MalformedResponse(f"google: the {what} answer is not a JSON object")
    return data


def parse_created(response: httpx.Response) -> str:
    """The operation name from a create answer (``{"name": "models/.../operations/..."}``)."""
    name = _json(response, "create").get("name")
    if not isinstance(name, str) or _OPERATION.match(name) is None:
        raise MalformedResponse("google: the create answer has no operation name")
    return name


@attrs.frozen
class Operation:
    """What a read of the operation says, already decided: running, a video, an error, or
    a video withheld by the safety filters."""

    done: bool
    videos: tuple[str, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    filtered: int = 0
    filtered_reasons: tuple[str, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


def parse_operation(response: httpx.Response) -> Operation:
    """Read an operation. There are no status words: running while ``done`` is absent or
    false; then ``error``, or ``response.generateVideoResponse`` with ``generatedSamples``
    (a video URI each) or ``raiMediaFilteredCount``/``raiMediaFilteredReasons``."""
    data = _json(response, "operation")
    done = data.get("done", False)
    if not isinstance(done, bool):
        raise MalformedResponse("google: the operation's 'done' is not true or false")
    if not done:
        return Operation(done=False, raw=dict(data))
    error = data.get("error")
    if error is not None:
        if not isinstance(error, Mapping):
            raise MalformedResponse("google: the operation's 'error' is not an object")
        code = error.get("status") or error.get("code")
        if isinstance(code, int):
            code = _GRPC_WORDS.get(code, str(code))
        message = error.get("message")
        return Operation(
            done=True,
            error_code=str(code) if code is not None else None,
            error_message=str(message) if message else "the operation ended in an error",
            raw=dict(data),
        )
    result = data.get("response")
    if not isinstance(result, Mapping):
        raise MalformedResponse("google: a done operation has neither 'response' nor 'error'")
    videos_response = result.get("generateVideoResponse")
    if not isinstance(videos_response, Mapping):
        raise MalformedResponse("google: the operation's response has no generateVideoResponse")
    samples = videos_response.get("generatedSamples") or []
    if not isinstance(samples, list):
        raise MalformedResponse("google: generatedSamples is not a list")
    uris: list[str] = []
    for sample in samples:
        video = sample.get("video") if isinstance(sample, Mapping) else None
        uri = video.get("uri") if isinstance(video, Mapping) else None
        if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
            raise MalformedResponse("google: a generated sample has no video uri")
        uris.append(uri)
    count = videos_response.get("raiMediaFilteredCount") or 0
    reasons = videos_response.get("raiMediaFilteredReasons") or []
    if not isinstance(count, int) or not isinstance(reasons, list):
        raise MalformedResponse("google: raiMediaFiltered fields have the wrong type")
    if not uris and not count and not reasons:
        raise MalformedResponse("google: a done operation has no video and no filter reason")
    return Operation(
        done=True,
        videos=tuple(uris),
        filtered=count or (len(reasons) if not uris else 0),
        filtered_reasons=tuple(str(r) for r in reasons),
        raw=dict(data),
    )


def error_of(response: httpx.Response) -> Mapping[str, Any]:
    """Google's error envelope, ``{"error": {"code", "message", "status", "details"}}``,
    or ``{}`` for a body that is not one."""
    try:
        data = response.json()
    except ValueError:
        return {}
    error = data.get("error") if isinstance(data, Mapping) else None
    return error if isinstance(error, Mapping) else {}


def error_reasons(error: Mapping[str, Any]) -> set[str]:
    """The ``reason`` of each ``google.rpc.ErrorInfo`` in ``details`` (``API_KEY_INVALID``…)."""
    reasons = set()
    for detail in error.get("details") or []:
        if isinstance(detail, Mapping) and isinstance(detail.get("reason"), str):
            reasons.add(detail["reason"])
    return reasons


def retry_delay(error: Mapping[str, Any]) -> float | None:
    """``google.rpc.RetryInfo``'s ``retryDelay`` (``"30s"``) in ``details``, in seconds."""
    for detail in error.get("details") or []:
        if not isinstance(detail, Mapping):
            continue
        if not str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            continue
        match = _DURATION.match(str(detail.get("retryDelay", "")))
        if match:
            return float(match.group(1))
    return None
