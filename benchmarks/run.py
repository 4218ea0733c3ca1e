"""framecast against the official Runway SDK and a raw httpx loop, on a loopback emulator.

    python benchmarks/run.py [--sizes 100,1000,10000] [--repeats 3] [--polls 3] [--quick]

Starts ``runway_emulator.py`` under uvicorn in its own process on a free port, then runs
every (client, N) cell in a fresh subprocess (``_cell.py``), interleaved: in each repeat
the order of the clients is rotated, so drift on a shared machine falls on all of them.
A cell whose emulator counter does not move for ``--stall-after`` seconds is killed and
reported as stalled (and not repeated). Prints a Markdown report and writes
``benchmarks/results/latest.json`` and ``latest.md``. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import markdown, paired_ratios, ratios, summarize  # noqa: E402
from _startup import measure_startup  # noqa: E402

DEFAULT_CLIENTS = ("framecast", "raw-gated", "sdk-gated", "raw", "sdk")
TRANSPORT_CLIENTS = ("framecast-aiohttp", "raw-aiohttp-gated")
UNGATED = frozenset({"raw", "sdk"})
RESULTS = HERE / "results"
WARM_UP_TASKS = 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get_json(url: str, method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        data: dict[str, Any] = json.load(response)
        return data


class Emulator:
    """The emulator process; ``stats()`` reads its counters and CPU."""

    def __init__(self, polls: int) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "runway_emulator.py"),
                "--port",
                str(self.port),
                "--polls",
                str(polls),
            ]
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.stats()
                return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("the emulator did not start") from None
                time.sleep(0.1)

    def stats(self) -> dict[str, Any]:
        return _get_json(f"{self.base_url}/_stats")

    def reset(self) -> None:
        _get_json(f"{self.base_url}/_reset", method="POST")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_cell(
    emulator: Emulator, client: str, n: int, gate: int, stall_after: float, workdir: str
) -> dict[str, Any]:
    emulator.reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAY", "FRAMECAST_"))}
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "_cell.py"),
            "--client",
            client,
            "--n",
            str(n),
            "--base-url",
            emulator.base_url,
            "--gate",
            str(gate),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=workdir,  # no framecast.toml of the repository's applies
    )
    last_count, last_change = -1, time.monotonic()
    while process.poll() is None:
        time.sleep(1.0)
        count = emulator.stats()["requests"]
        now = time.monotonic()
        if count != last_count:
            last_count, last_change = count, now
        elif now - last_change > stall_after:
            process.kill()
            process.communicate()
            return {
                "client": client,
                "n": n,
                "status": "stalled",
                "reason": f"no request for {stall_after:.0f} s after {count:,} requests",
            }
    out, err = process.communicate()
    if process.returncode != 0:
        return {
            "client": client,
            "n": n,
            "status": "failed",
            "reason": (err.strip().splitlines() or ["?"])[-1][:300],
        }
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["status"] = "ok"
    return result


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _versions() -> dict[str, str]:
    import importlib.metadata as metadata

    found = {}
    for name in ("framecast", "framecast-runway", "httpx", "httpcore", "runwayml", "uvicorn"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="concurrent tasks per cell")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--polls", type=int, default=3, help="reads until a task SUCCEEDS")
    parser.add_argument("--gate", type=int, default=100, help="FIFO gate of the *-gated cells")
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000; 1 repeat")
    parser.add_argument(
        "--clients", default=",".join(DEFAULT_CLIENTS), help="comma-separated client names"
    )
    parser.add_argument("--transport", action="store_true", help="add the aiohttp-transport cells")
    parser.add_argument(
        "--ungated-repeats",
        type=int,
        default=None,
        help="repeats of the ungated baselines (raw, sdk) at N >= 10,000, which take minutes "
        "each and are outside the targets (default: --repeats)",
    )
    parser.add_argument(
        "--before",
        metavar="DIR",
        help="another checkout of framecast: adds the framecast-before cells, the same "
        "client on that tree's core and Runway plugin, interleaved with this tree's",
    )
    parser.add_argument("--stall-after", type=float, default=60.0, help="seconds")
    parser.add_argument("--startup-repeats", type=int, default=10)
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--out", default=str(RESULTS / "latest"), help="path without suffix")
    parser.add_argument("--render", metavar="JSON", help="only print the report of a results file")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "100,1000" if args.sizes == "100,1000,10000" else args.sizes
        args.repeats = 1
        args.startup_repeats = min(args.startup_repeats, 5)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.render:
        print(markdown(json.loads(Path(args.render).read_text())))
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    clients = [c for c in args.clients.split(",") if c]
    if args.transport:
        clients += [c for c in TRANSPORT_CLIENTS if c not in clients]
    if args.before:
        os.environ["BENCH_BEFORE_TREE"] = str(Path(args.before).resolve())
        if "framecast-before" not in clients:
            clients.insert(clients.index("framecast") + 1 if "framecast" in clients else 0,
                           "framecast-before")  # fmt: skip
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result: dict[str, Any] = {
        "started_at": started_at,
        "machine": machine(),
        "versions": _versions(),
        "settings": {
            "sizes": sizes,
            "repeats": args.repeats,
            "polls": args.polls,
            "gate": args.gate,
            "clients": clients,
            "before": args.before,
            "stall_after_s": args.stall_after,
            "ungated_repeats_at_10k": args.ungated_repeats,
        },
    }
    if not args.no_startup:
        print("start-up ...", file=sys.stderr, flush=True)
        result["startup"] = measure_startup(args.startup_repeats)
    emulator = Emulator(args.polls)
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="framecast-bench-") as workdir:
            # One discarded cell per client first: the first process after a change pays
            # for cold caches (bytecode, page cache), and would tilt whichever cell ran first.
            for client in clients:
                print(f"warm-up (discarded): {client} ...", file=sys.stderr, flush=True)
                run_cell(emulator, client, WARM_UP_TASKS, args.gate, args.stall_after, workdir)
            for n in sizes:
                stalled: set[str] = set()
                for repeat in range(args.repeats):
                    shift = repeat % len(clients)
                    for client in clients[shift:] + clients[:shift]:
                        if client in stalled:
                            continue  # a stall is not worth another minute per repeat
                        if (
                            client in UNGATED
                            and n >= 10_000
                            and args.ungated_repeats is not None
                            and repeat >= args.ungated_repeats
                        ):
                            continue
                        print(f"N={n:,} repeat {repeat + 1}: {client} ...", file=sys.stderr,
                              end=" ", flush=True)  # fmt: skip
                        cell = run_cell(emulator, client, n, args.gate, args.stall_after, workdir)
                        runs.setdefault((client, n), []).append(cell)
                        if cell["status"] == "stalled":
                            stalled.add(client)
                        print(_brief(cell), file=sys.stderr, flush=True)
            result["emulator_final"] = emulator.stats()
    finally:
        emulator.stop()
    result["runs"] = [run for cells in runs.values() for run in cells]
    result["summaries"] = [
        summarize(runs[(client, n)]) for n in sizes for client in clients if (client, n) in runs
    ]
    result["ratios"] = ratios(result["summaries"])
    result["paired"] = paired_ratios(result["runs"])
    report = markdown(result)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(report)
    print(report)


def _brief(cell: dict[str, Any]) -> str:
    if cell["status"] != "ok":
        return f"{cell['status']} ({cell.get('reason')})"
    return (
        f"{cell['cpu_ms_per_task']:.2f} ms CPU/task, {cell['wall_s']:.1f} s, "
        f"{cell['requests_per_task']:.2f} req/task, emulator {cell['emulator_cpu_share']:.0%}"
        + (f", {cell['errors']} errors: {cell['first_error']}" if cell["errors"] else "")
    )


if __name__ == "__main__":
    main()
