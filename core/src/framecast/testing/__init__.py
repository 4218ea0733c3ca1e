"""Test helpers for host applications and provider authors (no pytest import here).

- ``VirtualClock``: virtual time for the runner (``Runner(clock=VirtualClock())``): sleeps
  return as soon as every task is waiting, so minutes of polling take milliseconds.
- ``FaultInjector``: wraps any ``httpx.MockTransport`` handler and injects scripted faults
  into matching requests (errors before or after the server acted, bad status codes,
  corrupted bodies).
- ``provider_info(provider)``: a provider's declarations completed as the runner sees them
  (``supports_cancel`` / ``supports_dedupe`` derived from its hooks).
- ``prepare(provider, **fields)``: the wire request through the runner's own pipeline
  (validation, ratio, camera, prepare), offline.
- ``provider_client(provider, handler)``: the ``http`` client the runner hands the I/O
  hooks (base URL, auth on the provider's origin only, non-2xx raises).
- ``cassette_config()``: a ``vcr_config`` whose recordings hold no credential (headers
  dropped, every registered secret redacted from URIs and bodies).
- ``framecast.testing.contract``: the provider contract suite (pytest).
"""

from __future__ import annotations

from ._cassettes import cassette_config, scrub_request, scrub_response
from ._clock import VirtualClock
from ._faults import (
    Fault,
    FaultInjector,
    Handler,
    after,
    before,
    connect_error,
    connection_refused,
    corrupt_body,
    named,
    read_timeout_after,
    remote_reset_after,
    reset_after,
    respond,
)
from ._info import provider_info
from ._pipeline import TEST_IDEMPOTENCY_KEY, prepare, provider_client

__all__ = [
    "TEST_IDEMPOTENCY_KEY",
    "cassette_config",
    "scrub_request",
    "scrub_response",
    "Fault",
    "FaultInjector",
    "Handler",
    "VirtualClock",
    "after",
    "before",
    "connect_error",
    "connection_refused",
    "corrupt_body",
    "named",
    "prepare",
    "provider_client",
    "provider_info",
    "read_timeout_after",
    "remote_reset_after",
    "reset_after",
    "respond",
]
