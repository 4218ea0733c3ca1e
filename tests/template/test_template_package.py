"""The plugin template works as shipped: built with the build backend already present, into
a temporary target (never the shared environment, no package index), it is discovered by
``framecast providers`` and passes its own tests, the core's contract suite included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "plugins" / "_template"


def _can_build_wheels() -> bool:
    # setuptools < 70.1 builds wheels only with the separate `wheel` package.
    try:
        import wheel  # noqa: F401
    except ImportError:
        import setuptools

        major, minor = (int(p) for p in setuptools.__version__.split(".")[:2])
        return (major, minor) >= (70, 1)
    return True


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not _can_build_wheels():
        pytest.skip("the present setuptools cannot build wheels: install `wheel`")
    work = tmp_path_factory.mktemp("template")
    source = work / "framecast-myprovider"
    shutil.copytree(
        TEMPLATE,
        source,
        ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__", ".*_cache"),
    )
    target = work / "target"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return source, target


def _env(target: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRAMECAST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(target), env.get("PYTHONPATH", "")]).strip(os.pathsep)
    return env


def test_the_template_is_discovered_by_its_entry_point(installed: tuple[Path, Path]) -> None:
    _, target = installed
    listed = subprocess.run(
        [sys.executable, "-m", "framecast", "providers", "--json"],
        env=_env(target),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    entries = {entry["name"]: entry for entry in json.loads(listed.stdout)["providers"]}
    assert entries["myprovider"]["distribution"] == "framecast-myprovider"
    assert entries["myprovider"]["entry_point"] == "framecast_myprovider:MyProvider"
    checked = subprocess.run(
        [sys.executable, "-m", "framecast", "providers", "myprovider"],
        env=_env(target),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr
    assert "my-model-1" in checked.stdout


def test_the_template_passes_its_tests_and_the_contract_suite(
    installed: tuple[Path, Path],
) -> None:
    source, target = installed
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=source,
        env=_env(target),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert (
        "TestMyProviderContract"
        in subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "--collect-only",
                "-p",
                "no:cacheprovider",
                "tests",
            ],
            cwd=source,
            env=_env(target),
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )
