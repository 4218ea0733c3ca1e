"""Kling's capability map as ONE table: every rule about which model
takes which endpoint, mode, duration, end frame, camera control and ``cfg_scale`` lives here.

The provider declares its models from it, ``prepare`` refuses combinations outside it before
any request, and the protocol fake (``framecast_kling.testing``) rejects bodies outside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TEXT2VIDEO = "text2video"
IMAGE2VIDEO = "image2video"
MULTI_IMAGE2VIDEO = "multi-image2video"
ENDPOINTS = (TEXT2VIDEO, IMAGE2VIDEO, MULTI_IMAGE2VIDEO)

MODES = ("std", "pro")
DEFAULT_MODE = "std"

#: Wire durations (sent as the strings "5" / "10").
DURATIONS = (5, 10)
#: kling-v3: third-party 2026 docs say 3-15 s; the official page only shows "5"/"10".
#: UNCONFIRMED -- kept to the documented enum until an official page says otherwise.
KLING_V3_DURATIONS = (5, 10)

#: text2video and multi-image2video ``aspect_ratio`` values; image2video has no such field.
ASPECT_RATIOS = ("16:9", "9:16", "1:1")
DEFAULT_ASPECT_RATIO = "16:9"

PROMPT_LIMIT = 2500  # characters, prompt and negative_prompt alike
CFG_SCALE_RANGE = (0.0, 1.0)
MAX_IMAGE_LIST = 4

#: An offer: mode -> durations. ``None`` as the key means the model has no ``mode``
#: parameter (the capability map's master models have no mode column; what the server does
#: with a ``mode`` sent to them is UNCONFIRMED, so none is sent).
Offer = Mapping[str | None, tuple[int, ...]]


def _std_pro(durations: tuple[int, ...] = DURATIONS) -> Offer:
    return {"std": durations, "pro": durations}


def _only(mode: str | None, durations: tuple[int, ...] = DURATIONS) -> Offer:
    return {mode: durations}


#: camera_control types without a config (text2video kling-v1 only); framecast's moves map
#: to ``simple``, the presets are listed so the fake accepts what the API accepts.
PRESET_CAMERA_TYPES = ("down_back", "forward_up", "right_turn_forward", "left_turn_forward")


@dataclass(frozen=True)
class CameraOffer:
    """One combination where the native ``camera_control`` is documented."""

    endpoint: str
    mode: str
    duration: int
    types: tuple[str, ...]


@dataclass(frozen=True)
class KlingModel:
    """One row of the capability map."""

    name: str
    offers: Mapping[str, Offer]  # endpoint -> offer
    image_tail: Offer | None = None  # image2video with an end frame
    tail_only: bool = False  # image2video with only an end frame (no start image)
    camera: tuple[CameraOffer, ...] = ()
    cfg_scale: bool = False  # "Kling-v2.x model does not support this parameter"
    durations_confirmed: bool = True
    notes: str = ""

    @property
    def has_modes(self) -> bool:
        return any(mode is not None for offer in self.all_offers() for mode in offer)

    def all_offers(self) -> tuple[Offer, ...]:
        offers = list(self.offers.values())
        if self.image_tail is not None:
            offers.append(self.image_tail)
        return tuple(offers)

    @property
    def durations(self) -> tuple[int, ...]:
        found = {d for offer in self.all_offers() for ds in offer.values() for d in ds}
        return tuple(sorted(found))

    def offer(self, endpoint: str, *, with_tail: bool = False) -> Offer | None:
        if with_tail:
            return self.image_tail if endpoint == IMAGE2VIDEO else None
        return self.offers.get(endpoint)

    def camera_offer(self, endpoint: str, mode: str | None, duration: int) -> CameraOffer | None:
        for offer in self.camera:
            if (offer.endpoint, offer.mode, offer.duration) == (endpoint, mode, duration):
                return offer
        return None


MODELS: tuple[KlingModel, ...] = (
    KlingModel(
        "kling-v1",
        offers={TEXT2VIDEO: _std_pro(), IMAGE2VIDEO: _std_pro()},
        image_tail={"std": (5,), "pro": (5,)},
        camera=(CameraOffer(TEXT2VIDEO, "std", 5, ("simple", *PRESET_CAMERA_TYPES)),),
        cfg_scale=True,
    ),
    KlingModel(
        "kling-v1-5",
        offers={IMAGE2VIDEO: _std_pro()},
        image_tail=_only("pro"),
        tail_only=True,
        camera=(CameraOffer(IMAGE2VIDEO, "pro", 5, ("simple",)),),
        cfg_scale=True,
    ),
    KlingModel(
        "kling-v1-6",
        offers={TEXT2VIDEO: _std_pro(), IMAGE2VIDEO: _std_pro(), MULTI_IMAGE2VIDEO: _std_pro()},
        image_tail=_only("pro"),
        tail_only=True,
        cfg_scale=True,
    ),
    KlingModel(
        "kling-v2-master",
        offers={TEXT2VIDEO: _only(None), IMAGE2VIDEO: _only(None)},
    ),
    KlingModel(
        "kling-v2-1",
        offers={IMAGE2VIDEO: _std_pro()},
        image_tail=_only("pro"),
    ),
    KlingModel(
        "kling-v2-1-master",
        offers={TEXT2VIDEO: _only(None), IMAGE2VIDEO: _only(None)},
    ),
    KlingModel(
        "kling-v2-5-turbo",
        offers={TEXT2VIDEO: _std_pro(), IMAGE2VIDEO: _std_pro()},
        image_tail=_only("pro"),
    ),
    KlingModel(
        # std is "silent only": framecast never sends ``sound``, so every request is silent.
        "kling-v2-6",
        offers={TEXT2VIDEO: _std_pro(), IMAGE2VIDEO: _std_pro()},
        image_tail=_only("pro"),
    ),
    KlingModel(
        # Live-verified on text2video and image2video (REAL-2); no capability-map row yet, so
        # no end frame and no camera control are offered, and its modes follow the pricing
        # table (std/pro). Durations UNCONFIRMED (see KLING_V3_DURATIONS).
        "kling-v3",
        offers={
            TEXT2VIDEO: _std_pro(KLING_V3_DURATIONS),
            IMAGE2VIDEO: _std_pro(KLING_V3_DURATIONS),
        },
        durations_confirmed=False,
        notes="durations unconfirmed: third-party docs say 3-15 s; only 5 and 10 are sent",
    ),
)

MODELS_BY_NAME: Mapping[str, KlingModel] = {model.name: model for model in MODELS}

DEFAULT_MODEL = "kling-v2-5-turbo"
DEFAULT_MULTI_IMAGE_MODEL = "kling-v1-6"
DEFAULT_FIRST_LAST_MODEL = "kling-v2-5-turbo"  # image_tail with mode pro


def lookup(name: str) -> KlingModel | None:
    return MODELS_BY_NAME.get(name)


@dataclass(frozen=True)
class Problem:
    """Why a combination is outside the capability map: what ``ValidationError`` and the
    fake's 1201 answer both say."""

    field: str
    value: object
    allowed: object
    message: str


