"""Small pieces every provider plugin writes the same way: reading a status word and
building a task's URL. Plugins call them; the core never needs them itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ._errors import ProviderError
from ._models import TaskHandle, TaskStatus

__all__ = ["status_from_word", "task_url"]


def status_from_word(
    word: Any,
    words: Mapping[str, TaskStatus],
    *,
    provider: str,
    handle: TaskHandle | None,
    task_id: str | None = None,
) -> TaskStatus:
    """The ``TaskStatus`` for a provider's status ``word``; a word the plugin does not know
    (or no word at all) is a ``ProviderError`` that names it and the known ones, so the wait
    ends with the handle instead of guessing. ``task_id`` names the task where there is no
    handle yet (an answer to a create or a lookup)."""
    status = words.get(word) if isinstance(word, str) else None
    if status is None:
        task = handle.task_id if handle is not None else task_id
        raise ProviderError(
            f"{provider} answered an unknown status {word!r} for task {task}; this "
            f"plugin knows {', '.join(words)}. Update the plugin",
            handle=handle,
            details={"status": word},
        )
    return status


def task_url(origin: str, path: str, task_id: str) -> str:
    """``origin`` + ``path`` + the task id, quoted: an id a provider (or a tampered handle)
    supplies can never add a path segment or a query to the request."""
    return f"{origin.rstrip('/')}/{path.strip('/')}/{quote(task_id, safe='')}"
