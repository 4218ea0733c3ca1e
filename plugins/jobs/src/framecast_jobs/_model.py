"""The ``Job`` record as callers see it, and the jobs layer's errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import attrs
from framecast import FramecastError, TaskHandle, TaskStatus

# Job states, and the core's TaskStatus where one applies.
STATUS_OF_STATE: dict[str, TaskStatus | None] = {
    "queued": None,
    "submitting": None,
    "running": TaskStatus.RUNNING,
    "succeeded": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
    "cancelled": TaskStatus.CANCELLED,
    "outcome_unknown": None,
}

SHORT_ID_LENGTH = 12  # "job_" and 8 characters


class ConflictError(FramecastError):
    """The idempotency key already names a job with a different request."""

    exit_code = 2


class JobNotFound(FramecastError):
    """No job has that id (or the prefix matches none)."""

    exit_code = 2


class RetryRefused(FramecastError):
    """``retry`` of a job in a state it cannot be retried from."""

    exit_code = 2


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


@attrs.frozen
class Event:
    at: float
    kind: str
    detail: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "kind": self.kind, "detail": self.detail}


@attrs.frozen
class Job:
    """One durable job: its request, state, provider handle, outputs, cost and timeline."""

    id: str
    idempotency_key: str
    fingerprint: str
    provider: str
    model: str | None
    state: str
    request: dict[str, Any] = attrs.field(repr=False)
    out: str | None = None
    max_cost: float | None = None
    estimate: dict[str, Any] | None = None
    attempt: int = 1
    attempt_started_at: float | None = None
    handle: TaskHandle | None = None
    outputs: tuple[dict[str, Any], ...] = ()
    cost: float | None = None
    error: dict[str, Any] | None = None
    reason: str | None = None
    cancel_requested: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    events: tuple[Event, ...] = ()

    @property
    def short_id(self) -> str:
        return self.id[:SHORT_ID_LENGTH]

    @property
    def status(self) -> TaskStatus | None:
        """The core's ``TaskStatus`` for this state, where one applies."""
        return STATUS_OF_STATE.get(self.state)

    @property
    def done(self) -> bool:
        return self.state in ("succeeded", "failed", "cancelled", "outcome_unknown")

    @classmethod
    def from_row(cls, row: dict[str, Any], events: list[dict[str, Any]] | None = None) -> Job:
        handle = _loads(row.get("handle"))
        return cls(
            id=row["id"],
            idempotency_key=row["idempotency_key"],
            fingerprint=row["fingerprint"],
            provider=row["provider"],
            model=row.get("model"),
            state=row["state"],
            request=_loads(row["request"]) or {},
            out=row.get("out"),
            max_cost=row.get("max_cost"),
            estimate=_loads(row.get("estimate")),
            attempt=row.get("attempt") or 1,
            attempt_started_at=row.get("attempt_started_at"),
            handle=TaskHandle.from_dict(handle) if handle else None,
            outputs=tuple(_loads(row.get("outputs")) or ()),
            cost=row.get("cost"),
            error=_loads(row.get("error")),
            reason=row.get("reason"),
            cancel_requested=bool(row.get("cancel_requested")),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            events=tuple(
                Event(at=e["at"], kind=e["kind"], detail=_loads(e.get("detail")))
                for e in events or ()
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the request's image bytes are left out (their size is kept)."""
        return {
            "id": self.id,
            "short_id": self.short_id,
            "idempotency_key": self.idempotency_key,
            "fingerprint": self.fingerprint,
            "provider": self.provider,
            "model": self.model,
            "state": self.state,
            "status": self.status.value if self.status else None,
            "request": _describe_request(self.request),
            "out": self.out,
            "max_cost": self.max_cost,
            "estimate": self.estimate,
            "attempt": self.attempt,
            "attempt_started_at": iso(self.attempt_started_at),
            "handle": self.handle.to_dict() if self.handle else None,
            "outputs": list(self.outputs),
            "cost": self.cost,
            "error": self.error,
            "reason": self.reason,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "events": [e.to_dict() for e in self.events],
        }


def _describe_request(request: dict[str, Any]) -> dict[str, Any]:
    def image(value: Any) -> Any:
        if isinstance(value, dict):
            data = value.get("data")
            return {
                "name": value.get("name"),
                "url": value.get("url"),
                "bytes": len(data) * 3 // 4 if data else None,
            }
        return value

    shown = dict(request)
    for name in ("image", "end_image"):
        shown[name] = image(shown.get(name))
    shown["images"] = [image(v) for v in shown.get("images") or ()]
    return shown
