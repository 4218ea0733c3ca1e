"""The task folder: where a preview task's request, state and video live.

One folder per task under the cache root (``<root>/<task_id>/``), so any process that knows
the root and the task id — ``framecast status`` in another shell, a worker resuming stored
handles — sees the same task. The state file is replaced atomically (write a temporary
file, then ``os.replace``), so a reader never sees half a state.

The provider and the worker process both use this module; it imports nothing from the
framecast core so the worker starts fast and stands alone.

Layout of a task folder::

    request.json   what to render (the prepared body) and the idempotency key
    input.<ext>    the start image, when there is one
    state.json     {"status", "progress", "pid", "output", "failure", "updated_at"}
    worker.pid     the worker's pid, written by the process that spawned it
    worker.log     the worker's stdout and stderr
    output.mp4     the video, once finished
    cancelled      present once the task was cancelled: it wins over state.json
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["TaskStore", "WORKER_MODULE"]

STATE_FILE = "state.json"
REQUEST_FILE = "request.json"
OUTPUT_FILE = "output.mp4"
PARTIAL_FILE = "output.partial.mp4"
PID_FILE = "worker.pid"
LOG_FILE = "worker.log"
CANCEL_MARKER = "cancelled"
KEYS_FOLDER = "keys"

WORKER_MODULE = "framecast_preview._worker"

#: Task ids are uuid4 hex: anything else is refused before it becomes a path.
TASK_ID = re.compile(r"^[0-9a-f]{32}$")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` so readers see the old or the new file, never half."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as file:
        return json.load(file)


class TaskStore:
    """The tasks under one cache root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def task_dir(self, task_id: str) -> Path:
        if not TASK_ID.match(task_id):
            raise ValueError(f"not a preview task id: {task_id!r} (32 hexadecimal digits)")
        return self.root / task_id

    def create(self, task_id: str) -> Path:
        folder = self.task_dir(task_id)
        folder.mkdir(parents=True, exist_ok=False)
        return folder

    # ------------------------------------------------------------------ idempotency keys

    def _key_path(self, key: str) -> Path:
        # Hashed: a key is free text and must never become a path of its own.
        return self.root / KEYS_FOLDER / hashlib.sha256(key.encode()).hexdigest()

    def claim_key(self, key: str, task_id: str) -> str | None:
        """Record that ``key`` belongs to ``task_id``; if another task holds it already,
        return that task's id instead (atomic across processes: ``os.link`` never replaces).
        """
        path = self._key_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".key.", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="ascii") as file:
                file.write(task_id)
            for _ in range(2):
                try:
                    os.link(temporary, path)
                    return None
                except FileExistsError:
                    holder = self.lookup_key(key)
                    if holder is not None:
                        return holder
                    path.unlink(missing_ok=True)  # its task folder is gone: a stale claim
            return self.lookup_key(key)
        finally:
            Path(temporary).unlink(missing_ok=True)

    def lookup_key(self, key: str) -> str | None:
        """The task id holding ``key``, if that task's folder still exists."""
        try:
            task_id = self._key_path(key).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        if not TASK_ID.match(task_id) or not (self.root / task_id / REQUEST_FILE).exists():
            return None
        return task_id

    def scan_for_key(self, key: str) -> str | None:
        """The task whose request recorded ``key``, read from every task folder: the slow
        way, for when the key index lost its entry (a hand-tidied cache)."""
        if not self.root.is_dir():
            return None
        for folder in sorted(self.root.iterdir()):
            if not TASK_ID.match(folder.name):
                continue
            try:
                recorded = read_json(folder / REQUEST_FILE)
            except (OSError, ValueError):
                continue
            if isinstance(recorded, dict) and recorded.get("idempotency_key") == key:
                return folder.name
        return None

    def release_key(self, key: str, task_id: str) -> None:
        """Forget ``key`` if ``task_id`` holds it (a submit that failed before spawning)."""
        path = self._key_path(key)
        try:
            if path.read_text(encoding="ascii").strip() == task_id:
                path.unlink()
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------------- state, per task


def age(path: Path) -> float:
    """Seconds since ``path`` was written, on the file system's clock: the worker is a real
    process, so its files age in real time whatever clock the runner keeps."""
    return time.time() - path.stat().st_mtime


def write_state(folder: Path, status: str, **fields: Any) -> None:
    state = {"status": status, "updated_at": time.time(), **fields}
    write_json_atomic(folder / STATE_FILE, state)


def read_state(folder: Path) -> dict[str, Any] | None:
    try:
        data = read_json(folder / STATE_FILE)
    except FileNotFoundError:
        return None
    return data if isinstance(data, dict) else None


def is_cancelled(folder: Path) -> bool:
    return (folder / CANCEL_MARKER).exists()


def mark_cancelled(folder: Path) -> None:
    (folder / CANCEL_MARKER).touch()


def worker_pid(folder: Path, state: dict[str, Any] | None) -> int | None:
    """The worker's pid: from its own state writes, else from the spawner's pid file."""
    if state and isinstance(state.get("pid"), int):
        return int(state["pid"])
    try:
        return int((folder / PID_FILE).read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return None


# ---------------------------------------------------------------------- the worker process


def spawn_worker(folder: Path) -> subprocess.Popen[bytes]:
    """Start the detached worker that renders ``folder``.

    A new session (POSIX) or a detached process group (Windows): Ctrl-C in the terminal, a
    closed terminal or the end of the parent never reach it, and nothing waits on it.
    """
    kwargs: dict[str, Any] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = (
            subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        )
    else:
        kwargs["start_new_session"] = True
    with (folder / LOG_FILE).open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=folder,
            **kwargs,
        )
    (folder / PID_FILE).write_text(str(process.pid), encoding="ascii")
    return process


def is_running(pid: int) -> bool:
    """True when ``pid`` is a live process (not a zombie), whatever it runs."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: the signal-0 check is all there is
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def is_worker_alive(pid: int, folder: Path) -> bool:
    """True when ``pid`` is a live worker for ``folder``.

    Checks the command line where the system shows it, so a pid reused by an unrelated
    process after the worker died is never taken for the worker (nor ever signalled).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: not our worker
    except OSError:
        return False
    proc = Path(f"/proc/{pid}")
    if proc.exists():
        try:
            stat = (proc / "stat").read_text()
            if stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
                return False  # exited; only its exit status is left to collect
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        decoded = [part.decode(errors="replace") for part in command]
        return WORKER_MODULE in decoded and str(folder) in decoded
    return _ps_says_worker(pid, folder)


def _ps_says_worker(pid: int, folder: Path) -> bool:
    # No /proc (macOS, BSD): ask ps; if even that fails, trust the signal-0 check.
    try:
        out = subprocess.run(
            ["ps", "-o", "stat=,command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return True
    if not out:
        return False
    return not out.startswith("Z") and WORKER_MODULE in out and str(folder) in out


def stop_worker(pid: int) -> None:
    """Ask the worker to stop (it exits without writing a state; the cancel marker speaks)."""
    try:
        if sys.platform == "win32":
            os.kill(pid, signal.SIGTERM)
        else:
            os.killpg(pid, signal.SIGTERM)  # the worker leads its own session and group
    except ProcessLookupError:
        pass
