"""The secret audit: with ``FRAMECAST_SECRET_AUDIT=1`` every logger runs at DEBUG and a test
fails if any log record it produced (message, arguments, extra fields, exception text)
holds one of the fake credentials the suites use (as given or padded with whitespace, or
base64-encoded inside a token), a bearer header, a JWT (also one signed with a fake key),
or any secret framecast's own registry holds in the process (every credential a provider
read, every token derived from one).

``scripts/test.sh`` runs the provider, core, CLI and reliability suites a second time this
way. ``KNOWN_SECRETS`` is the registry of fake credentials; ``tests/reliability/
test_secrets.py`` checks that every fake's key is in it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
from collections.abc import Iterable, Iterator

import pytest

#: Every fake credential a test suite hands to a provider (never a real one).
KNOWN_SECRETS: tuple[str, ...] = (
    # Runway (RunwayFake's key, and the wrong/second keys of the plugin's tests)
    "key_test_not_real",
    "key_wrong_not_real",
    "key_second_not_real",
    # Kling (KlingFake.ENV, and the CLI test's)
    "fake-access-key-not-a-real-one",
    "fake-secret-key-0123456789abcdef-not-real",
    "fake-sk-not-real",
    # Seedance (SeedanceFake's key, and the wrong key of the plugin's tests)
    "ark-test-key-not-real",
    "ark-wrong-key-not-real",
    # Google (GoogleFake's key, and the plugin's and the core's tests)
    "gemini-test-key-not-real",
    "google-key-first-not-real",
    "gemini-second-key-not-real",
    "acme-output-key-not-real",
    # the core's scripted providers
    "acme-test-secret",
    "sk-FAKE-acme-0123456789abcdef",
    "sk-live-do-not-print",
    "a-different-secret",
    "fake-scripted-key-0000",
    "test-key-not-real",
)
#: A JWT (Kling's bearer token): three base64url parts, the first two JSON objects.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
BEARER = re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{6,}")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}

AUDIT = os.environ.get("FRAMECAST_SECRET_AUDIT") == "1"


#: A base64url run long enough to hide a fake key (a JWT's payload or signature alone).
B64URL = re.compile(r"[A-Za-z0-9_-]{16,}")


def _b64_decodes_to_a_secret(segment: str) -> str | None:
    """The fake credential a base64url ``segment`` encodes (a JWT payload's ``iss``)."""
    for start in range(4):  # the segment may begin mid-quantum
        chunk = segment[start:]
        chunk += "=" * (-len(chunk) % 4)
        try:
            text = base64.urlsafe_b64decode(chunk).decode("utf-8", "ignore")
        except (binascii.Error, ValueError):
            continue
        for secret in KNOWN_SECRETS:
            if secret in text:
                return secret
    return None


def _signed_with_a_fake(text: str) -> list[str]:
    """JWT signatures (alone or in a token) made with a fake secret key: a token derived
    from the fake credentials, however it is cut, wrapped or escaped."""
    found: list[str] = []
    for match in JWT.finditer(text):
        header_payload, _, signature = match.group().rpartition(".")
        for secret in KNOWN_SECRETS:
            mac = hmac.new(secret.encode(), header_payload.encode(), hashlib.sha256).digest()
            if base64.urlsafe_b64encode(mac).rstrip(b"=").decode() == signature:
                found.append(f"JWT signed with {secret}")
    return found


def runtime_secrets() -> list[str]:
    """What framecast's own registry holds in this process: every credential a provider
    read (as given, whitespace and all, and stripped) and every token derived from one."""
    from framecast import _secrets

    registry = _secrets.registry
    values = {form for value in [*registry._credentials, *registry._derived]
              for form in _secrets._variants(value)}  # fmt: skip
    return [value for value in values if len(value.strip()) >= 6]


def leaks_in(texts: Iterable[str]) -> list[str]:
    """What in ``texts`` is a credential: known fake keys (also whitespace-padded, or
    base64-encoded as in a JWT's payload), JWTs (also one signed with a fake key),
    bearer headers, and every secret framecast's registry knows in this process."""
    found: list[str] = []
    known = runtime_secrets()
    for text in texts:
        fakes = [secret for secret in KNOWN_SECRETS if secret in text]
        found.extend(fakes)
        found.extend(
            f"registered secret {s.strip()[:6]}..."
            for s in known
            if s in text and not any(s in fake or fake in s for fake in fakes)
        )
        found.extend(_signed_with_a_fake(text))
        found.extend(f"JWT {m.group()[:12]}..." for m in JWT.finditer(text))
        found.extend(f"bearer {m.group()[:10]}..." for m in BEARER.finditer(text))
        for m in B64URL.finditer(text):
            secret = _b64_decodes_to_a_secret(m.group())
            if secret is not None:
                found.append(f"base64 of {secret}")
    return found


class RecordCollector(logging.Handler):
    """Keeps every record's words, so the audit can read what a log file would hold."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            parts = [record.getMessage()]
        except Exception:  # a broken format string still shows its pieces
            parts = [str(record.msg), repr(record.args)]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        parts.extend(f"{k}={v!r}" for k, v in vars(record).items() if k not in _STANDARD)
        self.texts.append(f"{record.name}: " + " | ".join(parts))


@pytest.fixture(autouse=True)
def secret_audit() -> Iterator[None]:
    if not AUDIT:
        yield
        return
    collector = RecordCollector()
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
        for logger, level in levels.items():
            logger.setLevel(level)
    leaks = leaks_in(collector.texts)
    if leaks:
        lines = [t for t in collector.texts if leaks_in([t])][:5]
        pytest.fail(f"credentials in log records: {sorted(set(leaks))}\n" + "\n".join(lines))
