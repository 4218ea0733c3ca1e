"""The core's own request pipeline and HTTP client, for testing one provider's hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import httpx

from .._config import Config
from .._models import GenerationRequest, PreparedRequest, ProviderSettings
from ._clock import VirtualClock

__all__ = ["TEST_IDEMPOTENCY_KEY", "prepare", "provider_client"]

#: The idempotency key ``prepare`` gives a request without one, so bodies are reproducible.
TEST_IDEMPOTENCY_KEY = "test-key"

Transport = httpx.AsyncBaseTransport | Callable[[httpx.Request], Any]


def prepare(
    provider: object, request: GenerationRequest | None = None, /, **fields: Any
) -> PreparedRequest:
    """The wire request the runner would send for ``request`` (or for
    ``GenerationRequest(**fields)``), built the way the runner builds it: the core's
    validation against the declarations (model, mode, this mode's ratios and durations,
    options), the image checks, ``map_ratio``, ``translate_camera`` (or their defaults),
    the prompt limit, then the provider's ``prepare``. No network; what ``--dry-run``
    prints. A request without an idempotency key gets ``TEST_IDEMPOTENCY_KEY``.

    ``provider`` is a provider instance (its ``settings`` are used as they are)."""
    if request is None:
        request = GenerationRequest(**fields)
    elif fields:
        request = request.evolve(**fields)
    if request.idempotency_key is None:
        request = request.evolve(idempotency_key=TEST_IDEMPOTENCY_KEY)
    return _runner(provider).prepare(request)


def provider_client(
    provider: object, transport: Transport, *, base_url: str | None = None
) -> httpx.AsyncClient:
    """The ``http`` the runner hands a provider's I/O hooks (``submit``, ``poll``,
    ``cancel``, ``find_submitted``), on ``transport`` (a handler is wrapped in
    ``httpx.MockTransport``): the base URL set (``base_url``, else the provider's), the
    provider's ``auth()`` applied to its own origin only, and a non-2xx answer raising
    ``httpx.HTTPStatusError`` once the auth flow has seen it. Use it as
    ``async with provider_client(provider, fake) as http:``."""
    if not isinstance(transport, httpx.AsyncBaseTransport):
        transport = httpx.MockTransport(transport)
    runner = _runner(provider, transport=transport, base_url=base_url)
    return runner._http()


def _runner(provider: object, **kwargs: Any) -> Any:
    from .._runner import Runner

    settings = getattr(provider, "settings", None)
    if not isinstance(settings, ProviderSettings):
        settings = ProviderSettings(name=getattr(provider, "name", type(provider).__name__))
    base_url = kwargs.pop("base_url", None)
    if base_url is not None:
        settings = attrs.evolve(settings, base_url=base_url)
    return Runner(
        provider,
        settings=settings,
        env=dict(settings.env),
        config=Config(),
        clock=VirtualClock(),
        **kwargs,
    )
