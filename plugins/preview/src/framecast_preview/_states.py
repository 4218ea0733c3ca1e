"""A task folder's state file, read as framecast's ``TaskState``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framecast import TaskHandle, TaskNotFound, TaskState, TaskStatus, status_from_word

from . import _store

__all__ = ["died", "task_state"]

#: The words the worker writes (it never throttles).
STATUS_WORDS = {s.value: s for s in TaskStatus if s is not TaskStatus.THROTTLED}


def died(folder: Path, state: dict[str, Any] | None) -> TaskState:
    log = folder / _store.LOG_FILE
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        lines = []
    last = f" Its last words: {lines[-1][:300]!r}." if lines else ""
    return TaskState(
        status=TaskStatus.FAILED,
        failure_code="worker_died",
        failure_message=(
            "the preview worker stopped without finishing (killed, or the machine "
            f"restarted); its log is {log}.{last} Submit the request again."
        ),
        retryable=True,
        cost=0.0,
        raw=state or {},
    )


def task_state(handle: TaskHandle, folder: Path, state: dict[str, Any]) -> TaskState:
    status = status_from_word(state.get("status"), STATUS_WORDS, provider="preview", handle=handle)
    progress = state.get("progress")
    progress = float(progress) if isinstance(progress, (int, float)) else None
    if status is TaskStatus.SUCCEEDED:
        output = folder / _store.OUTPUT_FILE
        if not output.exists():
            raise TaskNotFound(
                f"preview: the video of task {handle.task_id} was removed from {folder}",
                handle=handle,
            )
        # The core's `converter=tuple` reads to mypy as an unsolved generic.
        outputs: Any = (output.as_uri(),)
        return TaskState(status=status, progress=1.0, outputs=outputs, cost=0.0, raw=state)
    if status is TaskStatus.FAILED:
        failure = state.get("failure") or {}
        return TaskState(
            status=status,
            failure_code=failure.get("code"),
            failure_message=failure.get("message"),
            retryable=bool(failure.get("retryable", False)),
            cost=0.0,
            raw=state,
        )
    return TaskState(status=status, progress=progress, raw=state)
