"""One redaction mechanism: a registry of secret values, consulted everywhere text leaves.

Every credential a provider reads (``ProviderSettings.require``), every value derived from
one (a signed token, an ``Authorization`` header value) is registered here; error
messages, ``repr``/``to_dict`` of errors, log records (all of them, httpx's and httpcore's
included: a log-record factory redacts them as they are made), the CLI's output and
recorded cassettes pass through ``redact``, which replaces each registered value, in
whatever shape it appears, by ``<LABEL>``.

"Whatever shape": a value is also found escaped as ``repr``, JSON, ``bytes`` or a URL
would show it, and a signed token's signature alone. Credentials are kept for the life
of the process; derived values (a new token every half hour) are bounded, oldest first.
"""

from __future__ import annotations

import collections
import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "RedactingFilter",
    "redact",
    "redact_data",
    "register_secret",
    "registered",
]

#: Derived values kept (most recent first out last): tokens are re-signed every ~30 min.
MAX_DERIVED = 1024
#: The shortest value redacted: a shorter "key" (a placeholder such as ``"x"``) would
#: turn every word holding its letters into a label; no provider issues one.
MIN_SECRET = 8
#: The shortest *variant* of a value worth replacing (a token's signature segment, say).
MIN_VARIANT = 12
_LABEL = re.compile(r"<[^<>]*>")
SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "x-api-key", "api-key", "cookie")


def _variants(value: str) -> set[str]:
    """The shapes ``value`` takes in text: itself, escaped by repr/JSON/bytes/URL
    quoting, and a dotted token's signature (a JWT echoed in part)."""
    forms = {value}
    forms.add(repr(value)[1:-1])
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    try:
        forms.add(repr(value.encode("utf-8"))[2:-1])
    except UnicodeEncodeError:  # a lone surrogate: repr(str) covers it
        pass
    forms.add(urllib.parse.quote(value, safe=""))
    forms.add(urllib.parse.quote_plus(value, safe=""))
    parts = value.split(".")
    if len(parts) == 3 and all(parts):
        forms.update(p for p in parts[1:] if len(p) >= MIN_VARIANT)
    return {f for f in forms if f == value or len(f) >= MIN_VARIANT}


class SecretRegistry:
    """Secret values and the label each is replaced by. Thread-safe."""

    def __init__(self, max_derived: int = MAX_DERIVED) -> None:
        self._lock = threading.Lock()
        self._credentials: dict[str, str] = {}
        self._derived: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._max_derived = max_derived
        self._pattern: re.Pattern[str] | None = None
        self._labels: dict[str, str] = {}

    def __repr__(self) -> str:  # never the values
        return f"SecretRegistry({len(self._credentials)} credentials, {len(self._derived)} derived)"

    def __len__(self) -> int:
        return len(self._credentials) + len(self._derived)

    def add(self, value: str, label: str, *, derived: bool = False) -> None:
        if not isinstance(value, str) or len(value.strip()) < MIN_SECRET:
            return
        values = {value, value.strip()}
        with self._lock:
            changed = False
            for v in values:
                if derived:
                    if v in self._credentials:
                        continue
                    if v in self._derived:
                        self._derived.move_to_end(v)
                        continue
                    self._derived[v] = label
                    while len(self._derived) > self._max_derived:
                        self._derived.popitem(last=False)
                elif self._credentials.get(v) != label:
                    self._derived.pop(v, None)
                    self._credentials[v] = label
                else:
                    continue
                changed = True
            if changed:
                self._pattern = None

    def contains(self, value: str) -> bool:
        return value in self._credentials or value in self._derived

    def _compiled(self) -> re.Pattern[str] | None:
        pattern = self._pattern
        if pattern is not None or not (self._credentials or self._derived):
            return pattern
        with self._lock:
            labels: dict[str, str] = {}
            for table in (self._derived, self._credentials):  # a credential's label wins
                for value, label in table.items():
                    for form in _variants(value):
                        labels[form] = label
            # Longest first: "Bearer <token>" is one replacement, not a token inside words.
            ordered = sorted(labels, key=len, reverse=True)
            self._labels = labels
            self._pattern = pattern = re.compile("|".join(map(re.escape, ordered)))
        return pattern

    def redact(self, text: str) -> str:
        pattern = self._compiled()
        if pattern is None or not text:
            return text
        labels = self._labels
        return pattern.sub(lambda m: f"<{labels.get(m.group(), 'redacted')}>", text)

    def clear(self) -> None:
        with self._lock:
            self._credentials.clear()
            self._derived.clear()
            self._pattern = None


#: The process's registry: a secret a provider reads anywhere is redacted everywhere.
registry = SecretRegistry()


def register_secret(value: str | None, label: str = "redacted", *, derived: bool = False) -> None:
    """Redact ``value`` (and its escaped shapes) from every message, ``repr``, log record,
    CLI output and cassette from now on, as ``<label>``. Providers call it for what they
    derive from a credential (``derived=True``: a signed token, a header value); the core
    registers the credentials themselves as ``require`` reads them."""
    if value:
        registry.add(value, label, derived=derived)
        _install_record_factory()


def registered(value: str) -> bool:
    return registry.contains(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by its ``<label>``."""
    if not isinstance(text, str):
        text = str(text)
    return registry.redact(text)


def redact_data(value: Any) -> Any:
    """``redact`` applied to every string inside dicts, lists and tuples."""
    if not len(registry):
        return value
    if isinstance(value, str):
        return registry.redact(value)
    if isinstance(value, Mapping):
        return {redact_data(k): redact_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact_data(v) for v in value)
    return value


def register_headers(headers: Iterable[tuple[str, str]]) -> None:
    """Register the values of credential-bearing headers (``Authorization`` and the like)
    of a request a provider's auth signed: whatever a plugin derived, it is redacted,
    registered by the plugin or not. A value made of a known secret needs nothing more."""
    for name, value in headers:
        if name.lower() not in SENSITIVE_HEADERS or not value or registry.contains(value):
            continue
        scheme, _, rest = value.partition(" ")
        secret = rest.strip() if rest.strip() and scheme.isalpha() else value
        if _LABEL.fullmatch(registry.redact(secret)):
            continue  # "Bearer <KEY>": the value is a known secret
        register_secret(secret, f"{name.lower()} credential", derived=True)


# --------------------------------------------------------------------------- credentials


# --------------------------------------------------------------------------- logging


class RedactingFilter(logging.Filter):
    """A handler filter that redacts a record's message and exception text. framecast
    already redacts every record as it is made; add this to your handlers if your code
    replaces the log-record factory (``logging.setLogRecordFactory``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    if not len(registry):
        return
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: keep its pieces, redacted
        message = f"{record.msg} {record.args!r}"
    cleaned = registry.redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = registry.redact(text)
        if cleaned != text:
            record.exc_info, record.exc_text = None, cleaned
    elif record.exc_text:
        record.exc_text = registry.redact(record.exc_text)
    if record.stack_info:
        record.stack_info = registry.redact(record.stack_info)


_factory_lock = threading.Lock()
_installed: Any = None


def _install_record_factory() -> None:
    """Redact every log record as it is made (httpx's and httpcore's too); installed once,
    when the first secret is registered, over whatever factory was there."""
    global _installed
    if _installed is not None and logging.getLogRecordFactory() is _installed:
        return
    with _factory_lock:
        previous = logging.getLogRecordFactory()
        if previous is _installed and previous is not None:
            return

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            redact_record(record)
            return record

        _installed = factory
        logging.setLogRecordFactory(factory)
