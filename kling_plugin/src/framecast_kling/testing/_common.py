"""What the fake's parts share: the error answer, fake credentials, hosts."""

from __future__ import annotations

import httpx
from framecast.testing import Fault as Fault  # the core's fault types, re-exported
from framecast.testing import Handler as Handler

from .._capabilities import IMAGE2VIDEO, MULTI_IMAGE2VIDEO, TEXT2VIDEO
from .._codes import CODES

FAKE_ACCESS_KEY = "fake-access-key-not-a-real-one"
FAKE_SECRET_KEY = "fake-secret-key-0123456789abcdef-not-real"  # >= 32 bytes: PyJWT's HS256 floor
CDN_HOST = "v16-kling-fdl.klingai.com"
#: The smallest thing the core's download check takes for an MP4 (``ftyp`` at offset 4).
FAKE_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64

DEFAULT_MODEL = {TEXT2VIDEO: "kling-v1", IMAGE2VIDEO: "kling-v1", MULTI_IMAGE2VIDEO: "kling-v1-6"}


class Refusal(Exception):
    """An error answer of the fake: business code, message, HTTP status."""

    def __init__(self, code: int, message: str | None = None, status: int | None = None):
        super().__init__(message or CODES[code][1])
        self.code = code
        self.message = message or CODES[code][1]
        self.status = status or CODES[code][0]


class TokenRefusal(Refusal):
    """A refusal of a token that was presented (counted in ``rejected_tokens``)."""


def error_response(refusal: Refusal, request_id: str) -> httpx.Response:
    return httpx.Response(
        refusal.status,
        json={"code": refusal.code, "message": refusal.message, "request_id": request_id},
    )
