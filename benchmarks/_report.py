"""Summaries and the Markdown report of a benchmark run."""

from __future__ import annotations

import statistics
from typing import Any

#: framecast is compared with these (the targets in docs/performance.md).
TARGETS = {
    "raw-gated": ("cpu", 1.1),
    "sdk-gated": ("cpu", 0.8),
}
MEMORY_TARGET = ("raw-gated", 1.2)
HELP_TARGET_MS = 150.0


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One (client, N) cell over its repeats: medians with min-max."""
    done = [r for r in runs if r.get("status") == "ok"]
    summary: dict[str, Any] = {
        "client": runs[0]["client"],
        "n": runs[0]["n"],
        "repeats": len(runs),
        "completed": len(done),
        "stalled": sum(r.get("status") == "stalled" for r in runs),
        "failed": sum(r.get("status") == "failed" for r in runs),
        "errors": sum(r.get("errors", 0) for r in done),
    }
    if not done:
        summary["status"] = "stalled" if summary["stalled"] else "failed"
        summary["reason"] = runs[-1].get("reason")
        return summary
    summary["status"] = "ok"

    def spread(key: str) -> dict[str, float]:
        values = [float(r[key]) for r in done]
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    for key in (
        "cpu_ms_per_task",
        "wall_s",
        "requests_per_task",
        "peak_rss_kib",
        "rss_kib_per_task",
        "emulator_cpu_s",
        "emulator_cpu_share",
        "setup_cpu_s",
    ):
        summary[key] = spread(key)
    return summary


def ratios(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_cell = {(s["client"], s["n"]): s for s in summaries}
    rows = []
    for n in sorted({s["n"] for s in summaries}):
        ours = by_cell.get(("framecast", n))
        if ours is None or ours["status"] != "ok":
            continue
        row: dict[str, Any] = {"n": n}
        for other in (
            "raw-gated",
            "sdk-gated",
            "raw",
            "sdk",
            "framecast-aiohttp",
            "framecast-1pool",
            "framecast-eager",
            "framecast-before",
        ):
            theirs = by_cell.get((other, n))
            if theirs is None:
                row[f"cpu_vs_{other}"] = "not run"
                continue
            if theirs["status"] != "ok":
                row[f"cpu_vs_{other}"] = None  # they stalled: no ratio
                continue
            row[f"cpu_vs_{other}"] = (
                ours["cpu_ms_per_task"]["median"] / theirs["cpu_ms_per_task"]["median"]
            )
            if theirs["rss_kib_per_task"]["median"] > 0:
                row[f"rss_vs_{other}"] = (
                    ours["rss_kib_per_task"]["median"] / theirs["rss_kib_per_task"]["median"]
                )
        rows.append(row)
    return rows


def paired_ratios(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """framecast / baseline within each repeat (the runs of one repeat ran back to back,
    under the same load): robust when the machine's load drifts between repeats."""
    by_cell: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in runs:
        by_cell.setdefault((r["client"], r["n"]), []).append(r)  # in repeat order
    rows = []
    for n in sorted({n for _, n in by_cell}):
        ours = by_cell.get(("framecast", n), [])
        row: dict[str, Any] = {"n": n}
        for other in ("raw-gated", "sdk-gated", "framecast-before"):
            theirs = by_cell.get((other, n), [])
            values = [
                a["cpu_ms_per_task"] / b["cpu_ms_per_task"]
                for a, b in zip(ours, theirs, strict=False)
                if a.get("status") == "ok" and b.get("status") == "ok"
            ]
            if values:
                row[other] = {
                    "median": statistics.median(values),
                    "min": min(values),
                    "max": max(values),
                    "pairs": len(values),
                }
        rows.append(row)
    return rows


def _cell_text(summary: dict[str, Any], key: str, fmt: str) -> str:
    if summary["status"] != "ok":
        return summary["status"]
    s = summary[key]
    if summary["completed"] == 1:
        return format(s["median"], fmt)
    return f"{format(s['median'], fmt)} ({format(s['min'], fmt)}-{format(s['max'], fmt)})"


def _ratio_text(value: float | str | None, limit: float | None = None) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "- (baseline stalled)"
    text = f"{value:.2f}x"
    if limit is not None:
        text += " ✅" if value <= limit else f" ❌ (target ≤ {limit}x)"
    return text


