"""A loopback emulator of Runway's task API for benchmarks.

Raw ASGI, no framework: the point is to cost the server as little CPU per request as
possible, so the client under test is what the benchmark measures. Served by uvicorn in its
own process:

    python benchmarks/runway_emulator.py --port 8123 --polls 3

- ``POST /v1/image_to_video`` and ``POST /v1/text_to_video`` -> ``{"id", "estimatedCost"}``
- ``GET /v1/tasks/{id}`` -> PENDING, RUNNING, ... then SUCCEEDED (with an output URL) on
  the ``--polls``-th read; a finished task keeps answering SUCCEEDED (the SDK re-polls);
  an unknown id -> 404 ``{"error": ...}`` as Runway words it.
- ``DELETE /v1/tasks/{id}`` -> 204 (then 404).
- Every ``/v1/`` request needs ``Authorization: Bearer <key>`` (401 otherwise) and
  ``X-Runway-Version: 2024-11-06`` (400 otherwise: the real answer is unconfirmed, §9.2).
- ``GET /_stats`` -> request counters and this process's own CPU time, so a report can
  show the emulator was not the bottleneck; ``POST /_reset`` forgets tasks and counters.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["RunwayEmulator", "main"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

API_VERSION = b"2024-11-06"
CREATE_PATHS = frozenset({"/v1/image_to_video", "/v1/text_to_video"})
TASKS_PREFIX = "/v1/tasks/"
#: estimatedCost of the benchmark's request: gen4_turbo, 5 s at 5 credits/s (§7).
ESTIMATED_CREDITS = 25
_JSON_HEADERS = [(b"content-type", b"application/json")]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RunwayEmulator:
    """The ASGI app. ``polls``: the read on which a task reports SUCCEEDED (>= 1)."""

    def __init__(self, polls: int = 3) -> None:
        if polls < 1:
            raise ValueError("polls must be >= 1: a task needs at least one read to finish")
        self.polls = polls
        self.tasks: dict[str, int] = {}  # task id -> reads so far
        self.counts: dict[str, int] = {}
        self.requests = 0
        self.started_cpu = _cpu_seconds()
        self.started_at = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        method: str = scope["method"]
        path: str = scope["path"]
        if path.startswith("/_"):
            await self._control(method, path, send)
            return
        self.requests += 1
        if method == "POST":
            await _drain(receive)  # the body is not validated: clients are trusted here
        refusal = _refusal(scope["headers"])
        if refusal is not None:
            self._count("refused")
            await _respond(send, *refusal)
            return
        if method == "GET" and path.startswith(TASKS_PREFIX):
            await self._read_task(path[len(TASKS_PREFIX) :], send)
        elif method == "POST" and path in CREATE_PATHS:
            await self._create(send)
        elif method == "DELETE" and path.startswith(TASKS_PREFIX):
            await self._delete(path[len(TASKS_PREFIX) :], send)
        else:
            self._count("unknown")
            await _respond(send, 404, {"error": f"no route for {method} {path}"})

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    async def _create(self, send: Send) -> None:
        self._count("create")
        task_id = str(uuid.uuid4())
        self.tasks[task_id] = 0
        await _respond(send, 200, {"id": task_id, "estimatedCost": {"credits": ESTIMATED_CREDITS}})

    async def _read_task(self, task_id: str, send: Send) -> None:
        self._count("poll")
        reads = self.tasks.get(task_id)
        if reads is None:
            await _respond(send, 404, {"error": "Could not find Task"})
            return
        reads += 1
        self.tasks[task_id] = reads
        body: dict[str, Any] = {
            "id": task_id,
            "createdAt": "2024-06-27T19:49:32.335Z",
        }
        if reads >= self.polls:
            body["status"] = "SUCCEEDED"
            body["output"] = [f"https://example.com/output/{task_id}.mp4?_jwt=emulated"]
            body["cost"] = {"credits": ESTIMATED_CREDITS}
        else:
            body["status"] = "PENDING" if reads == 1 else "RUNNING"
            if reads > 1:
                body["progress"] = round((reads - 1) / self.polls, 2)
            body["estimatedCost"] = {"credits": ESTIMATED_CREDITS}
        await _respond(send, 200, body)

    async def _delete(self, task_id: str, send: Send) -> None:
        self._count("delete")
        if self.tasks.pop(task_id, None) is None:
            await _respond(send, 404, {"error": "Could not find Task"})
            return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def stats(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "counts": dict(self.counts),
            "tasks": len(self.tasks),
            "polls_to_finish": self.polls,
            "cpu_s": round(_cpu_seconds() - self.started_cpu, 4),
            "uptime_s": round(time.monotonic() - self.started_at, 3),
            "pid": os.getpid(),
        }

    async def _control(self, method: str, path: str, send: Send) -> None:
        if path == "/_stats" and method == "GET":
            await _respond(send, 200, self.stats())
        elif path == "/_reset" and method == "POST":
            self.tasks.clear()
            self.counts.clear()
            self.requests = 0
            await _respond(send, 200, self.stats())
        else:
            await _respond(send, 404, {"error": f"no control route {method} {path}"})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def _refusal(headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, Any]] | None:
    authorization = version = None
    for name, value in headers:
        if name == b"authorization":
            authorization = value
        elif name == b"x-runway-version":
            version = value
    if not authorization or not authorization.startswith(b"Bearer ") or len(authorization) < 8:
        return 401, {"error": "Unauthorized: a Bearer API key is required"}
    if version != API_VERSION:
        # What Runway answers to a missing or wrong version is unconfirmed (runway.md §9.2).
        return 400, {"error": "X-Runway-Version must be 2024-11-06"}
    return None


async def _drain(receive: Receive) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)


async def _respond(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Loopback emulator of Runway's task API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--polls", type=int, default=3, help="reads until SUCCEEDED")
    args = parser.parse_args(argv)

    import uvicorn

    app = RunwayEmulator(polls=args.polls)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        # The emulator should cost as little as possible: the C parser and loop where present.
        http="auto",
        loop="auto",
        backlog=16384,  # 10,000 clients may connect at once when ungated
        timeout_keep_alive=120,
    )


if __name__ == "__main__":
    main()
