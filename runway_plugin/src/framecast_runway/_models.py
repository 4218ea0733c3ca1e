"""Runway's model table, as data: the one place the plugin learns what a model accepts.

Built from Runway's model list and the request schemas of its API reference (sources in the README):

- ``source="runway"``: Runway's own models, rules from the official OpenAPI ([OAS]);
- ``source="oas"``: partner models whose rules the OpenAPI states; fully validated;
- ``source="sdk"``: models only SDK 5.24.0 knows. Its types give the model name, the ratio
  values and the field names, nothing more (no min/max), so framecast checks those and
  leaves the rest to the server (``ModelInfo.validation="partial"``);
- ``source="legacy"``: withdrawn models the integration guide still uses; refused before
  the network with the replacement named.

A model can differ per endpoint (``gen4.5`` takes six ratios on image_to_video but two on
text_to_video), so each model holds one ``Variant`` per endpoint it exists on, declared to
the core as one ``ModeVariant`` each: the core checks ratios, durations and the prompt per
mode, and the plugin checks none of them again.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Literal

import attrs
from framecast import ImageConstraints, Mode, ModelInfo, ModeVariant, OptionSpec

__all__ = [
    "DATA_URI_LIMIT",
    "ENDPOINT_PATHS",
    "MODELS",
    "Endpoint",
    "RunwayModel",
    "Variant",
    "endpoint_for",
    "get_model",
]

Endpoint = Literal["image_to_video", "text_to_video", "text_to_image"]

ENDPOINT_PATHS: Mapping[str, str] = {
    "image_to_video": "/v1/image_to_video",
    "text_to_video": "/v1/text_to_video",
    "text_to_image": "/v1/text_to_image",
}

#: [OAS] maxLength of an image data URI: "1024 x 1024 x 5 bytes" of the *encoded* string.
#: Anything longer goes through ``POST /v1/uploads``.
DATA_URI_LIMIT = 5 * 1024 * 1024

#: Ephemeral uploads take up to 200 MB ([DOCS] /assets/inputs).
UPLOAD_LIMIT = 200 * 1000 * 1000


@attrs.frozen
class Variant:
    """One model on one endpoint, as its source states it."""

    endpoint: Endpoint
    ratios: tuple[str, ...] = ()
    ratio_required: bool = False
    durations: tuple[int, ...] = ()
    duration_required: bool = False
    prompt_required: bool = False
    prompt_min: int = 1
    prompt_max: int | None = None
    #: Keyframe positions a ``promptImage`` array item may name ("last" = first+last mode).
    positions: tuple[str, ...] = ()
    #: How many reference images (``promptImage`` items without a position, or
    #: ``referenceImages`` on text_to_image) the variant takes; 0 = none.
    max_references: int = 0
    references_required: bool = False
    #: JSON names the body may carry besides ``model`` (the SDK's aliases).
    fields: frozenset[str] = frozenset()

    @property
    def modes(self) -> frozenset[Mode]:
        """The request modes this endpoint serves."""
        modes: set[Mode] = set()
        if self.endpoint == "text_to_video":
            modes.add(Mode.TEXT)
        elif self.endpoint == "image_to_video":
            modes.add(Mode.IMAGE)
            if "last" in self.positions:
                modes.add(Mode.FIRST_LAST)
            if self.max_references > 1:
                modes.add(Mode.MULTI_IMAGE)
        else:  # text_to_image: the images are references
            if not self.references_required:
                modes.add(Mode.TEXT)
            if self.max_references >= 1:
                modes.add(Mode.IMAGE)
            if self.max_references > 1:
                modes.add(Mode.MULTI_IMAGE)
        return frozenset(modes)

    @property
    def declared(self) -> ModeVariant:
        """This endpoint's ratios, durations and prompt rules as the core checks them."""
        return ModeVariant(
            modes=self.modes,
            ratios=self.ratios,
            durations=self.durations,
            prompt_limit=self.prompt_max,
            prompt_required=self.prompt_required,
        )


