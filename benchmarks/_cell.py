"""One benchmark cell: one client, N concurrent tasks, in a process of its own.

    python benchmarks/_cell.py --client framecast --n 1000 --base-url http://127.0.0.1:PORT

Every client does the same work per task: one create (``POST /v1/image_to_video``), then
``GET /v1/tasks/{id}`` with no pause until SUCCEEDED. One warm-up task runs first and is not
counted, so lazy imports and connection set-up are not charged to the N tasks (they are
reported as ``setup_cpu_s``). Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any

FAKE_KEY = "key_benchmark_not_a_secret"
IMAGE_URL = "https://example.com/cat.png"  # never fetched: the emulator ignores bodies
WIRE_RATIO = "1280:720"  # what framecast's map_ratio makes of "16:9" for gen4_turbo
TERMINAL_FAILURES = frozenset({"FAILED", "CANCELLED"})

TaskFactory = Callable[[int], Awaitable[Any]]
CLIENTS = (
    "framecast",
    "framecast-aiohttp",
    "framecast-1pool",
    "framecast-eager",
    "framecast-before",
    "raw",
    "raw-gated",
    "raw-aiohttp-gated",
    "sdk",
    "sdk-gated",
)


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


def _emulator_stats(base_url: str) -> dict[str, Any]:
    # Blocking and outside the measured interval: the counters bracket exactly the N tasks.
    with urllib.request.urlopen(f"{base_url}/_stats", timeout=30) as response:
        stats: dict[str, Any] = json.load(response)
    return stats


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


class _Gate:
    """framecast's FIFO gate around each request, or nothing (``size <= 0``)."""

    def __init__(self, size: int) -> None:
        from framecast._gate import FifoGate

        self.gate = FifoGate(size)

    async def run(self, request: Awaitable[Any]) -> Any:
        await self.gate.acquire()
        try:
            return await request
        finally:
            self.gate.release()


# ---------------------------------------------------------------------- clients


async def _framecast(
    base_url: str, aiohttp: bool, single_pool: bool = False, eager: bool = False
) -> tuple[TaskFactory, Callable[[], Any]]:
    os.environ["RUNWAYML_BASE_URL"] = base_url
    os.environ["RUNWAYML_API_SECRET"] = FAKE_KEY
    # The poll floor applies only to Runway's official hosts (docs/configuration.md).
    os.environ["FRAMECAST_POLL_INTERVAL"] = "0"
    import httpx
    from framecast import GenerationRequest, Runner

    transport: httpx.AsyncBaseTransport | None = None
    if aiohttp:
        import httpx
        from httpx_aiohttp import AiohttpTransport

        # The same pool size framecast gives its default transport (the gate's width).
        transport = AiohttpTransport(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
        )
    if single_pool:
        import httpx

        # framecast before the connection ramp: one httpcore pool as wide as the gate.
        transport = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=100)
        )
    if eager:
        from framecast._pool import default_transport

        # The sharded pool opening a connection for every request the gate admits, as it
        # did before the connection ramp (docs/performance.md, fix 2).
        transport = default_transport(100, warm=None)
    runner = Runner("runway", max_running_tasks=0, timeout=24 * 3600, transport=transport)

    async def task(i: int) -> Any:
        result = await runner.generate(
            GenerationRequest(
                prompt=f"a cat walks across the garden, take {i}",
                image=IMAGE_URL,
                model="gen4_turbo",
                ratio="16:9",
                duration=5,
            )
        )
        if not result.outputs:
            raise RuntimeError(f"task {result.handle.task_id} finished without output")
        return result

    return task, runner.aclose


def _raw_client(base_url: str, aiohttp: bool) -> Any:
    import httpx

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    transport: httpx.AsyncBaseTransport | None = None
    if aiohttp:
        from httpx_aiohttp import AiohttpTransport

        transport = AiohttpTransport(limits=limits)
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {FAKE_KEY}", "X-Runway-Version": "2024-11-06"},
        limits=limits,
        # framecast's timeouts: 60 s read/write/pool, 5 s connect. httpx's default 5 s pool
        # timeout would fail thousands of queued requests rather than measure them.
        timeout=httpx.Timeout(60.0, connect=5.0),
        transport=transport,
    )


async def _raw(
    base_url: str, gate_size: int, aiohttp: bool
) -> tuple[TaskFactory, Callable[[], Any]]:
    client = _raw_client(base_url, aiohttp)
    gate = _Gate(gate_size)

    async def task(i: int) -> Any:
        body = {
            "model": "gen4_turbo",
            "promptImage": IMAGE_URL,
            "promptText": f"a cat walks across the garden, take {i}",
            "ratio": WIRE_RATIO,
            "duration": 5,
        }
        response = await gate.run(client.post("/v1/image_to_video", json=body))
        response.raise_for_status()
        task_id = response.json()["id"]
        while True:
            response = await gate.run(client.get(f"/v1/tasks/{task_id}"))
            response.raise_for_status()
            payload = response.json()
            status = payload["status"]
            if status == "SUCCEEDED":
                return payload["output"]
            if status in TERMINAL_FAILURES:
                raise RuntimeError(f"task {task_id} ended {status}")
            await asyncio.sleep(0)  # poll interval 0 against the emulator

    return task, client.aclose


