"""pytest plugin for the transport decision: every ``httpx.AsyncClient`` created
without an explicit transport gets httpx-aiohttp's ``AiohttpTransport`` instead of httpx's
default one, so the cassette tests show whether vcrpy replays them exactly through its
aiohttp patcher:

    PYTHONPATH=benchmarks python -m pytest -p aiohttp_cassette_check \\
        tests/runway/test_cassettes.py tests/kling/test_cassettes.py -q
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

_original_init_transport = httpx.AsyncClient._init_transport


def _aiohttp_by_default(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> Any:
    transport = kwargs.get("transport")
    if transport is None:
        limits = kwargs.get("limits", httpx.Limits(max_connections=100))
        return AiohttpTransport(limits=limits)
    return _original_init_transport(self, *args, **kwargs)


@pytest.fixture(autouse=True)
def _aiohttp_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpx.AsyncClient, "_init_transport", _aiohttp_by_default)
    import attrs
    import framecast._connections

    original_client = framecast._connections.Connections.provider_client

    def provider_client(self: Any) -> Any:
        # The runner builds its inner transport itself; give it the aiohttp one instead.
        if self._client is None and self.plan.transport is None:
            self.plan = attrs.evolve(
                self.plan,
                transport=AiohttpTransport(
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
                ),
            )
        return original_client(self)

    monkeypatch.setattr(framecast._connections.Connections, "provider_client", provider_client)
