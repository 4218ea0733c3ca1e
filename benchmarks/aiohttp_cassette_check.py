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
    import framecast._runner

    original_http = framecast._runner.Runner._http

    def runner_http(self: Any) -> Any:
        # The runner builds its inner transport itself; give it the aiohttp one instead.
        if self._client is None and self._transport is None:
            self._transport = AiohttpTransport(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
            )
        return original_http(self)

    monkeypatch.setattr(framecast._runner.Runner, "_http", runner_http)
