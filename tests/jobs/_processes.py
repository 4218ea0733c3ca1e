"""Real worker processes against a protocol fake on a loopback socket, for kill -9 tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from framecast import ProviderSettings, Runner
from framecast_kling import testing as kling
from framecast_runway import testing as runway

from ..reliability._loopback import serve

REPO = Path(__file__).resolve().parents[2]


class Wire:
    """The fake behind the socket, with a gate on create requests: ``hold_before`` stops
    a create before the fake sees it, ``hold_after`` after the fake created the task
    (its answer not yet sent)."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.fake: Any = None
        self.hold_before = False
        self.hold_after = False
        self.held = threading.Event()  # a create is being held
        self.release = threading.Event()
        self.polls = 0

    def _is_create(self, request: httpx.Request) -> bool:
        return request.method == "POST" and (
            "image_to_video" in request.url.path or "image2video" in request.url.path
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            self.polls += 1
        if self._is_create(request) and self.hold_before:
            self.held.set()
            self.release.wait(30)
            raise ConnectionResetError("held, never answered")
        response: httpx.Response = self.fake(request)
        if self._is_create(request) and self.hold_after:
            self.held.set()
            self.release.wait(30)
            raise ConnectionResetError("held, never answered")
        return response


@contextmanager
def served(provider: str) -> Iterator[tuple[Wire, str]]:
    wire = Wire(provider)
    # The loopback server answers one request at a time: a held create holds the others.
    with serve(wire, stall=0.2) as origin:
        if provider == "runway":
            wire.fake = runway.RunwayFake(
                base_url=origin, upload_url=f"{origin}/storage/upload", output_host=f"{origin}/cdn"
            )
        else:
            wire.fake = kling.KlingFake()
        try:
            yield wire, origin
        finally:
            wire.release.set()


def provider_env(provider: str, wire: Wire, origin: str) -> dict[str, str]:
    if provider == "runway":
        return {"RUNWAYML_API_SECRET": wire.fake.api_key, "RUNWAYML_BASE_URL": origin}
    return {**kling.KlingFake.ENV, "KLING_BASE_URL": origin}


def submit_factory(provider: str, wire: Wire, origin: str) -> Callable[[str], Runner]:
    env = provider_env(provider, wire, origin)

    def make(name: str) -> Runner:
        return Runner(name, settings=ProviderSettings(name=name, env=env, base_url=origin), env={})

    return make


def start_worker(
    database: str,
    worker_id: str,
    provider: str,
    env: dict[str, str],
    *extra: str,
    stale_after: float = 1.5,
) -> subprocess.Popen[str]:
    """A worker process. ``stale_after`` is generous next to the 0.3 s heartbeat: on a
    loaded machine a live worker's beat can be late, and a survivor would take it over."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAY", "KLING"))}
    full.update(env, FRAMECAST_POLL_INTERVAL="0.05")
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "framecast_jobs", "worker", "--database", database,
         "--worker-id", worker_id, "--provider", provider, "--heartbeat", "0.3",
         "--stale-after", str(stale_after), "--poll-chunk", "2", *extra],
        env=full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    return process


def wait_ready(process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    if "ready" not in line:
        process.kill()
        _, err = process.communicate(timeout=10)
        raise AssertionError(f"worker did not start: {line!r} {err[-2000:]}")


def kill_9(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate(timeout=10)
    return err


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
