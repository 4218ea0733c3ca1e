"""The commands that talk to a provider: generate, estimate, status, wait, cancel.

Each runs as one coroutine under ``run_command`` (signals cancel it) and returns its exit
code; every failure becomes an exit code and a message in ``finish``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..hookspecs import hookimpl
from ._output import Output, compact_json
from ._running import Finished, run_command

if TYPE_CHECKING:
    from .._models import (
        CostEstimate,
        GenerationRequest,
        GenerationResult,
        TaskHandle,
        TaskState,
    )
    from .._runner import Runner
    from ._tasklog import LoggedTask, TaskLog

__all__ = ["TaskCommand", "open_runner"]


def open_runner(**options: Any) -> Runner:
    """The runner a command uses (tests replace this to give it a fake transport)."""
    from .._runner import Runner

    return Runner(**options)


class HandleRecorder:
    """A host plugin that learns the task's handle the moment it is submitted, so an
    interruption can always print it (the runner calls ``on_submitted`` shielded)."""

    def __init__(self, on_handle: Callable[[TaskHandle], None]) -> None:
        self._on_handle = on_handle

    @hookimpl
    def on_submitted(self, handle: TaskHandle, request: GenerationRequest) -> None:
        self._on_handle(handle)


class TaskCommand:
    """Shared plumbing of one provider command: output, runner options, known handle."""

    def __init__(
        self,
        out: Output,
        *,
        provider: str | None = None,
        runner_options: Mapping[str, Any] | None = None,
        resume_extra: Sequence[str] = (),
    ) -> None:
        self.out = out
        self.provider = provider
        self.runner_options = dict(runner_options or {})
        self.resume_extra = list(resume_extra)
        self.known_handle: TaskHandle | None = None
        self._log: TaskLog | None = None
        self._log_failed = False
        self._logged_status: dict[str, str] = {}
        #: The task log row reserved for this command's idempotency key, until the
        #: provider's answer fills it (or shows that no task exists).
        self.claimed_row: int | None = None
        out.short_ref = self.short_ref

    # ------------------------------------------------------------------ running

    def run(self, body: Callable[[], Awaitable[int]]) -> int:
        finished = run_command(
            body,
            on_first_signal=self._on_first_signal,
            on_repeated_signal=self._on_repeated_signal,
        )
        return self.finish(finished)

    def _on_first_signal(self, name: str) -> None:
        self.out.message(
            f"framecast: {name} received: stopping; a submit already sent is let finish "
            "and its task keeps running"
        )

    def _on_repeated_signal(self, name: str) -> None:
        self.out.message(
            f"framecast: {name} received again: still finishing the submit so that its "
            "handle is not lost"
        )

    def finish(self, finished: Finished[int]) -> int:
        from .._errors import FramecastCancelled, FramecastError

        error = finished.error
        if error is None:
            return finished.value if finished.value is not None else 0
        if isinstance(error, asyncio.CancelledError) or (
            finished.interrupted and not isinstance(error, FramecastError)
        ):
            handle = getattr(error, "handle", None) or self.known_handle
            if isinstance(error, FramecastCancelled) and error.handle is not None:
                cancelled = error
            elif handle is not None:
                cancelled = FramecastCancelled("the task was not cancelled", handle=handle)
            else:
                cancelled = FramecastCancelled(
                    "nothing was submitted before the interruption; nothing is running"
                )
            return self.out.error(
                cancelled,
                exit_code=finished.interrupt_exit_code if finished.interrupted else 130,
                resume_extra=self.resume_extra,
            )
        if isinstance(error, FramecastError):
            # Interrupted or not, a precise error (an unknown outcome, say) says more than
            # "interrupted" and keeps its own exit code.
            if error.handle is None and self.known_handle is not None and _about_task(error):
                error.handle = self.known_handle
            self._log_error(error)
            return self.out.error(error, resume_extra=self.resume_extra)
        return self.out.unexpected(error)

    # ------------------------------------------------------------------ task log

    @property
    def log(self) -> TaskLog | None:
        """The task log, or ``None`` once it proved unusable (warned about once)."""
        if self._log is None and not self._log_failed:
            from ._tasklog import TaskLog

            self._log = TaskLog.from_environment()
        return None if self._log_failed else self._log

    def logged(self, action: Callable[[TaskLog], Any]) -> Any:
        """``action(log)``; a log that cannot be used is warned about and left alone, since
        it must never stop a task from being waited on."""
        from ._tasklog import TaskLogError

        log = self.log
        if log is None:
            return None
        try:
            return action(log)
        except TaskLogError as exc:
            self._log_failed = True
            self.out.message(f"framecast: warning: task log unavailable: {exc}")
            return None

    def announce(self, handle: TaskHandle) -> None:
        """While waiting, how to come back to the task: on stderr, ``--json`` or not (stdout
        keeps its one object), so a killed or closed terminal still showed it."""
        if self.out.json_mode or self.short_ref(handle) is None:
            self.out.message(f"framecast: handle: {compact_json(handle.to_dict())}")
        command = _wait_command(self, handle, self.resume_extra)
        self.out.message(f"framecast: if this stops, resume with: {command}")

    def short_ref(self, handle: TaskHandle) -> str | None:
        """The short id ``wait``/``status``/``cancel`` accept for a logged task."""

        def lookup(log: TaskLog) -> str | None:
            found = log.find(handle.task_id)
            if len(found) != 1 or found[0].provider != handle.provider:
                return None
            return log.short_id(handle.task_id)

        result: str | None = self.logged(lookup)
        return result

    def log_submitted(
        self, handle: TaskHandle, request: GenerationRequest, estimate: CostEstimate | None
    ) -> None:
        row, self.claimed_row = self.claimed_row, None
        self.logged(
            lambda log: log.record_submitted(
                handle,
                prompt=request.prompt,
                estimate=estimate.to_dict() if estimate is not None else None,
                row=row,
            )
        )

    def log_state(self, handle: TaskHandle, state: TaskState, *, every: bool = False) -> None:
        """Record a state read; while waiting, only a change of status is written."""
        if not every and self._logged_status.get(handle.task_id) == state.status.value:
            return
        self._logged_status[handle.task_id] = state.status.value
        self.logged(lambda log: log.record_state(handle, state))

    def unclaim(self, error: BaseException) -> None:
        """The submit for a claimed key ended without a task: free the key when no task
        can exist; otherwise keep it, marked outcome unknown, so that the key is not
        submitted again blindly."""
        row, self.claimed_row = self.claimed_row, None
        if row is None:
            return
        if _created_nothing(error):
            self.logged(lambda log: log.release(row))
        else:
            reason = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            self.logged(lambda log: log.mark_unknown(row, reason))

    def _log_error(self, error: Exception) -> None:
        from .._errors import GenerationFailed, TaskNotFound

        handle = getattr(error, "handle", None)
        if handle is None or self._log is None:
            return
        if isinstance(error, GenerationFailed):
            state = "CANCELLED" if error.code == "CANCELLED" else "FAILED"
            failure = error.details.get("message") or error.message
            self.logged(lambda log: log.record_outcome(handle, state, str(failure)))
        elif isinstance(error, TaskNotFound):
            self.logged(lambda log: log.record_outcome(handle, "NOT_FOUND", error.message))

    # ------------------------------------------------------------------ runner

    def runner(self, *, provider: str | None = None, **extra: Any) -> Runner:
        options = {**self.runner_options, **extra}
        chosen = provider or self.provider
        if chosen is not None:
            options["provider"] = chosen
        return open_runner(**options)

    def remember(self, handle: TaskHandle) -> None:
        self.known_handle = handle


#: Errors after which no task exists: the provider refused or was never reached.
_NOTHING_CREATED = (
    "ValidationError",
    "UnsupportedOption",
    "ConfigurationError",
    "NotSupported",
    "ProviderValidationError",
    "AuthenticationError",
    "AccountError",
    "RateLimited",
)


def _created_nothing(error: BaseException) -> bool:
    from .._errors import FramecastCancelled

    if isinstance(error, FramecastCancelled):
        # The runner's words for a cancel before anything was sent, or after a refusal.
        return error.handle is None and error.message.startswith(
            ("cancelled before the submit was sent", "cancelled; the submit had ended")
        )
    return getattr(error, "handle", None) is None and type(error).__name__ in _NOTHING_CREATED


def _about_task(error: Exception) -> bool:
    # Errors raised before a task exists must not be shown with someone else's handle.
    return type(error).__name__ in {
        "TaskTimeout",
        "ProviderError",
        "TaskNotFound",
        "GenerationFailed",
        "AuthenticationError",
        "AccountError",
    }


# ---------------------------------------------------------------------- generate


async def generate(
    command: TaskCommand,
    request_factory: Callable[[], GenerationRequest],
    *,
    timeout: float | None,
    out_path: Path | None,
    no_wait: bool,
    dry_run: bool,
) -> int:
    from ._progress import TaskProgress

    out = command.out
    check_cli_numbers(command, timeout)
    request = request_factory()
    if out_path is not None and not dry_run:
        check_out_path(out_path)
    progress = TaskProgress(out.stderr, plain=not out.live_progress)
    estimate: CostEstimate | None = None

    def submitted(handle: TaskHandle) -> None:
        # Logged before any waiting: a process killed from here on leaves the way back.
        command.remember(handle)
        command.log_submitted(handle, request, estimate)
        progress.submitted(handle)
        if not no_wait:
            command.announce(handle)

    def on_progress(handle: TaskHandle, state: TaskState) -> None:
        progress(handle, state)
        command.log_state(handle, state)

    async with command.runner(plugins=[HandleRecorder(submitted)]) as runner:
        if dry_run:
            return _dry_run(command, runner, request)
        estimate = _estimate_or_none(runner, request)
        if request.idempotency_key:
            logged = _claim_key(command, runner, request, estimate)
            if logged is not None:
                return await _reuse(command, runner, logged, timeout, out_path, no_wait)
        try:
            if no_wait:
                handle = await runner.submit(request)
            else:
                with progress:
                    result = await runner.generate(
                        request, timeout=timeout, on_progress=on_progress
                    )
        except BaseException as exc:
            command.unclaim(exc)
            raise
        if no_wait:
            command.remember(handle)
            _print_handle(command, handle)
            return 0
        command.remember(result.handle)
        return await _finish_result(command, runner, result, out_path)


def _dry_run(command: TaskCommand, runner: Runner, request: GenerationRequest) -> int:
    """``--dry-run``: the wire request and its estimate, nothing sent."""
    prepared = runner.prepare(request)
    cost = runner.estimate(request)
    shown = {"provider": runner.provider_name, **prepared.to_dict()}
    shown["estimate"] = cost.to_dict() if cost is not None else None
    _print_object(command.out, shown)
    return 0


def _estimate_or_none(runner: Runner, request: GenerationRequest) -> CostEstimate | None:
    from .._errors import FramecastError

    try:
        return runner.estimate(request)
    except FramecastError:
        return None  # the submit reports what is wrong with the request


def _claim_key(
    command: TaskCommand,
    runner: Runner,
    request: GenerationRequest,
    estimate: CostEstimate | None,
) -> LoggedTask | None:
    """Reserve the request's idempotency key in the task log before the create is sent.

    Returns the logged task when the key was used on this machine already. The key is
    one logical task per key here for every provider; beyond this machine only where the
    provider itself dedupes by key (the warning says which).
    """
    from .._errors import OutcomeUnknown, ValidationError
    from ._tasklog import LOG_VARIABLE, SUBMITTING, request_fingerprint

    key = str(request.idempotency_key)
    name = runner.provider_name
    fingerprint = request_fingerprint(name, request)
    claim = command.logged(
        lambda log: log.claim_key(
            key,
            provider=name,
            fingerprint=fingerprint,
            prompt=request.prompt,
            model=request.model,
            estimate=estimate.to_dict() if estimate is not None else None,
        )
    )
    if not runner.info.supports_dedupe:
        where = (
            f"only through this machine's task log ({command.log.path})"
            if claim is not None and command.log is not None
            else "nowhere: the task log is unavailable"
        )
        command.out.message(
            f"framecast: warning: {name} keeps no idempotency key, so --idempotency-key "
            f"dedupes {where}; the same key from another machine or another "
            f"{LOG_VARIABLE} creates and bills a second task"
        )
    if claim is None:
        return None
    if claim.row is not None:
        command.claimed_row = claim.row
        return None
    found: LoggedTask = claim.existing
    if found.provider != name or (found.fingerprint and found.fingerprint != fingerprint):
        task = f"{found.provider} task {found.task_id}" if found.task_id else "a submit"
        raise ValidationError(
            f"--idempotency-key {key!r} was used for another request ({task}, "
            f"{found.created_at}); one key is one task: choose a new key for this request",
            field="idempotency_key",
            value=key,
            allowed="a key not used before for a different request",
        )
    if found.handle is not None:
        return found
    # The key's first submit left no task id: it was killed mid-create, its answer was
    # lost, or it is still being sent by another process.
    if runner.info.supports_dedupe or runner.retry_ambiguous_submit:
        # The provider finds the task under the key if it exists (or the user accepted
        # paying twice): submit again into the same row.
        command.logged(lambda log: log.take_over(found.row))
        command.claimed_row = found.row
        return None
    running = found.state == SUBMITTING and _process_alive(found.pid)
    why = (
        f"another framecast (pid {found.pid}) is submitting it now"
        if running
        else "its submit ended before the provider's answer was recorded"
    )
    raise OutcomeUnknown(
        f"--idempotency-key {key!r} was claimed at {found.created_at} and {why}: a {name} "
        f"task may or may not exist. Check the dashboard for a task created since then; "
        "--retry-ambiguous-submit submits again (may pay twice)",
        details={
            "idempotency_key": key,
            "window_start": found.created_at,
            "provider": name,
            "model": found.model,
            "estimate": found.estimate,
        },
    )


async def _reuse(
    command: TaskCommand,
    runner: Runner,
    logged: LoggedTask,
    timeout: float | None,
    out_path: Path | None,
    no_wait: bool,
) -> int:
    """The key's task, from the log: printed (``--no-wait``) or waited on, never created
    again."""
    from ._progress import TaskProgress

    handle = runner.load_handle(logged.handle or {})
    command.remember(handle)
    command.out.message(
        f"framecast: --idempotency-key {handle.idempotency_key or logged.idempotency_key!r} "
        f"already named {handle.provider} task {handle.task_id} ({logged.created_at}, "
        f"{logged.state}): not submitted again"
    )
    if no_wait:
        _print_handle(command, handle)
        return 0
    command.announce(handle)

    def on_progress(handle: TaskHandle, state: TaskState) -> None:
        progress(handle, state)
        command.log_state(handle, state)

    with TaskProgress(command.out.stderr, plain=not command.out.live_progress) as progress:
        progress.submitted(handle, status="waiting")
        result = await runner.wait(handle, timeout=timeout, on_progress=on_progress)
    return await _finish_result(command, runner, result, out_path)


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if os.name == "nt":
        return True  # os.kill there terminates the process; assume it is still sending
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def _print_handle(command: TaskCommand, handle: TaskHandle) -> None:
    out = command.out
    if out.json_mode:
        out.emit(handle.to_dict())
        return
    click_echo(compact_json(handle.to_dict()))
    out.message(f"framecast: submitted {handle.provider} task {handle.task_id}")
    out.message(f"follow it with: {_wait_command(command, handle, command.resume_extra)}")


def check_cli_numbers(command: TaskCommand, timeout: float | None) -> None:
    """``--timeout`` and ``--max-cost`` by the library's own rules, named as typed, before
    anything is submitted (``--timeout nan`` would never end; ``-5`` would pay, then give
    up; ``--max-cost nan`` would turn the budget off)."""
    from .._checks import check_number, check_timeout

    check_timeout(timeout, "--timeout")
    max_cost = command.runner_options.get("max_cost")
    if max_cost is not None:
        check_number(max_cost, "--max-cost", minimum=0, unit="dollars (USD)")


def check_out_path(path: Path) -> None:
    from .._download import check_destination

    check_destination(path, "--out")


async def _finish_result(
    command: TaskCommand, runner: Runner, result: GenerationResult, out_path: Path | None
) -> int:
    from .._errors import FramecastError
    from ._progress import DownloadProgress

    out = command.out
    saved: Path | None = None
    if out_path is not None and not result.outputs:
        out.message(f"framecast: the task {result.status.value} without an output; nothing saved")
    if out_path is not None and result.outputs:
        try:
            with DownloadProgress(
                out.stderr, plain=not out.live_progress, name=str(out_path)
            ) as bar:
                saved = await runner.download(result, out_path, on_progress=bar)
        except FramecastError as exc:
            # The video exists and is paid for: say where it is and how to fetch it again.
            exc.handle = exc.handle or result.handle
            out.message(f"framecast: the task {result.status.value}; its output: {result.url}")
            out.message("Download it again with:")
            out.message(f"  {_wait_command(command, result.handle, ['--out', str(out_path)])}")
            raise
    command.logged(
        lambda log: log.record(
            result.handle,
            state=result.status.value,
            outputs=[output.url for output in result.outputs],
            saved_to=str(saved) if saved is not None else None,
        )
    )
    if out.json_mode:
        shown = result.to_dict()
        if saved is not None:
            shown["saved_to"] = str(saved)
        out.emit(shown)
    else:
        _summary(out, result, saved)
    return 0


def _summary(out: Output, result: GenerationResult, saved: Path | None) -> None:
    handle = result.handle
    model = f" {handle.model}" if handle.model and handle.model != handle.provider else ""
    click_echo(
        f"{result.status.value}: {handle.provider}{model} task {handle.task_id} "
        f"in {result.elapsed_s:.1f} s ({result.polls} polls)"
    )
    for output in result.outputs:
        expires = f" (expires about {output.expires_at})" if output.expires_at else ""
        click_echo(f"  {output.url}{expires}")
    if saved is not None:
        click_echo(f"  saved to {saved}")
    if result.estimated_cost is not None or result.actual_cost is not None:
        click_echo(f"  cost: {_cost_text(result)}")
    for note in result.notes:
        out.message(f"  note: {note}")


def _cost_text(result: GenerationResult) -> str:
    parts = []
    if result.actual_cost is not None:
        parts.append(f"{result.actual_cost:.2f} {result.actual_cost_currency} charged")
    estimate = result.estimated_cost
    if estimate is not None:
        parts.append(
            f"{estimate.amount:.2f} {estimate.currency} estimated ({estimate.confidence} price)"
        )
    return "; ".join(parts)


# ---------------------------------------------------------------------- estimate


async def estimate(command: TaskCommand, request_factory: Callable[[], GenerationRequest]) -> int:
    out = command.out
    request = request_factory()
    async with command.runner() as runner:
        cost = runner.estimate(request)
        model = runner.resolve_model(request).name
        shown: dict[str, Any] = {"provider": runner.provider_name, "model": model}
        if cost is None:
            shown.update(amount=None, currency=None, confidence=None)
        else:
            shown.update(cost.to_dict())
    # "preview preview": a provider whose one model bears its own name is named once.
    label = shown["provider"] if model == shown["provider"] else f"{shown['provider']} {model}"
    if out.json_mode:
        out.emit(shown)
    elif cost is None:
        click_echo(f"{label}: price unknown")
    else:
        units = f" ({cost.units:g} {cost.unit_name})" if cost.units is not None else ""
        formula = f" = {cost.formula}" if cost.formula else ""
        click_echo(
            f"{label}: {cost.amount:.2f} {cost.currency}{units}{formula} [{cost.confidence} price]"
        )
    return 0


# ---------------------------------------------------------------------- handles


async def _open_for_handle(command: TaskCommand, raw: dict[str, Any]) -> tuple[Runner, TaskHandle]:
    """A runner for the handle's provider, and the handle after the runner's trust check."""
    runner = command.runner(provider=_provider_for(command.provider, raw))
    await runner.__aenter__()
    try:
        handle = runner.load_handle(raw)
    except BaseException:
        await runner.__aexit__(None, None, None)
        raise
    command.remember(handle)
    return runner, handle


def _provider_for(explicit: str | None, raw: Mapping[str, Any]) -> str | None:
    """``--provider``; else the configured provider when it is the handle's (or a
    ``module:attr`` spec, which only loading can tell); else the handle's provider."""
    from .._config import load_config, resolve_provider_name
    from .._errors import ConfigurationError

    if explicit:
        return explicit
    named = str(raw.get("provider", "")) or None
    try:
        configured = resolve_provider_name(None, os.environ, load_config())
    except ConfigurationError:
        return named
    if configured == named or ":" in configured:
        return configured
    return named


