"""Luma's two video APIs as data: models, camera concepts, prices and their sources.

Sources (the README lists them with dates):
- ``luma-agents==0.5.0`` (the official Agents API SDK): ``types/generation_create_params.py``,
  ``video_options_param.py``, ``image_ref_param.py``, ``generation.py``,
  ``generation_failure_code.py``, ``resources/files.py``.
- ``lumaai==1.21.0`` (the official Dream Machine SDK): ``types/generations/video_create_params.py``,
  ``types/generation.py``, ``resources/generations/concepts.py``.
- docs.lumalabs.ai changelog pages "Camera Concepts" and "Callbacks & Credits Balance".

Every value marked UNCONFIRMED is a best reading, kept in one place so it is easy to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs
from framecast import CameraMove, ImageConstraints, Mode, ModelInfo, OptionSpec

Api = Literal["agents", "dream-machine"]

AGENTS: Api = "agents"
DREAM_MACHINE: Api = "dream-machine"

AGENTS_BASE_URL = "https://agents.lumalabs.ai/v1"
DREAM_MACHINE_BASE_URL = "https://api.lumalabs.ai/dream-machine/v1"
AGENTS_HOST = "agents.lumalabs.ai"
DREAM_MACHINE_HOST = "api.lumalabs.ai"
#: The SDKs' own variables (``luma_agents/_client.py``, ``lumaai/_client.py``).
AGENTS_KEY = "LUMA_AGENTS_API_KEY"
DREAM_MACHINE_KEY = "LUMAAI_API_KEY"
AGENTS_BASE_URL_VARIABLE = "LUMA_BASE_URL"
DREAM_MACHINE_BASE_URL_VARIABLE = "LUMAAI_BASE_URL"

#: Seconds between status reads. Neither API documents a floor (UNCONFIRMED); an Agents
#: API integrator polls every 5 s, and 5-10 s is customary on Dream Machine.
POLL_FLOOR = 5.0
#: Agents API output URLs are "Presigned URL (1hr expiry)" (``generation_output.py``).
#: Dream Machine asset URL lifetime is UNCONFIRMED: planned as the same hour.
OUTPUT_URL_LIFETIME = 3600.0
#: The rate-limit guide says both RPM and concurrent-job limits answer 429 but gives no
#: numbers (UNCONFIRMED): a conservative running-task cap.
SUGGESTED_MAX_RUNNING_TASKS = 4

#: Largest local image sent inline as base64 (``{"data", "media_type"}``); a larger one goes
#: through the Files API (presigned PUT). The inline cap is UNCONFIRMED: 10 MiB of raw bytes.
INLINE_IMAGE_LIMIT = 10 * 1024 * 1024
#: Files API: "Up to 5 GiB (the S3 single-PUT ceiling)" (``file_create_params.py``).
FILE_UPLOAD_LIMIT = 5 * 1024**3

#: Ray 3.2 keyframe grid: 24 frames a second (``video_options_param.py``).
KEYFRAME_FPS = 24

#: ``aspect_ratio`` of ``generation_create_params.py``. "Valid values depend on the selected
#: model and generation type; the server validates the final model-specific set": the Ray
#: 3.2 subset is UNCONFIRMED, so all are declared.
AGENTS_RATIOS = (
    "16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "3:2", "2:3", "2:1", "1:2", "3:1", "1:3",
)  # fmt: skip
#: Dream Machine ``aspect_ratio`` (v1alpha OpenAPI; default 16:9).
DREAM_MACHINE_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21")

AGENTS_RESOLUTIONS = ("360p", "540p", "720p", "1080p")  # ``video_resolution.py``
DREAM_MACHINE_RESOLUTIONS = ("540p", "720p", "1080p", "4k")  # ``video_create_params.py``
#: Neither API documents its default resolution (UNCONFIRMED): framecast always sends one,
#: so the estimate prices what is asked.
DEFAULT_RESOLUTION = "720p"

#: framecast's camera moves -> Dream Machine camera concepts (``concepts: [{"key"}]``),
#: only where the official list (the "Camera Concepts" changelog) has the move. The rest
#: are phrased in the prompt. ``crane_*`` -> ``pedestal_*``: the official list has no
#: ``crane_*`` (a third-party list does; UNCONFIRMED), and a pedestal is the same vertical
#: camera move. ``push_in``/``pull_out`` (dolly) and ``tilt_*`` appear only in third-party
#: lists: phrased in the prompt until confirmed.
DREAM_MACHINE_CONCEPTS: Mapping[CameraMove, str] = {
    CameraMove.ZOOM_IN: "zoom_in",
    CameraMove.ZOOM_OUT: "zoom_out",
    CameraMove.PAN_LEFT: "pan_left",
    CameraMove.PAN_RIGHT: "pan_right",
    CameraMove.CRANE_UP: "pedestal_up",
    CameraMove.CRANE_DOWN: "pedestal_down",
    CameraMove.ORBIT_LEFT: "orbit_left",
    CameraMove.ORBIT_RIGHT: "orbit_right",
    CameraMove.STATIC: "static",
    CameraMove.HANDHELD: "handheld",
}

#: Agents API generation states (``generation.py``) and Dream Machine's (``generation.py``
#: of lumaai: the running word is ``dreaming`` there).
AGENTS_FAILURE_RETRYABLE: Mapping[str, bool] = {
    # ``generation_failure_code.py``; which ones are worth a new attempt is read off the
    # code names (Luma's own advice is UNCONFIRMED).
    "content_moderated": False,
    "generation_failed": True,
    "budget_exhausted": False,
    "output_not_found": True,
    "image_too_large": False,
    "unsupported_format": False,
    "corrupt_input": False,
    "invalid_request": False,
    "rate_limited": True,
}

#: Prices in USD per video. Both tables are second-hand (confidence "secondary").
#: Agents API, Ray 3.2, ``type=video``, SDR: Luma's pricing page (docs.agents.lumalabs.ai
#: /guides/pricing/) as quoted by a third-party integration plan, read 2026-12. 360p and
#: HDR prices are UNCONFIRMED (no estimate).
AGENTS_PRICES: Mapping[tuple[str, str, int], float] = {
    ("ray-3.2", "540p", 5): 0.15,
    ("ray-3.2", "540p", 10): 0.45,
    ("ray-3.2", "720p", 5): 0.30,
    ("ray-3.2", "720p", 10): 0.90,
    ("ray-3.2", "1080p", 5): 1.20,
    ("ray-3.2", "1080p", 10): 3.60,
}
AGENTS_PRICE_SOURCE = (
    "Luma Agents pricing page (docs.agents.lumalabs.ai/guides/pricing/) as quoted by a "
    "third-party integration plan: second-hand"
)
#: When the quoted table was read (the third party read Luma's pages on 2026-07-10).
AGENTS_PRICES_AS_OF = "2026-07-10"
#: Dream Machine: ComfyUI's Luma partner-node price table (Comfy-Org/docs PR #514, 2025),
#: Luma's own page was not read. Ray Flash 2 below 4k is UNCONFIRMED (no estimate).
DREAM_MACHINE_PRICES: Mapping[tuple[str, str, int], float] = {
    ("ray-2", "540p", 5): 0.40,
    ("ray-2", "540p", 9): 0.72,
    ("ray-2", "720p", 5): 0.71,
    ("ray-2", "720p", 9): 1.27,
    ("ray-2", "1080p", 5): 1.59,
    ("ray-2", "1080p", 9): 2.87,
    ("ray-2", "4k", 5): 6.37,
    ("ray-2", "4k", 9): 11.47,
    ("ray-flash-2", "4k", 5): 2.19,
    ("ray-flash-2", "4k", 9): 3.94,
}
DREAM_MACHINE_PRICE_SOURCE = (
    "ComfyUI's Luma partner-node price table (Comfy-Org/docs PR #514): second-hand"
)
#: When that table was read for this plugin (the table itself is from 2025).
DREAM_MACHINE_PRICES_AS_OF = "2026-12-04"


@attrs.frozen
class LumaModel:
    info: ModelInfo
    api: Api
    resolutions: tuple[str, ...]


def _resolution(choices: tuple[str, ...]) -> OptionSpec:
    return OptionSpec(
        name="resolution",
        choices=choices,
        default=DEFAULT_RESOLUTION,
        doc="Output resolution (the price depends on it).",
    )


_LOOP = OptionSpec(name="loop", type="bool", default=False, doc="A seamlessly looping video.")

#: Formats both APIs take: JPEG and PNG are documented by gateways (UNCONFIRMED); WebP is
#: left out until confirmed.
_FORMATS = ("jpeg", "png")
#: ``https://`` images, and ``luma://generation/<id>`` (a previous generation) or
#: ``luma://file/<id>`` (a Files API upload, Agents API only).
URL_SCHEMES = ("https", "luma")

RAY_3_2 = LumaModel(
    api=AGENTS,
    resolutions=AGENTS_RESOLUTIONS,
    info=ModelInfo(
        name="ray-3.2",
        modes=frozenset({Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST}),
        ratios=AGENTS_RATIOS,
        default_ratio="16:9",
        durations=(5, 10),
        default_duration=5,
        prompt_limit=None,  # UNCONFIRMED: the server checks it
        prompt_required=True,  # ``prompt: Required[str]``
        image=ImageConstraints(
            formats=_FORMATS, url_schemes=URL_SCHEMES, max_raw_bytes=FILE_UPLOAD_LIMIT
        ),
        options=(
            _resolution(AGENTS_RESOLUTIONS),
            _LOOP,
            OptionSpec(
                name="hdr",
                type="bool",
                default=False,
                doc="HDR video (needs HDR access on the account; no loop, no 360p).",
            ),
        ),
        supports_camera=True,  # phrased in the prompt: the Agents API has no camera field
        supports_seed=False,
        supports_negative_prompt=False,
        price_basis="per video by resolution and duration, SDR (second-hand)",
        notes="Agents API (LUMA_AGENTS_API_KEY). Poll only: no cancel, no callback. "
        "Output URLs expire after one hour: download promptly.",
    ),
)


def _dream_machine_model(name: str, notes: str) -> LumaModel:
    return LumaModel(
        api=DREAM_MACHINE,
        resolutions=DREAM_MACHINE_RESOLUTIONS,
        info=ModelInfo(
            name=name,
            modes=frozenset({Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST}),
            ratios=DREAM_MACHINE_RATIOS,
            default_ratio="16:9",
            durations=(5, 9),  # "5s", "9s"
            default_duration=5,  # UNCONFIRMED default; always sent
            prompt_limit=None,  # UNCONFIRMED
            # No upload endpoint: images only as public https URLs (or a generation).
            image=ImageConstraints(formats=_FORMATS, url_schemes=URL_SCHEMES, local_files=False),
            options=(
                _resolution(DREAM_MACHINE_RESOLUTIONS),
                _LOOP,
                OptionSpec(
                    name="callback_url",
                    doc="An https URL Luma POSTs the generation to on each state change "
                    "(unsigned: a hint to poll, never proof).",
                ),
            ),
            supports_camera=True,  # camera concepts where one exists, else the prompt
            supports_seed=False,
            supports_negative_prompt=False,
            price_basis="per video by resolution and duration (second-hand)",
            notes=notes,
        ),
    )


RAY_2 = _dream_machine_model(
    "ray-2",
    "Dream Machine API (LUMAAI_API_KEY), legacy. Images must be public https URLs "
    "(no upload). Camera concepts for the moves Luma names.",
)
RAY_FLASH_2 = _dream_machine_model(
    "ray-flash-2",
    "Dream Machine API (LUMAAI_API_KEY), legacy, faster and cheaper than ray-2. Images "
    "must be public https URLs (no upload).",
)

MODELS: tuple[LumaModel, ...] = (RAY_3_2, RAY_2, RAY_FLASH_2)
_BY_NAME = {m.info.name: m for m in MODELS}


def get_model(name: str) -> LumaModel | None:
    return _BY_NAME.get(name)


def api_of(name: str | None) -> Api:
    """The API a model lives on (Ray 3.2 and anything unknown: the Agents API)."""
    model = _BY_NAME.get(name or "")
    return model.api if model is not None else AGENTS


def key_variable(api: Api) -> str:
    return AGENTS_KEY if api == AGENTS else DREAM_MACHINE_KEY


def api_label(api: Api) -> str:
    return "Luma Agents API" if api == AGENTS else "Luma Dream Machine API"
