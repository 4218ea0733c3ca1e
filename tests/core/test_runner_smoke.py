"""End to end through the runner with the scripted Acme provider."""

from __future__ import annotations

import httpx
import pytest
from framecast import GenerationRequest, Runner, TaskStatus
from framecast.testing import VirtualClock

from .acme import AcmeProvider, AcmeServer

pytestmark = pytest.mark.anyio

ENV = {"ACME_SECRET": "acme-test-secret"}


def make_runner(server: AcmeServer, clock: VirtualClock, **kwargs) -> Runner:
    provider = AcmeProvider
    provider.clock = clock
    return Runner(
        provider,
        transport=httpx.MockTransport(server),
        clock=clock,
        env=ENV,
        **kwargs,
    )


async def test_generate_text_to_video_end_to_end() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, polls_to_finish=3)
    async with make_runner(server, clock) as runner:
        result = await runner.generate(GenerationRequest(prompt="a cat", camera="pan_left"))
    assert result.status is TaskStatus.SUCCEEDED
    assert result.polls == 3
    assert result.url == "https://cdn.acme.test/task-1.mp4?sig=abc"
    assert server.created == 1
    assert server.bodies[0]["prompt"] == "a cat. Camera: camera pans left across the scene."
    assert clock.monotonic() == pytest.approx(10.0)  # two sleeps at the 5 s floor
