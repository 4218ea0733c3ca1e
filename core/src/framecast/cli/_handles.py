"""Reading a HANDLE argument: the handle's JSON, ``@file``, or ``-`` for stdin.

What ``generate --json`` printed may be pasted as it is: a result object or an error
object carrying a handle is unwrapped to the handle inside it, so the output of a
timed-out or interrupted run resumes with ``framecast wait @out.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from .._errors import ValidationError

__all__ = ["read_handle_argument"]

_ALLOWED = "the handle JSON a submit printed, @FILE holding it, or - to read it from stdin"


def read_handle_argument(argument: str, stdin: IO[str]) -> dict[str, Any]:
    """The handle object named by ``argument``, unwrapped, not yet checked for trust.

    Raises ``ValidationError`` (field ``HANDLE``) naming what was wrong with it.
    """
    text, origin = _read_text(argument, stdin)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError(
            f"HANDLE {origin}: not valid JSON ({exc}): {_preview(text)}",
            field="HANDLE",
            value=_preview(text),
            allowed=_ALLOWED,
        ) from None
    handle = _unwrap(data)
    if handle is None:
        raise ValidationError(
            f"HANDLE {origin}: expected a JSON object with 'provider' and 'task_id' "
            f"(or a framecast result or error carrying one): {_preview(text)}",
            field="HANDLE",
            value=_preview(text),
            allowed=_ALLOWED,
        )
    return handle


def _read_text(argument: str, stdin: IO[str]) -> tuple[str, str]:
    if argument == "-":
        return stdin.read(), "from stdin"
    if argument.startswith("@"):
        path = Path(argument[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8"), f"from {argument}"
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise ValidationError(
                f"HANDLE {argument}: cannot read {path}: {reason}",
                field="HANDLE",
                value=argument,
                allowed=_ALLOWED,
            ) from None
    return argument, "argument"


def _unwrap(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    if "task_id" in data and "provider" in data and "handle" not in data:
        return data
    for key in ("handle", "error"):
        inner = data.get(key)
        if isinstance(inner, dict):
            found = _unwrap(inner)
            if found is not None:
                return found
    return None


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."
