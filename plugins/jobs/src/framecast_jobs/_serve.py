"""Run a worker in the foreground until SIGTERM/SIGINT (drain) or a takeover."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import Any

from ._jobs import Jobs


async def serve(
    database: str | None,
    *,
    worker_id: str | None = None,
    providers: list[str] | None = None,
    concurrency: int = 16,
    heartbeat: float = 1.0,
    stale_after: float = 3.0,
    poll_chunk: float | None = None,
    announce: Any = None,
) -> int:
    """Returns 0 after a drain, 3 when another worker took this one's id over."""
    jobs = Jobs(database)
    try:
        worker = jobs.worker(
            worker_id=worker_id,
            providers=providers,
            concurrency=concurrency,
            heartbeat=heartbeat,
            stale_after=stale_after,
            poll_chunk=poll_chunk,
        )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, worker.stopping.set)
        async with worker:
            if announce is not None:
                announce(worker)
            await worker.serve()
        return 3 if worker.lost.is_set() else 0
    finally:
        await asyncio.to_thread(jobs.close)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m framecast_jobs")
    parser.add_argument("command", choices=["worker"])
    parser.add_argument("--database")
    parser.add_argument("--worker-id")
    parser.add_argument("--provider", action="append")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--heartbeat", type=float, default=1.0)
    parser.add_argument("--stale-after", type=float, default=3.0)
    parser.add_argument("--poll-chunk", type=float)
    args = parser.parse_args(argv)

    def announce(worker: Any) -> None:
        print(f"worker {worker.worker_id} ready", flush=True)

    return asyncio.run(
        serve(
            args.database,
            worker_id=args.worker_id,
            providers=args.provider,
            concurrency=args.concurrency,
            heartbeat=args.heartbeat,
            stale_after=args.stale_after,
            poll_chunk=args.poll_chunk,
            announce=announce,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
