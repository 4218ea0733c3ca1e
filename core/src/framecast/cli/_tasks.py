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
        GenerationRequest,
        GenerationResult,
        TaskHandle,
        TaskState,
    )
    from .._runner import Runner

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
            return self.out.error(error, resume_extra=self.resume_extra)
        return self.out.unexpected(error)

    # ------------------------------------------------------------------ runner

    def runner(self, *, provider: str | None = None, **extra: Any) -> Runner:
        options = {**self.runner_options, **extra}
        chosen = provider or self.provider
        if chosen is not None:
            options["provider"] = chosen
        return open_runner(**options)

    def remember(self, handle: TaskHandle) -> None:
        self.known_handle = handle


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
    request = request_factory()
    if out_path is not None and not dry_run:
        check_out_path(out_path)
    progress = TaskProgress(out.stderr, plain=not out.live_progress)

    def submitted(handle: TaskHandle) -> None:
        command.remember(handle)
        progress.submitted(handle)

    async with command.runner(plugins=[HandleRecorder(submitted)]) as runner:
        if dry_run:
            prepared = runner.prepare(request)
            estimate = runner.estimate(request)
            shown = {"provider": runner.provider_name, **prepared.to_dict()}
            shown["estimate"] = estimate.to_dict() if estimate is not None else None
            _print_object(out, shown)
            return 0
        if no_wait:
            handle = await runner.submit(request)
            command.remember(handle)
            if out.json_mode:
                out.emit(handle.to_dict())
            else:
                click_echo(compact_json(handle.to_dict()))
                out.message(f"framecast: submitted {handle.provider} task {handle.task_id}")
                out.message(f"follow it with: {_wait_command(handle, command.resume_extra)}")
            return 0
        with progress:
            result = await runner.generate(request, timeout=timeout, on_progress=progress)
        command.remember(result.handle)
        return await _finish_result(command, runner, result, out_path)


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
            out.message(f"  {_wait_command(result.handle, ['--out', str(out_path)])}")
            raise
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
        parts.append(f"{result.actual_cost:.2f} USD charged")
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
    _show_state(command.out, handle, state, verb="status")
    return 0


async def wait(
    command: TaskCommand, raw: dict[str, Any], *, timeout: float | None, out_path: Path | None
) -> int:
    from ._progress import TaskProgress

    runner, handle = await _open_for_handle(command, raw)
    async with runner:
        with TaskProgress(command.out.stderr, plain=not command.out.live_progress) as progress:
            progress.submitted(handle, status="waiting")
            result = await runner.wait(handle, timeout=timeout, on_progress=progress)
        return await _finish_result(command, runner, result, out_path)


async def cancel(command: TaskCommand, raw: dict[str, Any], *, delete: bool) -> int:
    runner, handle = await _open_for_handle(command, raw)
    async with runner:
        state = await runner.cancel(handle, delete=delete)
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


def _wait_command(handle: TaskHandle, extra: Sequence[str]) -> str:
    from ._output import resume_command

    return resume_command(handle, extra)


def _print_object(out: Output, value: dict[str, Any]) -> None:
    if out.json_mode:
        out.emit(value)
    else:
        import json

        click_echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def click_echo(text: str) -> None:
    import click

    click.echo(text)
