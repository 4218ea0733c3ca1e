"""What providers declare: modes, options, image constraints, models (with per-mode
variants), the provider itself and the settings it is built with. The core validates
requests against these; re-exported from ``framecast`` (and ``framecast._models``)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._errors import ConfigurationError

if TYPE_CHECKING:
    from ._clock import Clock

__all__ = [
    "ImageConstraints",
    "Mode",
    "ModeVariant",
    "ModelInfo",
    "OptionSpec",
    "ProviderInfo",
    "ProviderSettings",
]


class Mode(str, enum.Enum):
    """What a request gives the model, derived from its image fields."""

    TEXT = "text"  # no image
    IMAGE = "image"  # one start image
    MULTI_IMAGE = "multi-image"  # reference images (``images``)
    FIRST_LAST = "first-last"  # start and end frame (``end_image``)

    def __str__(self) -> str:
        return self.value


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
    #: False: the model takes images only as URLs (``url_schemes``) and has no upload, so a
    #: local file or bytes is refused before any request (naming the provider's models
    #: that do take local files).
    local_files: bool = True


def _either(value: Any, fallback: Any) -> Any:
    return fallback if value is None else value


def _to_modes(value: Iterable[Any]) -> frozenset[Mode]:
    return frozenset(Mode(m) for m in value)


@attrs.frozen
class ModeVariant:
    """What a model takes in some of its modes where that differs from the model as a whole
    (Runway's ``gen4.5`` offers six ratios from an image, two from text alone).

    A field left ``None`` keeps the model's own value. The core narrows the model to the
    request's mode (``ModelInfo.for_mode``) before it validates and before any hook runs, so
    ratios, durations and the prompt are checked against this variant.
    """

    modes: frozenset[Mode] = attrs.field(converter=_to_modes)
    ratios: tuple[str, ...] | None = attrs.field(
        default=None, converter=lambda v: None if v is None else tuple(v)
    )
    default_ratio: str | None = None  # None: the model's, where this variant offers it
    durations: tuple[int, ...] | None = attrs.field(
        default=None, converter=lambda v: None if v is None else tuple(v)
    )
    default_duration: int | None = None  # None: the model's, where this variant offers it
    prompt_limit: int | None = None
    prompt_required: bool | None = None


def _variants(value: Iterable[ModeVariant]) -> tuple[ModeVariant, ...]:
    return tuple(value)


@attrs.frozen
class ModelInfo:
    """One model's capabilities, as data. The core validates requests against it."""

    name: str
    kind: Literal["video", "image"] = "video"
    modes: frozenset[Mode] = attrs.field(default=frozenset({Mode.IMAGE}), converter=_to_modes)
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
    #: Per-mode differences; the fields above are the model as a whole (what listings show).
    variants: tuple[ModeVariant, ...] = attrs.field(default=(), converter=_variants)

    def variant(self, mode: Mode) -> ModeVariant | None:
        """The variant that covers ``mode``, if one does."""
        for variant in self.variants:
            if mode in variant.modes:
                return variant
        return None

    def for_mode(self, mode: Mode) -> ModelInfo:
        """This model as it is for a request in ``mode``: the covering variant's ratios,
        durations, defaults and prompt rules in place of the model's own (itself when no
        variant covers the mode). The narrowed model has no variants."""
        variant = self.variant(mode)
        if variant is None:
            return self
        ratios = self.ratios if variant.ratios is None else variant.ratios
        durations = self.durations if variant.durations is None else variant.durations
        default_ratio = variant.default_ratio
        if default_ratio is None and (variant.ratios is None or self.default_ratio in ratios):
            default_ratio = self.default_ratio
        default_duration = variant.default_duration
        if default_duration is None and (
            variant.durations is None or self.default_duration in durations
        ):
            default_duration = self.default_duration
        return attrs.evolve(
            self,
            ratios=ratios,
            default_ratio=default_ratio,
            durations=durations,
            default_duration=default_duration,
            prompt_limit=self.prompt_limit
            if variant.prompt_limit is None
            else variant.prompt_limit,
            prompt_required=(
                self.prompt_required if variant.prompt_required is None else variant.prompt_required
            ),
            variants=(),
        )


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
    #: Whether a task that ends FAILED is charged (``None``: not known). Failover counts
    #: a failed task's charge — reported, else estimated unless this is False — in the total.
    bills_failed_tasks: bool | None = None
    #: The keys of its framecast.toml table the provider reads beyond the core's
    #: (``base_url``, ``model``, ``max_running_tasks``, ``options``), as
    #: ``framecast.ConfigKey``s. ``None``: not declared, so unknown keys in its table are
    #: not warned about.
    config_keys: tuple[Any, ...] | None = None
    #: Hosts its outputs are downloaded from (``"cdn.example.com"``, or ``".example.com"``
    #: for every subdomain), redirects included. Empty: any public https host.
    output_hosts: tuple[str, ...] = ()

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

    @property
    def time_source(self) -> Clock:
        """``clock``, or the system clock outside a runner: what a provider reads the time
        from — ``time()`` for wall time (token timestamps, expiry dates), ``monotonic()``
        for intervals."""
        if self.clock is not None:
            return self.clock  # type: ignore[no-any-return]
        from ._clock import SystemClock

        return SystemClock()

    def get(self, *variables: str) -> str | None:
        """The first of ``variables`` that is set and non-empty, else ``None``."""
        for variable in variables:
            value = self.env.get(variable)
            if value:
                return value
        return None

    def require(self, *variables: str, purpose: str = "") -> str:
        """The credential in the first of ``variables`` that is set: surrounding whitespace
        (the newline of a key read from a file) stripped, registered for redaction
        everywhere (``framecast.register_secret``), and refused as a ``ConfigurationError``
        naming the variable, never the value, if it holds a control or non-ASCII
        character. None set: a ``ConfigurationError`` naming what to set."""
        from ._checks import clean_credential

        for variable in variables:
            value = self.env.get(variable)
            if value and value.strip():
                return clean_credential(variable, value)
        names = " or ".join(variables)
        what = f" ({purpose})" if purpose else ""
        raise ConfigurationError(
            f"{self.name}: no credential{what}: set {names} in the environment",
            details={"variables": list(variables)},
        )

    def require_all(self, *variables: str, purpose: str = "") -> tuple[str, ...]:
        """Each of ``variables`` (a key pair, say), in order; a missing one is reported
        together with every other missing one, so one error names all there is to set."""
        missing = [variable for variable in variables if not (self.get(variable) or "").strip()]
        if missing:
            what = f" ({purpose})" if purpose else ""
            raise ConfigurationError(
                f"{self.name}: no credential{what}: set {' and '.join(missing)} in the environment",
                details={"variables": missing},
            )
        return tuple(self.require(variable) for variable in variables)
