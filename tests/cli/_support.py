"""Helpers shared by the CLI tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: How a user names a provider that is not an installed entry point.
PROVIDER_SPEC = "tests.cli._scripted:ScriptedProvider"


def subprocess_env(**extra: str) -> dict[str, str]:
    """This test's environment (credentials already cleared), with ``tests`` importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env
