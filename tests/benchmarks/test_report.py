"""The benchmark report's arithmetic (benchmarks/_report.py, _startup.py): medians, the
stalled cells, the ratios against the targets, and the import-time parser."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


report = _load("_report")
startup = _load("_startup")


def run(client: str, n: int, cpu: float, rss: float = 10.0, **extra: Any) -> dict[str, Any]:
    return {
        "client": client,
        "n": n,
        "status": "ok",
        "cpu_ms_per_task": cpu,
        "wall_s": 1.0,
        "requests_per_task": 4.0,
        "peak_rss_kib": 50_000,
        "rss_kib_per_task": rss,
        "emulator_cpu_s": 0.1,
        "emulator_cpu_share": 0.05,
        "setup_cpu_s": 0.3,
        "errors": 0,
        **extra,
    }


def test_summary_takes_the_median_and_keeps_the_spread() -> None:
    s = report.summarize([run("raw", 100, 3.0), run("raw", 100, 9.0), run("raw", 100, 4.0)])
    assert s["cpu_ms_per_task"] == {"median": 4.0, "min": 3.0, "max": 9.0}
    assert s["status"] == "ok" and s["completed"] == 3


def test_a_cell_that_only_stalled_is_reported_as_stalled() -> None:
    stalled = {"client": "sdk", "n": 10_000, "status": "stalled", "reason": "no request"}
    s = report.summarize([stalled])
    assert s["status"] == "stalled"
    assert "cpu_ms_per_task" not in s


def test_ratios_divide_framecast_by_each_baseline() -> None:
    summaries = [
        report.summarize([run("framecast", 100, 4.0, rss=12.0)]),
        report.summarize([run("raw-gated", 100, 5.0, rss=10.0)]),
        report.summarize([{"client": "sdk", "n": 100, "status": "stalled"}]),
    ]
    (row,) = report.ratios(summaries)
    assert row["cpu_vs_raw-gated"] == 0.8
    assert row["rss_vs_raw-gated"] == 1.2
    assert row["cpu_vs_sdk"] is None  # stalled: no ratio
    assert row["cpu_vs_sdk-gated"] == "not run"


def test_markdown_marks_targets_met_and_missed() -> None:
    summaries = [
        report.summarize([run("framecast", 100, 6.0)]),
        report.summarize([run("raw-gated", 100, 5.0)]),
        report.summarize([run("sdk-gated", 100, 10.0)]),
    ]
    text = report.markdown(
        {
            "started_at": "now",
            "machine": {"cpu_model": "cpu", "nproc": 2, "python": "3.11"},
            "settings": {"polls": 3, "repeats": 1, "gate": 100},
            "summaries": summaries,
            "ratios": report.ratios(summaries),
        }
    )
    assert "1.20x ❌ (target ≤ 1.1x)" in text
    assert "0.60x ✅" in text


def test_importtime_lines_are_parsed() -> None:
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       120 |        450 |   framecast._models\n"
        "some other line\n"
        "import time:        30 |         30 | framecast\n"
    )
    assert startup.parse_importtime(stderr) == [
        ("framecast._models", 120, 450),
        ("framecast", 30, 30),
    ]


def test_paired_ratios_compare_runs_of_the_same_repeat() -> None:
    runs = [
        run("framecast", 100, 4.0),
        run("framecast", 100, 8.0),  # a loaded repeat: the baseline was slow too
        run("raw-gated", 100, 5.0),
        run("raw-gated", 100, 10.0),
        run("sdk-gated", 100, 10.0),
        {"client": "sdk-gated", "n": 100, "status": "stalled"},
    ]
    (row,) = report.paired_ratios(runs)
    assert row["raw-gated"] == {"median": 0.8, "min": 0.8, "max": 0.8, "pairs": 2}
    assert row["sdk-gated"]["pairs"] == 1
