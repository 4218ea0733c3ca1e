"""Origin-restricted auth: the provider's credentials go to its own origins only."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable

import httpx

from ._secrets import register_headers

__all__ = ["OriginAuth", "OutputAuth", "origin_of"]


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
            # Whatever the provider's auth derived (a signed token, a header value) is
            # redacted from every message and log from now on.
            register_headers(next_request.headers.items())
            response = yield next_request
            try:
                next_request = await flow.asend(response)
            except StopAsyncIteration:
                break


class OutputAuth(httpx.Auth):
    """The provider's auth for output downloads from its own origins, following redirects
    itself: each hop is a fresh request, signed only when its origin is trusted. (httpx's
    own redirects keep every header but ``Authorization`` on a cross-host hop, so an API-key
    header would follow a redirect to a CDN.) Use on a client with ``follow_redirects=False``.
    """

    def __init__(
        self,
        inner: httpx.Auth,
        origins: Iterable[tuple[str, str, int | None]],
        max_redirects: int = 10,
        check: Callable[[httpx.URL], None] | None = None,
    ) -> None:
        self._inner = inner
        self._origins = frozenset(origins)
        self._max_redirects = max_redirects
        self._check = check  # the fetch policy, on every hop it follows

    def __repr__(self) -> str:
        return f"OutputAuth({type(self._inner).__name__}, {len(self._origins)} origins)"

    async def _signed(self, request: httpx.Request) -> httpx.Request:
        if origin_of(request.url) not in self._origins:
            return request
        flow = self._inner.async_auth_flow(request)
        signed = await flow.__anext__()
        await flow.aclose()
        return signed

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        headers = request.headers.copy()  # before any credential is added
        headers.pop("host", None)  # each hop names its own host
        for _ in range(self._max_redirects):
            response = yield await self._signed(request)
            location = response.headers.get("location")
            if not response.is_redirect or not location:
                return
            request = httpx.Request(
                "GET",
                request.url.join(location),
                headers=headers,
                extensions=request.extensions,
            )
            if self._check is not None:
                self._check(request.url)
        yield await self._signed(request)
