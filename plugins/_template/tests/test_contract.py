"""The core's provider contract suite, run against this provider and its fake.

It checks what every framecast provider must do: complete declarations, construction and
dry runs without credentials, a missing key named before any request, pure and
deterministic ``prepare``, every camera move handled, an end-to-end generate, resuming a
serialized handle, no secret in any repr. All offline, in virtual time.
"""

from __future__ import annotations

import httpx
from framecast.testing.contract import ProviderContract
from framecast_myprovider import MyProvider  # TEMPLATE: rename
from framecast_myprovider.testing import MyProviderFake  # TEMPLATE: rename


class TestMyProviderContract(ProviderContract):  # TEMPLATE: rename
    provider_class = MyProvider
    env = {"MYPROVIDER_API_KEY": "test-key-not-real"}  # TEMPLATE: fake credentials only

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(MyProviderFake())