async def status(command: TaskCommand, raw: dict[str, Any]) -> int:
    runner, handle = await _open_for_handle(command, raw)
    async with runner:
        state = await runner.poll(handle)
    command.log_state(handle, state, every=True)
    _show_state(command.out, handle, state, verb="status")
    return 0


async def wait(
    command: TaskCommand, raw: dict[str, Any], *, timeout: float | None, out_path: Path | None
) -> int:
    from ._progress import TaskProgress

    check_cli_numbers(command, timeout)
    if out_path is not None:
        check_out_path(out_path)
    runner, handle = await _open_for_handle(command, raw)

    def on_progress(handle: TaskHandle, state: TaskState) -> None:
        progress(handle, state)
        command.log_state(handle, state)

    async with runner:
        with TaskProgress(command.out.stderr, plain=not command.out.live_progress) as progress:
            progress.submitted(handle, status="waiting")
            result = await runner.wait(handle, timeout=timeout, on_progress=on_progress)
        return await _finish_result(command, runner, result, out_path)


async def cancel(command: TaskCommand, raw: dict[str, Any], *, delete: bool) -> int:
    runner, handle = await _open_for_handle(command, raw)
    async with runner:
        state = await runner.cancel(handle, delete=delete)
    command.log_state(handle, state, every=True)
    _show_state(command.out, handle, state, verb="deleted" if delete else "cancel")
    return 0


