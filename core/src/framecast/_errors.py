"""framecast's exceptions: one hierarchy, no dependency's exception leaks through it.

    FramecastError
    ├── ConfigurationError        missing credential, untrusted handle host, bad setting   (exit 2)
    │   └── PluginLoadError       a plugin cannot load: import error, broken or misspelt hook (2)
    ├── ValidationError           bad request, caught before any network call              (exit 2)
    │   └── UnsupportedOption     a value the model does not offer (ratio, option, mode)   (exit 2)
    ├── NotSupported              the provider cannot do this (e.g. Kling has no cancel)    (exit 2)
    ├── ProviderValidationError   the provider refused the request (400/422)               (exit 2)
    ├── AuthenticationError       credentials refused (401/403, Kling 1000-1004)           (exit 3)
    ├── AccountError              out of credits, account blocked (never retried)          (exit 3)
    ├── RateLimited               refused/unreachable past the retry policy; no task exists (4)
    ├── OutcomeUnknown            a submit may or may not have created a task              (exit 5)
    ├── TaskTimeout               the wait ran out while the task runs; `wait` resumes     (exit 6)
    ├── ProviderError             an answer framecast cannot read                          (exit 7)
    ├── TaskNotFound              the provider no longer knows the task                    (exit 1)
    ├── GenerationFailed          the task ended FAILED                                    (exit 1)
    └── FramecastCancelled        interrupted (SyncRunner, CLI); `.handle` if one was sent (130)

``MalformedResponse`` stands apart: a provider plugin raises it (it is a ``ValueError``)
for a 2xx answer it cannot read, and the core turns it into the outcome above that fits
the phase — ``OutcomeUnknown`` on a submit (a task may exist), a retried read on a poll.

Every error about a task carries its ``TaskHandle`` as ``.handle``. No message, ``repr``
or ``details`` ever holds a credential. (A cancelled coroutine raises ``asyncio``'s own
``CancelledError``, not one of these: see ``Runner.submitted``.)
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._models import TaskHandle

__all__ = [
    "MalformedResponse",
    "AccountError",
    "AuthenticationError",
    "ConfigurationError",
    "FramecastCancelled",
    "FramecastError",
    "GenerationFailed",
    "NotSupported",
    "OutcomeUnknown",
    "ProviderError",
    "ProviderValidationError",
    "RateLimited",
    "TaskNotFound",
    "TaskTimeout",
    "UnsupportedOption",
    "ValidationError",
    "exit_code_for",
]


class FramecastError(Exception):
    """Base class of every error framecast raises."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        handle: TaskHandle | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        from ._secrets import redact, redact_data

        # Every secret the process knows (keys, signed tokens) is out of the words before
        # they are stored, and again whenever they are shown (a token signed later).
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.handle = handle
        self.details: dict[str, Any] = redact_data(dict(details or {}))

    def __str__(self) -> str:
        from ._secrets import redact

        return redact(str(self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def to_dict(self) -> dict[str, Any]:
        """The ``{"type", "message", "handle", "details"}`` shape of the CLI's ``--json``."""
        from ._secrets import redact_data

        return {
            "type": type(self).__name__,
            "message": str(self),
            "handle": self.handle.to_dict() if self.handle is not None else None,
            "details": redact_data(_jsonable(self.details)),
        }


class MalformedResponse(ValueError):
    """Raised by a provider plugin for a 2xx answer it cannot read (not JSON, a field
    missing). After a create request it makes the submit ambiguous; on a poll the read is
    retried. The message says what was wrong, never the whole body (it may echo input)."""


class ConfigurationError(FramecastError):
    """Configuration is missing or wrong: a credential, a base URL, a provider name."""

    exit_code = 2


class ValidationError(FramecastError):
    """The request is invalid. Raised before any network call and before any cost.

    ``field``, ``value`` and ``allowed`` say what was wrong and what would be accepted.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        allowed: Any = None,
        handle: TaskHandle | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        details = dict(details or {})
        if field is not None:
            details.setdefault("field", field)
            details.setdefault("value", value)
        if allowed is not None:
            details.setdefault("allowed", allowed)
        super().__init__(message, handle=handle, details=details)
        self.field = field
        self.value = value
        self.allowed = allowed


class UnsupportedOption(ValidationError):
    """The model does not offer this value (a ratio, a duration, an option, a mode)."""


class NotSupported(FramecastError):
    """The provider cannot do this at all (Kling has no cancel endpoint, for example)."""

    exit_code = 2


class ProviderValidationError(FramecastError):
    """The provider refused the request as invalid (HTTP 400/422); its message is kept."""

    exit_code = 2


class AuthenticationError(FramecastError):
    """The provider refused the credentials. Check the variable named in the message."""

    exit_code = 3


class AccountError(FramecastError):
    """The account cannot run this (no credits, arrears, IP policy). Never retried."""

    exit_code = 3


class RateLimited(FramecastError):
    """Rate-limited, refused (503) or unreachable past the retry policy. No task was
    created: safe to try later."""

    exit_code = 4


class OutcomeUnknown(FramecastError):
    """A submit was sent but its answer was lost: a task may or may not exist (and cost).

    ``details`` holds ``fingerprint``, ``window_start``/``window_end`` (when it was sent),
    ``model`` and ``estimate`` — check the provider's dashboard before retrying.
    """

    exit_code = 5


class TaskTimeout(FramecastError):
    """The wait timed out while the task still runs. ``wait(error.handle)`` resumes it."""

    exit_code = 6


class ProviderError(FramecastError):
    """The provider answered something framecast cannot read (or a server error)."""

    exit_code = 7


class TaskNotFound(FramecastError):
    """The provider does not know the task (deleted, expired, or never existed)."""

    exit_code = 1


class GenerationFailed(FramecastError):
    """The task ended FAILED. ``retryable`` says whether trying again may succeed."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        code: str | None = None,
        handle: TaskHandle | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        details = dict(details or {})
        details.setdefault("retryable", retryable)
        if code is not None:
            details.setdefault("code", code)
        super().__init__(message, handle=handle, details=details)
        self.retryable = retryable
        self.code = code


class FramecastCancelled(FramecastError):
    """An interrupt stopped a call: ``SyncRunner`` raises it instead of ``KeyboardInterrupt``
    (and the CLI reports it). If a submit was sent, ``handle`` is the task (it keeps running).

    Not an ``asyncio.CancelledError``: asyncio's tools (``gather``, ``TaskGroup``,
    ``timeout``) treat any of those as a plain cancellation and drop its payload. A cancelled
    ``Runner`` coroutine raises ``CancelledError`` itself and keeps the handle in
    ``runner.submitted``.
    """

    exit_code = 130


def exit_code_for(error: BaseException) -> int:
    """The CLI exit code for an error (docs/cli.md)."""
    if isinstance(error, FramecastError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return 130
    # Only an imported asyncio can have raised its CancelledError; importing it here would
    # cost every command that never runs a coroutine (``framecast --help``).
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and isinstance(error, asyncio.CancelledError):
        return 130
    return 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return _jsonable(to_dict())
    return str(value)
