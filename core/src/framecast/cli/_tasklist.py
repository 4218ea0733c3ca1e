"""``framecast tasks``: the task log's recent tasks, filtered, as a table or JSON; and
``--prune``, which deletes the finished ones the filters select."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from .._errors import ValidationError
from ._output import Output
from ._tasklog import FINISHED, SUBMITTED, SUBMITTING, UNKNOWN, LoggedTask, TaskLog, TaskLogError

__all__ = ["STATES", "parse_when", "show_tasks"]

#: Every state a row can hold, and ``unfinished`` for all the others than FINISHED.
STATES = (
    SUBMITTING,
    UNKNOWN,
    SUBMITTED,
    "QUEUED",
    "THROTTLED",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
    "NOT_FOUND",
)
UNFINISHED = "unfinished"
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_WHEN_ALLOWED = "an ISO date or time (2026-05-01, 2026-05-01T14:00), or an age: 30m, 12h, 7d, 2w"


def parse_when(text: str, option: str, now: Callable[[], float] = time.time) -> str:
    """``--since``/``--until`` as the log's UTC timestamp text; a naive date or time is
    local time, an age counts back from now."""
    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if relative is not None:
        moment = datetime.fromtimestamp(now(), UTC) - timedelta(
            seconds=float(relative.group(1)) * _UNITS[relative.group(2)]
        )
        return moment.isoformat(timespec="seconds")
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            parsed = datetime(day.year, day.month, day.day)
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{option} {text!r}: not a date, a time or an age; allowed: {_WHEN_ALLOWED}",
            field=option,
            value=text,
            allowed=_WHEN_ALLOWED,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()  # the user's local time
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def _states(chosen: Sequence[str]) -> list[str]:
    states: list[str] = []
    for name in chosen:
        if name.lower() == UNFINISHED:
            states += [state for state in STATES if state not in FINISHED]
        else:
            states.append(name.upper())
    return sorted(set(states))


def show_tasks(
    out: Output,
    *,
    provider: str | None,
    states: Sequence[str],
    since: str | None,
    until: str | None,
    limit: int,
    prune: bool,
) -> int:
    log = TaskLog.from_environment()
    filters = {
        "provider": provider,
        "states": _states(states),
        "since": parse_when(since, "--since") if since else None,
        "until": parse_when(until, "--until") if until else None,
    }
    try:
        if prune:
            removed = log.prune(**filters)  # type: ignore[arg-type]
            if out.json_mode:
                out.emit({"log": str(log.path), "pruned": removed})
            else:
                out.message(
                    f"framecast: pruned {removed} finished task{'s' if removed != 1 else ''} "
                    f"from {log.path} (unfinished tasks are kept)"
                )
            return 0
        tasks = log.tasks(**filters, limit=limit)  # type: ignore[arg-type]
        shorts = {task.row: log.short_id(task.task_id) for task in tasks if task.task_id}
    except TaskLogError as exc:
        out.message(f"framecast: task log unavailable: {exc}")
        if out.json_mode:
            out.emit({"error": {"type": "TaskLogError", "message": str(exc), "handle": None}})
        return 1
    if out.json_mode:
        out.emit(
            {
                "log": str(log.path),
                "tasks": [{**task.to_dict(), "short_id": shorts.get(task.row)} for task in tasks],
            }
        )
        return 0
    if not tasks:
        out.message(f"framecast: no task in {log.path} matches")
        return 0
    _table(out, tasks, shorts)
    out.message(f"{len(tasks)} shown from {log.path}; `framecast wait ID` resumes one")
    return 0


def _table(out: Output, tasks: Sequence[LoggedTask], shorts: dict[int, str]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None)
    for name in ("id", "provider", "model", "state", "created"):
        table.add_column(name, no_wrap=True)  # an id cut short could not be typed back
    table.add_column("prompt")
    table.add_column("output", overflow="fold")
    for task in tasks:
        output = task.saved_to or (task.outputs[0] if task.outputs else "")
        if task.failure and not output:
            output = task.failure
        table.add_row(
            *(
                escape(cell)
                for cell in (
                    shorts.get(task.row) or "-",
                    task.provider,
                    task.model or "-",
                    task.state,
                    _local(task.created_at),
                    _clip(task.prompt, 40),
                    _clip(output, 60),
                )
            )
        )
    out.stdout.print(table)


def _local(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
