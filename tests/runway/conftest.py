"""Fixtures for the Runway plugin's tests: a provider with a fake key, images, and the
core's own pipeline and client (``framecast.testing.prepare`` / ``provider_client``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from framecast import (
    ImageRef,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    testing,
)
from framecast_runway import RunwayProvider

FAKE_KEY = "key_test_not_real"
BASE_URL = "https://api.dev.runwayml.com"


@pytest.fixture
def provider() -> RunwayProvider:
    return RunwayProvider(ProviderSettings(name="runway", env={"RUNWAYML_API_SECRET": FAKE_KEY}))


@pytest.fixture
def info(provider: RunwayProvider) -> ProviderInfo:
    return testing.provider_info(provider)  # as the runner sees it


def url_image(name: str = "cat.jpg") -> ImageRef:
    return ImageRef(source="url", url=f"https://example.com/{name}")


def png_image(raw_bytes: int = 2048, *, width: int = 1280, height: int = 720) -> ImageRef:
    """A loaded PNG of ``raw_bytes`` bytes (only the signature is real: the hooks never
    decode pixels, the runner does)."""
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * max(0, raw_bytes - 8)
    return ImageRef(
        source="file", data=data, media_type="image/png", width=width, height=height,
        name="photo.png",
    )  # fmt: skip


def prepare(provider: RunwayProvider, info: ProviderInfo, **fields: Any) -> PreparedRequest:
    """The wire request through the runner's own pipeline (validation, ratio, camera,
    prepare); ``info`` is kept for the callers' sake."""
    del info
    return testing.prepare(provider, **fields)


def client(
    provider: RunwayProvider, handler: Any, *, base_url: str = BASE_URL
) -> httpx.AsyncClient:
    """The client the runner hands the I/O hooks: base URL, the provider's auth on
    Runway's origin only, non-2xx raises."""
    return testing.provider_client(provider, handler, base_url=base_url)
