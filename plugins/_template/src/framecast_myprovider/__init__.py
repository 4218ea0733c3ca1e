"""framecast-myprovider: a framecast provider for MyProvider's video API.

TEMPLATE: rename the package (``framecast_<yourprovider>``) and the class, and keep this
module light: framecast imports it only when the provider is used.
"""

from __future__ import annotations

from ._provider import MyProvider

__version__ = "0.1.0"

__all__ = ["MyProvider", "__version__"]
