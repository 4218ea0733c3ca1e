from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from framecast_jobs import Jobs

from ._support import Fakes


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture
def jobs(database: str, fakes: Fakes) -> Iterator[Jobs]:
    j = Jobs(database, runner_factory=fakes.factory(), poll_chunk=30)
    yield j
    j.close()
