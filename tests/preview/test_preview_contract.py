"""The core's provider contract suite, run against the preview provider."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from framecast import CameraMove, GenerationRequest
from framecast.testing.contract import ProviderContract, sample_png
from framecast_preview import PreviewProvider


def no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the preview must never send a request: {request.url}")


class TestPreviewContract(ProviderContract):
    provider_class = PreviewProvider

    @pytest.fixture(autouse=True)
    def _cache_folder(self, tmp_path: Path) -> None:
        # The task folders of each test live in its own temporary folder.
        self.env = {"FRAMECAST_PREVIEW_DIR": str(tmp_path / "cache")}

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(no_network)

    def sample_requests(self) -> list[GenerationRequest]:
        # Small and short: the suite runs in virtual time, but the render is real.
        small = {"short_side": 144}
        return [
            GenerationRequest(
                prompt="A lighthouse at dusk",
                image=sample_png(320, 180),
                camera=CameraMove.ZOOM_IN,
                duration=1,
                options=small,
            ),
            GenerationRequest(prompt="A lighthouse at dusk, waves", duration=1, options=small),
        ]
