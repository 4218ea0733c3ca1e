"""``ProviderInfo.output_needs_auth``: outputs on the provider's own origins are downloaded
with its credentials; every other host, a redirect to one included, never sees them.

The credential here is a custom header (``x-api-key``): httpx itself drops only
``Authorization`` on a cross-host redirect, so only the core's own redirect handling keeps
such a header at home.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import httpx
import pytest
from framecast import ProviderError, hookimpl
from framecast.testing import VirtualClock

from .support import acme_class, make_runner

pytestmark = pytest.mark.anyio

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
KEY = "acme-output-key-not-real"


class HeaderKey(httpx.Auth):
    def __repr__(self) -> str:
        return "HeaderKey(<hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["x-api-key"] = KEY
        yield request


def keyed_class(needs_auth: bool) -> type:
    base = acme_class(output_needs_auth=needs_auth)

    class Keyed(base):  # type: ignore[misc, valid-type]
        @hookimpl
        def auth(self) -> httpx.Auth:
            return HeaderKey()

    return Keyed


class Files:
    """api.acme.test/files/* needs the key; it may redirect to the CDN or to itself."""

    def __init__(self, redirect: str | None) -> None:
        self.redirect = redirect
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((str(request.url), request.headers.get("x-api-key")))
        if request.url.host == "api.acme.test" and request.url.path.startswith("/files/"):
            if request.headers.get("x-api-key") != KEY:
                return httpx.Response(403, json={"message": "needs the key"})
            if self.redirect and request.url.path == "/files/clip":
                return httpx.Response(302, headers={"location": self.redirect})
        return httpx.Response(200, content=MP4, headers={"content-type": "video/mp4"})


async def download(needs_auth: bool, files: Files, url: str, tmp_path: Path) -> Path:
    async with make_runner(files, VirtualClock(), provider=keyed_class(needs_auth)) as runner:
        return await runner.download(url, tmp_path / "clip.mp4")


async def test_the_key_goes_to_the_providers_origin_and_not_to_a_redirect_elsewhere(
    tmp_path: Path,
) -> None:
    files = Files(redirect="https://storage.elsewhere.test/blob/clip.mp4?sig=1")
    path = await download(True, files, "https://api.acme.test/files/clip", tmp_path)
    assert path.read_bytes() == MP4
    assert files.seen == [
        ("https://api.acme.test/files/clip", KEY),
        ("https://storage.elsewhere.test/blob/clip.mp4?sig=1", None),
    ]


async def test_a_redirect_within_the_origin_keeps_the_key(tmp_path: Path) -> None:
    files = Files(redirect="/files/clip-final")
    await download(True, files, "https://api.acme.test/files/clip", tmp_path)
    assert files.seen == [
        ("https://api.acme.test/files/clip", KEY),
        ("https://api.acme.test/files/clip-final", KEY),
    ]


async def test_an_output_on_another_host_never_gets_the_key(tmp_path: Path) -> None:
    files = Files(redirect=None)
    await download(True, files, "https://cdn.acme.test/clip.mp4", tmp_path)
    assert files.seen == [("https://cdn.acme.test/clip.mp4", None)]


async def test_without_the_declaration_outputs_are_fetched_without_credentials(
    tmp_path: Path,
) -> None:
    files = Files(redirect=None)
    with pytest.raises(ProviderError):
        await download(False, files, "https://api.acme.test/files/clip", tmp_path)
    assert {key for _, key in files.seen} == {None}
