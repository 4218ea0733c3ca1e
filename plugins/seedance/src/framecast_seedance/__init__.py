"""framecast provider for ByteDance Seedance (BytePlus ModelArk, Volcengine Ark).

Entry point ``seedance``. The region (``SEEDANCE_REGION`` or ``region`` in the
``[seedance]`` table: ``intl`` for BytePlus ModelArk, ``cn`` for Volcengine Ark) picks the
base URL, the model ids and the price list's currency; the key is ``ARK_API_KEY``.
"""

from __future__ import annotations

from ._provider import SeedanceProvider
from ._regions import REGIONS, Region

__all__ = ["REGIONS", "Region", "SeedanceProvider"]
