"""The core's provider contract suite, run against RunwayProvider and RunwayFake."""

from __future__ import annotations

import httpx
from framecast import GenerationRequest
from framecast.testing.contract import ProviderContract, sample_png
from framecast_runway import RunwayProvider
from framecast_runway.testing import RunwayFake

from .conftest import FAKE_KEY


class TestRunwayContract(ProviderContract):
    provider_class = RunwayProvider
    env = {"RUNWAYML_API_SECRET": FAKE_KEY}

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(RunwayFake(api_key=FAKE_KEY, throttled_polls=1))

    def sample_requests(self) -> list[GenerationRequest]:
        return [
            *super().sample_requests(),
            GenerationRequest(
                prompt="A door opens", image=sample_png(640, 360), end_image=sample_png(640, 360),
                ratio="16:9", duration=4,
            ),  # veo3.1, first and last frame
            GenerationRequest(prompt="A red fox, studio light", model="gen4_image", ratio="1:1"),
            GenerationRequest(
                prompt="A fox in a hat", model="gen4_image_turbo", images=[sample_png(512, 512)]
            ),
        ]  # fmt: skip
