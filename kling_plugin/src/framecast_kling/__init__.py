"""framecast-kling: the Kling AI (Kuaishou) provider for framecast.

Entry point ``kling = "framecast_kling:KlingProvider"``. Credentials come from
``KLING_ACCESS_KEY`` and ``KLING_SECRET_KEY``; ``KLING_BASE_URL`` overrides the default
``https://api-singapore.klingai.com``. ``framecast_kling.testing`` holds ``KlingFake``, an
in-memory Kling for tests and host applications.
"""

from __future__ import annotations

from ._auth import KlingAuth
from ._provider import KlingProvider

__version__ = "0.1.0"

__all__ = ["KlingAuth", "KlingProvider", "__version__"]
