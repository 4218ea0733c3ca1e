"""Fixtures for the Google Veo plugin's tests: a provider with a fake key, images, and a
helper that runs the request hooks in the order the runner does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from framecast import (
    GenerationRequest,
    ImageRef,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    declared_ratio_plan,
    prompt_camera_plan,
    testing,
)
from framecast_google import GoogleProvider

FAKE_KEY = "gemini-test-key-not-real"
BASE_URL = "https://generativelanguage.googleapis.com"
ENV = {"GEMINI_API_KEY": FAKE_KEY}
#: A 1x1 PNG, the image the SDK probe used.
PNG_1X1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xfc\xcf\xc0P\x0f\x00\x04\x85\x01\x80\x84\xa9"
    b"\x8c!\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def provider() -> GoogleProvider:
    return GoogleProvider(ProviderSettings(name="google", env=dict(ENV)))


@pytest.fixture
def info(provider: GoogleProvider) -> ProviderInfo:
    return testing.provider_info(provider)  # as the runner sees it


def png(name: str = "photo.png", data: bytes = PNG_1X1) -> ImageRef:
    return ImageRef(source="file", data=data, media_type="image/png", width=1, height=1, name=name)


def prepare(provider: GoogleProvider, info: ProviderInfo, **fields: Any) -> PreparedRequest:
    """The core's default ratio and camera plans, then prepare, as the runner calls them."""
    request = GenerationRequest(**fields)
    request = request.evolve(idempotency_key=request.idempotency_key or "test-key")
    model = info.model(request.model or info.default_model(request.mode) or "")
    assert model is not None, request.model
    return provider.prepare(
        request=request,
        model=model,
        ratio_plan=declared_ratio_plan(request, model),
        camera_plan=prompt_camera_plan(request, model),
    )


def client(
    provider: GoogleProvider, handler: Any, *, base_url: str = BASE_URL
) -> httpx.AsyncClient:
    """The core's own client (``framecast.testing.provider_client``): base URL, the
    provider's auth on its own origin only, non-2xx raises."""
    return testing.provider_client(provider, handler, base_url=base_url)
