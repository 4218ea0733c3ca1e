"""Text-to-video offline: a deterministic picture made from the prompt and the seed.

The preview cannot imagine a scene, so it draws a soft gradient with scattered translucent
discs and a faint grid (enough texture for every camera move to read) whose colours and
layout come from a hash of the prompt and the seed: the same request gives the same
picture, a different prompt or seed another.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["pattern_image"]

#: The picture is drawn larger than the output so zooms do not soften it too much.
OVERSAMPLE = 1.5


def _rng(prompt: str, seed: int) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _colour(rng: random.Random, lightness: tuple[int, int]) -> tuple[int, int, int]:
    lo, hi = lightness
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def pattern_image(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """An RGB picture about ``OVERSAMPLE`` times the output size."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFilter

    rng = _rng(prompt, seed)
    size = (max(2, round(width * OVERSAMPLE)), max(2, round(height * OVERSAMPLE)))

    top = PILImage.new("RGB", size, _colour(rng, (20, 110)))
    bottom = PILImage.new("RGB", size, _colour(rng, (90, 200)))
    # Rotate a square larger than the picture's diagonal, then cut the middle: a turned
    # gradient with no empty corners.
    side = math.ceil(math.hypot(*size))
    turned = (
        PILImage.linear_gradient("L")
        .resize((side, side))
        .rotate(rng.uniform(-40.0, 40.0), resample=PILImage.Resampling.BILINEAR)
    )
    x0, y0 = (side - size[0]) // 2, (side - size[1]) // 2
    mask = turned.crop((x0, y0, x0 + size[0], y0 + size[1]))
    picture = PILImage.composite(bottom, top, mask).convert("RGBA")

    layer = PILImage.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    short = min(size)
    step = max(8, short // 8)
    grid = (*_colour(rng, (150, 255)), 28)
    for x in range(0, size[0], step):
        draw.line([(x, 0), (x, size[1])], fill=grid, width=max(1, short // 300))
    for y in range(0, size[1], step):
        draw.line([(0, y), (size[0], y)], fill=grid, width=max(1, short // 300))
    for _ in range(18):
        radius = rng.uniform(0.03, 0.16) * short
        cx, cy = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        fill = (*_colour(rng, (60, 255)), rng.randint(90, 200))
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=fill)
    # Blurred premultiplied, so soft edges fade out instead of darkening.
    blur = ImageFilter.GaussianBlur(radius=max(1.0, short / 250))
    layer = layer.convert("RGBa").filter(blur).convert("RGBA")
    return PILImage.alpha_composite(picture, layer).convert("RGB")
