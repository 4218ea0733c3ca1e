"""Fixtures for the Luma plugin's tests: a provider with fake keys, images, runners on the
fake, and a helper that runs the request hooks in the order the runner does."""

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
    Runner,
    testing,
)
from framecast.testing import VirtualClock
from framecast_luma import LumaProvider
from framecast_luma.testing import LumaFake

ENV = dict(LumaFake.ENV)
AGENTS_KEY = ENV["LUMA_AGENTS_API_KEY"]
DM_KEY = ENV["LUMAAI_API_KEY"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def provider() -> LumaProvider:
    return LumaProvider(ProviderSettings(name="luma", env=ENV))


@pytest.fixture
def info(provider: LumaProvider) -> ProviderInfo:
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


def prepare(provider: LumaProvider, info: ProviderInfo, **fields: Any) -> PreparedRequest:
    """map_ratio (the core's default) -> translate_camera -> prepare, as the runner calls them."""
    from framecast._defaults import declared_ratio_plan

    request = GenerationRequest(**fields)
    request = request.evolve(idempotency_key=request.idempotency_key or "test-key")
    model = info.model(request.model or info.default_model(request.mode) or "")
    assert model is not None, request.model
    ratio_plan = declared_ratio_plan(request, model)
    camera_plan = provider.translate_camera(request=request, model=model)
    return provider.prepare(
        request=request, model=model, ratio_plan=ratio_plan, camera_plan=camera_plan
    )


def runner_for(fake: LumaFake, env: dict[str, str] | None = None, **kwargs: Any) -> Runner:
    chosen = dict(ENV if env is None else env)
    return Runner(
        "luma",
        settings=ProviderSettings(name="luma", env=chosen),
        transport=httpx.MockTransport(fake),
        clock=kwargs.pop("clock", None) or VirtualClock(),
        env=chosen,
        **kwargs,
    )