def describe_offer(offer: Offer) -> str:
    parts = []
    for mode, durations in offer.items():
        seconds = "/".join(str(d) for d in durations)
        parts.append(f"{mode} {seconds} s" if mode else f"{seconds} s")
    return ", ".join(parts)


def combination_problem(
    model: KlingModel,
    endpoint: str,
    mode: str | None,
    duration: int,
    *,
    with_tail: bool = False,
) -> Problem | None:
    """``None`` when ``model`` offers ``endpoint`` with ``mode`` and ``duration``."""
    offer = model.offer(endpoint, with_tail=with_tail)
    what = f"{endpoint} with an end frame (image_tail)" if with_tail else endpoint
    if offer is None:
        serving = [e for e in ENDPOINTS if e in model.offers]
        if with_tail:
            tail_models = [m.name for m in MODELS if m.image_tail is not None]
            return Problem(
                "end_image",
                model.name,
                tail_models,
                f"{model.name} does not take an end frame; models that do: "
                + ", ".join(tail_models),
            )
        takers = [m.name for m in MODELS if endpoint in m.offers]
        return Problem(
            "model",
            model.name,
            takers,
            f"{model.name} does not serve {what} (it serves {', '.join(serving)}); "
            f"models that do: {', '.join(takers)}",
        )
    if mode not in offer:
        allowed_modes = [m for m in offer if m is not None]
        if not allowed_modes:
            return Problem(
                "options.mode",
                mode,
                [],
                f"{model.name} has no mode parameter; remove the mode option",
            )
        return Problem(
            "options.mode",
            mode,
            allowed_modes,
            f"{model.name} {what} takes mode {' or '.join(allowed_modes)}, not {mode!r} "
            f"(offered: {describe_offer(offer)})",
        )
    if duration not in offer[mode]:
        allowed_durations = list(offer[mode])
        shown = f"mode {mode} " if mode else ""
        return Problem(
            "duration",
            duration,
            allowed_durations,
            f"{model.name} {what} {shown}takes durations "
            f"{', '.join(str(d) for d in allowed_durations)} s, not {duration}",
        )
    return None