def markdown(result: dict[str, Any]) -> str:
    lines: list[str] = []
    machine = result["machine"]
    lines.append(
        f"Run {result['started_at']} on {machine['cpu_model']} ({machine['nproc']} cores), "
        f"Python {machine['python']}, {result['settings']['polls']} polls per task "
        f"(1 create + {result['settings']['polls']} reads), "
        f"{result['settings']['repeats']} repeats per cell, gate {result['settings']['gate']}."
    )
    lines.append("")
    lines.append(
        "| client | N | CPU ms/task, median (min-max) | wall s | HTTP req/task | "
        "peak RSS MiB | RSS KiB per in-flight task | emulator CPU share | status |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for s in result["summaries"]:
        ok = s["status"] == "ok"
        lines.append(
            "| "
            + " | ".join(
                [
                    s["client"],
                    f"{s['n']:,}",
                    _cell_text(s, "cpu_ms_per_task", ".2f"),
                    _cell_text(s, "wall_s", ".1f"),
                    format(s["requests_per_task"]["median"], ".2f") if ok else "—",
                    format(s["peak_rss_kib"]["median"] / 1024, ".1f") if ok else "—",
                    _cell_text(s, "rss_kib_per_task", ".1f"),
                    format(s["emulator_cpu_share"]["median"], ".0%") if ok else "—",
                    _status_text(s),
                ]
            )
            + " |"
        )
    lines.append("")
    lines.append("Ratios (framecast ÷ baseline, medians; CPU per task, then memory per task):")
    lines.append("")
    lines.append(
        "| N | CPU vs raw-gated | CPU vs SDK-gated | RSS/task vs raw-gated | CPU vs raw | "
        "CPU vs SDK |"
    )
    lines.append("|---:|---:|---:|---:|---:|---:|")
    for row in result["ratios"]:
        lines.append(
            f"| {row['n']:,} | "
            f"{_ratio_text(row.get('cpu_vs_raw-gated'), TARGETS['raw-gated'][1])} | "
            f"{_ratio_text(row.get('cpu_vs_sdk-gated'), TARGETS['sdk-gated'][1])} | "
            f"{_ratio_text(row.get('rss_vs_raw-gated'), MEMORY_TARGET[1])} | "
            f"{_ratio_text(row.get('cpu_vs_raw'))} | {_ratio_text(row.get('cpu_vs_sdk'))} |"
        )
    paired = result.get("paired") or paired_ratios(result.get("runs", []))
    if any(len(row) > 1 for row in paired):
        lines.append("")
        lines.append(
            "Paired CPU ratios (framecast / baseline within each repeat, median (min-max)):"
        )
        lines.append("")
        for row in paired:
            parts = [
                f"vs {other}: {v['median']:.2f}x ({v['min']:.2f}-{v['max']:.2f}, "
                f"{v['pairs']} pairs)"
                for other, v in row.items()
                if other != "n"
            ]
            if parts:
                lines.append(f"- N = {row['n']:,}: " + "; ".join(parts))
    for other, title in (
        ("framecast-aiohttp", "framecast (httpx transport, sharded) / framecast-aiohttp"),
        ("framecast-1pool", "framecast (sharded pool) / framecast-1pool (one wide pool)"),
        ("framecast-eager", "framecast (connection ramp) / framecast-eager (all at once)"),
        ("framecast-before", "framecast (this tree) / framecast-before (run.py --before)"),
    ):
        key = f"cpu_vs_{other}"
        if all(row.get(key) == "not run" for row in result["ratios"]):
            continue
        lines.append("")
        lines.append(f"CPU per task, then RSS per in-flight task, {title}:")
        lines.append("")
        for row in result["ratios"]:
            lines.append(
                f"- N = {row['n']:,}: {_ratio_text(row.get(key))}, "
                f"{_ratio_text(row.get(f'rss_vs_{other}'))}"
            )
    startup = result.get("startup")
    if startup:
        lines.append("")
        lines.append(f"Start-up (median of {startup['repeats']} runs, min-max):")
        lines.append("")
        lines.append("| command | median ms | min-max ms | provider modules imported |")
        lines.append("|---|---:|---:|---|")
        for name, t in startup["timings"].items():
            leaked = startup["provider_modules_imported"].get(name)
            leaked_text = "—" if leaked is None else (", ".join(leaked) or "none")
            target = ""
            if name == "framecast --help":
                target = " ✅" if t["median_ms"] < HELP_TARGET_MS else " ❌ (target < 150)"
            lines.append(
                f"| `{name}` | {t['median_ms']:.0f}{target} | "
                f"{t['min_ms']:.0f}-{t['max_ms']:.0f} | {leaked_text} |"
            )
        lines.append("")
        lines.append(
            "Slowest imports under `import framecast` (beyond what `python -c pass` loads):"
        )
        lines.append("")
        lines.append("| module | cumulative ms | self ms |")
        lines.append("|---|---:|---:|")
        for row in startup["import_framecast_top"]:
            lines.append(
                f"| `{row['module']}` | {row['cumulative_us'] / 1000:.1f} | "
                f"{row['self_us'] / 1000:.1f} |"
            )
    return "\n".join(lines) + "\n"


def _status_text(summary: dict[str, Any]) -> str:
    if summary["status"] != "ok":
        return f"{summary['status']}: {summary.get('reason') or ''}".strip()
    notes = []
    if summary["stalled"]:
        notes.append(f"{summary['stalled']} stalled")
    if summary["errors"]:
        notes.append(f"{summary['errors']} task errors")
    return "ok" + (f" ({', '.join(notes)})" if notes else "")
