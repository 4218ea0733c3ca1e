"""Reading a HANDLE argument: a task id or a unique prefix of it (looked up in the task
log), the handle's JSON, ``@file``, or ``-`` for stdin.

What ``generate --json`` printed may be pasted as it is: a result object or an error
object carrying a handle is unwrapped to the handle inside it, so the output of a
timed-out or interrupted run resumes with ``framecast wait @out.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .._errors import ValidationError

if TYPE_CHECKING:
    from ._tasklog import TaskLog

__all__ = ["is_task_reference", "read_handle_argument"]

_ALLOWED = (
    "a task id or a unique prefix of it (see `framecast tasks`), the handle JSON a submit "
    "printed, @FILE holding it, or - to read it from stdin"
)
#: What a task id typed on the command line looks like (no JSON, no path, no spaces).
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")


def is_task_reference(argument: str) -> bool:
    return _REFERENCE.fullmatch(argument) is not None


def read_handle_argument(
    argument: str,
    stdin: IO[str],
    task_log: Callable[[], TaskLog | None] | None = None,
) -> dict[str, Any]:
    """The handle object named by ``argument``, unwrapped, not yet checked for trust.

    A bare word is a task id or its prefix, looked up in ``task_log()``. Raises
    ``ValidationError`` (field ``HANDLE``) naming what was wrong with it.
    """
    if is_task_reference(argument):  # a bare word, even one JSON reads (Kling's ids are digits)
        return _look_up(argument, task_log() if task_log is not None else None)
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


def _look_up(reference: str, log: TaskLog | None) -> dict[str, Any]:
    from ._tasklog import JOB_PREFIX, TaskLogError

    if reference.startswith(JOB_PREFIX):
        raise ValidationError(
            f"HANDLE {reference!r}: ids starting with {JOB_PREFIX!r} name durable jobs, not "
            "tasks; wait, status and cancel take a task id (see `framecast tasks`) or a handle",
            field="HANDLE",
            value=reference,
            allowed=_ALLOWED,
        )
    if log is None:
        raise ValidationError(
            f"HANDLE {reference!r}: a task id is looked up in the task log, which is "
            "unavailable; pass the handle JSON or @FILE",
            field="HANDLE",
            value=reference,
            allowed=_ALLOWED,
        )
    try:
        found = log.find(reference)
    except TaskLogError as exc:
        raise ValidationError(
            f"HANDLE {reference!r}: cannot read the task log: {exc}; pass the handle JSON or @FILE",
            field="HANDLE",
            value=reference,
            allowed=_ALLOWED,
        ) from None
    found = [task for task in found if task.handle is not None]
    if not found:
        raise ValidationError(
            f"HANDLE {reference!r}: no task in the task log ({log.path}) has an id starting "
            "with it (`framecast tasks` lists them); a task submitted elsewhere is named by "
            "its handle JSON or @FILE",
            field="HANDLE",
            value=reference,
            allowed=_ALLOWED,
        )
    if len(found) > 1:
        listed = "; ".join(
            f"{task.provider} {task.task_id} ({task.state}, {task.created_at})"
            for task in found[:10]
        )
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        raise ValidationError(
            f"HANDLE {reference!r} is ambiguous: {len(found)} logged tasks start with it: "
            f"{listed}{more}; type more of the id",
            field="HANDLE",
            value=reference,
            allowed=[str(task.task_id) for task in found],
        )
    handle = found[0].handle
    assert handle is not None
    return dict(handle)


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
