"""framecast-google: Google's Veo models through the Gemini API, as a framecast provider.

    pip install framecast-google
    export GEMINI_API_KEY=...
    framecast generate photo.png --provider google --prompt "A cat waves" --camera dolly_in

The entry point ``google = "framecast_google:GoogleProvider"`` (group ``framecast``) makes
the runner find it. ``framecast_google.testing`` holds ``GoogleFake``, an in-memory
emulation of the operation API for host applications' tests.
"""

from __future__ import annotations

from ._provider import GoogleProvider

__version__ = "0.1.0"
__all__ = ["GoogleProvider", "__version__"]
