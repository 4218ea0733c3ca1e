"""The provider written out in ``docs/plugins.md`` passes framecast's provider contract
suite — the guide shows a plugin that would be accepted, not a sketch."""

from __future__ import annotations

from typing import Any

import httpx
from framecast.testing.contract import ProviderContract

from ._blocks import blocks


def _guide_namespace() -> dict[str, Any]:
    runnable = [b for b in blocks("python") if b.page == "plugins.md" and b.runnable]
    guide = next(b for b in runnable if "class AcmeProvider" in b.code)
    # The block ends by running its demo; the contract suite runs the provider itself.
    code = guide.code.replace("asyncio.run(main())", "")
    namespace: dict[str, Any] = {"__name__": "plugin_guide"}
    exec(compile(code, guide.id, "exec"), namespace)
    return namespace


GUIDE = _guide_namespace()


class TestPluginGuideProvider(ProviderContract):
    provider_class = GUIDE["AcmeProvider"]
    env = {"ACME_API_KEY": "test-key-not-real"}

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(GUIDE["AcmeServer"]())
