"""Fresh virtual environments holding exactly what a docs page says to install.

A reader who follows the quick start has ``framecast`` and ``framecast-preview``; a page
that needs more names the distributions in its ``needs`` marker and shows the command. The
examples run in a venv built from those distributions alone — offline, from the wheelhouse
``scripts/test.sh`` builds (``FRAMECAST_WHEELHOUSE``) — so a page that forgets an install
step fails here instead of on a reader's machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: What the README's quick start installs (``pip install ./core ./plugins/preview``).
QUICK_START = ("framecast", "framecast-preview")

WHEELHOUSE_VARIABLE = "FRAMECAST_WHEELHOUSE"


def distributions() -> dict[str, Path]:
    """Every distribution in the repository, by name, with its folder."""
    found: dict[str, Path] = {}
    for pyproject in ROOT.glob("**/pyproject.toml"):
        if any(
            part.startswith(".") or part in ("build", "node_modules") for part in pyproject.parts
        ):
            continue
        name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
        if name and pyproject.parent != ROOT and "_template" not in pyproject.parts:
            found[name] = pyproject.parent
    return found


def wheelhouse() -> Path | None:
    value = os.environ.get(WHEELHOUSE_VARIABLE)
    return Path(value) if value else None


class Venvs:
    """One venv per set of distributions, built on first use and kept for the session."""

    def __init__(self, base: Path, wheels: Path) -> None:
        self._base = base
        self._wheels = wheels
        self._built: dict[tuple[str, ...], Path] = {}

    def python(self, extra: tuple[str, ...]) -> Path:
        wanted = tuple(sorted({*QUICK_START, *extra}))
        if wanted not in self._built:
            self._built[wanted] = self._build(wanted)
        return self._built[wanted]

    def _build(self, wanted: tuple[str, ...]) -> Path:
        folder = self._base / ("venv-" + "+".join(wanted))
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        python = folder / "bin" / "python"
        done = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-index",
                "--find-links",
                str(self._wheels),
                *wanted,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"pip install --no-index {' '.join(wanted)} from {self._wheels} failed:\n"
                f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            )
        return python

    def offline_pip_environment(self) -> dict[str, str]:
        """What makes a block's own ``pip install`` read the wheelhouse, never an index."""
        return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self._wheels)}
