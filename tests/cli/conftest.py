"""Fixtures for the CLI tests: the scripted provider wired in memory (CliRunner) or on a
loopback port (subprocesses running ``python -m framecast``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from framecast.cli import _tasks, cli

from . import _scripted
from ._support import PROVIDER_SPEC, subprocess_env


@pytest.fixture
def service() -> _scripted.ScriptedService:
    return _scripted.ScriptedService(
        [{"status": "QUEUED"}, {"status": "RUNNING", "progress": 0.5}, _scripted.succeeded()]
    )


@pytest.fixture
def scripted_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The scripted provider is the configured one; no config file is in reach."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAMECAST_PROVIDER", PROVIDER_SPEC)
    monkeypatch.setenv(_scripted.BASE_URL_VARIABLE, _scripted.IN_MEMORY_BASE_URL)
    monkeypatch.setenv(_scripted.KEY_VARIABLE, _scripted.API_KEY)
    monkeypatch.setenv("FRAMECAST_POLL_INTERVAL", "1")


@pytest.fixture
def wired(
    monkeypatch: pytest.MonkeyPatch, service: _scripted.ScriptedService, scripted_env: None
) -> _scripted.ScriptedService:
    """Every runner the CLI opens talks to ``service`` in memory, on virtual time."""
    from framecast import Runner
    from framecast.testing import VirtualClock

    def open_runner(**options: Any) -> Runner:
        return Runner(transport=service.transport(), clock=VirtualClock(), **options)

    monkeypatch.setattr(_tasks, "open_runner", open_runner)
    return service


@pytest.fixture
def invoke() -> Callable[..., Result]:
    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def framecast_process(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``python -m framecast ...`` (cwd: a scratch folder); killed if a test fails."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "framecast", *args],
            cwd=tmp_path,
            env=env if env is not None else subprocess_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()
