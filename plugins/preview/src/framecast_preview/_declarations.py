"""What the preview declares and the arithmetic behind it: one model, any W:H ratio at an
even size, 1-10 s at 24 fps, and the option ``short_side``."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from framecast import (
    ConfigKey,
    ImageConstraints,
    ImageRef,
    Mode,
    ModelInfo,
    OptionSpec,
    ProviderInfo,
    ValidationError,
    parse_ratio,
)

NAME = "preview"
MODEL = "preview"
FPS = 24
DURATIONS = tuple(range(1, 11))
DEFAULT_DURATION = 5
DEFAULT_RATIO = "16:9"  # text-to-video; with an image, the image's own aspect
DEFAULT_SHORT_SIDE = 720
SHORT_SIDE_RANGE = (144, 2160)
#: Longest side we encode: a very wide ratio at 720 px would otherwise ask for a frame
#: wider than H.264 levels and most players handle.
MAX_LONG_SIDE = 4096
PROMPT_LIMIT = 5000
#: The variable that moves the task folders (settings.env), before any configured value.
DIR_VARIABLE = "FRAMECAST_PREVIEW_DIR"
#: A task with no state and no worker after this long was never started (seconds).
START_GRACE = 30.0
IMAGE_PLACEHOLDER = "upload:image"
EXIF_ORIENTATION = 0x0112  # values 5-8 turn the picture a quarter

SHORT_SIDE = OptionSpec(
    name="short_side",
    type="int",
    default=DEFAULT_SHORT_SIDE,
    minimum=SHORT_SIDE_RANGE[0],
    maximum=SHORT_SIDE_RANGE[1],
    doc="Pixels on the video's short side (rounded to an even number); the long side "
    "follows the ratio.",
)


def even(value: float) -> int:
    """The nearest even whole number, at least 2: H.264 with 4:2:0 chroma needs even sides."""
    return max(2, 2 * math.floor(value / 2 + 0.5))  # halves round up, not to even


def output_size(ratio: str, short_side: int) -> tuple[int, int]:
    parsed = parse_ratio(ratio)
    if parsed is None:
        raise bad_ratio(ratio)
    width, height = parsed
    short = even(short_side)
    if width >= height:
        return even(short * width / height), short
    return short, even(short * height / width)


def bad_ratio(value: Any) -> ValidationError:
    # Not a ratio at all (not "a ratio this model lacks"): a ValidationError.
    return ValidationError(
        f"ratio: {value!r} is not W:H with positive whole numbers (e.g. 16:9, 9:16, 4:3)",
        field="ratio",
        value=value,
        allowed="any W:H with positive whole numbers",
    )


def provider_info() -> ProviderInfo:
    """What the preview declares (see the README for what each value means)."""
    model = ModelInfo(
        name=MODEL,
        kind="video",
        modes=frozenset({Mode.TEXT, Mode.IMAGE}),
        ratios=(),  # any W:H: map_ratio checks the form
        any_ratio=True,
        default_ratio=None,  # the image's own aspect, or 16:9 for text
        durations=DURATIONS,
        default_duration=DEFAULT_DURATION,
        prompt_limit=PROMPT_LIMIT,
        prompt_unit="characters",
        image=ImageConstraints(
            formats=("jpeg", "png", "webp"),
            # The preview never fetches: map_ratio asks the core to download a URL
            # image (and fit it) before submit, so the worker always gets bytes.
            url_schemes=("https",),
            max_raw_bytes=50 * 1024 * 1024,
            min_side=16,
        ),
        supports_camera=True,
        supports_seed=True,
        supports_negative_prompt=True,
        price_basis="free: rendered on this machine",
        notes="Renders the camera move over the still image (a generated pattern for "
        "text-to-video); the prompt is not interpreted.",
    )
    return ProviderInfo(
        name=NAME,
        config_keys=(ConfigKey("cache_dir", "str", doc="a folder path"),),
        display_name="Offline preview",
        contract_version=2,
        offline=True,
        models=(model,),
        default_models={Mode.TEXT: MODEL, Mode.IMAGE: MODEL},
        official_hosts=(),
        # No origin: tasks live in the cache folder, not behind a URL, so there is no
        # base URL to configure, trust or send credentials to.
        default_base_url="",
        credential_variables=(),
        poll_floor=0.0,
        output_url_lifetime=None,  # a local file lasts until the cache is cleared
        # Each render keeps a core busy; more at once only slows them all.
        suggested_max_running_tasks=2,
        options=(SHORT_SIDE,),
    )


def displayed_size(image: ImageRef) -> tuple[int, int] | None:
    """The image's size as shown: a phone photo stored landscape with an EXIF "rotate 90"
    is portrait on screen, and the worker renders it upright (the core's measured size is
    the stored one)."""
    if not image.width or not image.height:
        return None
    size = (image.width, image.height)
    if image.data is None or image.media_type not in ("image/jpeg", "image/webp"):
        return size
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image.data)) as opened:
            orientation = opened.getexif().get(EXIF_ORIENTATION)
    except (OSError, UnidentifiedImageError, ValueError):
        return size
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def derived_seed(prompt: str, image_digest: str | None) -> int:
    digest = hashlib.sha256(f"{prompt}\x00{image_digest or ''}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
