"""Origin-restricted auth: the provider's credentials go to its own origins only."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable

import httpx

__all__ = ["OriginAuth", "origin_of"]


def origin_of(url: httpx.URL | str) -> tuple[str, str, int | None]:
    u = httpx.URL(url) if isinstance(url, str) else url
    port = u.port or (443 if u.scheme == "https" else 80 if u.scheme == "http" else None)
    return (u.scheme, u.host, port)


class OriginAuth(httpx.Auth):
    """Applies the provider's auth only to its own origins; any other host gets none."""

    def __init__(self, inner: httpx.Auth, origins: Iterable[tuple[str, str, int | None]]) -> None:
        self._inner = inner
        self._origins = frozenset(origins)
        self.requires_request_body = getattr(inner, "requires_request_body", False)
        self.requires_response_body = getattr(inner, "requires_response_body", False)

    def __repr__(self) -> str:
        return f"OriginAuth({type(self._inner).__name__}, {len(self._origins)} origins)"

    def trusts(self, url: httpx.URL) -> bool:
        return origin_of(url) in self._origins

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if not self.trusts(request.url):
            yield request
            return
        flow = self._inner.async_auth_flow(request)
        next_request = await flow.__anext__()
        while True:
            response = yield next_request
            try:
                next_request = await flow.asend(response)
            except StopAsyncIteration:
                break