async def _sdk(base_url: str, gate_size: int) -> tuple[TaskFactory, Callable[[], Any]]:
    from runwayml import AsyncRunwayML

    client = AsyncRunwayML(base_url=base_url, api_key=FAKE_KEY, max_retries=0)
    gate = _Gate(gate_size)

    async def task(i: int) -> Any:
        created = await gate.run(
            client.image_to_video.create(
                model="gen4_turbo",
                prompt_image=IMAGE_URL,
                prompt_text=f"a cat walks across the garden, take {i}",
                ratio="1280:720",  # WIRE_RATIO, spelled as the literal the SDK types want
                duration=5,
            )
        )
        while True:
            state = await gate.run(client.tasks.retrieve(created.id))
            if state.status == "SUCCEEDED":
                return state.output
            if state.status in TERMINAL_FAILURES:
                raise RuntimeError(f"task {created.id} ended {state.status}")
            await asyncio.sleep(0)

    return task, client.close


def _use_before_tree() -> None:
    """framecast as another checkout has it (``run.py --before DIR``): its core and Runway
    plugin go first on the path, so the same cell measures the older code side by side."""
    tree = os.environ.get("BENCH_BEFORE_TREE")
    if not tree:
        raise SystemExit("framecast-before needs run.py --before DIR (a checkout to compare)")
    for src in ("runway_plugin/src", "core/src"):
        sys.path.insert(0, os.path.join(tree, src))
    for name in [m for m in sys.modules if m.split(".")[0] in ("framecast", "framecast_runway")]:
        del sys.modules[name]


async def _make(client: str, base_url: str, gate: int) -> tuple[TaskFactory, Callable[[], Any]]:
    if client in ("framecast", "framecast-aiohttp"):
        return await _framecast(base_url, aiohttp=client.endswith("aiohttp"))
    if client == "framecast-1pool":
        return await _framecast(base_url, aiohttp=False, single_pool=True)
    if client == "framecast-eager":
        return await _framecast(base_url, aiohttp=False, eager=True)
    if client == "framecast-before":
        _use_before_tree()
        return await _framecast(base_url, aiohttp=False)
    if client.startswith("raw"):
        return await _raw(
            base_url, gate if client.endswith("gated") else 0, aiohttp="aiohttp" in client
        )
    if client.startswith("sdk"):
        return await _sdk(base_url, gate if client.endswith("gated") else 0)
    raise SystemExit(f"unknown client {client!r}; one of {', '.join(CLIENTS)}")


# ---------------------------------------------------------------------- measurement


async def _measure(client: str, n: int, base_url: str, gate: int) -> dict[str, Any]:
    cpu_start = _cpu()
    task, close = await _make(client, base_url, gate)
    await task(-1)  # warm-up: lazy imports, first connection, caches
    setup_cpu = _cpu() - cpu_start
    baseline_rss = _status_kib("VmRSS:")
    before = _emulator_stats(base_url)
    cpu0, wall0 = _cpu(), time.perf_counter()
    outcomes = await asyncio.gather(*(task(i) for i in range(n)), return_exceptions=True)
    wall = time.perf_counter() - wall0
    cpu = _cpu() - cpu0
    peak_rss = _status_kib("VmHWM:")
    after = _emulator_stats(base_url)
    await close()
    emulator_cpu = after["cpu_s"] - before["cpu_s"]
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    return {
        "client": client,
        "n": n,
        "cpu_s": cpu,
        "cpu_ms_per_task": cpu * 1000 / n,
        "wall_s": wall,
        "setup_cpu_s": setup_cpu,
        "requests_per_task": (after["requests"] - before["requests"]) / n,
        "emulator_cpu_s": emulator_cpu,
        "emulator_cpu_share": emulator_cpu / wall if wall > 0 else 0.0,
        "baseline_rss_kib": baseline_rss,
        "peak_rss_kib": peak_rss,
        "rss_kib_per_task": (peak_rss - baseline_rss) / n,
        "errors": len(errors),
        "first_error": f"{type(errors[0]).__name__}: {errors[0]}"[:300] if errors else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", required=True, choices=CLIENTS)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--gate", type=int, default=100, help="FIFO gate width for *-gated")
    args = parser.parse_args(argv)
    result = asyncio.run(_measure(args.client, args.n, args.base_url, args.gate))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
