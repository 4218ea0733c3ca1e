"""The ``framecast`` command line (click + rich).

Start-up stays fast: nothing heavy (httpx, rich, Pillow, cattrs, provider modules) is
imported at module level here; each command imports what it needs when it runs.
"""

from __future__ import annotations

from ._app import cli, main

__all__ = ["cli", "main"]