@attrs.frozen
class RunwayModel:
    """One Runway model across its endpoints, plus what framecast declares for it."""

    name: str
    source: Literal["runway", "oas", "sdk", "legacy", "unknown"]
    variants: tuple[Variant, ...]
    kind: Literal["video", "image"] = "video"
    default_ratio: str | None = None
    default_duration: int | None = None
    options: tuple[OptionSpec, ...] = ()
    #: option name -> JSON field ("contentModeration.publicFigureThreshold" nests).
    option_fields: Mapping[str, str] = attrs.field(factory=dict)
    supports_seed: bool = False
    supports_negative_prompt: bool = False
    image: ImageConstraints = attrs.field(factory=ImageConstraints)
    price_basis: str = ""
    replacement: str | None = None
    notes: str = ""

    @property
    def withdrawn(self) -> bool:
        return self.source == "legacy"

    @property
    def validation(self) -> Literal["full", "partial"]:
        return "partial" if self.source in ("sdk", "unknown") else "full"

    def variant(self, endpoint: str) -> Variant | None:
        for variant in self.variants:
            if variant.endpoint == endpoint:
                return variant
        return None

    @property
    def modes(self) -> frozenset[Mode]:
        return frozenset(mode for variant in self.variants for mode in variant.modes)

    @property
    def all_ratios(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for variant in self.variants:
            seen.update(dict.fromkeys(variant.ratios))
        return tuple(seen)

    @property
    def all_durations(self) -> tuple[int, ...]:
        seen: dict[int, None] = {}
        for variant in self.variants:
            seen.update(dict.fromkeys(variant.durations))
        return tuple(sorted(seen))

    @functools.cached_property
    def info(self) -> ModelInfo:
        prompt_limits = [v.prompt_max for v in self.variants if v.prompt_max is not None]
        image_variant = self.variant("image_to_video") or self.variant("text_to_image")
        max_images = max((v.max_references for v in self.variants), default=1)
        return ModelInfo(
            name=self.name,
            kind=self.kind,
            modes=self.modes,
            ratios=self.all_ratios,
            default_ratio=self.default_ratio,
            durations=self.all_durations,
            default_duration=self.default_duration,
            prompt_limit=min(prompt_limits) if prompt_limits else None,
            prompt_unit="utf16",
            prompt_required=bool(image_variant and image_variant.prompt_required),
            image=attrs.evolve(self.image, max_images=max(max_images, 1)),
            options=self.options,
            supports_camera=self.kind == "video",
            supports_seed=self.supports_seed,
            supports_negative_prompt=self.supports_negative_prompt,
            validation=self.validation,
            price_basis=self.price_basis,
            withdrawn=self.withdrawn,
            replacement=self.replacement,
            notes=self.notes,
            variants=tuple(v.declared for v in self.variants),
        )


def endpoint_for(model: RunwayModel, mode: Mode) -> Endpoint:
    if model.kind == "image":
        return "text_to_image"
    return "text_to_video" if mode is Mode.TEXT else "image_to_video"


# --------------------------------------------------------------------------- shared values

#: gen4 family image_to_video sizes (gen4.5 and gen4_turbo list them in different orders).
GEN4_RATIOS = ("1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672")
VEO_RATIOS = ("1280:720", "720:1280", "1080:1920", "1920:1080")
VEO_DURATIONS = (4, 6, 8)
GEN4_IMAGE_RATIOS = (
    "1024:1024", "1080:1080", "1168:880", "1360:768", "1440:1080", "1080:1440", "1808:768",
    "1920:1080", "1080:1920", "2112:912", "1280:720", "720:1280", "720:720", "960:720",
    "720:960", "1680:720",
)  # fmt: skip
HAILUO_RATIOS = ("adaptive", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
HAPPYHORSE_T2V_RATIOS = (
    "1280:720", "720:1280", "960:960", "1108:832", "832:1108", "1920:1080", "1080:1920",
    "1440:1440", "1662:1248", "1248:1662",
)  # fmt: skip
SEEDANCE_SMALL_RATIOS = (
    "992:432", "864:496", "752:560", "640:640", "560:752", "496:864",
    "1470:630", "1280:720", "1112:834", "960:960", "834:1112", "720:1280",
)  # fmt: skip
SEEDANCE2_RATIOS = (
    *SEEDANCE_SMALL_RATIOS,
    "2206:946", "1920:1080", "1664:1248", "1440:1440", "1248:1664", "1080:1920",
    "3840:1646", "3840:2160", "3840:2880", "3840:3840", "2880:3840", "2160:3840",
)  # fmt: skip
SEEDANCE2_5_RATIOS = (
    "992:432", "854:480", "752:560", "640:640", "560:752", "480:854",
    "1470:630", "1280:720", "1112:834", "960:960", "834:1112", "720:1280",
    # 1080p: SDK 5.24.0 only (the Aug-2026 OpenAPI says "480p and 720p only"); the SDK is
    # the newer source (runway.md §0). Their price is unknown.
    "2206:946", "1920:1080", "1664:1248", "1440:1440", "1248:1664", "1080:1920",
)  # fmt: skip
GEMINI_OMNI_RATIOS = ("1280:720", "720:1280")
WAN3_RATIOS = (
    "832:480", "720:544", "624:624", "544:720", "480:832", "1280:720", "1104:832", "960:960",
    "832:1104", "720:1280", "1920:1080", "1648:1248", "1440:1440", "1248:1648", "1080:1920",
    "auto_480p", "auto_720p", "auto_1080p",
)  # fmt: skip
GEMINI_OMNI_1_1_RATIOS = (
    "640:360", "360:640", "1280:720", "720:1280", "1920:1080", "1080:1920", "3840:2160",
    "2160:3840",
)  # fmt: skip
KLING_4K_RATIOS = ("3840:2160", "2160:3840", "2880:2880")
KLING_PRO_RATIOS = ("1920:1080", "1080:1920", "1440:1440")
KLING_STD_RATIOS = ("1280:720", "720:1280", "960:960")
KLING_2_5_T2V_RATIOS = ("1920:1080", "1440:1440", "1080:1920", "1280:720", "720:720", "720:1280")
KLING_4_T2V_RATIOS = (
    "1280:720", "720:1280", "940:940", "1460:624", "1920:1080", "1080:1920", "1440:1440",
    "2200:940", "auto_720p", "auto_1080p",
)  # fmt: skip
GROK_T2V_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3")
GROK_LITE_I2V_RATIOS = ("auto_480p", "auto_720p", "auto_1080p")
GROK_LITE_T2V_RATIOS = (
    "848:480", "480:848", "480:480", "640:480", "480:640", "720:480", "480:720", "1280:720",
    "720:1280", "720:720", "960:720", "720:960", "1088:720", "720:1088", "1904:1072",
    "1072:1904", "1424:1424", "1648:1232", "1232:1648", "1744:1152", "1152:1744",
)  # fmt: skip


def _range(low: int, high: int) -> tuple[int, ...]:
    return tuple(range(low, high + 1))


def _fields(*names: str) -> frozenset[str]:
    return frozenset(names)


# Image inputs. The 0.5-2.0 aspect range and the 8000 px side come from THIRD-PARTY
# observations only (runway.md §6.2: an error text "width / height ratio must be at least
# 0.5", ComfyUI's validator); Runway documents neither. Kept here, in one place, to change.
GEN4_IMAGES = ImageConstraints(
    formats=("jpeg", "png", "webp"),
    url_schemes=("https",),
    max_url_length=2048,
    max_raw_bytes=UPLOAD_LIMIT,
    min_aspect=0.5,
    max_aspect=2.0,
    max_side=8000,
)
#: Partner models: only the documented limits (formats, URL length, upload size).
PARTNER_IMAGES = ImageConstraints(
    formats=("jpeg", "png", "webp"),
    url_schemes=("https",),
    max_url_length=2048,
    max_raw_bytes=UPLOAD_LIMIT,
)

# --------------------------------------------------------------------------- options

PUBLIC_FIGURE = OptionSpec(
    name="public_figure_threshold",
    choices=("auto", "low"),
    doc="contentModeration.publicFigureThreshold: how strictly public figures are moderated.",
)
AUDIO = OptionSpec(
    name="audio",
    type="bool",
    default=True,
    doc="Generate an audio track (Runway's default: true; it changes the price).",
)
AUDIO_PLAIN = attrs.evolve(AUDIO, doc="Generate an audio track (server default).")
#: 10-bit and deeper formats: SDK 5.24.0 adds them to the OpenAPI's mp4/prores/png_sequence.
HDR_FORMATS = (
    "hdr10", "hlg", "sdr_rec709_10bit", "hdr_pq_12bit_master", "hdr_prores",
    "hdr_png_sequence", "hdr_exr_sequence", "hdr_exr_acescg_sequence_1_3",
    "hdr_exr_acescg_sequence_2_0",
)  # fmt: skip
GEN4_5_OUTPUT_FORMAT = OptionSpec(
    name="output_format",
    choices=("mp4", "prores", "png_sequence", *HDR_FORMATS),
    default="mp4",
    doc="Container: mp4 (default), prores (.mov), png_sequence (.zip): 5 credits/s more; "
    "10-bit and deeper (hdr10, hlg, hdr_prores, EXR sequences ...): 20 credits/s more.",
)
PRORES_PROFILE = OptionSpec(
    name="prores_profile",
    choices=("422", "4444", "422 Proxy", "422 LT", "422 HQ", "4444 XQ"),
    doc="ProRes profile; only with output_format prores (any; default 4444) or hdr_prores "
    "(422, 422 HQ or 4444; default 422 HQ).",
)
HAILUO_RESOLUTION = OptionSpec(
    name="resolution",
    # [OAS] lists 768P/2K; SDK 5.24.0 adds 768p/2k and marks the capitals deprecated.
    choices=("768p", "2k", "768P", "2K"),
    doc="Output resolution (768p costs 10 credits/s, 2k 15).",
)
HAPPYHORSE_RESOLUTION = OptionSpec(
    name="resolution",
    choices=("720p", "1080p", "720P", "1080P"),
    doc="Output quality tier; the aspect follows the input image.",
)
GROK_RESOLUTION = OptionSpec(name="resolution", choices=("480p", "720p", "1080p"))
H3_RESOLUTION = OptionSpec(name="resolution", choices=("480p", "768p"))

GEN4_OPTION_FIELDS = {"public_figure_threshold": "contentModeration.publicFigureThreshold"}

# --------------------------------------------------------------------------- Runway's own

_RUNWAY_NOTE = "Runway's own model; rules from the official OpenAPI (2024-11-06)."
# Defaults: Runway documents no default duration or ratio (runway.md §9.4), so framecast
# picks one and always sends it; the price is then known before submit.
_DEFAULT_NOTE = "default ratio and duration are framecast's choice (Runway states none)"

RUNWAY_MODELS: tuple[RunwayModel, ...] = (
    RunwayModel(
        name="gen4.5",
        source="runway",
        variants=(
            Variant(
                "image_to_video",
                ratios=("1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672"),
                ratio_required=True,
                durations=_range(2, 10),
                duration_required=True,
                prompt_required=True,
                prompt_max=1000,
                positions=("first",),
                fields=_fields(
                    "promptImage",
                    "promptText",
                    "ratio",
                    "duration",
                    "seed",
                    "contentModeration",
                    "outputFormat",
                    "proresProfile",
                ),
            ),
            Variant(
                "text_to_video",
                ratios=("1280:720", "720:1280"),
                ratio_required=True,
                durations=_range(2, 10),
                duration_required=True,
                prompt_required=True,
                prompt_max=1000,
                fields=_fields(
                    "promptText",
                    "ratio",
                    "duration",
                    "seed",
                    "contentModeration",
                    "outputFormat",
                    "proresProfile",
                ),
            ),
        ),
        default_ratio="1280:720",
        default_duration=5,
        options=(PUBLIC_FIGURE, GEN4_5_OUTPUT_FORMAT, PRORES_PROFILE),
        option_fields={
            **GEN4_OPTION_FIELDS,
            "output_format": "outputFormat",
            "prores_profile": "proresProfile",
        },
        supports_seed=True,
        image=GEN4_IMAGES,
        price_basis="12 credits/s (+5/s prores or png_sequence)",
        notes=f"{_RUNWAY_NOTE} {_DEFAULT_NOTE}.",
    ),
    RunwayModel(
        name="gen4_turbo",
        source="runway",
        variants=(
            Variant(
                "image_to_video",
                ratios=GEN4_RATIOS,
                ratio_required=True,
                durations=_range(2, 10),
                prompt_max=1000,
                positions=("first",),
                fields=_fields(
                    "promptImage", "promptText", "ratio", "duration", "seed", "contentModeration"
                ),
            ),
        ),
        default_ratio="1280:720",
        default_duration=5,
        options=(PUBLIC_FIGURE,),
        option_fields=GEN4_OPTION_FIELDS,
        supports_seed=True,
        image=GEN4_IMAGES,
        price_basis="5 credits/s",
        notes=f"{_RUNWAY_NOTE} Image-to-video only. {_DEFAULT_NOTE}.",
    ),
    *(
        RunwayModel(
            name=name,
            source="runway",
            variants=(
                Variant(
                    "image_to_video",
                    ratios=VEO_RATIOS,
                    ratio_required=True,
                    durations=VEO_DURATIONS,
                    prompt_max=1000,
                    # "does not support generating with only a last frame": the first is
                    # always sent.
                    positions=("first", "last"),
                    fields=_fields(
                        "promptImage",
                        "promptText",
                        "ratio",
                        "duration",
                        "audio",
                        "negativePrompt",
                        "seed",
                    ),
                ),
                Variant(
                    "text_to_video",
                    ratios=VEO_RATIOS,
                    ratio_required=True,
                    durations=VEO_DURATIONS,
                    prompt_required=True,
                    prompt_max=1000,
                    fields=_fields(
                        "promptText", "ratio", "duration", "audio", "negativePrompt", "seed"
                    ),
                ),
            ),
            default_ratio="1280:720",
            default_duration=8,
            options=(AUDIO,),
            option_fields={"audio": "audio"},
            # seed is in SDK 5.24.0's types, not in the Aug-2026 OpenAPI copy (which does
            # not close these bodies with additionalProperties:false).
            supports_seed=True,
            supports_negative_prompt=True,
            image=PARTNER_IMAGES,
            price_basis=price,
            notes=f"{_RUNWAY_NOTE} {_DEFAULT_NOTE}.",
        )
        for name, price in (
            ("veo3.1", "20 credits/s, 40 with audio (the default)"),
            ("veo3.1_fast", "10 credits/s, 15 with audio (the default)"),
        )
    ),
    RunwayModel(
        name="gen4_image",
        source="runway",
        kind="image",
        variants=(
            Variant(
                "text_to_image",
                ratios=GEN4_IMAGE_RATIOS,
                ratio_required=True,
                prompt_required=True,
                prompt_max=1000,
                max_references=3,
                fields=_fields(
                    "promptText", "ratio", "seed", "referenceImages", "contentModeration"
                ),
            ),
        ),
        default_ratio="1280:720",
        options=(PUBLIC_FIGURE,),
        option_fields=GEN4_OPTION_FIELDS,
        supports_seed=True,
        image=PARTNER_IMAGES,
        price_basis="5 credits per image at 720p, 8 at 1080p",
        notes=f"{_RUNWAY_NOTE} Text-to-image with up to 3 reference images; no duration, "
        "no camera.",
    ),
    RunwayModel(
        name="gen4_image_turbo",
        source="runway",
        kind="image",
        variants=(
            Variant(
                "text_to_image",
                ratios=GEN4_IMAGE_RATIOS,
                ratio_required=True,
                prompt_required=True,
                prompt_max=1000,
                max_references=3,
                references_required=True,
                fields=_fields(
                    "promptText", "ratio", "seed", "referenceImages", "contentModeration"
                ),
            ),
        ),
        default_ratio="1280:720",
        options=(PUBLIC_FIGURE,),
        option_fields=GEN4_OPTION_FIELDS,
        supports_seed=True,
        image=PARTNER_IMAGES,
        price_basis="2 credits per image",
        notes=f"{_RUNWAY_NOTE} Needs 1-3 reference images; no duration, no camera.",
    ),
)

# --------------------------------------------------------------------------- partners, OAS

_OAS_NOTE = "Partner model; rules from the official OpenAPI (Aug 2026)."


def _seedance(name: str, ratios: tuple[str, ...], durations: tuple[int, ...], limit: int,
              price: str) -> RunwayModel:  # fmt: skip
    # Seedance keyframes take positions first/last; items without a position are
    # reference images, and the two cannot be mixed (the OAS puts no cap on their number).
    return RunwayModel(
        name=name,
        source="oas",
        variants=(
            Variant(
                "image_to_video",
                ratios=ratios,
                durations=durations,
                prompt_max=limit,
                positions=("first", "last"),
                max_references=9,
                fields=_fields(
                    "promptImage",
                    "promptText",
                    "ratio",
                    "duration",
                    "audio",
                    "seed",
                    "referenceAudio",
                ),
            ),
            Variant(
                "text_to_video",
                ratios=ratios,
                durations=durations,
                prompt_required=name != "seedance2_5",
                prompt_max=limit,
                fields=_fields(
                    "promptText",
                    "ratio",
                    "duration",
                    "audio",
                    "seed",
                    "references",
                    "referenceVideos",
                    "referenceAudio",
                ),
            ),
        ),
        default_ratio="1280:720",
        default_duration=5,
        options=(AUDIO_PLAIN,),
        option_fields={"audio": "audio"},
        # seed: SDK 5.24.0 only (the OAS copy predates it).
        supports_seed=True,
        image=PARTNER_IMAGES,
        price_basis=price,
        notes=f"{_OAS_NOTE} Reference images: at most 9 sent by framecast (the OpenAPI "
        f"states no cap). {_DEFAULT_NOTE}.",
    )


OAS_MODELS: tuple[RunwayModel, ...] = (
    RunwayModel(
        name="hailuo3",
        source="oas",
        variants=(
            Variant(
                "image_to_video",
                ratios=HAILUO_RATIOS,
                durations=_range(5, 15),
                prompt_required=True,
                prompt_max=6000,
                positions=("first", "last"),
                max_references=9,
                fields=_fields(
                    "promptImage",
                    "promptText",
                    "ratio",
                    "duration",
                    "resolution",
                    "referenceAudio",
                ),
            ),
            Variant(
                "text_to_video",
                ratios=tuple(r for r in HAILUO_RATIOS if r != "adaptive"),
                durations=_range(5, 15),
                prompt_required=True,
                prompt_max=6000,
                fields=_fields(
                    "promptText",
                    "ratio",
                    "duration",
                    "resolution",
                    "references",
                    "referenceVideos",
                    "referenceAudio",
                ),
            ),
        ),
        default_ratio="16:9",
        default_duration=6,
        options=(HAILUO_RESOLUTION,),
        option_fields={"resolution": "resolution"},
        image=PARTNER_IMAGES,
        price_basis="10 credits/s at 768p, 15 at 2k",
        notes=f"{_OAS_NOTE} 'adaptive' (the ratio follows the image) only with images. "
        f"{_DEFAULT_NOTE}.",
    ),
    RunwayModel(
        name="happyhorse_1_0",
        source="oas",
        variants=(
            # Image-to-video has no ratio: the output follows the input image.
            Variant(
                "image_to_video",
                durations=_range(3, 15),
                prompt_min=2,
                prompt_max=2500,
                positions=("first",),
                fields=_fields("promptImage", "promptText", "duration", "resolution"),
            ),
            Variant(
                "text_to_video",
                ratios=HAPPYHORSE_T2V_RATIOS,
                durations=_range(3, 15),
                prompt_required=True,
                prompt_min=2,
                prompt_max=2500,
                fields=_fields("promptText", "ratio", "duration"),
            ),
        ),
        default_ratio="1280:720",
        default_duration=5,
        options=(HAPPYHORSE_RESOLUTION,),
        option_fields={"resolution": "resolution"},
        image=PARTNER_IMAGES,
        notes=f"{_OAS_NOTE} Image-to-video output follows the image (use image_fit=crop/pad "
        f"for a ratio). Price unknown. {_DEFAULT_NOTE}.",
    ),
    _seedance(
        "seedance2",
        SEEDANCE2_RATIOS,
        _range(4, 15),
        3500,
        "36 credits/s up to 720p, 40 at 1080p, 150 at 4K",
    ),
    _seedance("seedance2_fast", SEEDANCE_SMALL_RATIOS, _range(4, 15), 3500, "29 credits/s"),
    _seedance(
        "seedance2_mini", SEEDANCE_SMALL_RATIOS, _range(4, 15), 3500, "16 credits/s, minimum 64"
    ),
    _seedance(
        "seedance2_5",
        SEEDANCE2_5_RATIOS,
        _range(4, 30),
        15000,
        "30 credits/s at 720p, 20 at 480p, minimum 80",
    ),
    RunwayModel(
        name="gemini_omni_flash",
        source="oas",
        variants=(
            Variant(
                "image_to_video",
                ratios=GEMINI_OMNI_RATIOS,
                durations=_range(3, 10),
                prompt_max=4000,
                positions=("first",),
                fields=_fields("promptImage", "promptText", "ratio", "duration"),
            ),
            Variant(
                "text_to_video",
                ratios=GEMINI_OMNI_RATIOS,
                durations=_range(3, 10),
                prompt_required=True,
                prompt_max=4000,
                fields=_fields("promptText", "ratio", "duration"),
            ),
        ),
        default_ratio="1280:720",
        default_duration=8,
        image=PARTNER_IMAGES,
        notes=f"{_OAS_NOTE} Price unknown. {_DEFAULT_NOTE}.",
    ),
)

# --------------------------------------------------------------------------- partners, SDK

_SDK_NOTE = (
    "Known only from SDK 5.24.0's types: framecast checks the model, ratio values and field "
    "names; durations, prompt length and image limits are left to Runway's server."
)


def _sdk(
    name: str,
    *,
    i2v: tuple[str, ...] | None,
    t2v: tuple[str, ...] | None,
    i2v_fields: tuple[str, ...] = (),
    t2v_fields: tuple[str, ...] = (),
    last_frame: bool = False,
    durations: tuple[int, ...] = (),
    i2v_prompt_required: bool = False,
    t2v_prompt_required: bool = True,
    t2v_ratio_required: bool = False,
    options: tuple[OptionSpec, ...] = (),
    supports_seed: bool = False,
    image: ImageConstraints = PARTNER_IMAGES,
) -> RunwayModel:
    """An SDK-only model; ``i2v``/``t2v`` are its ratio values (``()`` = no ratio field,
    ``None`` = not on that endpoint)."""
    variants: list[Variant] = []
    extra = ("seed",) if supports_seed else ()
    option_names = tuple(o.name for o in options)
    if i2v is not None:
        base = ("promptImage", "promptText", "duration", *option_names, *extra)
        variants.append(
            Variant(
                "image_to_video",
                ratios=i2v,
                durations=durations,
                prompt_required=i2v_prompt_required,
                positions=("first", "last") if last_frame else ("first",),
                fields=_fields(*base, *(("ratio",) if i2v else ()), *i2v_fields),
            )
        )
    if t2v is not None:
        base = ("promptText", "duration", *option_names, *extra)
        variants.append(
            Variant(
                "text_to_video",
                ratios=t2v,
                ratio_required=t2v_ratio_required,
                durations=durations,
                prompt_required=t2v_prompt_required,
                fields=_fields(*base, *(("ratio",) if t2v else ()), *t2v_fields),
            )
        )
    return RunwayModel(
        name=name,
        source="sdk",
        variants=tuple(variants),
        options=options,
        option_fields={o.name: o.name for o in options},
        supports_seed=supports_seed,
        image=image,
        notes=_SDK_NOTE,
    )


_KLING_FIELDS = ("audio", "cfgScale", "providerSettings")
_KLING_O3_FIELDS = ("audio", "providerSettings")

SDK_MODELS: tuple[RunwayModel, ...] = (
    _sdk("klingO3_4k", i2v=KLING_4K_RATIOS, t2v=KLING_4K_RATIOS, last_frame=True,
         i2v_fields=(*_KLING_O3_FIELDS, "references"), t2v_fields=_KLING_O3_FIELDS,
         t2v_prompt_required=False, t2v_ratio_required=True, options=(AUDIO_PLAIN,)),
    _sdk("kling3.0_4k", i2v=KLING_4K_RATIOS, t2v=KLING_4K_RATIOS, last_frame=True,
         i2v_fields=_KLING_FIELDS, t2v_fields=_KLING_FIELDS, t2v_prompt_required=False,
         t2v_ratio_required=True, options=(AUDIO_PLAIN,)),
    _sdk("kling3.0_pro", i2v=KLING_PRO_RATIOS, t2v=KLING_PRO_RATIOS, last_frame=True,
         i2v_fields=_KLING_FIELDS, t2v_fields=_KLING_FIELDS, t2v_prompt_required=False,
         t2v_ratio_required=True, options=(AUDIO_PLAIN,)),
    _sdk("kling3.0_standard", i2v=KLING_STD_RATIOS, t2v=KLING_STD_RATIOS, last_frame=True,
         i2v_fields=_KLING_FIELDS, t2v_fields=_KLING_FIELDS, t2v_prompt_required=False,
         t2v_ratio_required=True, options=(AUDIO_PLAIN,)),
    _sdk("klingO3_pro", i2v=KLING_PRO_RATIOS, t2v=KLING_PRO_RATIOS, last_frame=True,
         i2v_fields=(*_KLING_O3_FIELDS, "references"), t2v_fields=_KLING_O3_FIELDS,
         t2v_prompt_required=False, t2v_ratio_required=True, options=(AUDIO_PLAIN,)),
    _sdk("klingO3_standard", i2v=KLING_STD_RATIOS, t2v=KLING_STD_RATIOS, last_frame=True,
         i2v_fields=(*_KLING_O3_FIELDS, "references"), t2v_fields=_KLING_O3_FIELDS,
         t2v_prompt_required=False, t2v_ratio_required=True, options=(AUDIO_PLAIN,)),
    _sdk("kling2.5_turbo_pro", i2v=(), t2v=KLING_2_5_T2V_RATIOS, last_frame=True,
         i2v_fields=("cfgScale",), t2v_fields=("cfgScale",), durations=(5, 10),
         i2v_prompt_required=True),
    _sdk("kling_4", i2v=("auto_720p", "auto_1080p"), t2v=KLING_4_T2V_RATIOS,
         i2v_fields=("references", "referenceVideos"),
         t2v_fields=("references", "referenceVideos")),
    _sdk("grok_imagine_1_5", i2v=(), t2v=GROK_T2V_RATIOS,
         t2v_fields=("references", "referenceAudio"), options=(GROK_RESOLUTION,)),
    # Image limits from the SDK docstrings (runway.md §6.2).
    _sdk("grok_imagine_1_5_lite", i2v=GROK_LITE_I2V_RATIOS, t2v=GROK_LITE_T2V_RATIOS,
         image=attrs.evolve(PARTNER_IMAGES, min_aspect=0.4, max_aspect=2.5)),
    _sdk("wan3", i2v=WAN3_RATIOS, t2v=WAN3_RATIOS, i2v_prompt_required=True,
         i2v_fields=("referenceAudio", "referenceVideos"),
         t2v_fields=("referenceAudio", "references", "referenceVideos"),
         options=(AUDIO_PLAIN,)),
    _sdk("wan3_prime", i2v=WAN3_RATIOS, t2v=WAN3_RATIOS, i2v_prompt_required=True,
         i2v_fields=("referenceAudio", "referenceVideos"),
         t2v_fields=("referenceAudio", "references", "referenceVideos"),
         options=(AUDIO_PLAIN,)),
    _sdk("gemini_omni_flash_1.1", i2v=GEMINI_OMNI_1_1_RATIOS, t2v=GEMINI_OMNI_1_1_RATIOS,
         last_frame=True, i2v_prompt_required=True,
         t2v_fields=("references", "referenceVideos")),
    _sdk("h3_max", i2v=(), t2v=(), last_frame=True, i2v_prompt_required=True,
         i2v_fields=("promptExpansionMode",), t2v_fields=("promptExpansionMode",),
         options=(H3_RESOLUTION,), supports_seed=True,
         image=attrs.evolve(PARTNER_IMAGES, min_side=256)),
)  # fmt: skip

# --------------------------------------------------------------------------- withdrawn

LEGACY_MODELS: tuple[RunwayModel, ...] = (
    RunwayModel(
        name="gen3a_turbo",
        source="legacy",
        variants=(
            Variant(
                "image_to_video",
                ratios=("1280:768", "768:1280"),
                durations=(5, 10),
                prompt_required=True,
                prompt_max=1000,
                positions=("first", "last"),
                fields=_fields("promptImage", "promptText", "ratio", "duration", "seed"),
            ),
        ),
        default_ratio="1280:768",
        default_duration=10,
        image=GEN4_IMAGES,
        price_basis="5 credits/s",
        replacement="gen4_turbo",
        notes="Withdrawn: gone from SDK 5.24.0 and the current OpenAPI; use gen4_turbo.",
    ),
    RunwayModel(
        name="veo3",
        source="legacy",
        variants=(
            Variant(
                "image_to_video",
                ratios=VEO_RATIOS,
                ratio_required=True,
                durations=(8,),
                duration_required=True,
                prompt_max=1000,
                positions=("first",),
                fields=_fields("promptImage", "promptText", "ratio", "duration"),
            ),
            Variant(
                "text_to_video",
                ratios=VEO_RATIOS,
                ratio_required=True,
                durations=(8,),
                duration_required=True,
                prompt_required=True,
                prompt_max=1000,
                fields=_fields("promptText", "ratio", "duration"),
            ),
        ),
        default_ratio="1280:720",
        default_duration=8,
        image=PARTNER_IMAGES,
        price_basis="40 credits/s",
        replacement="veo3.1",
        notes="Withdrawn: gone from SDK 5.24.0 and the current OpenAPI; use veo3.1.",
    ),
)

MODELS: tuple[RunwayModel, ...] = (*RUNWAY_MODELS, *OAS_MODELS, *SDK_MODELS, *LEGACY_MODELS)
_BY_NAME: dict[str, RunwayModel] = {m.name: m for m in MODELS}


def get_model(name: str) -> RunwayModel | None:
    return _BY_NAME.get(name)
