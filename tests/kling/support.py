"""Helpers for the Kling plugin's tests (fixtures live in conftest.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from framecast import GenerationRequest, ImageRef, ModelInfo, testing
from framecast_kling import KlingProvider
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE_URL = "https://api-singapore.klingai.com"
#: 2026-01-01T00:00:00Z: the fixed "now" of provider and fake in hook-level tests.
NOW = 1_767_225_600.0


class FixedClock:
    """Seconds since the epoch, moved by hand."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def image_ref(path: Path | None = None, *, size: tuple[int, int] | None = None) -> ImageRef:
    """An ``ImageRef`` as the runner passes it to ``prepare`` (bytes sniffed and measured)."""
    if path is not None:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
        return ImageRef(
            source="file", data=data, media_type="image/png", width=width, height=height,
            name=path.name,
        )  # fmt: skip
    assert size is not None
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(buffer, format="PNG")
    return ImageRef(
        source="bytes", data=buffer.getvalue(), media_type="image/png", width=size[0],
        height=size[1],
    )  # fmt: skip


def url_ref(url: str = "https://example.com/frame.png") -> ImageRef:
    return ImageRef(source="url", url=url)


def model_of(provider: KlingProvider, name: str) -> ModelInfo:
    model = provider.provider_info().model(name)
    assert model is not None, name
    return model


def prepare(provider: KlingProvider, request: GenerationRequest, model: str | None = None) -> Any:
    """The ``PreparedRequest`` through the runner's own pipeline (the core's validation,
    then the sync hooks in order); a request without a key gets ``key-0001``."""
    if request.idempotency_key is None:
        request = request.evolve(idempotency_key="key-0001")
    if model is not None:
        request = request.evolve(model=model)
    return testing.prepare(provider, request)


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], provider: KlingProvider
) -> httpx.AsyncClient:
    """The client the runner hands the I/O hooks (non-2xx raises after the auth flow)."""
    return testing.provider_client(provider, handler, base_url=BASE_URL)
