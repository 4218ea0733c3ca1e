"""Shared test setup: async tests run on asyncio (via anyio's pytest plugin), and the
environment never leaks real credentials or configuration into a test."""

from __future__ import annotations

import pytest

# FRAMECAST_SECRET_AUDIT=1: every logger at DEBUG, and a test fails if a record holds a
# credential (the second pass of scripts/test.sh).
from ._secret_audit import secret_audit  # noqa: F401 - an autouse fixture

CREDENTIAL_VARIABLES = (
    "RUNWAYML_API_SECRET",
    "RUNWAY_API_KEY",
    "RUNWAYML_BASE_URL",
    "RUNWAY_BASE_URL",
    "KLING_ACCESS_KEY",
    "KLING_SECRET_KEY",
    "KLING_BASE_URL",
    "ARK_API_KEY",
    "SEEDANCE_REGION",
    "SEEDANCE_BASE_URL",
    "FRAMECAST_PROVIDER",
    "FRAMECAST_PLUGINS",
    "FRAMECAST_POLL_INTERVAL",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for variable in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    # The CLI's task log: one per test (subprocesses inherit it), never the user's own.
    monkeypatch.setenv("FRAMECAST_LOG", str(tmp_path_factory.mktemp("tasklog") / "tasks.db"))
