"""The bad input catalogue: invalid requests and handles, both providers, each refused with a
``ValidationError`` naming the field, the value and what is allowed -- before a single
request reaches the provider's fake."""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from framecast import GenerationRequest, TaskHandle, ValidationError
from framecast.testing import VirtualClock

from ._sides import SIDES, small_png

pytestmark = pytest.mark.anyio


# --------------------------------------------------------------------------- images


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def _encoded(fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 384), (10, 20, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def bomb_png(side: int = 100_000) -> bytes:
    """A tiny file whose header claims side x side pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


@functools.cache
def noise_png(width: int, height: int) -> bytes:
    """Noise does not compress: the file is as large as its pixels."""
    from PIL import Image

    data = random.Random(3).randbytes(width * height * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), data).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


# --------------------------------------------------------------------------- cases


@attrs.frozen
class Case:
    provider: str
    name: str
    field: str  # the field the error must name (a prefix: "options.mode", "images[4]")
    request: Callable[[], GenerationRequest] | None = None
    handle: Callable[[], Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.provider}-{self.name}"


def req(**fields: Any) -> Callable[[], GenerationRequest]:
    def build() -> GenerationRequest:
        values = dict(fields)
        values.setdefault("prompt", "The astronaut waves")
        for key, value in values.items():
            if callable(value):
                values[key] = value()
        return GenerationRequest(**values)

    return build


def other_handle(provider: str) -> Callable[[], str]:
    return lambda: TaskHandle(provider=provider, task_id="123456789").to_json()


LONG = "A lighthouse on a cliff at dusk, waves breaking below. "
CASES: list[Case] = [
    # ---------------------------------------------------------------- Runway
    Case("runway", "ratio not offered", "ratio", req(image=small_png, ratio="5:1")),
    Case("runway", "ratio not a ratio", "ratio", req(image=small_png, ratio="wide")),
    Case("runway", "duration not offered", "duration", req(image=small_png, duration=11)),
    Case("runway", "duration between steps (veo3.1)", "duration", req(model="veo3.1", duration=5)),
    Case("runway", "duration zero", "duration", req(image=small_png, duration=0)),
    Case("runway", "unknown model", "model", req(image=small_png, model="gen5_ultra")),
    Case("runway", "withdrawn model", "model", req(image=small_png, model="gen3a_turbo")),
    Case("runway", "text only on an image model", "mode", req(model="gen4_turbo")),
    Case(
        "runway",
        "last frame on a model without it",
        "mode",
        req(image=small_png, end_image=small_png, model="gen4_turbo"),
    ),
    Case("runway", "prompt over the limit", "prompt", req(image=small_png, prompt="x" * 1001)),
    Case(
        "runway",
        "prompt over the limit after camera phrasing",
        "prompt",
        req(image=small_png, prompt="y" * 990, camera="zoom_in"),
    ),
    Case("runway", "http image URL", "image", req(image="http://example.com/cat.png")),
    Case("runway", "ftp image URL", "image", req(image="ftp://example.com/cat.png")),
    Case(
        "runway",
        "image URL too long",
        "image",
        req(image="https://example.com/" + "a" * 2100 + ".png"),
    ),
    Case("runway", "GIF image", "image", req(image=lambda: _encoded("GIF"))),
    Case("runway", "not an image", "image", req(image=b"%PDF-1.7 not an image at all")),
    Case("runway", "empty image", "image", req(image=b"")),
    Case("runway", "missing image file", "image", req(image="/nonexistent/frame.png")),
    Case("runway", "broken data URI", "image", req(image="data:image/png;base64,!!!")),
    Case("runway", "image aspect 3:1", "image", req(image=lambda: _png(1200, 400))),
    Case("runway", "image side over 8000 px", "image", req(image=lambda: _png(8001, 4001, "1"))),
    Case("runway", "decompression bomb", "image", req(image=bomb_png)),
    Case(
        "runway",
        "too many reference images",
        "images",
        req(model="gen4_image", images=lambda: [small_png()] * 4),
    ),
    Case("runway", "unknown camera move", "camera", req(image=small_png, camera="barrel_roll")),
    Case(
        "runway",
        "camera strength 11",
        "camera_strength",
        req(image=small_png, camera="zoom_in", camera_strength=11),
    ),
    Case("runway", "negative seed", "seed", req(image=small_png, seed=-1)),
    Case("runway", "seed above 2^32-1", "seed", req(image=small_png, seed=2**32)),
    Case(
        "runway",
        "negative prompt on gen4_turbo",
        "negative_prompt",
        req(image=small_png, negative_prompt="blur"),
    ),
    Case(
        "runway",
        "unknown option",
        "options.turbo_boost",
        req(image=small_png, options={"turbo_boost": True}),
    ),
    Case(
        "runway",
        "option value not offered",
        "options.public_figure_threshold",
        req(image=small_png, options={"public_figure_threshold": "max"}),
    ),
    Case("runway", "unknown image fit", "image_fit", req(image=small_png, image_fit="stretch")),
    Case("runway", "malformed handle", "handle", handle=lambda: "{not json"),
    Case(
        "runway",
        "handle without a task id",
        "handle.task_id",
        handle=lambda: '{"provider": "runway"}',
    ),
    Case("runway", "handle of another provider", "handle.provider", handle=other_handle("kling")),
    # ---------------------------------------------------------------- Kling
    Case("kling", "ratio not offered", "ratio", req(ratio="4:3")),
    Case("kling", "ratio unlike the image", "ratio", req(image=small_png, ratio="9:16")),
    Case("kling", "duration not offered", "duration", req(duration=7)),
    Case("kling", "negative duration", "duration", req(duration=-5)),
    Case("kling", "unknown model", "model", req(model="kling-v9")),
    Case("kling", "text only on an image model", "mode", req(model="kling-v1-5")),
    Case(
        "kling",
        "last frame on a model without it",
        "mode",
        req(image=small_png, end_image=small_png, model="kling-v2-master"),
    ),
    Case(
        "kling",
        "several images on a one-image model",
        "mode",
        req(images=lambda: [small_png()] * 2, model="kling-v2-5-turbo"),
    ),
    Case(
        "kling",
        "five images (at most four)",
        "images",
        req(images=lambda: [small_png()] * 5, model="kling-v1-6"),
    ),
    Case("kling", "prompt over 2,500 characters", "prompt", req(prompt=LONG * 50)),
    Case(
        "kling",
        "prompt over the limit after camera phrasing",
        "prompt",
        req(prompt="z" * 2490, camera="orbit_left", model="kling-v2-5-turbo"),
    ),
    Case("kling", "seed (Kling takes none)", "seed", req(seed=42)),
    Case("kling", "huge seed", "seed", req(seed=10**20)),
    Case("kling", "http image URL", "image", req(image="http://example.com/frame.png")),
    Case("kling", "WebP image (JPEG or PNG only)", "image", req(image=lambda: _encoded("WEBP"))),
    Case("kling", "image under 300 px a side", "image", req(image=lambda: _png(200, 200))),
    Case("kling", "image aspect 3:1", "image", req(image=lambda: _png(1500, 500))),
    Case("kling", "image over 10 MB", "image", req(image=lambda: noise_png(1900, 1900))),
    Case("kling", "decompression bomb", "image", req(image=bomb_png)),
    Case(
        "kling",
        "144 Mpx header under Pillow's own bomb limit",
        "image",
        req(image=lambda: bomb_png(12_000)),
    ),
    Case("kling", "unknown camera move", "camera", req(camera="spin")),
    Case("kling", "unknown option", "options.quality", req(options={"quality": "max"})),
    Case("kling", "mode option not offered", "options.mode", req(options={"mode": "ultra"})),
    Case(
        "kling",
        "cfg_scale out of range",
        "options.cfg_scale",
        req(model="kling-v1", options={"cfg_scale": 2.0}),
    ),
    Case("kling", "malformed handle", "handle", handle=lambda: "[]"),
    Case("kling", "handle of another provider", "handle.provider", handle=other_handle("runway")),
    # ---------------------------------------------------------------- Seedance
    Case("seedance", "ratio not offered", "ratio", req(ratio="2:1")),
    Case("seedance", "ratio not a ratio", "ratio", req(ratio="wide")),
    Case("seedance", "duration under 4 s (Seedance 2.0)", "duration", req(duration=3)),
    Case("seedance", "duration over 15 s", "duration", req(duration=16)),
    Case("seedance", "unknown model", "model", req(model="seedance-9-0")),
    Case(
        "seedance",
        "Volcengine model id in the international region",
        "model",
        req(model="doubao-seedance-2-0-260128"),
    ),
    Case(
        "seedance",
        "a first frame with reference images",
        "images",
        req(image=small_png, images=lambda: [small_png()]),
    ),
    Case(
        "seedance",
        "ten reference images (at most nine)",
        "images",
        req(images=lambda: [small_png()] * 10),
    ),
    Case(
        "seedance",
        "reference images on a model without them",
        "mode",
        req(images=lambda: [small_png()] * 2, model="seedance-1-5-pro-251215"),
    ),
    Case("seedance", "seed above 2^32-1", "seed", req(seed=2**32)),
    Case("seedance", "negative prompt", "negative_prompt", req(negative_prompt="blur")),
    Case("seedance", "http image URL", "image", req(image="http://example.com/frame.png")),
    Case("seedance", "image under 300 px a side", "image", req(image=lambda: _png(200, 200))),
    Case("seedance", "image aspect 3:1", "image", req(image=lambda: _png(1500, 500))),
    Case("seedance", "not an image", "image", req(image=b"%PDF-1.7 not an image at all")),
    Case("seedance", "decompression bomb", "image", req(image=bomb_png)),
    Case("seedance", "unknown camera move", "camera", req(camera="spin")),
    Case(
        "seedance",
        "1080p on Seedance 2.0 Fast",
        "options.resolution",
        req(model="dreamina-seedance-2-0-fast-260128", options={"resolution": "1080p"}),
    ),
    Case(
        "seedance",
        "flex tier on Seedance 2.0",
        "options.service_tier",
        req(options={"service_tier": "flex"}),
    ),
    Case(
        "seedance",
        "expiry under an hour",
        "options.execution_expires_after",
        req(options={"execution_expires_after": 60}),
    ),
    Case("seedance", "unknown option", "options.draft", req(options={"draft": True})),
    Case("seedance", "malformed handle", "handle", handle=lambda: "{not json"),
    Case("seedance", "handle of another provider", "handle.provider", handle=other_handle("kling")),
    # ---------------------------------------------------------------- Google Veo
    Case("google", "ratio not offered", "ratio", req(ratio="1:1")),
    Case("google", "ratio not a ratio", "ratio", req(ratio="portrait")),
    Case("google", "duration not offered", "duration", req(duration=5)),
    Case("google", "duration over 8 s", "duration", req(duration=10)),
    Case("google", "unknown model", "model", req(model="veo-4")),
    Case("google", "withdrawn model", "model", req(model="veo-3.0-generate-001")),
    Case("google", "seed (not sent to Veo)", "seed", req(seed=7)),
    Case("google", "unknown camera move", "camera", req(camera="barrel_roll")),
    Case("google", "image URL (inline images only)", "image", req(image="https://e.com/a.png")),
    Case("google", "not an image", "image", req(image=b"%PDF-1.7 not an image at all")),
    Case("google", "decompression bomb", "image", req(image=bomb_png)),
    Case("google", "GIF image", "image", req(image=lambda: _encoded("GIF"))),
    Case(
        "google",
        "four reference images",
        "images",
        req(image=None, images=lambda: [small_png()] * 4),
    ),
    Case(
        "google",
        "reference images on Veo 3.1 Lite",
        "mode",
        req(image=None, images=lambda: [small_png()] * 2, model="veo-3.1-lite-generate-preview"),
    ),
    Case(
        "google",
        "1080p at 6 s",
        "duration",
        req(duration=6, options={"resolution": "1080p"}),
    ),
    Case(
        "google",
        "4k on Veo 3.1 Lite",
        "options.resolution",
        req(model="veo-3.1-lite-generate-preview", options={"resolution": "4k"}),
    ),
    Case(
        "google",
        "resolution not offered",
        "options.resolution",
        req(options={"resolution": "480p"}),
    ),
    Case(
        "google",
        "allow_all with an image",
        "options.person_generation",
        req(image=small_png, options={"person_generation": "allow_all"}),
    ),
    Case(
        "google",
        "person_generation not a choice",
        "options.person_generation",
        req(options={"person_generation": "everyone"}),
    ),
    Case(
        "google",
        "enhance_prompt not a bool",
        "options.enhance_prompt",
        req(options={"enhance_prompt": "yes"}),
    ),
    Case("google", "unknown option", "options.fps", req(options={"fps": 24})),
    Case("google", "malformed handle", "handle", handle=lambda: "{not json"),
    Case("google", "handle of another provider", "handle.provider", handle=other_handle("kling")),
    # ---------------------------------------------------------------- Luma
    Case("luma", "ratio not offered", "ratio", req(image=small_png, ratio="5:4")),
    Case("luma", "ratio not a ratio (ray-2)", "ratio", req(model="ray-2", ratio="tall")),
    Case("luma", "duration not offered (ray-3.2)", "duration", req(duration=9)),
    Case("luma", "duration not offered (ray-2)", "duration", req(model="ray-2", duration=10)),
    Case("luma", "unknown model", "model", req(model="ray-4")),
    Case("luma", "empty prompt (ray-3.2 needs one)", "prompt", req(prompt="")),
    Case("luma", "local file on ray-2 (no upload)", "image", req(model="ray-2", image=small_png)),
    Case(
        "luma",
        "local last frame on ray-flash-2",
        "end_image",
        req(model="ray-flash-2", image="https://example.com/a.png", end_image=small_png),
    ),
    Case("luma", "uploaded file on ray-2", "image", req(model="ray-2", image="luma://file/f-1")),
    Case("luma", "malformed luma reference", "image", req(image="luma://video/123")),
    Case("luma", "http image URL", "image", req(image="http://example.com/cat.png")),
    Case("luma", "ftp image URL", "image", req(image="ftp://example.com/cat.png")),
    Case("luma", "WebP image (JPEG or PNG only)", "image", req(image=lambda: _encoded("WEBP"))),
    Case("luma", "not an image", "image", req(image=b"%PDF-1.7 not an image at all")),
    Case("luma", "decompression bomb", "image", req(image=bomb_png)),
    Case("luma", "seed (Luma takes none)", "seed", req(image=small_png, seed=7)),
    Case("luma", "negative prompt", "negative_prompt", req(negative_prompt="blur")),
    Case("luma", "unknown camera move", "camera", req(image=small_png, camera="barrel_roll")),
    Case("luma", "loop with 10 s", "options.loop", req(duration=10, options={"loop": True})),
    Case("luma", "loop with HDR", "options.loop", req(options={"loop": True, "hdr": True})),
    Case(
        "luma",
        "HDR at the 360p draft tier",
        "options.resolution",
        req(options={"hdr": True, "resolution": "360p"}),
    ),
    Case(
        "luma",
        "4k on ray-3.2",
        "options.resolution",
        req(options={"resolution": "4k"}),
    ),
    Case(
        "luma",
        "callback on plain http",
        "options.callback_url",
        req(model="ray-2", options={"callback_url": "http://example.com/cb"}),
    ),
    Case("luma", "unknown option", "options.seed_strength", req(options={"seed_strength": 1})),
    Case("luma", "malformed handle", "handle", handle=lambda: "{not json"),
    Case("luma", "handle of another provider", "handle.provider", handle=other_handle("kling")),
]


def test_the_catalogue_is_wide() -> None:
    assert len(CASES) >= 40
    per_provider = {p: sum(1 for c in CASES if c.provider == p) for p in SIDES}
    assert min(per_provider.values()) >= 20, per_provider
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_refused_before_any_request(case: Case) -> None:
    side = SIDES[case.provider]()
    async with side.runner(VirtualClock()) as runner:
        with pytest.raises(ValidationError) as caught:
            if case.handle is not None:
                await runner.wait(case.handle())
            else:
                assert case.request is not None
                await runner.generate(case.request())
    error = caught.value
    assert error.field is not None and error.field.startswith(case.field), (
        f"field {error.field!r}, expected {case.field!r}: {error.message}"
    )
    assert "value" in error.details, "the error must say which value was refused"
    allowed = error.allowed if error.allowed is not None else error.details.get("allowed")
    assert allowed, f"the error must say what is allowed: {error.message}"
    assert error.exit_code == 2
    assert side.requests_sent() == 0, "a bad input reached the provider"
    assert side.tasks_created == 0
