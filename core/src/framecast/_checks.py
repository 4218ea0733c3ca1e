"""The one place numbers and text are checked at a boundary (docs/errors.md).

Every number a user can give framecast -- a request field, a ``Runner`` argument, a value
in framecast.toml, an environment variable, a command-line option -- goes through
``check_number`` (or ``parse_number`` for text), every text field through
``check_text``, and every credential through ``clean_credential``. A refusal is a
``ValidationError`` (request values) or a ``ConfigurationError`` (settings) naming the
field, the value and what is allowed, raised before anything is sent.

NaN compares false with everything, so a plain ``value < 0`` lets it through (a budget or
a timeout that never triggers); infinities and overflowing literals (``1e400``) break
``int()``. Both are refused here, whatever the bounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._errors import ConfigurationError, ValidationError

__all__ = [
    "check_credential",
    "check_number",
    "check_text",
    "check_texts",
    "check_timeout",
    "clean_credential",
    "describe_range",
    "parse_number",
]


def describe_range(
    minimum: float | None,
    maximum: float | None,
    *,
    integer: bool = False,
    exclusive_minimum: bool = False,
    unit: str = "",
) -> str:
    """How the allowed range reads in a message: ``"a finite number > 0"``, ``"0-10"``."""
    kind = "a whole number" if integer else "a finite number"
    suffix = f" of {unit}" if unit else ""
    if minimum is not None and maximum is not None and not exclusive_minimum:
        return f"{kind} from {_fmt(minimum)} to {_fmt(maximum)}{suffix}"
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if exclusive_minimum else '>='} {_fmt(minimum)}")
    if maximum is not None:
        parts.append(f"<= {_fmt(maximum)}")
    return f"{kind}{suffix}" + (f" {' and '.join(parts)}" if parts else "")


def check_number(
    value: Any,
    field: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    integer: bool = False,
    unit: str = "",
    source: str | None = None,
    error: type[ValidationError] | type[ConfigurationError] = ValidationError,
) -> int | float:
    """``value`` if it is a finite number within the bounds, else ``error`` naming ``field``
    (and ``source``: the file or variable it came from). Booleans are not numbers here."""
    allowed = describe_range(
        minimum, maximum, integer=integer, exclusive_minimum=exclusive_minimum, unit=unit
    )
    where = f"{source}: " if source else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _refuse(
            error, f"{where}{field} must be {allowed}; got {value!r}", field, value, allowed, source
        )
    if integer and not isinstance(value, int):
        shown = repr(value)  # 5.0 is not a count: whole numbers are written as such
        _refuse(
            error,
            f"{where}{field} must be {allowed}; got {shown}",
            field,
            _plain(value),
            allowed,
            source,
        )
    if isinstance(value, float) and not math.isfinite(value):
        _refuse(
            error,
            f"{where}{field} must be {allowed}; got {_fmt(value)} (not a finite number)",
            field,
            _fmt(value),
            allowed,
            source,
        )
    too_low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    too_high = maximum is not None and value > maximum
    if too_low or too_high:
        _refuse(
            error,
            f"{where}{field} must be {allowed}; got {_fmt(value)}",
            field,
            value,
            allowed,
            source,
        )
    return value  # type: ignore[no-any-return]


def check_timeout(
    value: Any,
    field: str,
    *,
    source: str | None = None,
    error: type[ValidationError] | type[ConfigurationError] = ValidationError,
) -> Any:
    """A wait's limit: ``None`` (no limit) or a finite number of seconds > 0. Zero or a
    negative limit would submit a paid task only to give up on it at once."""
    if value is None:
        return None
    check_number(
        value, field, minimum=0, exclusive_minimum=True, unit="seconds", source=source, error=error
    )
    return value


def parse_number(
    text: str,
    field: str,
    *,
    integer: bool = False,
    source: str | None = None,
    error: type[ValidationError] | type[ConfigurationError] = ConfigurationError,
    **bounds: Any,
) -> int | float:
    """A number written as text (an environment variable, an option), checked as
    ``check_number`` checks it."""
    stripped = text.strip()
    try:
        value: int | float = int(stripped) if integer else float(stripped)
    except ValueError:
        allowed = describe_range(
            bounds.get("minimum"),
            bounds.get("maximum"),
            integer=integer,
            exclusive_minimum=bounds.get("exclusive_minimum", False),
            unit=bounds.get("unit", ""),
        )
        where = f"{source}: " if source else ""
        _refuse(
            error, f"{where}{field} must be {allowed}; got {text!r}", field, text, allowed, source
        )
    return check_number(value, field, integer=integer, source=source, error=error, **bounds)


def check_text(
    value: Any,
    field: str,
    *,
    error: type[ValidationError] | type[ConfigurationError] = ValidationError,
) -> None:
    """Refuse text that is not valid Unicode: a lone surrogate (``"\\ud800"``, or an
    undecodable byte the command line turned into one) cannot be encoded as UTF-8, so
    no request could carry it. Names the field and the position of the first one."""
    if not isinstance(value, str):
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        shown = value if len(value) <= 60 else value[max(0, exc.start - 20) : exc.start + 20]
        allowed = "valid Unicode text (UTF-8 encodable; no lone surrogates)"
        raise error(
            f"{field}: not valid text at position {exc.start}: lone surrogate "
            f"U+{ord(bad):04X} (an undecodable byte or a broken string); "
            "fix the text's encoding",
            **_fields(error, field, ascii(shown), allowed, {"position": exc.start}),
        ) from None


def check_texts(value: Any, field: str) -> None:
    """``check_text`` on every string in a nested value (option values, lists, tables)."""
    if isinstance(value, str):
        check_text(value, field)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(key, f"{field} (a key)")
            check_texts(item, f"{field}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_texts(item, f"{field}[{index}]")


def _refuse(
    error: type[ValidationError] | type[ConfigurationError],
    message: str,
    field: str,
    value: Any,
    allowed: str,
    source: str | None,
) -> Any:
    raise error(message, **_fields(error, field, value, allowed, {"source": source}))


def _fields(
    error: type[Exception], field: str, value: Any, allowed: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """Keyword arguments for ``error``: a ``ValidationError`` takes field, value and
    allowed itself; a ``ConfigurationError`` carries them in its details."""
    extra = {k: v for k, v in extra.items() if v is not None}
    if issubclass(error, ValidationError):
        return {"field": field, "value": value, "allowed": allowed, "details": extra}
    return {"details": {"field": field, "value": value, "allowed": allowed, **extra}}


def _plain(value: Any) -> Any:
    """A refused value as details show it: NaN and infinities as words (JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return _fmt(value)
    return value


def _fmt(value: float) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
    return repr(value)


def clean_credential(variable: str, value: str) -> str:
    """A credential as read from the environment or a file: surrounding whitespace (a
    trailing newline of a key read from a file or a mounted secret) stripped, then checked
    (``check_credential``) and registered for redaction."""
    from ._secrets import register_secret

    stripped = value.strip()
    register_secret(stripped, variable)
    check_credential(variable, stripped)
    return stripped


def check_credential(variable: str, value: str) -> None:
    """A ``ConfigurationError`` naming ``variable`` (never the value) for a character no
    HTTP header can carry: a control character, another invisible one, or non-ASCII."""
    for index, char in enumerate(value):
        if char == " ":
            continue
        if not char.isprintable():
            what = f"a control character (U+{ord(char):04X})"
        elif not char.isascii():
            what = "a non-ASCII character"
        else:
            continue
        raise ConfigurationError(
            f"{variable} holds {what} at position {index + 1} of {len(value)}: a credential "
            f"is one line of printable ASCII. Set {variable} again, copied without it",
            details={"variables": [variable], "position": index + 1},
        )
