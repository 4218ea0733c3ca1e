"""framecast-runway: Runway's developer API as a framecast provider.

    pip install framecast-runway
    export RUNWAYML_API_SECRET=key_...
    framecast generate photo.png --provider runway --prompt "A cat waves" --camera zoom_in

The entry point ``runway = "framecast_runway:RunwayProvider"`` (group ``framecast``) makes
the runner find it. ``framecast_runway.testing`` holds ``RunwayFake``, an in-memory
emulation of Runway's protocol for host applications' tests.
"""

from __future__ import annotations

from ._provider import RunwayProvider

__version__ = "0.1.0"
__all__ = ["RunwayProvider", "__version__"]
