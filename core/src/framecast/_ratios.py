"""Aspect-ratio arithmetic shared by providers' ``map_ratio`` implementations."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["aspect", "nearest_ratio", "parse_ratio", "reduced_ratio", "same_aspect"]

#: How far two aspects may differ and still count as the same (2.5 %).
ASPECT_TOLERANCE = 0.025


def parse_ratio(value: str) -> tuple[int, int] | None:
    """``"16:9"`` -> ``(16, 9)``; ``None`` for anything that is not ``W:H`` with W, H > 0."""
    parts = value.strip().split(":")
    if len(parts) != 2:
        return None
    try:
        width, height = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    if width <= 0 or height <= 0:
        return None
    return width, height


def aspect(value: str) -> float | None:
    parsed = parse_ratio(value)
    return None if parsed is None else parsed[0] / parsed[1]


def same_aspect(a: str | float, b: str | float, tolerance: float = ASPECT_TOLERANCE) -> bool:
    """True when two ratios (``"W:H"`` or a float) have the same aspect within ``tolerance``."""
    x = aspect(a) if isinstance(a, str) else a
    y = aspect(b) if isinstance(b, str) else b
    if x is None or y is None:
        return False
    return abs(x - y) / y <= tolerance


def reduced_ratio(width: int, height: int) -> str:
    """``1920, 1080`` -> ``"16:9"``: a size as its ratio in lowest terms."""
    import math

    divisor = math.gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def nearest_ratio(target: str | float, candidates: Iterable[str]) -> str | None:
    """The candidate whose aspect is closest to ``target`` (on a log scale, so 2:1 and 1:2
    are equally far from 1:1); ties go to the first candidate given."""
    import math

    wanted = aspect(target) if isinstance(target, str) else target
    if wanted is None:
        return None
    best: tuple[float, str] | None = None
    for candidate in candidates:
        value = aspect(candidate)
        if value is None:
            continue
        distance = abs(math.log(value / wanted))
        if best is None or distance < best[0] - 1e-12:  # a float-rounding tie stays a tie
            best = (distance, candidate)
    return None if best is None else best[1]
