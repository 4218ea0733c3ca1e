"""Kling's JWT auth as an ``httpx.Auth``.

A token is HS256-signed with the secret key, ``iss`` = access key, ``exp`` 30 minutes ahead
and ``nbf`` a few seconds back; it is reused until a minute before it expires (signing per
request, as the docs' wording suggests, would only add distinct tokens for the server to
check). The flow re-signs and resends once when Kling answers 1004 (expired) or 1003 (not
yet valid: the client clock runs ahead of the server's, so the next tokens are back-dated
further).
"""

from __future__ import annotations

import email.utils
import time
import warnings
from collections.abc import Callable, Generator

import httpx
import jwt
from framecast import register_secret

try:
    from jwt.warnings import InsecureKeyLengthWarning
except ImportError:  # PyJWT before 2.10 does not warn about key length at all
    InsecureKeyLengthWarning = UserWarning  # type: ignore[misc,assignment]

from ._wire import business_code

__all__ = ["RESIGNED", "KlingAuth"]

TOKEN_LIFETIME = 1800  # seconds; the official sample's value (maximum accepted: UNCONFIRMED)
REFRESH_MARGIN = 60  # re-sign this long before ``exp`` so a token never expires in flight
NBF_BACKDATE = 5  # the official sample's allowance for clock skew
#: After a 1003 the skew is larger than NBF_BACKDATE: back-date at least this much (or the
#: skew the server's ``Date`` header shows, plus a margin, if that is larger).
SKEW_BACKDATE = 300
SKEW_MARGIN = 60
MAX_BACKDATE = 86_400  # a wilder ``Date`` header than this is not believed

EXPIRED = 1004
NOT_YET_VALID = 1003
#: Set in a request's ``extensions`` once this flow has re-signed and resent it.
RESIGNED = "framecast_kling.resigned"


class KlingAuth(httpx.Auth):
    """Signs Kling API requests with a cached JWT; re-signs once on 1003/1004.

    ``clock`` returns seconds since the epoch (injectable for tests and emulators).
    """

    requires_response_body = True

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        clock: Callable[[], float] = time.time,
        lifetime: int = TOKEN_LIFETIME,
    ) -> None:
        register_secret(access_key, "KLING_ACCESS_KEY")
        register_secret(secret_key, "KLING_SECRET_KEY")
        self._access_key = access_key
        self._secret_key = secret_key
        self._clock = clock
        self._lifetime = lifetime
        self._token: str | None = None
        self._expires_at = 0.0
        self._backdate = NBF_BACKDATE
        self._ahead = 0  # seconds the server's clock runs ahead of ours (learnt on 1004)
        self.tokens_signed = 0

    def __repr__(self) -> str:
        return f"KlingAuth(backdate={self._backdate}s, tokens_signed={self.tokens_signed})"

    @property
    def backdate(self) -> int:
        """Seconds ``nbf`` is set before the client's clock."""
        return self._backdate

    def token(self) -> str:
        """The current token, signed anew when none is valid for another minute."""
        now = self._clock()
        if self._token is None or now >= self._expires_at - REFRESH_MARGIN:
            self._sign(now)
        assert self._token is not None
        return self._token

    def _sign(self, now: float) -> None:
        issued = int(now) + self._ahead
        payload = {
            "iss": self._access_key,
            "exp": issued + self._lifetime,
            "nbf": issued - self._backdate,
        }
        with warnings.catch_warnings():
            # PyJWT warns about HMAC keys under 32 bytes; Kling issues the secret key, so
            # the user cannot lengthen it and the warning is only noise on stderr.
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            self._token = jwt.encode(
                payload, self._secret_key, algorithm="HS256", headers={"typ": "JWT"}
            )
        # The token is as good as the keys for half an hour: redacted wherever it shows up
        # (a server echoing it in an error body, a log record).
        register_secret(self._token, "Kling token", derived=True)
        self._expires_at = float(issued - self._ahead + self._lifetime)  # on our clock
        self.tokens_signed += 1

    def note_rejection(self, code: int, rejected_token: str, response: httpx.Response) -> bool:
        """Learn from a 1003/1004 answer to ``rejected_token``; ``True`` when a resend with
        a fresh token is worth it. Concurrent requests rejected with the same token re-sign
        only once."""
        if code not in (EXPIRED, NOT_YET_VALID):
            return False
        if code == NOT_YET_VALID:
            self._widen_backdate(response)
        else:
            self._catch_up(response)
        if rejected_token == self._token:
            self._token = None
        return True

    def _catch_up(self, response: httpx.Response) -> None:
        """After a 1004: if the server's ``Date`` runs ahead of our clock by more than a
        token's refresh margin, sign on the server's time from now on (else a token signed
        anew this second would be the very one just refused)."""
        skew = _server_skew(response, self._clock())
        if skew is not None and -MAX_BACKDATE <= skew < -REFRESH_MARGIN:
            ahead = int(-skew)
            if ahead > self._ahead:
                self._ahead = ahead
                self._token = None

    def _widen_backdate(self, response: httpx.Response) -> None:
        wanted = SKEW_BACKDATE
        skew = _server_skew(response, self._clock())
        if skew is not None and 0 < skew <= MAX_BACKDATE:
            wanted = max(wanted, int(skew) + SKEW_MARGIN)
        if wanted > self._backdate:
            self._backdate = wanted
            self._token = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        code = business_code(response)
        if code is None or not self.note_rejection(code, token, response):
            return
        request.headers["Authorization"] = f"Bearer {self.token()}"
        request.extensions = {**request.extensions, RESIGNED: True}
        yield request


def bearer_token(request: httpx.Request) -> str | None:
    value = request.headers.get("Authorization", "")
    return value[len("Bearer ") :] if value.startswith("Bearer ") else None


def _server_skew(response: httpx.Response, now: float) -> float | None:
    """How far the client clock runs ahead of the server's, from the ``Date`` header."""
    header = response.headers.get("Date")
    if not header:
        return None
    try:
        server_time = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return None
    return now - server_time
