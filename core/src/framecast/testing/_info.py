"""The provider's declarations as the runner sees them."""

from __future__ import annotations

from .._models import ProviderInfo


def provider_info(provider: object) -> ProviderInfo:
    """``provider.provider_info()`` completed and checked the way the runner does at load:
    ``supports_cancel`` / ``supports_dedupe`` follow from the hooks the provider
    implements, and an unknown contract version is refused (``PluginLoadError``)."""
    from .._plugins import completed_info

    return completed_info(provider.provider_info(), provider, type(provider).__name__)  # type: ignore[attr-defined]
