"""Where things go: one JSON object on stdout under ``--json``; messages, progress, errors
and resume commands on stderr; exit codes from the error table (docs/errors.md)."""

from __future__ import annotations

import json
import shlex
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import click

from .._secrets import redact

if TYPE_CHECKING:
    from rich.console import Console

    from .._errors import FramecastError
    from .._models import TaskHandle

__all__ = ["Output", "compact_json", "resume_command"]

#: Errors after which the task certainly runs on, and those after which it may.
_RUNS_ON = frozenset({"TaskTimeout", "FramecastCancelled", "NotSupported"})
_MAY_RUN_ON = frozenset({"ProviderError", "RateLimited", "AuthenticationError", "AccountError"})


def compact_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def resume_command(
    handle: TaskHandle, extra: Sequence[str] = (), *, short: str | None = None
) -> str:
    """``framecast wait <short id> ...`` for a task in the task log, else ``framecast wait
    '<handle json>' ...``; quoted for a POSIX shell."""
    words = ["framecast", "wait", short or compact_json(handle.to_dict()), *extra]
    return " ".join(shlex.quote(word) for word in words)


def text_stream(name: str) -> TextIO:
    """``sys.stdin``/``stdout``/``stderr`` looked up at call time (click's test runner swaps
    them; ``click.get_text_stream`` is deprecated in click 8.5)."""
    stream: TextIO = getattr(sys, name)
    return stream


class Output:
    """The command's two streams. Under ``--json`` stdout receives exactly one object."""

    def __init__(self, *, json_mode: bool, debug: bool) -> None:
        self.json_mode = json_mode
        self.debug = debug
        self._emitted = False
        #: The task log's short id of a handle (set once a command opens the log).
        self.short_ref: Callable[[TaskHandle], str | None] | None = None
        self._stderr: Console | None = None
        self._stdout: Console | None = None

    # ------------------------------------------------------------------ streams

    @property
    def stderr(self) -> Console:
        if self._stderr is None:
            from rich.console import Console

            self._stderr = Console(file=text_stream("stderr"), highlight=False)
        return self._stderr

    @property
    def stdout(self) -> Console:
        if self._stdout is None:
            from rich.console import Console

            self._stdout = Console(file=text_stream("stdout"), highlight=False)
        return self._stdout

    @property
    def live_progress(self) -> bool:
        """Whether progress is a live rich bar (a terminal, not --json) or plain lines."""
        return not self.json_mode and self.stderr.is_terminal

    def message(self, text: str) -> None:
        """A line for the person at the terminal (stderr, never markup-interpreted)."""
        click.echo(redact(text), err=True)

    def emit(self, value: Any) -> None:
        """The command's one JSON object, on stdout."""
        if self._emitted:
            raise RuntimeError("a command printed two JSON objects; --json promises one")
        self._emitted = True
        click.echo(redact(json.dumps(value, indent=2, ensure_ascii=False, default=str)))

    # ------------------------------------------------------------------ errors

    def error(
        self,
        error: FramecastError,
        *,
        exit_code: int | None = None,
        resume_extra: Sequence[str] = (),
    ) -> int:
        """Report a framecast error and return the exit code.

        A task that keeps running (timeout, interruption, a lost poll) gets its handle and
        the command that resumes it, so nobody pays for a video twice.
        """
        from .._errors import exit_code_for

        code = exit_code if exit_code is not None else exit_code_for(error)
        if self.debug:
            self._traceback(error)
        self.message(f"framecast: {_label(error)}: {error.message}")
        for line in _detail_lines(error):
            self.message(f"  {line}")
        handle = error.handle
        kind = type(error).__name__
        if handle is not None:
            if kind in _RUNS_ON or kind in _MAY_RUN_ON:
                runs = "keeps running" if kind in _RUNS_ON else "may still be running"
                self.message(f"The task {runs}. Its handle:")
                self.message(f"  {compact_json(handle.to_dict())}")
                self.message("Resume with:")
                short = self.short_ref(handle) if self.short_ref is not None else None
                self.message(f"  {resume_command(handle, resume_extra, short=short)}")
            else:
                self.message(f"  task: {compact_json(handle.to_dict())}")
        self._emit_error(error.to_dict())
        return code

    def unexpected(self, error: BaseException) -> int:
        """A bug or an unforeseen failure: one line, no traceback unless ``--debug``."""
        if self.debug:
            self._traceback(error)
            self.message(f"framecast: unexpected error: {type(error).__name__}: {error}")
        else:
            self.message(
                f"framecast: unexpected error: {type(error).__name__}: {error} "
                "(run with --debug for the traceback)"
            )
        self._emit_error(
            {"type": type(error).__name__, "message": str(error), "handle": None, "details": {}}
        )
        return 1

    def _emit_error(self, error: dict[str, Any]) -> None:
        # A failure after the result was printed (closing the runner, say) is reported on
        # stderr only: stdout already holds the command's one object.
        if self.json_mode and not self._emitted:
            self.emit({"error": error})

    def _traceback(self, error: BaseException) -> None:
        text = "".join(traceback.format_exception(error))
        sys.stderr.flush()
        # The chain may hold a dependency's words about a credential (h11 quoting a header).
        click.echo(redact(text.rstrip("\n")), err=True)


def _label(error: FramecastError) -> str:
    return {
        "ValidationError": "invalid request",
        "UnsupportedOption": "unsupported",
        "ConfigurationError": "configuration",
        "PluginLoadError": "plugin cannot load",
        "NotSupported": "not supported",
        "ProviderValidationError": "refused by the provider",
        "AuthenticationError": "authentication failed",
        "AccountError": "account",
        "RateLimited": "rate limited",
        "OutcomeUnknown": "outcome unknown (check before retrying)",
        "TaskTimeout": "timed out",
        "ProviderError": "unreadable provider answer",
        "TaskNotFound": "task not found",
        "GenerationFailed": "generation failed",
        "FramecastCancelled": "interrupted",
    }.get(type(error).__name__, "error")


def _detail_lines(error: FramecastError) -> list[str]:
    """The details a person needs to act on: allowed values, an unknown outcome's window."""
    lines: list[str] = []
    details = error.details
    allowed = details.get("allowed")
    listed = allowed if isinstance(allowed, list | tuple) else [allowed]
    if allowed is not None and not all(str(item) in error.message for item in listed):
        lines.append(f"allowed: {', '.join(map(str, listed))}")
    if type(error).__name__ == "OutcomeUnknown":
        for key in ("model", "fingerprint", "window_start", "window_end", "estimate"):
            if details.get(key) is not None:
                lines.append(f"{key}: {_plain(details[key])}")
    if type(error).__name__ == "GenerationFailed":
        if details.get("code") is not None:
            lines.append(f"code: {details['code']}")
        lines.append(f"retryable: {'yes' if details.get('retryable') else 'no'}")
    return lines


def _plain(value: Any) -> str:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        value = to_dict()
    return compact_json(value) if isinstance(value, dict | list) else str(value)
