"""Veo's models on the Gemini API, as data: modes, ratios, durations, resolutions, prices
and the rules that combine them. Each value names its source (the README lists them):

- [SDK] ``google-genai==2.34.0``, ``google/genai/models.py`` (``_GenerateVideosConfig_to_mldev``)
  and ``types.py`` (``GenerateVideosConfig``), the last release whose ``generate_videos``
  talks to the Gemini API;
- [DOC] https://ai.google.dev/gemini-api/docs/video ("Generate videos with Veo 3.1 in
  Gemini API"), copy of 2026-04-29, cross-checked with docs/veo as quoted on 2026-09-28;
- [PRICE] https://ai.google.dev/gemini-api/docs/pricing, "Last updated 2026-09-24", as
  quoted on 2026-09-28;
- [DEPR] https://ai.google.dev/gemini-api/docs/deprecations, "Last updated 2026-09-24".

Values marked UNCONFIRMED are the plugin's best reading where the sources are silent or
disagree; each is one constant here, easy to change.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from framecast import ImageConstraints, Mode, ModelInfo, OptionSpec

__all__ = [
    "DURATIONS",
    "MODELS",
    "PERSON_GENERATION",
    "RATIOS",
    "VeoModel",
    "get_model",
    "model_infos",
]

#: [DOC] "aspectRatio": "16:9" (default) or "9:16", every Veo 3.1 model.
RATIOS = ("16:9", "9:16")
#: [DOC] "durationSeconds": 4, 6 or 8.
DURATIONS = (4, 6, 8)
#: The duration sent when none is asked. The server's own default is UNCONFIRMED: the
#: plugin always sends one, and 8 s is the only value every mode and resolution takes.
DEFAULT_DURATION = 8
#: [DOC] 1080p and 4k are "8s only"; so are reference images.
EIGHT_SECONDS_ONLY_RESOLUTIONS = frozenset({"1080p", "4k"})
#: UNCONFIRMED: the 2025 page said first+last frame "must be 8"; the 2026 page no longer
#: does. A first+last request without a duration gets 8 s; 4 and 6 are sent as asked.
FIRST_LAST_DEFAULT_DURATION = 8
#: [DOC] "personGeneration": text-to-video takes "allow_all"; image-to-video, first+last
#: frame and reference images take "allow_adult" only. In the EU, UK, CH and MENA every
#: mode takes "allow_adult" only (the server decides by the caller's location), so
#: "allow_adult" is accepted for text too. Sent only when asked.
PERSON_GENERATION: Mapping[Mode, tuple[str, ...]] = {
    Mode.TEXT: ("allow_all", "allow_adult"),
    Mode.IMAGE: ("allow_adult",),
    Mode.FIRST_LAST: ("allow_adult",),
    Mode.MULTI_IMAGE: ("allow_adult",),
}
#: [DOC] "up to 3" reference images, type "asset" ([SDK]: "ASSET"; "STYLE" is Vertex only).
MAX_REFERENCE_IMAGES = 3
#: UNCONFIRMED for the Gemini API: Vertex's Veo pages give 20 MB per input image; the
#: docs' samples send PNG and JPEG (WebP is what gateways list).
IMAGE = ImageConstraints(
    formats=("jpeg", "png", "webp"),
    # No URL input: images go inline as base64 ([SDK] ``_Image_to_mldev`` refuses gcs_uri,
    # and the Gemini API has no fetch-by-URL or upload step for Veo inputs).
    url_schemes=(),
    max_raw_bytes=20 * 1024 * 1024,
    max_images=MAX_REFERENCE_IMAGES,
)
#: [DOC] text input "1,024 tokens". framecast counts characters or UTF-16 units, not
#: tokens: no local limit is set, the server checks it.
PROMPT_TOKENS = 1024

#: Where the prices below come from, and when they were read there.
PRICE_SOURCE = (
    "https://ai.google.dev/gemini-api/docs/pricing (Last updated 2026-09-24), as quoted by a "
    "third party on 2026-09-28"
)
PRICES_AS_OF = "2026-09-28"

_OPTIONS_COMMON = (
    OptionSpec(
        name="person_generation",
        choices=("allow_all", "allow_adult"),
        doc="Who may appear: text-to-video takes allow_all (or allow_adult, the only value "
        "in the EU, UK, CH and MENA); image, first+last and reference modes take "
        "allow_adult. Sent only when given.",
    ),
    OptionSpec(
        name="enhance_prompt",
        type="bool",
        doc="Let Google rewrite the prompt (enhancePrompt). Its effect on Veo 3.1 is not "
        "documented; sent only when given.",
    ),
)


@attrs.frozen
class VeoModel:
    """One Veo model: what it takes and what it costs."""

    name: str
    display: str
    modes: frozenset[Mode]
    #: resolution -> USD per second of video, audio included ([PRICE]).
    prices: Mapping[str, float]
    withdrawn: bool = False
    replacement: str | None = None
    notes: str = ""

    @property
    def resolutions(self) -> tuple[str, ...]:
        return tuple(self.prices)

    @property
    def info(self) -> ModelInfo:
        if self.withdrawn:
            return ModelInfo(
                name=self.name,
                modes=frozenset({Mode.TEXT, Mode.IMAGE}),
                withdrawn=True,
                replacement=self.replacement,
                notes=self.notes,
            )
        resolution = OptionSpec(
            name="resolution",
            choices=self.resolutions,
            default="720p",
            doc=f"Output resolution; {' and '.join(self.resolutions[1:])} "
            f"{'are' if len(self.resolutions) > 2 else 'is'} 8 s only.",
        )
        prices = ", ".join(f"{r} {p:.2f}" for r, p in self.prices.items())
        return ModelInfo(
            name=self.name,
            kind="video",
            modes=self.modes,
            ratios=RATIOS,
            default_ratio="16:9",
            durations=DURATIONS,
            default_duration=DEFAULT_DURATION,
            prompt_limit=None,
            image=IMAGE,
            options=(resolution, *_OPTIONS_COMMON),
            supports_camera=True,  # phrased in the prompt: Veo has no camera field
            # [SDK] refuses ``seed`` on the Gemini API; whether the REST API takes it is
            # UNCONFIRMED, so framecast does not send it.
            supports_seed=False,
            supports_negative_prompt=True,
            price_basis=f"USD per second, audio included: {prices} (Gemini API pricing, "
            "2026-09-24)",
            notes=f"{self.display}. Prompt limit {PROMPT_TOKENS} tokens (checked by the "
            "server). Audio is always generated. " + self.notes,
        )


_FULL = frozenset({Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST, Mode.MULTI_IMAGE})

MODELS: tuple[VeoModel, ...] = (
    VeoModel(
        name="veo-3.1-generate-preview",
        display="Veo 3.1",
        modes=_FULL,
        prices={"720p": 0.40, "1080p": 0.40, "4k": 0.60},
    ),
    VeoModel(
        name="veo-3.1-fast-generate-preview",
        display="Veo 3.1 Fast",
        modes=_FULL,
        prices={"720p": 0.10, "1080p": 0.12, "4k": 0.30},
    ),
    VeoModel(
        name="veo-3.1-lite-generate-preview",
        display="Veo 3.1 Lite",
        # [DOC]: reference images and video extension are "not Veo 3.1 Lite"; no 4k.
        modes=frozenset({Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST}),
        prices={"720p": 0.05, "1080p": 0.08},
    ),
    # [DEPR]: Veo 3 was shut down on 2026-06-30; Veo 3 Fast and Veo 2 answer 404 since
    # (observed 2026-07-01). Refused offline, naming the replacement.
    VeoModel(
        name="veo-3.0-generate-001",
        display="Veo 3",
        modes=frozenset(),
        prices={},
        withdrawn=True,
        replacement="veo-3.1-generate-preview",
        notes="Shut down by Google on 2026-06-30.",
    ),
    VeoModel(
        name="veo-3.0-fast-generate-001",
        display="Veo 3 Fast",
        modes=frozenset(),
        prices={},
        withdrawn=True,
        replacement="veo-3.1-fast-generate-preview",
        notes="Shut down by Google (gone since 2026-07-01).",
    ),
    VeoModel(
        name="veo-2.0-generate-001",
        display="Veo 2",
        modes=frozenset(),
        prices={},
        withdrawn=True,
        replacement="veo-3.1-generate-preview",
        notes="Shut down by Google (gone since 2026-07-01).",
    ),
)

DEFAULT_MODELS: Mapping[Mode, str] = {
    Mode.TEXT: "veo-3.1-generate-preview",
    Mode.IMAGE: "veo-3.1-generate-preview",
    Mode.FIRST_LAST: "veo-3.1-generate-preview",
    Mode.MULTI_IMAGE: "veo-3.1-generate-preview",
}

_BY_NAME = {m.name: m for m in MODELS}


def get_model(name: str) -> VeoModel | None:
    return _BY_NAME.get(name)


def model_infos() -> tuple[ModelInfo, ...]:
    return tuple(m.info for m in MODELS)
