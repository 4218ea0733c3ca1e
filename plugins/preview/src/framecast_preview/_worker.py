"""The detached render worker: ``python -m framecast_preview._worker TASK_DIR``.

It reads ``request.json`` from the task folder, renders, and reports through
``state.json`` — RUNNING with progress, then SUCCEEDED with the output file, or FAILED with
the reason (the traceback goes to ``worker.log``). ``run`` is the same work in-process.

A cancelled task has a ``cancelled`` marker; the worker checks it before each state write
and stops quietly, so a cancel is never overwritten by a late progress report. SIGTERM (what
``cancel`` sends) stops it the same way.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from . import _store
from ._render import RenderSpec, render_video

#: How often progress is written, at most (seconds): enough for a progress bar.
PROGRESS_EVERY = 0.25


class Stopped(Exception):
    """The task was cancelled while rendering."""


def spec_from_body(body: dict[str, Any]) -> RenderSpec:
    return RenderSpec(
        width=int(body["width"]),
        height=int(body["height"]),
        frames=int(body["duration"]) * int(body["fps"]),
        fps=int(body["fps"]),
        camera=body.get("camera"),
        strength=int(body.get("camera_strength", 5)),
        seed=int(body["seed"]),
    )


def load_source(folder: Path, body: dict[str, Any], spec: RenderSpec) -> Any:
    from PIL import Image

    from ._pattern import pattern_image

    image_name = body.get("input_file")
    if image_name:
        with Image.open(folder / image_name) as image:
            image.load()
            return image.copy()
    return pattern_image(str(body.get("prompt", "")), spec.seed, spec.width, spec.height)


def run(folder: Path) -> str:
    """Render the task in ``folder``; return its final status word.

    Never raises for a render failure: the failure is the task's state.
    """
    if _store.is_cancelled(folder):
        return "CANCELLED"
    pid = os.getpid()
    last_write = 0.0

    def report(status: str, **fields: Any) -> None:
        if _store.is_cancelled(folder):
            raise Stopped
        _store.write_state(folder, status, pid=pid, **fields)

    def progress(fraction: float) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write >= PROGRESS_EVERY and fraction < 1.0:
            last_write = now
            report("RUNNING", progress=round(fraction, 4))

    try:
        report("RUNNING", progress=0.0)
        body = _store.read_json(folder / _store.REQUEST_FILE)["body"]
        spec = spec_from_body(body)
        source = load_source(folder, body, spec)
        partial = folder / _store.PARTIAL_FILE
        render_video(source, spec, partial, progress)
        if _store.is_cancelled(folder):
            raise Stopped
        output = folder / _store.OUTPUT_FILE
        os.replace(partial, output)
        report("SUCCEEDED", progress=1.0, output=str(output))
        return "SUCCEEDED"
    except Stopped:
        (folder / _store.PARTIAL_FILE).unlink(missing_ok=True)
        return "CANCELLED"
    except Exception as exc:  # noqa: BLE001 - any failure becomes the task's FAILED state
        traceback.print_exc()
        (folder / _store.PARTIAL_FILE).unlink(missing_ok=True)
        try:
            report(
                "FAILED",
                failure={
                    "code": type(exc).__name__,
                    "message": f"the preview render failed: {exc}",
                    "retryable": False,
                },
            )
        except Stopped:
            return "CANCELLED"
        return "FAILED"


def _on_terminate(_signum: int, _frame: Any) -> None:
    raise Stopped


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m framecast_preview._worker TASK_DIR", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _on_terminate)
    # Detached already; this keeps a stray Ctrl-C (a debugger, a shared group) harmless too.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = run(Path(argv[0]))
    return 0 if status in ("SUCCEEDED", "CANCELLED") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
