"""Fixtures for the Seedance plugin's tests: a provider per region with a fake key, a fake,
and a runner wired to it in virtual time."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from framecast import GenerationRequest, ImageRef, PreparedRequest, ProviderSettings, Runner
from framecast.testing import VirtualClock
from framecast_seedance import SeedanceProvider
from framecast_seedance.testing import SeedanceFake

FAKE_KEY = "ark-test-key-not-real"
ENV = {"ARK_API_KEY": FAKE_KEY}
CN_ENV = {**ENV, "SEEDANCE_REGION": "cn"}


def provider_for(env: dict[str, str] | None = None) -> SeedanceProvider:
    return SeedanceProvider(
        ProviderSettings(name="seedance", env=dict(ENV if env is None else env))
    )


@pytest.fixture
def provider() -> SeedanceProvider:
    return provider_for()


@pytest.fixture
def cn_provider() -> SeedanceProvider:
    return provider_for(CN_ENV)


@pytest.fixture
def fake() -> SeedanceFake:
    return SeedanceFake()


def url_image(name: str = "first.png") -> ImageRef:
    return ImageRef(source="url", url=f"https://example.com/{name}")


def png_image(raw_bytes: int = 2048, *, width: int = 1280, height: int = 720) -> ImageRef:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * max(0, raw_bytes - 8)
    return ImageRef(source="file", data=data, media_type="image/png", width=width, height=height)


def prepare(provider: SeedanceProvider, **fields: Any) -> PreparedRequest:
    """map_ratio -> translate_camera -> prepare, as the runner calls them."""
    info = provider.provider_info()
    request = GenerationRequest(**fields)
    request = request.evolve(idempotency_key=request.idempotency_key or "test-key")
    model = info.model(request.model or info.default_model(request.mode) or "")
    assert model is not None, request.model
    ratio_plan = provider.map_ratio(request=request, model=model)
    camera_plan = provider.translate_camera(request=request, model=model)
    return provider.prepare(
        request=request, model=model, ratio_plan=ratio_plan, camera_plan=camera_plan
    )


def runner_for(fake: SeedanceFake, env: dict[str, str] | None = None, **kwargs: Any) -> Runner:
    chosen = dict(ENV if env is None else env)
    return Runner(
        SeedanceProvider,
        settings=ProviderSettings(name="seedance", env=chosen),
        env=chosen,
        transport=httpx.MockTransport(fake),
        clock=VirtualClock(),
        **kwargs,
    )
