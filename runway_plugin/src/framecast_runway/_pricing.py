"""Cost estimates from runway.md §7.

$0.01 a credit is official ([OAS] ``info.description``). The credit prices per model are
NOT: the pricing page could not be read, and the figures come from Runway's skills
repository and third-party readings of that page — every estimate is therefore flagged
``confidence="secondary"``. Keep the numbers here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from framecast import CostEstimate, parse_ratio

__all__ = ["CREDIT_USD", "PRICES", "estimate_cost"]

CREDIT_USD = 0.01
#: Where the credit prices were read, and when (the pricing page itself could not be read).
PRICE_SOURCE = (
    "$0.01 a credit: Runway's OpenAPI document; credits per model: Runway's skills "
    "repository and third-party readings of docs.dev.runwayml.com/guides/pricing"
)
PRICES_AS_OF = "2026-08-08"


@attrs.frozen
class Charge:
    """What a request costs in credits, and how that was worked out."""

    credits: float
    formula: str


PriceRule = Callable[[str | None, int | None, Mapping[str, Any]], Charge | None]


def _per_second(rate: float, *, minimum: float = 0.0) -> PriceRule:
    def rule(_ratio: str | None, duration: int | None, _options: Mapping[str, Any]) -> Charge:
        seconds = duration or 0
        credits = max(rate * seconds, minimum)
        formula = f"{seconds} s x {rate:g} credits/s"
        if credits > rate * seconds:
            formula += f" (minimum {minimum:g} credits)"
        return Charge(credits, formula)

    return rule


def _pixels(ratio: str | None) -> int:
    parsed = parse_ratio(ratio) if ratio else None
    return parsed[0] * parsed[1] if parsed else 0


def _gen4_5(_ratio: str | None, duration: int | None, options: Mapping[str, Any]) -> Charge:
    seconds = duration or 0
    rate = 12.0
    formula = f"{seconds} s x (12 credits/s"
    # SDK docstring: prores and png_sequence cost 5 credits/s more; every 10-bit-or-deeper
    # format 20 more (40 above 4 MP, which no gen4.5 size reaches).
    output_format = options.get("output_format", "mp4")
    if output_format in ("prores", "png_sequence"):
        rate += 5
        formula += f" + 5 for {output_format}"
    elif output_format != "mp4":
        rate += 20
        formula += f" + 20 for {output_format}"
    return Charge(rate * seconds, formula + ")")


def _veo(with_audio: float, without: float) -> PriceRule:
    def rule(_ratio: str | None, duration: int | None, options: Mapping[str, Any]) -> Charge:
        seconds = duration or 0
        audio = options.get("audio", True)  # Runway's default is true
        rate = with_audio if audio else without
        label = "with audio" if audio else "without audio"
        return Charge(rate * seconds, f"{seconds} s x {rate:g} credits/s ({label})")

    return rule


def _gen4_image(ratio: str | None, _duration: int | None, _options: Mapping[str, Any]) -> Charge:
    # "5 (720p) / 8 (1080p) per image": the sizes whose short side is 720 are the 720p ones
    # (an inference from the size list; unconfirmed).
    parsed = parse_ratio(ratio) if ratio else None
    tier_720 = parsed is not None and min(parsed) <= 720
    credits = 5.0 if tier_720 else 8.0
    return Charge(credits, f"1 image x {credits:g} credits ({'720p' if tier_720 else '1080p'})")


def _hailuo3(_ratio: str | None, duration: int | None, options: Mapping[str, Any]) -> Charge:
    seconds = duration or 0
    # Runway states no default resolution; 768p (the cheaper) is assumed when none is given.
    two_k = str(options.get("resolution", "768p")).lower() == "2k"
    rate = 15.0 if two_k else 10.0
    return Charge(rate * seconds, f"{seconds} s x {rate:g} credits/s ({'2k' if two_k else '768p'})")


def _seedance2(ratio: str | None, duration: int | None, _options: Mapping[str, Any]) -> Charge:
    seconds = duration or 0
    pixels = _pixels(ratio)
    if pixels > 4_000_000:
        rate, tier = 150.0, "4K"
    elif pixels > 1_500_000:
        rate, tier = 40.0, "1080p"
    else:
        rate, tier = 36.0, "480p-720p"
    return Charge(rate * seconds, f"{seconds} s x {rate:g} credits/s ({tier})")


def _seedance2_5(
    ratio: str | None, duration: int | None, _options: Mapping[str, Any]
) -> Charge | None:
    seconds = duration or 0
    if _pixels(ratio) > 1_500_000:
        return None  # the 1080p sizes (SDK only) have no known price
    small = 0 < _pixels(ratio) < 600_000
    rate, tier = (20.0, "480p") if small else (30.0, "720p")
    credits = max(rate * seconds, 80.0)
    formula = f"{seconds} s x {rate:g} credits/s ({tier})"
    if credits > rate * seconds:
        formula += " (minimum 80 credits)"
    return Charge(credits, formula)


PRICES: Mapping[str, PriceRule] = {
    "gen4.5": _gen4_5,
    "gen4_turbo": _per_second(5),
    "veo3.1": _veo(40, 20),
    "veo3.1_fast": _veo(15, 10),
    "gen4_image": _gen4_image,
    "gen4_image_turbo": lambda _r, _d, _o: Charge(2.0, "1 image x 2 credits"),
    "hailuo3": _hailuo3,
    "seedance2": _seedance2,
    "seedance2_fast": _per_second(29),
    "seedance2_mini": _per_second(16, minimum=64),
    "seedance2_5": _seedance2_5,
    "gen3a_turbo": _per_second(5),
    "veo3": _per_second(40),
}


def estimate_cost(
    model: str, ratio: str | None, duration: int | None, options: Mapping[str, Any]
) -> CostEstimate | None:
    """The estimate for one request, or ``None`` when the model's price is unknown."""
    rule = PRICES.get(model)
    if rule is None:
        return None
    charge = rule(ratio, duration, options)
    if charge is None:
        return None
    amount = round(charge.credits * CREDIT_USD, 4)
    return CostEstimate(
        amount=amount,
        currency="USD",
        units=float(charge.credits),
        unit_name="credits",
        formula=f"{charge.formula} x ${CREDIT_USD:g} = ${amount:.2f}",
        confidence="secondary",
        source=PRICE_SOURCE,
        as_of=PRICES_AS_OF,
    )
