"""Where a client's CPU goes: one cell under cProfile, plus the time spent in the garbage
collector (which cProfile does not show).

    python benchmarks/profile_cell.py --client framecast --n 1000 [--top 40] [--polls 3]

Starts its own emulator. cProfile slows everything down by a similar factor, so compare
clients with each other, not with the figures of run.py.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _cell  # noqa: E402
from run import Emulator  # noqa: E402


class GcTimer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.collections[info["generation"]] += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", required=True, choices=_cell.CLIENTS)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--polls", type=int, default=3)
    parser.add_argument("--gate", type=int, default=100)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-profile", action="store_true", help="GC figures only")
    args = parser.parse_args(argv)
    emulator = Emulator(args.polls)
    gc_timer = GcTimer()
    gc.callbacks.append(gc_timer)
    profiler = cProfile.Profile()
    try:

        async def go() -> dict[str, Any]:
            task, close = await _cell._make(args.client, emulator.base_url, args.gate)
            await task(-1)
            gc_timer.seconds, gc_timer.collections = 0.0, [0, 0, 0]
            cpu0 = time.process_time()
            if not args.no_profile:
                profiler.enable()
            await asyncio.gather(*(task(i) for i in range(args.n)))
            profiler.disable()
            cpu = time.process_time() - cpu0
            await close()
            return {"cpu_ms_per_task": cpu * 1000 / args.n}

        result = asyncio.run(go())
    finally:
        emulator.stop()
    print(
        f"{args.client} N={args.n}: {result['cpu_ms_per_task']:.2f} ms CPU/task"
        f"{' (profiled)' if not args.no_profile else ''}; GC {gc_timer.seconds:.2f} s "
        f"({gc_timer.seconds * 1000 / args.n:.2f} ms/task), collections by generation "
        f"{gc_timer.collections}"
    )
    if not args.no_profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
