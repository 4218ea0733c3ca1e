"""The core's provider contract suite, run against LumaProvider and LumaFake: once with
both keys (Ray 3.2 by default, Ray 2 and a first/last-frame request besides) and once with
only the Dream Machine key (the Ray 2 requests alone)."""

from __future__ import annotations

import httpx
from framecast import GenerationRequest
from framecast.testing.contract import ProviderContract, sample_png
from framecast_luma import LumaProvider
from framecast_luma.testing import LumaFake

from .conftest import ENV


class TestLumaContract(ProviderContract):
    provider_class = LumaProvider
    env = ENV

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(LumaFake())

    def sample_requests(self) -> list[GenerationRequest]:
        return [
            *super().sample_requests(),
            GenerationRequest(
                prompt="A door opens", image=sample_png(640, 360), end_image=sample_png(640, 360),
                duration=10,
            ),  # ray-3.2 keyframes
            GenerationRequest(
                prompt="A lighthouse at dusk", model="ray-2",
                image="https://example.com/lighthouse.jpg", camera="orbit_left",
            ),
            GenerationRequest(prompt="Waves at night", model="ray-flash-2", duration=9),
        ]  # fmt: skip


class TestLumaDreamMachineOnlyContract(TestLumaContract):
    env = {"LUMAAI_API_KEY": ENV["LUMAAI_API_KEY"]}

    def sample_requests(self) -> list[GenerationRequest]:
        return [
            r
            for r in super().sample_requests()
            if (r.model or "").startswith("ray-") and r.model != "ray-3.2"
        ]
