"""framecast-preview: the offline preview provider (entry point ``preview``).

Renders the requested camera move over the still image — or over a picture drawn from the
prompt and seed, for text-to-video — into an H.264 MP4, on this machine, with no API key.
See the package README for what each move does.
"""

from __future__ import annotations

from ._provider import PreviewProvider

__version__ = "0.1.0"

__all__ = ["PreviewProvider", "__version__"]
