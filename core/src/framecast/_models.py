"""The data model (docs/concepts.md): frozen attrs value objects, no wire format in field
names."""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Union

import attrs

from ._camera import CameraMove
from ._checks import check_number, check_text, check_texts
from ._declarations import (
    ImageConstraints,
    Mode,
    ModelInfo,
    ModeVariant,
    OptionSpec,
    ProviderInfo,
    ProviderSettings,
)
from ._errors import ValidationError

__all__ = [
    "CameraPlan",
    "Classification",
    "CostEstimate",
    "GenerationRequest",
    "GenerationResult",
    "ImageConstraints",
    "ImageRef",
    "Mode",
    "ModeVariant",
    "ModelInfo",
    "OptionSpec",
    "Outcome",
    "Output",
    "PendingUpload",
    "PreparedRequest",
    "ProviderInfo",
    "ProviderSettings",
    "RatioPlan",
    "TaskHandle",
    "TaskState",
    "TaskStatus",
]

#: What a request's image fields accept: an https URL, a data URI, a local path, raw bytes,
#: or an ``ImageRef`` the runner already checked.
ImageInput = Union[str, bytes, os.PathLike, "ImageRef"]

MAX_SEED = 2**32 - 1
HANDLE_VERSION = 1


class TaskStatus(str, enum.Enum):
    QUEUED = "QUEUED"
    THROTTLED = "THROTTLED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED)

    def __str__(self) -> str:
        return self.value


# --------------------------------------------------------------------------- images


@attrs.frozen
class ImageRef:
    """An image input after the runner's checks, as ``prepare`` receives it.

    Either ``url`` (an https URL, sent as is) or ``data`` (the bytes of a local file,
    raw bytes or a data URI, already sniffed and measured). Bytes never appear in a repr.
    """

    source: str  # "url" | "file" | "bytes" | "data-uri"
    url: str | None = None
    data: bytes | None = attrs.field(default=None, repr=False)
    media_type: str | None = None
    width: int | None = None
    height: int | None = None
    name: str | None = None

    @property
    def is_url(self) -> bool:
        return self.url is not None

    def base64(self) -> str:
        """The bytes as plain base64 (no ``data:`` prefix)."""
        if self.data is None:
            raise ValueError("this image is a URL; it has no bytes")
        return base64.b64encode(self.data).decode("ascii")

    def data_uri(self) -> str:
        return f"data:{self.media_type or 'application/octet-stream'};base64,{self.base64()}"

    @property
    def data_uri_length(self) -> int:
        """Length of the data URI this image would become (its *encoded* size)."""
        if self.data is None:
            return 0
        prefix = len(f"data:{self.media_type or 'application/octet-stream'};base64,")
        return prefix + 4 * ((len(self.data) + 2) // 3)

    def describe(self) -> str:
        if self.url is not None:
            return f"URL {_shorten(self.url)}"
        size = f"{len(self.data or b''):,} bytes"
        dims = f" {self.width}x{self.height}" if self.width else ""
        kind = (self.media_type or "unknown type").split("/")[-1].upper()
        where = f" ({self.name})" if self.name else ""
        return f"{kind}{dims}, {size}{where}"


def describe_image(value: Any) -> str:
    """How an image input shows in a repr or a message: its kind and size, never its bytes."""
    if value is None:
        return "None"
    if isinstance(value, ImageRef):
        return f"<{value.describe()}>"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value):,} bytes>"
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if text.startswith("data:"):
        return f"<data URI, {len(text):,} characters>"
    if text.startswith(("http://", "https://")):
        return f"<URL {_shorten(text)}>"
    return f"<file {text}>"


def _describe_images(values: tuple[Any, ...]) -> str:
    return "(" + ", ".join(describe_image(v) for v in values) + ")"


def _shorten(url: str) -> str:
    # Signed query strings are not credentials, but they are noise in a message.
    base = url.split("?", 1)[0]
    return base if len(base) <= 120 else base[:117] + "..."


# --------------------------------------------------------------------------- request


def _to_camera(value: Any) -> CameraMove | None:
    if value is None or value == "":
        return None
    try:
        return CameraMove.parse(value)
    except ValueError as exc:
        raise ValidationError(
            f"camera: {exc}",
            field="camera",
            value=value,
            allowed=[m.value for m in CameraMove],
        ) from None


def _to_str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _to_dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


