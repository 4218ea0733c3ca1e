"""The core's provider contract suite, run against GoogleProvider and GoogleFake."""

from __future__ import annotations

import httpx
from framecast import GenerationRequest
from framecast.testing.contract import ProviderContract, sample_png
from framecast_google import GoogleProvider
from framecast_google.testing import GoogleFake

from .conftest import ENV, FAKE_KEY


class TestGoogleContract(ProviderContract):
    provider_class = GoogleProvider
    env = ENV

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(GoogleFake(api_key=FAKE_KEY, redirect_downloads=True))

    def sample_requests(self) -> list[GenerationRequest]:
        return [
            *super().sample_requests(),
            GenerationRequest(
                prompt="A door opens", image=sample_png(640, 360), end_image=sample_png(640, 360),
            ),
            GenerationRequest(
                prompt="A fox in a hat walks", images=[sample_png(512, 512)],
                model="veo-3.1-fast-generate-preview",
            ),
            GenerationRequest(
                prompt="A red fox", ratio="9:16", duration=4,
                model="veo-3.1-lite-generate-preview",
            ),
        ]  # fmt: skip
