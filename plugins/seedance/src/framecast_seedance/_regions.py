"""The two clouds that serve Seedance over the same wire protocol, and how one is chosen.

Sources: the base URLs are the official SDKs' defaults (``volcengine-ark-runtime`` 5.0.54
``_constants.py`` for Volcengine Ark; ``byteplus-python-sdk-v2`` 3.0.63 for BytePlus
ModelArk). Keys and model ids are per cloud: a key of one is refused by the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from framecast import ConfigurationError

__all__ = [
    "DEFAULT_REGION",
    "REGIONS",
    "REGION_CONFIG_KEY",
    "REGION_VARIABLE",
    "Region",
    "region_at",
    "region_of",
]

REGION_VARIABLE = "SEEDANCE_REGION"
REGION_CONFIG_KEY = "region"  # in the [seedance] table of framecast.toml


@attrs.frozen
class Region:
    name: str
    cloud: str
    base_url: str
    currency: str
    docs_url: str

    @property
    def host(self) -> str:
        return self.base_url.split("://", 1)[1].split("/", 1)[0]


REGIONS: Mapping[str, Region] = {
    "intl": Region(
        name="intl",
        cloud="BytePlus ModelArk",
        base_url="https://ark.ap-southeast.bytepluses.com/api/v3",
        currency="USD",
        docs_url="https://docs.byteplus.com/en/docs/ModelArk",
    ),
    "cn": Region(
        name="cn",
        cloud="Volcengine Ark",
        base_url="https://ark.cn-beijing.volces.com/api/v3",
        currency="CNY",
        docs_url="https://www.volcengine.com/docs/82379",
    ),
}
DEFAULT_REGION = "intl"


def region_of(env: Mapping[str, str], config: Mapping[str, Any]) -> Region:
    """The variable beats the file's ``region`` key; neither set: international."""
    asked = env.get(REGION_VARIABLE) or config.get(REGION_CONFIG_KEY) or DEFAULT_REGION
    region = REGIONS.get(str(asked).strip().lower())
    if region is None:
        raise ConfigurationError(
            f"seedance: region {asked!r} is not known; set {REGION_VARIABLE} (or "
            f"[seedance] {REGION_CONFIG_KEY}) to one of {', '.join(REGIONS)} "
            f"({', '.join(f'{r.name}: {r.cloud}' for r in REGIONS.values())})",
            details={"variables": [REGION_VARIABLE], "allowed": list(REGIONS)},
        )
    return region


def region_at(url: str) -> Region | None:
    """The region whose host ``url`` names (a handle's base URL), else ``None``."""
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    return next((r for r in REGIONS.values() if r.host == host), None)
