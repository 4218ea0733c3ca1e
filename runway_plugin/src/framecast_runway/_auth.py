"""Runway's credentials: ``Authorization: Bearer`` and ``X-Runway-Version``, own origin only."""

from __future__ import annotations

from collections.abc import Generator, Iterable

import httpx

__all__ = ["API_VERSION", "RunwayAuth"]

#: [OAS] declares the header required with this one constant value.
API_VERSION = "2024-11-06"


class RunwayAuth(httpx.Auth):
    """Adds the key and the API version to requests for Runway's own origins.

    The core already applies ``auth()`` only to the configured base URL and the official
    hosts; this checks again, so a presigned upload URL or an output download never sees the
    key even through a client that applies auth to everything.
    """

    def __init__(self, key: str, *, base_url: str, official_hosts: Iterable[str]) -> None:
        self._key = key
        base = httpx.URL(base_url)
        self._origins = {(base.scheme, base.host, base.port)}
        self._origins.update(("https", host, None) for host in official_hosts)

    def __repr__(self) -> str:
        return f"RunwayAuth(origins={sorted(h for _, h, _ in self._origins)}, key=<hidden>)"

    def applies_to(self, url: httpx.URL) -> bool:
        port = None if url.port in (None, 443) and url.scheme == "https" else url.port
        for scheme, host, origin_port in self._origins:
            origin_port = None if origin_port == 443 and scheme == "https" else origin_port
            if (url.scheme, url.host, port) == (scheme, host, origin_port):
                return True
        return False

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.applies_to(request.url):
            request.headers["Authorization"] = f"Bearer {self._key}"
            request.headers["X-Runway-Version"] = API_VERSION
        yield request
