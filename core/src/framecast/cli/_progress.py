"""Progress on stderr: a rich bar fed by the provider's progress (elapsed time and status
where it gives none), a download bar, or — under ``--json`` — one plain line per change."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from .._models import TaskHandle, TaskState

__all__ = ["DownloadProgress", "TaskProgress"]


class TaskProgress:
    """``on_progress(handle, state)`` for ``generate``/``wait``."""

    def __init__(self, console: Console, *, plain: bool, description: str = "generating") -> None:
        self._console = console
        self._plain = plain
        self._description = description
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._last: tuple[str, int | None] | None = None
        self._active = False

    def __enter__(self) -> TaskProgress:
        self._active = True
        if not self._plain:
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[percent]}"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[status]}"),
                console=self._console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                self._description, total=None, percent="", status="submitting"
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._active = False
        if self._progress is not None:
            self._progress.stop()

    def submitted(self, handle: TaskHandle, status: str = "submitted") -> None:
        """The first line for a task: ``submitted`` by ``generate``; ``wait`` resumes a task
        sent earlier and says ``waiting`` instead (it submitted nothing)."""
        if not self._active:
            return
        self._show(f"{handle.provider} task {handle.task_id}", status, None)

    def __call__(self, handle: TaskHandle, state: TaskState) -> None:
        if not self._active:
            return
        status = _status_text(state)
        self._show(f"{handle.provider} task {handle.task_id}", status, state.progress)

    def _show(self, description: str, status: str, fraction: float | None) -> None:
        percent = None if fraction is None else max(0, min(100, round(fraction * 100)))
        if self._progress is not None and self._task is not None:
            fields: dict[str, Any] = {
                "description": description,
                "status": status,
                "percent": "" if percent is None else f"{percent:3d}%",
            }
            if percent is None:
                self._progress.update(self._task, total=None, **fields)
            else:
                self._progress.update(self._task, total=100, completed=percent, **fields)
            return
        if (status, percent) != self._last:
            self._last = (status, percent)
            shown = status if percent is None else f"{status} {percent}%"
            click.echo(f"framecast: {description}: {shown}", err=True)


class DownloadProgress:
    """``on_progress(bytes_done, total_or_None)`` for ``Runner.download``."""

    def __init__(self, console: Console, *, plain: bool, name: str) -> None:
        self._console = console
        self._plain = plain
        self._name = name
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> DownloadProgress:
        if not self._plain:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=self._console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(f"downloading {self._name}", total=None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, done: int, total: int | None) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, total=total)


def _status_text(state: TaskState) -> str:
    status = state.status.value
    if state.message:
        return f"{status} ({state.message})"
    return status
