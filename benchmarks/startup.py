"""Start-up of ``framecast --help`` and ``framecast providers`` against ``python -c pass``.

    python benchmarks/startup.py [--repeats 40] [--out benchmarks/results/startup]

The commands run interleaved (one of each per round), ``--repeats`` rounds; figures are
medians, and each command's cost is its median minus ``python -c pass``'s in the same run.
Also lists what each imports beyond the interpreter (``-X importtime``). Writes
``<out>.json`` and ``<out>.md``; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _startup import measure_startup  # noqa: E402

#: The targets: each command's median may exceed ``python -c pass``'s by this much.
TARGETS_MS = {"framecast --help": 50.0, "framecast providers": 80.0}


def markdown(result: dict) -> str:
    timings = result["timings"]
    base = timings["python -c pass"]["median_ms"]
    lines = [
        f"Run {result['started']}, {result['repeats']} interleaved rounds, medians; load "
        f"average at start {result['load']}.",
        "",
        "| command | median ms | min-max ms | over `python -c pass` | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, row in timings.items():
        over = row["median_ms"] - base
        target = TARGETS_MS.get(name)
        verdict = (
            "" if target is None else f"≤ +{target:.0f} ms {'met' if over <= target else 'missed'}"
        )
        lines.append(
            f"| `{name}` | {row['median_ms']:.0f} | {row['min_ms']:.0f}-{row['max_ms']:.0f} | "
            f"+{over:.0f} | {verdict} |"
        )
    lines.append("")
    lines.append(f"Modules imported: {result['modules_imported']}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "startup")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    result = {"started": started, "load": load, **measure_startup(args.repeats)}
    report = markdown(result)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(report)


if __name__ == "__main__":
    main()
