"""Fixtures for the Runway plugin's tests: a provider with a fake key, images, and a helper
that runs the request hooks in the order the runner does."""

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
    """map_ratio -> translate_camera -> prepare, as the runner calls them."""
    request = GenerationRequest(**fields)
    request = request.evolve(idempotency_key=request.idempotency_key or "test-key")
    model = info.model(request.model or info.default_model(request.mode) or "")
    assert model is not None, request.model
    ratio_plan = provider.map_ratio(request=request, model=model)
    camera_plan = provider.translate_camera(request=request, model=model)
    return provider.prepare(
        request=request, model=model, ratio_plan=ratio_plan, camera_plan=camera_plan
    )


async def _raise_for_status(response: httpx.Response) -> None:
    await response.aread()
    response.raise_for_status()


def client(
    provider: RunwayProvider, handler: Any, *, base_url: str = BASE_URL
) -> httpx.AsyncClient:
    """A client like the core's: base URL, the provider's auth applied to every request
    (the plugin's own origin check is what keeps it off other hosts), non-2xx raises."""
    return httpx.AsyncClient(
        base_url=base_url,
        transport=httpx.MockTransport(handler),
        auth=provider.auth(),
        event_hooks={"response": [_raise_for_status]},
    )
