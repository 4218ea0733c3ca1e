"""Fixtures for the Kling plugin's tests (helpers live in support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from framecast import ImageRef, ProviderSettings
from framecast_kling import KlingProvider
from framecast_kling.testing import KlingFake

from .support import EXAMPLES, FixedClock, image_ref, make_client


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def provider(clock: FixedClock) -> KlingProvider:
    return KlingProvider(ProviderSettings(name="kling", env=dict(KlingFake.ENV)), clock=clock)


@pytest.fixture
def portrait() -> ImageRef:
    return image_ref(EXAMPLES / "astronaut.png")  # 512x512


@pytest.fixture
def landscape() -> ImageRef:
    return image_ref(EXAMPLES / "coffee.png")  # 600x400 (3:2)


@pytest.fixture
def fake(clock: FixedClock) -> KlingFake:
    return KlingFake(clock=clock)


@pytest.fixture
async def http(fake: KlingFake, provider: KlingProvider) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(fake, provider) as client:
        yield client
