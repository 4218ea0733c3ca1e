"""What ``framecast --help`` and ``framecast providers`` import, read from ``-X importtime``
of a real process: start-up stays fast because neither loads a provider module, the event
loop, the HTTP stack or the durable-jobs backend (benchmarks/startup.py has the timings)."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from ._support import subprocess_env

#: Never needed to print help or to list installed providers.
HEAVY = frozenset({"asyncio", "httpx", "httpcore", "dbos", "pluggy", "cattrs", "PIL", "av"})


def imported_by(*args: str) -> set[str]:
    """Every module a ``framecast ARGS`` process imported, from ``-X importtime``."""
    code = "import sys; from framecast._cli import main; main(sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "imported package" not in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "framecast.cli" in names, "no -X importtime lines: the test reads nothing"
    return names


def provider_modules() -> set[str]:
    """The top-level module of every installed provider's entry point."""
    return {
        ep.value.split(":", 1)[0].split(".", 1)[0]
        for ep in metadata.entry_points(group="framecast")
    }


def tops(names: set[str]) -> set[str]:
    return {name.split(".", 1)[0] for name in names}


@pytest.mark.parametrize("args", [("--help",), ("providers",)])
def test_no_provider_module_event_loop_or_http_stack(args: tuple[str, ...]) -> None:
    names = imported_by(*args)
    assert provider_modules(), "no provider installed: the check would prove nothing"
    assert not provider_modules() & tops(names)
    assert not HEAVY & tops(names)


def test_help_imports_neither_rich_nor_logging() -> None:
    names = imported_by("--help")
    assert not {"rich", "logging"} & tops(names)
