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
from ._errors import ConfigurationError, ValidationError

__all__ = [
    "CameraPlan",
    "Classification",
    "CostEstimate",
    "GenerationRequest",
    "GenerationResult",
    "ImageConstraints",
    "ImageRef",
    "Mode",
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


class Mode(str, enum.Enum):
    """What a request gives the model, derived from its image fields."""

    TEXT = "text"  # no image
    IMAGE = "image"  # one start image
    MULTI_IMAGE = "multi-image"  # reference images (``images``)
    FIRST_LAST = "first-last"  # start and end frame (``end_image``)

    def __str__(self) -> str:
        return self.value


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
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise ValidationError(
            f"camera_strength must be a whole number from 1 to 10; got {value!r}",
            field="camera_strength",
            value=value,
            allowed="1-10",
        )


def _check_duration(_inst: Any, _attr: Any, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValidationError(
            f"duration must be a positive number of seconds; got {value!r}",
            field="duration",
            value=value,
            allowed="seconds > 0",
        )


def _check_seed(_inst: Any, _attr: Any, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ValidationError(
            f"seed must be a whole number from 0 to {MAX_SEED}; got {value!r}",
            field="seed",
            value=value,
            allowed=f"0-{MAX_SEED}",
        )


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


def _check_prompt(_inst: Any, _attr: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise ValidationError(
            f"prompt must be text; got {type(value).__name__}",
            field="prompt",
            value=value,
            allowed="a string",
        )


@attrs.frozen
class GenerationRequest:
    """One generation, provider-neutral. Only ``prompt`` (and ``image`` for image-to-video)
    is usually needed; everything else has a default or the model's default."""

    prompt: str = attrs.field(default="", validator=_check_prompt)
    image: ImageInput | None = attrs.field(default=None, repr=describe_image)
    end_image: ImageInput | None = attrs.field(default=None, repr=describe_image)
    images: tuple[ImageInput, ...] = attrs.field(
        default=(), converter=_to_images, repr=_describe_images
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
    model: str | None = None
    seed: int | None = attrs.field(default=None, validator=_check_seed)
    negative_prompt: str | None = None
    preserve_identity: bool = False
    idempotency_key: str | None = None
    options: Mapping[str, Any] = attrs.field(factory=dict, converter=_to_dict)
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


# --------------------------------------------------------------------------- declarations


@attrs.frozen
class OptionSpec:
    """A provider-specific option a request may set in ``options`` (``-o NAME VALUE``)."""

    name: str
    type: Literal["str", "int", "float", "bool"] = "str"
    choices: tuple[Any, ...] | None = attrs.field(
        default=None, converter=lambda v: None if v is None else tuple(v)
    )
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    doc: str = ""


@attrs.frozen
class ImageConstraints:
    """What a model accepts as an image input; the core checks local and inline images
    against it before any network call (URLs get a scheme and length check only)."""

    formats: tuple[str, ...] = ("jpeg", "png", "webp")
    url_schemes: tuple[str, ...] = ("https",)
    max_url_length: int | None = 2048
    max_raw_bytes: int | None = None
    max_encoded_bytes: int | None = None  # the data URI / base64 text, where inlined
    min_side: int | None = None
    max_side: int | None = None
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None
    max_images: int = 1  # for multi-image mode
    max_pixels: int = 100_000_000  # decompression-bomb guard


@attrs.frozen
class ModelInfo:
    """One model's capabilities, as data. The core validates requests against it."""

    name: str
    kind: Literal["video", "image"] = "video"
    modes: frozenset[Mode] = attrs.field(
        default=frozenset({Mode.IMAGE}), converter=lambda v: frozenset(Mode(m) for m in v)
    )
    ratios: tuple[str, ...] = ()  # wire values; empty = follows the image / not declared
    any_ratio: bool = False  # takes any W:H (a local renderer): ``ratios`` is then empty
    default_ratio: str | None = None
    durations: tuple[int, ...] = ()  # empty = no duration (image models) or not declared
    default_duration: int | None = None
    prompt_limit: int | None = None
    prompt_unit: Literal["characters", "utf16"] = "characters"
    prompt_required: bool = False
    image: ImageConstraints = ImageConstraints()
    options: tuple[OptionSpec, ...] = ()
    supports_camera: bool = True
    supports_seed: bool = True
    supports_negative_prompt: bool = False
    validation: Literal["full", "partial"] = "full"  # partial: the rest is left to the server
    price_basis: str = ""
    withdrawn: bool = False
    replacement: str | None = None
    notes: str = ""


@attrs.frozen
class ProviderInfo:
    """What a provider declares about itself: hosts, limits, options and models."""

    name: str
    models: tuple[ModelInfo, ...]
    default_models: Mapping[Mode, str] = attrs.field(factory=dict)
    official_hosts: tuple[str, ...] = ()
    default_base_url: str = ""
    base_url_variables: tuple[str, ...] = ()
    credential_variables: tuple[str, ...] = ()
    poll_floor: float = 0.0  # seconds between polls, against official hosts
    output_url_lifetime: float | None = None  # seconds
    #: Output URLs on the provider's own origins (the configured base URL and the official
    #: hosts) are downloaded with ``auth()``'s credentials; a redirect to any other host
    #: never carries them. ``False``: outputs are public or presigned, fetched without.
    output_needs_auth: bool = False
    #: Filled in by the core from the hooks implemented (``find_submitted``, ``cancel``):
    #: leave unset. ``None`` only on an info the core has not seen yet.
    supports_dedupe: bool | None = None
    supports_cancel: bool | None = None
    suggested_max_running_tasks: int | None = None
    options: tuple[OptionSpec, ...] = ()
    output_follows_image: bool = False
    display_name: str = ""
    docs_url: str = ""
    #: The contract version (``framecast.HOOKSPEC_VERSION``) the provider was written for.
    contract_version: int = 1
    #: Renders on this machine: no network, no charge (``compare`` lists it apart).
    offline: bool = False

    def model(self, name: str) -> ModelInfo | None:
        for model in self.models:
            if model.name == name:
                return model
        return None

    def default_model(self, mode: Mode) -> str | None:
        return self.default_models.get(mode) or self.default_models.get(Mode.IMAGE)


@attrs.frozen
class ProviderSettings:
    """What a provider class is instantiated with. Never fails for missing credentials:
    ``require`` raises ``ConfigurationError`` naming the variable at the first call that needs it.
    """

    name: str
    base_url: str | None = None  # explicit or configured; None = env variable or default
    env: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    options: Mapping[str, Any] = attrs.field(factory=dict)
    max_running_tasks: int | None = None
    config: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    #: The runner's clock (a ``framecast.Clock``): use it for anything time-based (token
    #: expiry, say) so tests in virtual time stay consistent. ``None`` outside a runner.
    clock: Any = attrs.field(default=None, repr=False, eq=False)

    def get(self, *variables: str) -> str | None:
        """The first of ``variables`` that is set and non-empty, else ``None``."""
        for variable in variables:
            value = self.env.get(variable)
            if value:
                return value
        return None

    def require(self, *variables: str, purpose: str = "") -> str:
        value = self.get(*variables)
        if value is None:
            names = " or ".join(variables)
            what = f" ({purpose})" if purpose else ""
            raise ConfigurationError(
                f"{self.name}: no credential{what}: set {names} in the environment",
                details={"variables": list(variables)},
            )
        return value

    def require_all(self, *variables: str, purpose: str = "") -> tuple[str, ...]:
        """Each of ``variables`` (a key pair, say), in order; a missing one is reported
        together with every other missing one, so one error names all there is to set."""
        missing = [variable for variable in variables if self.get(variable) is None]
        if missing:
            what = f" ({purpose})" if purpose else ""
            raise ConfigurationError(
                f"{self.name}: no credential{what}: set {' and '.join(missing)} in the environment",
                details={"variables": missing},
            )
        return tuple(self.require(variable) for variable in variables)


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
