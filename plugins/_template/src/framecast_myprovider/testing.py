"""An in-memory fake of MyProvider's API, for tests (yours and your users').

``MyProviderFake`` is an ``httpx.MockTransport`` handler that speaks the wire protocol of
``_provider.py``: it checks the key, creates tasks (deduplicated by Idempotency-Key), moves
each one queued -> running -> succeeded as it is polled, cancels and deletes. Give it to a
runner::

    import httpx
    from framecast import Runner
    from framecast.testing import VirtualClock
    from framecast_myprovider.testing import MyProviderFake

    fake = MyProviderFake()
    runner = Runner("myprovider", transport=httpx.MockTransport(fake),
                    env={"MYPROVIDER_API_KEY": "test-key-not-real"}, clock=VirtualClock())

Wrap it in ``framecast.testing.FaultInjector`` to script resets, timeouts and error codes.
Keep it out of vcrpy cassettes: vcrpy intercepts MockTransport too.

TEMPLATE: make it answer exactly what your provider's documentation shows — same fields,
same status words, same error bodies — and nothing it does not.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

__all__ = ["MyProviderFake"]

OUTPUT_HOST = "https://cdn.myprovider.example"  # TEMPLATE


class MyProviderFake:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        polls_to_finish: int = 2,
        fail_with: dict[str, str] | None = None,
    ) -> None:
        """``api_key``: the only key accepted (any non-empty key when ``None``).
        ``polls_to_finish``: status reads before a task succeeds. ``fail_with``: an error
        ``{"code", "message"}`` every task ends with instead."""
        self.api_key = api_key
        self.polls_to_finish = polls_to_finish
        self.fail_with = fail_with
        self.tasks: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.created = 0
        self._ids = (f"task_{n:04d}" for n in itertools.count(1))
        self._by_key: dict[str, str] = {}

    # -------------------------------------------------------------------- dispatch

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        refused = self._check_key(request)
        if refused is not None:
            return refused
        parts = request.url.path.strip("/").split("/")
        if parts[:2] != ["v1", "tasks"]:
            return _error(404, "not_found", "no such endpoint")
        if len(parts) == 2 and request.method == "POST":
            return self._create(request)
        if len(parts) == 2 and request.method == "GET":
            return self._find(request)
        task = self.tasks.get(parts[2]) if len(parts) >= 3 else None
        if task is None:
            return _error(404, "not_found", "no such task")
        if len(parts) == 3 and request.method == "GET":
            return self._read(task)
        if len(parts) == 3 and request.method == "DELETE":
            del self.tasks[task["id"]]
            return httpx.Response(204)
        if parts[3:] == ["cancel"] and request.method == "POST":
            if task["status"] in ("queued", "running"):
                task["status"] = "cancelled"
            return httpx.Response(200, json=self._view(task))
        return _error(405, "method_not_allowed", f"{request.method} {request.url.path}")

    def _check_key(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        key = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        if not key or (self.api_key is not None and key != self.api_key):
            return _error(401, "unauthorized", "missing or invalid API key")
        return None

    # -------------------------------------------------------------------- endpoints

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            return _error(400, "invalid_json", "the body is not JSON")
        missing = [f for f in ("model", "prompt", "ratio", "duration") if f not in body]
        if missing:
            return _error(422, "invalid_request", f"missing fields: {', '.join(missing)}")
        key = request.headers.get("idempotency-key")
        if key and key in self._by_key:
            return httpx.Response(201, json=self._view(self.tasks[self._by_key[key]]))
        task = {"id": next(self._ids), "status": "queued", "polls": 0, "body": body, "key": key}
        self.tasks[task["id"]] = task
        self.created += 1
        if key:
            self._by_key[key] = task["id"]
        return httpx.Response(201, json=self._view(task))

    def _find(self, request: httpx.Request) -> httpx.Response:
        key = request.url.params.get("idempotency_key")
        found = [self._view(t) for t in self.tasks.values() if key and t["key"] == key]
        return httpx.Response(200, json={"tasks": found})

    def _read(self, task: dict[str, Any]) -> httpx.Response:
        if task["status"] in ("queued", "running"):
            task["polls"] += 1
            if task["polls"] >= self.polls_to_finish:
                task["status"] = "failed" if self.fail_with else "succeeded"
            else:
                task["status"] = "running"
        return httpx.Response(200, json=self._view(task))

    def _view(self, task: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {"id": task["id"], "status": task["status"]}
        if task["status"] == "running":
            view["progress"] = round(task["polls"] / self.polls_to_finish, 2)
        if task["status"] == "succeeded":
            view["output_url"] = f"{OUTPUT_HOST}/{task['id']}.mp4?sig=fake"
        if task["status"] == "failed" and self.fail_with:
            view["error"] = dict(self.fail_with)
        return view


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})
