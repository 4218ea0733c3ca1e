"""The core's provider contract suite, run against SeedanceProvider and its protocol fake,
in both regions."""

from __future__ import annotations

import httpx
from framecast import GenerationRequest
from framecast.testing.contract import ProviderContract, sample_png
from framecast_seedance import SeedanceProvider
from framecast_seedance.testing import SeedanceFake

from .conftest import CN_ENV, ENV


class TestSeedanceContract(ProviderContract):
    provider_class = SeedanceProvider
    env = ENV

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(SeedanceFake())

    def sample_requests(self) -> list[GenerationRequest]:
        return [
            *super().sample_requests(),
            GenerationRequest(prompt="Two friends meet", images=[sample_png(640, 640)] * 2),
            GenerationRequest(
                prompt="A door opens", image=sample_png(800, 800), end_image=sample_png(800, 800)
            ),
        ]


class TestSeedanceChinaContract(TestSeedanceContract):
    env = CN_ENV

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(SeedanceFake(region="cn"))
