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


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh database on the throwaway cluster scripts/test.sh starts."""
    import os
    import secrets

    import sqlalchemy as sa

    server = os.environ.get("FRAMECAST_TEST_POSTGRES")
    if not server:
        why = "no PostgreSQL: FRAMECAST_TEST_POSTGRES is unset (scripts/test.sh starts one)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    name = f"jobs_{secrets.token_hex(4)}"
    admin = sa.create_engine(
        server.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    base = server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
