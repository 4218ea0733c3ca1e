"""Shared helpers for the jobs tests: runners on the in-memory protocol fakes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from framecast import ProviderSettings, RetryPolicy, Runner
from framecast_kling import testing as kling
from framecast_runway import testing as runway

# Not the official hosts: the runner clamps polls to the provider's floor only there.
RUNWAY_URL = "https://runway.fake.test"
KLING_URL = "https://kling.fake.test"
FAST = RetryPolicy(base=0.01, cap=0.05, dedupe_spacing=0.01, seed=3)


def small_png(width: int = 640, height: int = 384) -> bytes:
    """A real, small PNG both providers accept (Kling: sides >= 300)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


class Fakes:
    def __init__(self) -> None:
        self.runway = runway.RunwayFake(base_url=RUNWAY_URL)
        self.kling = kling.KlingFake()
        self.polls: dict[str, int] = {"runway": 0, "kling": 0}

    def factory(self, poll_interval: float = 0.01) -> Callable[[str], Runner]:
        def make(name: str) -> Runner:
            fake: Any = self.runway if name == "runway" else self.kling
            env = (
                {"RUNWAYML_API_SECRET": self.runway.api_key}
                if name == "runway"
                else dict(kling.KlingFake.ENV)
            )

            def handler(request: httpx.Request) -> httpx.Response:
                if request.method == "GET":
                    self.polls[name] += 1
                return fake(request)  # type: ignore[no-any-return]

            return Runner(
                name,
                settings=ProviderSettings(
                    name=name, env=env, base_url=RUNWAY_URL if name == "runway" else KLING_URL
                ),
                transport=httpx.MockTransport(handler),
                poll_interval=poll_interval,
                retry_policy=FAST,
                env={},
                timeout=60,
            )

        return make
