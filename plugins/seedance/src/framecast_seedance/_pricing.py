"""Prices as data, and the token arithmetic Seedance bills by.

Billing: ``usage.completion_tokens`` x the model's price per million tokens; only
successful videos are charged. Tokens = width x height x frames / 1024 with frames =
duration x 24 + 1 (a live 5 s 720p 16:9 job reported 108,900 tokens = 1280 x 720 x 121 /
1024; BytePlus's own example, $0.76 for that video, is 108,000 tokens at 120 frames).

Every price below names its source and date. Only the BytePlus Seedance 2.0 price was read
from the price list (via a third party's copy of the page); the others are UNCONFIRMED
placeholders, marked ``confidence="unconfirmed"`` so a budget knows: change them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs
from framecast import CostEstimate

__all__ = ["PIXELS", "PRICES", "Price", "estimate_cost", "price_for", "tokens_for"]

FPS = 24

#: Output size per resolution and ratio. 720p 16:9 = 1280x720 is confirmed by BytePlus's
#: page; the other sizes are Volcengine's table as integrators copy it (UNCONFIRMED).
PIXELS: Mapping[str, Mapping[str, tuple[int, int]]] = {
    "480p": {
        "16:9": (864, 480),
        "4:3": (736, 544),
        "1:1": (640, 640),
        "3:4": (544, 736),
        "9:16": (480, 864),
        "21:9": (960, 416),
    },
    "720p": {
        "16:9": (1280, 720),
        "4:3": (1112, 834),
        "1:1": (960, 960),
        "3:4": (834, 1112),
        "9:16": (720, 1280),
        "21:9": (1470, 630),
    },
    "1080p": {
        "16:9": (1920, 1080),
        "4:3": (1664, 1248),
        "1:1": (1440, 1440),
        "3:4": (1248, 1664),
        "9:16": (1080, 1920),
        "21:9": (2206, 946),
    },
}
Confidence = Literal["official", "secondary", "single-source", "unconfirmed"]


@attrs.frozen
class Price:
    """Per million output tokens, in the region's currency. ``silent``: the price with
    ``generate_audio=false`` where it differs; ``flex``: the factor for
    ``service_tier="flex"``."""

    per_million: float
    source: str
    as_of: str  # when the price was read at its source (YYYY-MM-DD)
    confidence: Confidence
    silent: float | None = None
    flex: float | None = None


#: BytePlus's model pricing page, "Last updated September 28, 2026", as a third party's
#: verification log quotes it.
_BYTEPLUS_PAGE = "https://docs.byteplus.com/en/docs/ModelArk/1544106"
_BYTEPLUS_DATE = "2026-09-28"
_UNCONFIRMED = "UNCONFIRMED: integrators' figures, not read from the price list"
_UNCONFIRMED_DATE = "2026-12-03"  # when these placeholders were written down
#: Flex ("offline inference") is documented as cheaper; half price is UNCONFIRMED.
FLEX_FACTOR = 0.5

#: (family, region) -> price.
PRICES: Mapping[tuple[str, str], Price] = {
    ("2.0", "intl"): Price(7.0, _BYTEPLUS_PAGE, _BYTEPLUS_DATE, "secondary"),
    ("2.0-fast", "intl"): Price(5.6, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed"),
    ("1.5-pro", "intl"): Price(
        2.4, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed", silent=1.2, flex=FLEX_FACTOR
    ),
    ("1.0-pro", "intl"): Price(
        2.5, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed", flex=FLEX_FACTOR
    ),
    ("2.0", "cn"): Price(46.0, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed"),
    ("2.0-fast", "cn"): Price(37.0, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed"),
    ("1.5-pro", "cn"): Price(
        16.0, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed", silent=8.0, flex=FLEX_FACTOR
    ),
    ("1.0-pro", "cn"): Price(
        15.0, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed", flex=FLEX_FACTOR
    ),
    ("1.0-pro-fast", "cn"): Price(
        4.2, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed", flex=FLEX_FACTOR
    ),
    ("1.0-lite-t2v", "cn"): Price(
        10.0, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed", flex=FLEX_FACTOR
    ),
    ("1.0-lite-i2v", "cn"): Price(
        10.0, _UNCONFIRMED, _UNCONFIRMED_DATE, "unconfirmed", flex=FLEX_FACTOR
    ),
}


def price_for(family: str, region: str) -> Price | None:
    return PRICES.get((family, region))


def size_for(resolution: str, ratio: str) -> tuple[int, int]:
    """The output size; ``adaptive`` (the shape follows the image or the prompt) is
    estimated at the 16:9 size of the resolution (every ratio has about that area)."""
    table = PIXELS.get(resolution, PIXELS["720p"])
    return table.get(ratio, table["16:9"])


def tokens_for(resolution: str, ratio: str, duration: int) -> int:
    width, height = size_for(resolution, ratio)
    return (width * height * (duration * FPS + 1)) // 1024


def unit_price(price: Price, *, audio: bool, flex: bool) -> float:
    per_million = price.silent if (not audio and price.silent is not None) else price.per_million
    if flex and price.flex is not None:
        per_million *= price.flex
    return per_million


def estimate_cost(
    family: str,
    region: str,
    currency: str,
    *,
    resolution: str,
    ratio: str,
    duration: int,
    audio: bool,
    flex: bool,
) -> CostEstimate | None:
    price = price_for(family, region)
    if price is None:
        return None
    tokens = tokens_for(resolution, ratio, duration)
    per_million = unit_price(price, audio=audio, flex=flex)
    shape = "16:9-sized" if ratio == "adaptive" else ratio
    extras = []
    if not audio and price.silent is not None:
        extras.append("silent")
    if flex and price.flex is not None:
        extras.append(f"flex x{price.flex:g}")
    extra = f" ({', '.join(extras)})" if extras else ""
    return CostEstimate(
        amount=round(tokens * per_million / 1e6, 4),
        currency=currency,
        units=tokens,
        unit_name="tokens",
        formula=(
            f"{resolution} {shape}, {duration} s x {FPS} fps + 1 frame = {tokens:,} tokens "
            f"x {per_million:g} {currency}/M{extra}"
        ),
        confidence=price.confidence,
        source=price.source,
        as_of=price.as_of,
    )


def reported_cost(
    tokens: int, family: str, region: str, *, audio: bool, flex: bool
) -> float | None:
    """What ``usage.completion_tokens`` cost, at the table's price (``None``: unknown)."""
    price = price_for(family, region)
    if price is None:
        return None
    return round(tokens * unit_price(price, audio=audio, flex=flex) / 1e6, 4)
