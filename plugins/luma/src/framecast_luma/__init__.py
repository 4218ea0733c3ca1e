"""framecast-luma: Luma AI's video models as a framecast provider.

Ray 3.2 goes through the Luma Agents API (``LUMA_AGENTS_API_KEY``); Ray 2 and Ray Flash 2
through the Dream Machine API (``LUMAAI_API_KEY``). One provider, ``luma``, routes each
request by its model.
"""

from __future__ import annotations

from ._provider import LumaProvider

__version__ = "0.1.0"

__all__ = ["LumaProvider", "__version__"]