def state_dict(handle: TaskHandle, state: TaskState) -> dict[str, Any]:
    return {
        "provider": handle.provider,
        "model": handle.model,
        "task_id": handle.task_id,
        "status": state.status.value,
        "progress": state.progress,
        "outputs": list(state.outputs),
        "failure_code": state.failure_code,
        "failure_message": state.failure_message,
        "retryable": state.retryable,
        "message": state.message,
        "cost": state.cost,
        "handle": handle.to_dict(),
    }


def _show_state(out: Output, handle: TaskHandle, state: TaskState, *, verb: str) -> None:
    if out.json_mode:
        out.emit(state_dict(handle, state))
        return
    percent = f" {round(state.progress * 100)}%" if state.progress is not None else ""
    said = state.message.strip(" .").lower() if state.message else ""
    detail = f" ({state.message})" if said and said != state.status.value.lower() else ""
    prefix = {"status": "", "cancel": "cancel: ", "deleted": "deleted: "}[verb]
    click_echo(
        f"{prefix}{state.status.value}{percent}{detail}: {handle.provider} task {handle.task_id}"
    )
    for url in state.outputs:
        click_echo(f"  {url}")
    if state.failure_code or state.failure_message:
        code = f"[{state.failure_code}] " if state.failure_code else ""
        click_echo(f"  failure: {code}{state.failure_message or ''}")


# ---------------------------------------------------------------------- helpers


def _wait_command(command: TaskCommand, handle: TaskHandle, extra: Sequence[str]) -> str:
    from ._output import resume_command

    return resume_command(handle, extra, short=command.short_ref(handle))


def _print_object(out: Output, value: dict[str, Any]) -> None:
    if out.json_mode:
        out.emit(value)
    else:
        import json

        click_echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def click_echo(text: str) -> None:
    import click

    from .._secrets import redact

    click.echo(redact(text))
