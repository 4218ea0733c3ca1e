"""Kling's response envelope and task object, read into
framecast's model. No other module looks inside a Kling JSON answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
from framecast import (
    MalformedResponse,
    TaskHandle,
    TaskState,
    TaskStatus,
    status_from_word,
)

__all__ = [
    "PRICE_PER_UNIT",
    "MalformedAnswer",
    "business_code",
    "error_message",
    "read_envelope",
    "read_task",
    "read_task_list",
    "task_state",
]

PROVIDER = "kling"
PRICE_PER_UNIT = 0.14  # USD per unit

STATUSES: Mapping[str, TaskStatus] = {
    "submitted": TaskStatus.QUEUED,
    "processing": TaskStatus.RUNNING,
    "succeed": TaskStatus.SUCCEEDED,  # sic: Kling spells it "succeed"
    "failed": TaskStatus.FAILED,
}

#: Words in ``task_status_msg`` that mean the content was refused: resubmitting the same
#: input fails the same way. Kling's exact wording is UNCONFIRMED (docs: "triggering the
#: content risk control of the platform"), so the match is broad.
_CONTENT_WORDS = ("risk", "content", "security", "moderation", "sensitive", "policy", "audit")
#: Words that mean the input itself is wrong (mask/image mismatch): not retryable either.
_INPUT_WORDS = ("mask", "parameter", "invalid", "resolution", "aspect ratio", "format")


class MalformedAnswer(MalformedResponse):
    """Kling's answer could not be read (the core's ``MalformedResponse``: an ambiguous
    submit, looked up by key; a poll read again)."""


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def business_code(response: httpx.Response) -> int | None:
    """The ``code`` of Kling's envelope, or ``None`` when the body has none."""
    body = _json(response)
    if isinstance(body, Mapping):
        code = body.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
        if isinstance(code, str) and code.isdigit():
            return int(code)
    return None


def error_message(response: httpx.Response) -> str | None:
    body = _json(response)
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return str(body["message"])
    return None


def read_envelope(response: httpx.Response, what: str) -> Any:
    """``data`` of a successful envelope.

    A 2xx answer carrying a non-zero ``code`` is raised as ``httpx.HTTPStatusError`` so the
    core shows it to ``classify`` like any error answer: the business code decides, never
    the HTTP status. An unreadable body is a ``MalformedAnswer``.
    """
    body = _json(response)
    if not isinstance(body, Mapping) or "code" not in body:
        raise MalformedAnswer(
            f"kling: {what}: the answer is not Kling's JSON envelope "
            f"(HTTP {response.status_code}, {len(response.content)} bytes)"
        )
    code = business_code(response)
    if code != 0:
        raise httpx.HTTPStatusError(
            f"kling: {what}: code {body.get('code')!r}: {body.get('message')}",
            request=response.request,
            response=response,
        )
    return body.get("data")


def read_task(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not isinstance(data.get("task_id"), str):
        raise MalformedAnswer(f"kling: {what}: the answer has no task (data.task_id missing)")
    return data


def read_task_list(data: Any, what: str) -> list[Mapping[str, Any]]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise MalformedAnswer(f"kling: {what}: expected a list of tasks")
    return [task for task in data if isinstance(task, Mapping)]


def external_task_id(task: Mapping[str, Any]) -> str | None:
    info = task.get("task_info")
    if isinstance(info, Mapping) and isinstance(info.get("external_task_id"), str):
        return str(info["external_task_id"]) or None
    return None


def make_handle(task: Mapping[str, Any], endpoint: str, key: str | None) -> TaskHandle:
    data: dict[str, Any] = {"endpoint": endpoint}
    external = external_task_id(task) or key
    if external:
        data["external_task_id"] = external
    return TaskHandle(provider=PROVIDER, task_id=str(task["task_id"]), provider_data=data)


def _units(task: Mapping[str, Any]) -> float | None:
    value = task.get("final_unit_deduction")
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def failure_retryable(message: str) -> tuple[str, bool]:
    """(failure code, retryable) for a failed task's ``task_status_msg``."""
    lowered = message.lower()
    if any(word in lowered for word in _CONTENT_WORDS):
        return "content_policy", False
    if any(word in lowered for word in _INPUT_WORDS):
        return "invalid_input", False
    # An internal failure: Kling charges nothing for failed tasks, so trying again is safe.
    return "failed", True


def task_state(task: Mapping[str, Any], handle: TaskHandle | None = None) -> TaskState:
    task_id = task.get("task_id")
    status = status_from_word(
        task.get("task_status"),
        STATUSES,
        provider="kling",
        handle=handle,
        task_id=task_id if isinstance(task_id, str) else None,
    )
    message = task.get("task_status_msg")
    message = message if isinstance(message, str) and message else None
    units = _units(task)
    cost = round(units * PRICE_PER_UNIT, 6) if units is not None else None
    outputs: tuple[str, ...] = ()
    failure_code = failure_message = None
    retryable = None
    if status is TaskStatus.SUCCEEDED:
        outputs = _video_urls(task)
        if not outputs:
            raise MalformedAnswer(
                f"kling: task {task.get('task_id')} succeeded without a video URL"
            )
    elif status is TaskStatus.FAILED:
        failure_message = message or "Kling reported the task failed without a reason"
        failure_code, retryable = failure_retryable(failure_message)
    return TaskState(
        status=status,
        outputs=outputs,  # type: ignore[arg-type]  # attrs converter=tuple confuses mypy
        failure_code=failure_code,
        failure_message=failure_message,
        retryable=retryable,
        message=message,
        cost=cost,
        cost_units=units,
        raw=dict(task),
    )


def _video_urls(task: Mapping[str, Any]) -> tuple[str, ...]:
    result = task.get("task_result")
    videos = result.get("videos") if isinstance(result, Mapping) else None
    if not isinstance(videos, list):
        return ()
    return tuple(
        str(video["url"])
        for video in videos
        if isinstance(video, Mapping) and isinstance(video.get("url"), str) and video["url"]
    )
