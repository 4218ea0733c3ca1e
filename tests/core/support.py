"""Shared helpers for the core's tests: Acme runners, scripted faults, test images."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from collections.abc import Callable
from typing import Any

import attrs
import httpx
from framecast import GenerationRequest, ProviderInfo, Runner, hookimpl
from framecast.testing import FaultInjector, VirtualClock

from .acme import AcmeProvider, AcmeServer

SECRET = "acme-test-secret"
ENV = {"ACME_SECRET": SECRET}
CDN = "https://cdn.acme.test"


#: Implementing a hook is what declares the ability: without it, the provider lacks it.
_ABILITY_HOOKS = {"supports_dedupe": "find_submitted", "supports_cancel": "cancel"}


def acme_class(clock: Any = None, **info_changes: Any) -> type[AcmeProvider]:
    """A fresh Acme provider class (so no test shares class state with another), with
    ``ProviderInfo`` fields overridden by ``info_changes``; ``supports_dedupe=False`` /
    ``supports_cancel=False`` leave out the hook that gives that ability."""
    removed = {_ABILITY_HOOKS[name]: None for name in list(info_changes) if name in _ABILITY_HOOKS}
    for name in _ABILITY_HOOKS:
        info_changes.pop(name, None)

    class Acme(AcmeProvider):
        name = "acme"

        @hookimpl
        def provider_info(self) -> ProviderInfo:
            info = AcmeProvider.provider_info(self)
            return attrs.evolve(info, **info_changes) if info_changes else info

    for hook, value in removed.items():
        setattr(Acme, hook, value)
    Acme.clock = clock
    return Acme


def make_runner(
    handler: Callable[[httpx.Request], Any],
    clock: VirtualClock,
    *,
    provider: type | None = None,
    env: dict[str, str] | None = None,
    **kwargs: Any,
) -> Runner:
    return Runner(
        provider or acme_class(clock),
        transport=httpx.MockTransport(handler),
        clock=clock,
        env=ENV if env is None else env,
        **kwargs,
    )


def scripted(**server_kwargs: Any) -> tuple[VirtualClock, AcmeServer, FaultInjector]:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, **server_kwargs)
    return clock, server, FaultInjector(server)


def calls(injector: FaultInjector, method: str, path: str) -> int:
    """How many requests with exactly this method and path reached the transport."""
    return sum(1 for m, p, _ in injector.log if m == method and p == path)


def creates(injector: FaultInjector) -> int:
    return calls(injector, "POST", "/v1/videos")


def lookups(injector: FaultInjector) -> int:
    return calls(injector, "GET", "/v1/videos")


def png(
    width: int, height: int, color: tuple[int, int, int] = (200, 30, 30), fmt: str = "PNG"
) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (a decompression-bomb shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def sent_image_size(body: dict[str, Any]) -> tuple[int, int]:
    """Pixel size of the image a create request carried (base64 in Acme's ``image``)."""
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(body["image"]))) as img:
        return img.size


def text_request(**changes: Any) -> GenerationRequest:
    changes.setdefault("prompt", "a lighthouse at dusk")
    return GenerationRequest(**changes)
