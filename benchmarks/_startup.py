"""Start-up measurements: ``framecast --help``, ``framecast providers``, ``import framecast``
against ``python -c pass``, each the median of repeated runs; plus what they import."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

IMPORT_TOP = 12


def framecast_command() -> str:
    """The console script itself: a pyenv or asdf shim in front of it would add its own
    shell start-up to every figure."""
    beside = Path(sys.executable).with_name("framecast")
    if beside.exists():
        return str(beside)
    found = shutil.which("framecast")
    if found is None:
        raise SystemExit("the framecast command is not installed: pip install -e core")
    return found


def provider_modules() -> list[str]:
    """Top-level modules of every installed provider (entry-point group ``framecast``)."""
    modules = {
        ep.value.split(":", 1)[0].split(".", 1)[0]
        for ep in importlib.metadata.entry_points(group="framecast")
    }
    return sorted(modules)


def _commands() -> dict[str, list[str]]:
    command = framecast_command()
    python = sys.executable
    return {
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import framecast'": [python, "-c", "import framecast"],
        "framecast --help": [command, "--help"],
        "framecast providers": [command, "providers"],
    }


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _time_once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def parse_importtime(stderr: str) -> list[tuple[str, int, int]]:
    """(module, self us, cumulative us) for each ``import time:`` line."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        rows.append((name.strip(), int(self_us), int(cumulative_us)))
    return rows


def _imports_of(argv: list[str], env: dict[str, str]) -> list[tuple[str, int, int]]:
    env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    return parse_importtime(done.stderr)


def measure_startup(repeats: int = 10) -> dict[str, Any]:
    env = _env()
    commands = _commands()
    for argv in commands.values():
        _time_once(argv, env)  # warm the page cache and any bytecode caches
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():  # interleaved, like the cells
            samples[name].append(_time_once(argv, env))
    timings = {
        name: {
            "median_ms": statistics.median(values) * 1000,
            "min_ms": min(values) * 1000,
            "max_ms": max(values) * 1000,
        }
        for name, values in samples.items()
    }
    providers = provider_modules()
    leaks: dict[str, list[str]] = {}
    module_counts: dict[str, int] = {}
    for name in ("framecast --help", "framecast providers", "python -c 'import framecast'"):
        rows = _imports_of(commands[name], env)
        module_counts[name] = len(rows)
        imported = {module.split(".", 1)[0] for module, _, _ in rows}
        leaks[name] = sorted(set(providers) & imported)
    # What the interpreter imports anyway (site, .pth hooks) is not framecast's cost.
    interpreter = {module for module, _, _ in _imports_of(commands["python -c pass"], env)}
    top = [
        row
        for row in _imports_of(commands["python -c 'import framecast'"], env)
        if row[0] not in interpreter
    ]
    top_rows = sorted(top, key=lambda row: row[2], reverse=True)[:IMPORT_TOP]
    return {
        "repeats": repeats,
        "command": framecast_command(),
        "timings": timings,
        "provider_modules": providers,
        "provider_modules_imported": leaks,
        "modules_imported": module_counts,
        "import_framecast_top": [
            {"module": m, "self_us": s, "cumulative_us": c} for m, s, c in top_rows
        ],
    }
