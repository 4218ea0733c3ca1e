"""The core's provider contract suite, run against KlingProvider and its protocol fake."""

from __future__ import annotations

import httpx
from framecast import GenerationRequest
from framecast.testing.contract import ProviderContract, sample_png
from framecast_kling import KlingProvider
from framecast_kling.testing import KlingFake


class TestKlingContract(ProviderContract):
    provider_class = KlingProvider
    env = dict(KlingFake.ENV)

    def make_transport(self) -> httpx.AsyncBaseTransport:
        # The fake checks the JWTs on the runner's (virtual) clock, as Kling checks them on its.
        return httpx.MockTransport(KlingFake(clock=self.clock.time))

    def sample_requests(self) -> list[GenerationRequest]:
        return [
            *super().sample_requests(),
            GenerationRequest(prompt="Two friends meet", images=[sample_png(640, 640)] * 2),
            GenerationRequest(
                prompt="A door opens",
                image=sample_png(800, 800),
                end_image=sample_png(800, 800),
            ),
        ]
