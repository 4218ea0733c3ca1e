"""What the provider declares (``ProviderInfo``), derived from the capability table."""

from __future__ import annotations

import functools

from framecast import ImageConstraints, Mode, ModelInfo, OptionSpec, ProviderInfo

from ._capabilities import (
    ASPECT_RATIOS,
    CFG_SCALE_RANGE,
    DEFAULT_ASPECT_RATIO,
    DEFAULT_FIRST_LAST_MODEL,
    DEFAULT_MODE,
    DEFAULT_MODEL,
    DEFAULT_MULTI_IMAGE_MODEL,
    IMAGE2VIDEO,
    MAX_IMAGE_LIST,
    MODELS,
    MODES,
    MULTI_IMAGE2VIDEO,
    PROMPT_LIMIT,
    TEXT2VIDEO,
    KlingModel,
)

__all__ = ["BASE_URL", "OFFICIAL_HOSTS", "provider_info"]

NAME = "kling"
BASE_URL = "https://api-singapore.klingai.com"
#: The spec's official API hosts: Singapore (global), the legacy global host, Beijing (China).
OFFICIAL_HOSTS = ("api-singapore.klingai.com", "api.klingai.com", "api-beijing.klingai.com")
ACCESS_KEY_VARIABLE = "KLING_ACCESS_KEY"
SECRET_KEY_VARIABLE = "KLING_SECRET_KEY"
BASE_URL_VARIABLE = "KLING_BASE_URL"

#: No poll interval is documented and queries hold no concurrency slot; tasks take minutes
#: (a live image2video: 229 s), so 5 s between reads loses little and stays clear of 1302.
POLL_FLOOR = 5.0
#: Concurrency is per account and per resource pack, with no figure in the docs: a small
#: default so batches queue locally instead of meeting 1303 (set ``max_running_tasks`` in
#: the ``[kling]`` table to the account's pack limit).
SUGGESTED_MAX_RUNNING_TASKS = 3
OUTPUT_URL_LIFETIME = 30 * 24 * 3600.0  # "cleared after 30 days"

#: jpg/png, <= 10 MB, >= 300 px a side, aspect 1:2.5-2.5:1. "10 MB" is
#: read as 10,000,000 bytes: the stricter reading of an unqualified unit.
MAX_IMAGE_BYTES = 10_000_000
MIN_SIDE = 300
MIN_ASPECT, MAX_ASPECT = 1 / 2.5, 2.5


def image_constraints(max_images: int = 1) -> ImageConstraints:
    return ImageConstraints(
        formats=("jpeg", "png"),
        url_schemes=("https",),
        max_raw_bytes=MAX_IMAGE_BYTES,
        min_side=MIN_SIDE,
        min_aspect=MIN_ASPECT,
        max_aspect=MAX_ASPECT,
        max_images=max_images,
    )


MODE_OPTION = OptionSpec(
    name="mode",
    type="str",
    choices=MODES,
    default=DEFAULT_MODE,
    doc="std (faster, cheaper) or pro (higher quality); where a model offers only pro for "
    "a request (e.g. an end frame), pro is used unless std is asked for",
)
CFG_SCALE_OPTION = OptionSpec(
    name="cfg_scale",
    type="float",
    minimum=CFG_SCALE_RANGE[0],
    maximum=CFG_SCALE_RANGE[1],
    doc="how closely to follow the prompt, 0-1 (Kling's default 0.5); not on v2.x models "
    "nor on multi-image2video",
)


def _modes(model: KlingModel) -> frozenset[Mode]:
    modes = set()
    if TEXT2VIDEO in model.offers:
        modes.add(Mode.TEXT)
    if IMAGE2VIDEO in model.offers:
        modes.add(Mode.IMAGE)
    if model.image_tail is not None:
        modes.add(Mode.FIRST_LAST)
    if MULTI_IMAGE2VIDEO in model.offers:
        modes.add(Mode.MULTI_IMAGE)
    return frozenset(modes)


def model_info(model: KlingModel) -> ModelInfo:
    modes = _modes(model)
    takes_ratio = bool(modes & {Mode.TEXT, Mode.MULTI_IMAGE})
    options = []
    if model.has_modes:
        options.append(MODE_OPTION)
    if model.cfg_scale:
        options.append(CFG_SCALE_OPTION)
    notes = ["image-to-video output follows the image's aspect ratio"]
    if model.notes:
        notes.append(model.notes)
    return ModelInfo(
        name=model.name,
        kind="video",
        modes=modes,
        # text2video / multi-image2video ratios; image2video has no ratio field
        ratios=ASPECT_RATIOS if takes_ratio else (),
        default_ratio=DEFAULT_ASPECT_RATIO if takes_ratio else None,
        durations=model.durations,
        default_duration=5,
        prompt_limit=PROMPT_LIMIT,
        prompt_unit="characters",
        image=image_constraints(MAX_IMAGE_LIST if Mode.MULTI_IMAGE in modes else 1),
        options=tuple(options),
        supports_camera=True,
        supports_seed=False,
        supports_negative_prompt=True,
        price_basis="units per model x mode x duration at $0.14 a unit (single-source)",
        notes="; ".join(notes),
    )


@functools.cache
def provider_info() -> ProviderInfo:
    return ProviderInfo(
        name=NAME,
        config_keys=(),  # the core's keys only
        display_name="Kling AI",
        contract_version=2,
        docs_url="https://app.klingai.com/global/dev/document-api",
        models=tuple(model_info(model) for model in MODELS),
        default_models={
            Mode.IMAGE: DEFAULT_MODEL,
            Mode.TEXT: DEFAULT_MODEL,
            Mode.MULTI_IMAGE: DEFAULT_MULTI_IMAGE_MODEL,
            Mode.FIRST_LAST: DEFAULT_FIRST_LAST_MODEL,
        },
        official_hosts=OFFICIAL_HOSTS,
        default_base_url=BASE_URL,
        base_url_variables=(BASE_URL_VARIABLE,),
        credential_variables=(ACCESS_KEY_VARIABLE, SECRET_KEY_VARIABLE),
        poll_floor=POLL_FLOOR,
        output_url_lifetime=OUTPUT_URL_LIFETIME,
        suggested_max_running_tasks=SUGGESTED_MAX_RUNNING_TASKS,
        output_follows_image=True,
    )
