"""Kling's prices in units: model x mode x duration, $0.14 a unit.

Every per-task figure comes from one source (inference-sh's pricing digest) and is flagged
``single-source``; kling-v3's standard per-second rate is also stated by an independent
report (``secondary``). Prices are for silent video: framecast never asks for sound.
"""

from __future__ import annotations

from collections.abc import Mapping

from framecast import CostEstimate

from ._capabilities import MULTI_IMAGE2VIDEO
from ._wire import PRICE_PER_UNIT

__all__ = ["UNIT_PRICES", "estimate_cost", "units_for"]

#: model -> mode -> units for a 5 s video; 10 s costs twice as much for every listed model.
UNIT_PRICES: Mapping[str, Mapping[str | None, float]] = {
    "kling-v1": {"std": 1.0, "pro": 3.5},
    "kling-v1-5": {"std": 2.0, "pro": 3.5},
    "kling-v1-6": {"std": 2.0, "pro": 3.5},
    "kling-v2-master": {None: 10.0},
    "kling-v2-1": {"std": 2.0, "pro": 3.5},
    "kling-v2-1-master": {None: 10.0},
    "kling-v2-5-turbo": {"std": 1.5, "pro": 2.5},
    "kling-v2-6": {"std": 1.5, "pro": 2.5},
}
#: multi-image2video (kling-v1-6 only).
MULTI_IMAGE_PRICES: Mapping[str | None, float] = {"std": 2.0, "pro": 3.5}
#: kling-v3 is billed per second.
PER_SECOND_PRICES: Mapping[str, Mapping[str | None, float]] = {
    "kling-v3": {"std": 0.6, "pro": 0.8},
}
_SECONDARY = {("kling-v3", "std")}  # confirmed by a second, independent source
#: Where the unit prices were read, and when (Kling's own billing page was not retrieved).
PRICE_SOURCE = (
    "inference-sh/grid api/klingai/pricing.md; $0.14 a unit and kling-v3 std also from "
    "docs.klingai2.org/prepaid-resource-packs"
)
PRICES_AS_OF = "2026-08-08"


def units_for(model: str, mode: str | None, duration: int, endpoint: str) -> float | None:
    """Units a task costs, or ``None`` when no price is known."""
    if model in PER_SECOND_PRICES:
        rate = PER_SECOND_PRICES[model].get(mode)
        return None if rate is None else round(rate * duration, 4)
    table = MULTI_IMAGE_PRICES if endpoint == MULTI_IMAGE2VIDEO else UNIT_PRICES.get(model)
    if table is None or mode not in table:
        return None
    return table[mode] * duration / 5


def estimate_cost(
    model: str, mode: str | None, duration: int, endpoint: str
) -> CostEstimate | None:
    units = units_for(model, mode, duration, endpoint)
    if units is None:
        return None
    shown_mode = f" {mode}" if mode else ""
    return CostEstimate(
        amount=round(units * PRICE_PER_UNIT, 4),
        currency="USD",
        units=units,
        unit_name="Kling units",
        formula=(
            f"{model}{shown_mode} {duration} s on {endpoint}: {units:g} units "
            f"x ${PRICE_PER_UNIT} per unit"
        ),
        confidence="secondary" if (model, mode) in _SECONDARY else "single-source",
        source=PRICE_SOURCE,
        as_of=PRICES_AS_OF,
    )
