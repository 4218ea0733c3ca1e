"""The Seedance models as data: one ``Family`` per model line, with its wire id per region.

Sources (each fact's tag is explained in the README's "Sources" section):
- ids: ``doubao-seedance-2-0-260128`` and ``dreamina-seedance-2-0-260128`` from live task
  answers and BytePlus's model pricing page (2026-09-28); the 1.x ids from Volcengine's
  VideoPilot page and integrators' probes. Ids marked UNCONFIRMED below were seen only in
  third-party code.
- modes, resolutions, durations, ``camera_fixed``, audio and flex per model: Volcengine's
  "创建视频生成任务 API" page as transcribed by a third party, and BytePlus's
  create-task page (2026-09-28) for the 2.0 durations [4, 15].
A family missing from a region (no id known there) is not declared in that region.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from framecast import ImageConstraints, Mode, ModelInfo, OptionSpec

__all__ = [
    "FAMILIES",
    "RATIOS",
    "Family",
    "family_of",
    "model_infos",
]

#: The wire ratios every Seedance model takes. ``adaptive``: text-to-video picks from the
#: prompt, a first (and last) frame job follows the first image, a reference job follows
#: the prompt, then the first image. (1.5 pro is said to take 9:21 too: UNCONFIRMED, left out.)
RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive")
#: What this plugin sends when no ratio is asked: 16:9 for text, the image's own shape
#: otherwise. (The server's default is "model-dependent"; we always send one.)
TEXT_DEFAULT_RATIO = "16:9"
IMAGE_DEFAULT_RATIO = "adaptive"
DEFAULT_RESOLUTION = "720p"

#: Input images: jpeg, png, webp, bmp, tiff, gif (heic/heif on 1.5 pro), < 30 MB each,
#: 300-6000 px a side, aspect ratio within (0.4, 2.5). framecast recognises jpeg, png, webp
#: and gif by their bytes, so those four are declared; "30 MB" read as 30,000,000 bytes.
MAX_IMAGE_BYTES = 30_000_000
MIN_SIDE, MAX_SIDE = 300, 6000
MIN_ASPECT, MAX_ASPECT = 0.4, 2.5
#: The whole request body may not exceed 64 MB: inline images count against it.
MAX_BODY_BYTES = 64_000_000

ALL_MODES = frozenset({Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST, Mode.MULTI_IMAGE})


@attrs.frozen
class Family:
    """One model line. ``ids``: region -> wire model id (a region without one has no such
    model). ``max_references``: reference images in multi-image mode (0: none)."""

    key: str
    title: str
    ids: Mapping[str, str]
    modes: frozenset[Mode]
    resolutions: tuple[str, ...]
    durations: tuple[int, ...]
    camera_fixed: bool  # honours camera_fixed (static) natively
    audio: bool  # generate_audio (on by default)
    flex: bool  # service_tier="flex"
    max_references: int = 0
    default_duration: int = 5
    notes: str = ""


FAMILIES: tuple[Family, ...] = (
    Family(
        key="2.0",
        title="Seedance 2.0",
        ids={"cn": "doubao-seedance-2-0-260128", "intl": "dreamina-seedance-2-0-260128"},
        modes=ALL_MODES,
        # 4K is priced on BytePlus, but its wire spelling is UNCONFIRMED: not declared.
        resolutions=("480p", "720p", "1080p"),
        durations=tuple(range(4, 16)),
        camera_fixed=False,  # "not (yet) on 2.0": static goes into the prompt
        audio=True,
        flex=False,
        max_references=9,
        notes="reference images of real people need the platform's asset review",
    ),
    Family(
        key="2.0-fast",
        title="Seedance 2.0 Fast",
        ids={
            "cn": "doubao-seedance-2-0-fast-260128",
            "intl": "dreamina-seedance-2-0-fast-260128",  # UNCONFIRMED: third-party code
        },
        modes=ALL_MODES,
        resolutions=("480p", "720p"),  # no 1080p
        durations=tuple(range(4, 16)),
        camera_fixed=False,
        audio=True,
        flex=False,
        max_references=9,
        notes="reference images of real people need the platform's asset review",
    ),
    Family(
        key="1.5-pro",
        title="Seedance 1.5 pro",
        ids={
            "cn": "doubao-seedance-1-5-pro-251215",  # UNCONFIRMED: third-party code
            "intl": "seedance-1-5-pro-251215",  # a third-party probe, 2026-05-21
        },
        modes=frozenset({Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST}),
        resolutions=("480p", "720p", "1080p"),
        durations=tuple(range(4, 13)),  # 4-12: UNCONFIRMED (third party)
        camera_fixed=True,
        audio=True,
        flex=True,
    ),
    Family(
        key="1.0-pro",
        title="Seedance 1.0 pro",
        ids={
            "cn": "doubao-seedance-1-0-pro-250528",
            "intl": "seedance-1-0-pro-250528",  # UNCONFIRMED exact id
        },
        modes=frozenset({Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST}),  # first+last: UNCONFIRMED
        resolutions=("480p", "720p", "1080p"),
        durations=tuple(range(2, 13)),  # 2-12: UNCONFIRMED (third party)
        camera_fixed=True,
        audio=False,
        flex=True,
    ),
    Family(
        key="1.0-pro-fast",
        title="Seedance 1.0 pro fast",
        ids={"cn": "doubao-seedance-1-0-pro-fast-251015"},  # UNCONFIRMED: third-party code
        modes=frozenset({Mode.TEXT, Mode.IMAGE}),
        resolutions=("480p", "720p", "1080p"),
        durations=tuple(range(2, 13)),
        camera_fixed=True,
        audio=False,
        flex=True,
    ),
    Family(
        key="1.0-lite-t2v",
        title="Seedance 1.0 lite (text)",
        ids={"cn": "doubao-seedance-1-0-lite-t2v-250428"},
        modes=frozenset({Mode.TEXT}),
        resolutions=("480p", "720p", "1080p"),
        durations=(5, 10),  # UNCONFIRMED
        camera_fixed=True,
        audio=False,
        flex=True,
    ),
    Family(
        key="1.0-lite-i2v",
        title="Seedance 1.0 lite (image)",
        ids={"cn": "doubao-seedance-1-0-lite-i2v-250428"},
        modes=frozenset({Mode.IMAGE, Mode.FIRST_LAST, Mode.MULTI_IMAGE}),
        # 1080p, but only 480p/720p with reference images (checked in prepare).
        resolutions=("480p", "720p", "1080p"),
        durations=(5, 10),  # UNCONFIRMED
        camera_fixed=True,
        audio=False,
        flex=True,
        max_references=4,
    ),
)

#: Default model per mode: the newest family that takes the mode.
DEFAULT_FAMILY = "2.0"

#: Provider-wide options (every model).
WATERMARK = OptionSpec(
    name="watermark", type="bool", default=False, doc="add the AI-generated watermark"
)
CALLBACK_URL = OptionSpec(
    name="callback_url",
    type="str",
    doc="an https URL the platform POSTs status changes to (unsigned: a hint only; "
    "framecast still polls)",
)
EXPIRES_AFTER = OptionSpec(
    name="execution_expires_after",
    type="int",
    minimum=3600,
    maximum=259200,
    doc="seconds a task may wait and run before it ends expired (server default 172800)",
)
PROVIDER_OPTIONS = (WATERMARK, CALLBACK_URL, EXPIRES_AFTER)


def _options(family: Family) -> tuple[OptionSpec, ...]:
    options = [
        OptionSpec(
            name="resolution",
            type="str",
            choices=family.resolutions,
            default=DEFAULT_RESOLUTION,
            doc="output resolution (the price scales with the pixels)",
        )
    ]
    if family.audio:
        options.append(
            OptionSpec(
                name="generate_audio",
                type="bool",
                default=True,
                doc="synchronised audio in the MP4 (the price may differ)",
            )
        )
    if family.flex:
        options.append(
            OptionSpec(
                name="service_tier",
                type="str",
                choices=("default", "flex"),
                default="default",
                doc="flex: offline inference, slower and cheaper",
            )
        )
    return tuple(options)


def _info(family: Family, wire_id: str) -> ModelInfo:
    return ModelInfo(
        name=wire_id,
        kind="video",
        modes=family.modes,
        ratios=RATIOS,
        default_ratio=IMAGE_DEFAULT_RATIO,
        durations=family.durations,
        default_duration=family.default_duration,
        # Recommended at most 500 Chinese characters or 1000 English words; no hard
        # limit is documented (UNCONFIRMED), so the server judges.
        prompt_limit=None,
        image=ImageConstraints(
            formats=("jpeg", "png", "webp", "gif"),
            url_schemes=("https",),
            max_raw_bytes=MAX_IMAGE_BYTES,
            min_side=MIN_SIDE,
            max_side=MAX_SIDE,
            min_aspect=MIN_ASPECT,
            max_aspect=MAX_ASPECT,
            max_images=max(family.max_references, 1),
        ),
        options=_options(family),
        supports_camera=True,
        supports_seed=True,
        price_basis="tokens = width x height x frames / 1024 (24 fps), per million tokens",
        notes=family.title + (f"; {family.notes}" if family.notes else ""),
    )


def model_infos(region: str) -> tuple[ModelInfo, ...]:
    return tuple(_info(f, f.ids[region]) for f in FAMILIES if region in f.ids)


def family_of(model_name: str) -> Family | None:
    """The family of a wire id in either region (or of an endpoint id: ``None``)."""
    for family in FAMILIES:
        if model_name in family.ids.values():
            return family
    return None


def default_models(region: str) -> dict[Mode, str]:
    family = next(f for f in FAMILIES if f.key == DEFAULT_FAMILY)
    return {mode: family.ids[region] for mode in family.modes}