def _to_images(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes, bytearray, os.PathLike, ImageRef)):
        return (value,)
    return tuple(value)


def _check_choice(name: str, choices: tuple[str, ...]) -> Any:
    def check(_inst: Any, _attr: Any, value: Any) -> None:
        if value not in choices:
            raise ValidationError(
                f"{name} must be one of {', '.join(choices)}; got {value!r}",
                field=name,
                value=value,
                allowed=list(choices),
            )

    return check


def _check_strength(_inst: Any, _attr: Any, value: Any) -> None:
    check_number(value, "camera_strength", minimum=1, maximum=10, integer=True)


def _check_duration(_inst: Any, _attr: Any, value: Any) -> None:
    if value is not None:
        check_number(value, "duration", minimum=0, exclusive_minimum=True, unit="seconds")


def _check_seed(_inst: Any, _attr: Any, value: Any) -> None:
    if value is not None:
        check_number(value, "seed", minimum=0, maximum=MAX_SEED, integer=True)


def _check_ratio(_inst: Any, _attr: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"ratio must be 'W:H' (e.g. '16:9') or a model's wire value; got {value!r}",
            field="ratio",
            value=value,
            allowed="W:H",
        )
    check_text(value, "ratio")


def _check_prompt(_inst: Any, _attr: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise ValidationError(
            f"prompt must be text; got {type(value).__name__}",
            field="prompt",
            value=value,
            allowed="a string",
        )
    check_text(value, "prompt")


def _check_optional_text(inst: Any, attr: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError(
            f"{attr.name} must be text; got {type(value).__name__}",
            field=attr.name,
            value=value,
            allowed="a string",
        )
    check_text(value, attr.name)


def _check_image_text(_inst: Any, attr: Any, value: Any) -> None:
    # A URL or data URI is sent as text; a local path is the file system's business
    # (an undecodable byte in a file name is still a file).
    values = value if isinstance(value, tuple) else (value,)
    for index, item in enumerate(values):
        if isinstance(item, str) and item.lstrip()[:8].lower().startswith(
            ("http://", "https://", "data:")
        ):
            name = f"{attr.name}[{index}]" if isinstance(value, tuple) else attr.name
            check_text(item, name)


def _check_request_options(_inst: Any, _attr: Any, value: Any) -> None:
    check_texts(value, "options")
    _check_finite(value, "options")


def _check_finite(value: Any, field: str) -> None:
    """No NaN or infinity anywhere in the options: JSON cannot carry them."""
    if isinstance(value, float):
        check_number(value, field)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite(item, f"{field}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_finite(item, f"{field}[{index}]")


@attrs.frozen
class GenerationRequest:
    """One generation, provider-neutral. Only ``prompt`` (and ``image`` for image-to-video)
    is usually needed; everything else has a default or the model's default."""

    prompt: str = attrs.field(default="", validator=_check_prompt)
    image: ImageInput | None = attrs.field(
        default=None, repr=describe_image, validator=_check_image_text
    )
    end_image: ImageInput | None = attrs.field(
        default=None, repr=describe_image, validator=_check_image_text
    )
    images: tuple[ImageInput, ...] = attrs.field(
        default=(), converter=_to_images, repr=_describe_images, validator=_check_image_text
    )
    camera: CameraMove | None = attrs.field(default=None, converter=_to_camera)
    camera_strength: int = attrs.field(default=5, validator=_check_strength)
    ratio: str | None = attrs.field(default=None, validator=_check_ratio)
    ratio_policy: Literal["exact", "nearest"] = attrs.field(
        default="exact", validator=_check_choice("ratio_policy", ("exact", "nearest"))
    )
    image_fit: Literal["error", "crop", "pad"] = attrs.field(
        default="error", validator=_check_choice("image_fit", ("error", "crop", "pad"))
    )
    duration: int | None = attrs.field(default=None, validator=_check_duration)
    model: str | None = attrs.field(default=None, validator=_check_optional_text)
    seed: int | None = attrs.field(default=None, validator=_check_seed)
    negative_prompt: str | None = attrs.field(default=None, validator=_check_optional_text)
    preserve_identity: bool = False
    idempotency_key: str | None = attrs.field(default=None, validator=_check_optional_text)
    options: Mapping[str, Any] = attrs.field(
        factory=dict, converter=_to_dict, validator=_check_request_options
    )
    allow_unknown_model: bool = False

    @property
    def mode(self) -> Mode:
        if self.images:
            return Mode.MULTI_IMAGE
        if self.end_image is not None:
            return Mode.FIRST_LAST
        if self.image is not None:
            return Mode.IMAGE
        return Mode.TEXT

    def evolve(self, **changes: Any) -> GenerationRequest:
        return attrs.evolve(self, **changes)


# --------------------------------------------------------------------------- plans


@attrs.frozen
class RatioPlan:
    """``map_ratio``'s answer: the wire value to send, or — where the output follows the
    image — the fit the core applies to the image first (``fit_aspect`` as ``"W:H"``)."""

    wire_value: str | None = None
    fit: Literal["none", "crop", "pad"] = "none"
    fit_aspect: str | None = None
    note: str | None = None


@attrs.frozen
class CameraPlan:
    """``translate_camera``'s answer: the finished prompt, native parameters, which was used."""

    prompt: str
    method: Literal["prompt", "native", "none"] = "none"
    native: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()


@attrs.frozen
class PendingUpload:
    """An input ``submit`` must upload first; ``placeholder`` marks its place in the body."""

    placeholder: str
    image: ImageRef = attrs.field(repr=lambda i: f"<{i.describe()}>")


@attrs.frozen
class PreparedRequest:
    """The wire request ``prepare`` builds: pure data, what ``--dry-run`` prints."""

    method: str
    path: str
    body: Mapping[str, Any] = attrs.field(repr=False)
    model: str = ""
    uploads: tuple[PendingUpload, ...] = ()
    notes: tuple[str, ...] = ()
    provider_data: Mapping[str, Any] = attrs.field(factory=dict)
    #: Filled in by the core from the plans (a provider leaves them unset): the ratio sent
    #: (or the aspect the image is fitted to), the duration asked for (the model's default
    #: when the request names none), and how the camera move travels.
    ratio: str | None = None
    duration: int | float | None = None
    camera_method: Literal["prompt", "native", "none"] = "none"

    def fingerprint(self) -> str:
        """SHA-256 of the canonical request (no secrets: the body holds none)."""
        canonical = json.dumps(
            {"method": self.method, "path": self.path, "body": _abbreviate(self.body)},
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """JSON shape; long inline data is abbreviated unless ``full``."""
        body = dict(self.body) if full else _abbreviate(self.body)
        return {
            "method": self.method,
            "path": self.path,
            "body": body,
            "model": self.model,
            "uploads": [
                {"placeholder": u.placeholder, "image": u.image.describe()} for u in self.uploads
            ],
            "notes": list(self.notes),
        }


def _abbreviate(value: Any) -> Any:
    """Replace inline data (data URIs, long base64) by its kind, size and digest."""
    if isinstance(value, Mapping):
        return {k: _abbreviate(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_abbreviate(v) for v in value]
    if isinstance(value, str) and len(value) > 512 and not value.startswith("http"):
        digest = hashlib.sha256(value.encode()).hexdigest()[:16]
        kind = value[: value.find(",")] if value.startswith("data:") else "base64"
        return f"<{kind}, {len(value):,} characters, sha256 {digest}>"
    return value


@attrs.frozen
class CostEstimate:
    """What a request should cost, and how sure we are of the price."""

    amount: float
    currency: str = "USD"
    units: float | None = None
    unit_name: str = ""
    formula: str = ""
    confidence: Literal["official", "secondary", "single-source", "unconfirmed"] = "secondary"
    #: Where the price comes from (a page, a document, a package file) ...
    source: str = ""
    #: ... and when it was read there (ISO date, ``YYYY-MM-DD``). Prices change: a quote
    #: without a date cannot be compared fairly with one that has it.
    as_of: str = ""

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


# --------------------------------------------------------------------------- tasks


@attrs.frozen
class TaskHandle:
    """Everything needed to find a submitted task again, from any process.

    ``to_json``/``from_json`` round-trip it; store it, and ``Runner.wait(handle)`` resumes.
    Providers return it from ``submit`` with ``provider`` and ``task_id`` (and any
    ``provider_data`` polling needs); the core fills in the rest.
    """

    provider: str
    task_id: str
    base_url: str = ""
    model: str | None = None
    idempotency_key: str | None = None
    submitted_at: str | None = None  # ISO 8601, UTC
    fingerprint: str | None = None
    provider_data: Mapping[str, Any] = attrs.field(factory=dict)
    version: int = HANDLE_VERSION

    def to_dict(self) -> dict[str, Any]:
        from ._convert import handle_converter

        return handle_converter().unstructure(self)  # type: ignore[no-any-return]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Any) -> TaskHandle:
        from ._convert import structure_handle

        return structure_handle(data, cls, HANDLE_VERSION)

    @classmethod
    def from_json(cls, text: str | bytes) -> TaskHandle:
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise ValidationError(
                f"handle: not valid JSON ({exc})",
                field="handle",
                value=_preview(text),
                allowed="the JSON a submit printed",
            ) from None
        return cls.from_dict(data)


def _preview(text: Any) -> str:
    s = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return s if len(s) <= 80 else s[:77] + "..."


@attrs.frozen
class TaskState:
    """One status read."""

    status: TaskStatus
    progress: float | None = None  # 0-1 when the provider reports it
    outputs: tuple[str, ...] = attrs.field(default=(), converter=_to_str_tuple)
    failure_code: str | None = None
    failure_message: str | None = None
    retryable: bool | None = None  # a flag only: framecast never resubmits a failed task
    message: str | None = None  # the provider's status detail (Kling task_status_msg)
    cost: float | None = None  # actual charge in ``cost_currency``, when reported
    cost_units: float | None = None  # actual charge in provider units, when reported
    cost_currency: str = "USD"  # ISO 4217 code of ``cost`` (a provider's price list's)
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class Output:
    url: str
    media_type: str | None = None
    expires_at: str | None = None  # ISO 8601 estimate

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "media_type": self.media_type, "expires_at": self.expires_at}


@attrs.frozen
class GenerationResult:
    """A finished task: its handle, outputs, timings and cost."""

    handle: TaskHandle
    status: TaskStatus
    outputs: tuple[Output, ...] = ()
    elapsed_s: float = 0.0
    polls: int = 0
    estimated_cost: CostEstimate | None = None
    actual_cost: float | None = None
    notes: tuple[str, ...] = ()
    state: TaskState | None = attrs.field(default=None, repr=False)
    actual_cost_currency: str = "USD"
    #: With several providers (``Runner(["kling", "runway"])``): every provider's part,
    #: in order (``framecast.Attempt``); empty with one provider.
    attempts: tuple[Any, ...] = ()

    @property
    def url(self) -> str | None:
        return self.outputs[0].url if self.outputs else None

    def to_dict(self) -> dict[str, Any]:
        """The CLI's ``--json`` result shape (docs/cli.md)."""
        return {
            "provider": self.handle.provider,
            "model": self.handle.model,
            "task_id": self.handle.task_id,
            "status": self.status.value,
            "outputs": [o.to_dict() for o in self.outputs],
            "cost": {
                "estimated": self.estimated_cost.to_dict() if self.estimated_cost else None,
                "actual": self.actual_cost,
                "actual_currency": self.actual_cost_currency,
            },
            "elapsed_s": round(self.elapsed_s, 3),
            "polls": self.polls,
            "handle": self.handle.to_dict(),
            "notes": list(self.notes),
            **({"attempts": [a.to_dict() for a in self.attempts]} if self.attempts else {}),
        }


# --------------------------------------------------------------------------- classification


class Outcome(str, enum.Enum):
    """Rows of the retry and outcome table (docs/reliability.md) a failed exchange can fall in."""

    RETRY = "retry"  # nothing was created (503 with Retry-After, connection never made)
    RATE_LIMITED = "rate_limited"  # 429, Kling 1302/1303: retry within policy
    AMBIGUOUS = "ambiguous"  # a task may exist (5xx on submit, reset after send)
    INVALID = "invalid"  # 400/422: ProviderValidationError
    CONTENT_REJECTED = "content_rejected"  # content policy: GenerationFailed, not retryable
    AUTHENTICATION = "authentication"  # 401/403: AuthenticationError
    ACCOUNT = "account"  # credits, arrears, IP policy: AccountError, never retried
    NOT_FOUND = "not_found"  # 404 on a task
    TRANSIENT = "transient"  # on poll: retry within the wait timeout
    UNREADABLE = "unreadable"  # ProviderError


@attrs.frozen
class Classification:
    """``classify``'s answer: the row, and the provider's own code and message."""

    outcome: Outcome
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
