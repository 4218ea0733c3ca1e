"""``KlingFake``: the server side of the protocol fake (see ``framecast_kling.testing``)."""

from __future__ import annotations

import email.utils
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

from .._capabilities import ENDPOINTS, lookup
from .._pricing import units_for
from ._checks import check_body, verify_token
from ._common import (
    CDN_HOST,
    DEFAULT_MODEL,
    FAKE_ACCESS_KEY,
    FAKE_SECRET_KEY,
    FAKE_VIDEO,
    Fault,
    Refusal,
    TokenRefusal,
    error_response,
)

__all__ = ["FakeTask", "KlingFake", "TaskPlan"]

_PATH = re.compile(r"^/v1/videos/(?P<endpoint>[a-z0-9-]+)(?:/(?P<id>[^/]+))?/?$")


@dataclass
class FakeTask:
    task_id: str
    endpoint: str
    body: Mapping[str, Any]
    external_task_id: str | None
    created_at: int  # ms
    updated_at: int
    queries: int = 0
    status: str = "submitted"
    failure: str | None = None
    units: float | None = None
    history: list[str] = field(default_factory=list)
    #: Queries after which the task reads ``processing``, then ends (its plan).
    to_processing: int = 1
    to_finish: int = 2


@dataclass(frozen=True)
class TaskPlan:
    """How one created task behaves: ``queries_to_processing`` queries read ``submitted``
    (a long queue), it ends after ``queries_to_finish``, ``failed`` with ``fail_with``."""

    queries_to_processing: int = 1
    queries_to_finish: int = 2
    fail_with: str | None = None


class KlingFake:
    """Kling's video API in memory (an ``httpx.MockTransport`` handler); see the module."""

    #: Environment for a ``ProviderSettings`` that talks to this fake.
    ENV: Mapping[str, str] = {
        "KLING_ACCESS_KEY": FAKE_ACCESS_KEY,
        "KLING_SECRET_KEY": FAKE_SECRET_KEY,
    }

    def __init__(
        self,
        *,
        access_key: str = FAKE_ACCESS_KEY,
        secret_key: str = FAKE_SECRET_KEY,
        clock: Callable[[], float] | None = None,
        server_offset: float = 0.0,
        queries_to_processing: int = 1,
        queries_to_finish: int = 2,
        fail_with: str | None = None,
        verify_images: bool = True,
    ) -> None:
        self.access_key = access_key
        self._secret_key = secret_key
        self._clock = clock or time.time
        self.server_offset = server_offset
        self.queries_to_processing = queries_to_processing
        self.queries_to_finish = queries_to_finish
        self.fail_with = fail_with
        self.verify_images = verify_images
        self.tasks: dict[str, FakeTask] = {}
        self._by_external: dict[str, FakeTask] = {}
        self._rules: list[tuple[str, list[Fault]]] = []
        self._plans: list[TaskPlan] = []
        self._tokens: set[str] = set()
        self._request_ids = 0
        self.requests = 0
        self.rejected_tokens = 0
        self.log: list[tuple[str, str, str]] = []

    def __repr__(self) -> str:
        return f"KlingFake(tasks_created={self.tasks_created}, requests={self.requests})"

    # -------------------------------------------------------------- public surface

    @property
    def tasks_created(self) -> int:
        return len(self.tasks)

    @property
    def distinct_tokens(self) -> int:
        """Distinct valid JWTs the server accepted."""
        return len(self._tokens)

    def use_clock(self, clock: Callable[[], float]) -> KlingFake:
        """Check tokens on ``clock`` (seconds since the epoch) from now on: the runner's
        ``clock.time`` when the runner runs in virtual time, as the provider signs on it."""
        self._clock = clock
        return self

    def now(self) -> float:
        """The server's clock (the injected clock plus ``server_offset``)."""
        return self._clock() + self.server_offset

    def inject(self, target: str, *faults: Fault) -> KlingFake:
        """Queue ``faults`` for the next requests of ``target``: ``"create"``, ``"query"``,
        ``"list"``, ``"download"`` or ``"any"``."""
        if target not in ("create", "query", "list", "download", "any"):
            raise ValueError(f"unknown target {target!r}")
        self._rules.append((target, list(faults)))
        return self

    def pending_faults(self) -> int:
        return sum(len(faults) for _, faults in self._rules)

    def plan_next(
        self,
        *,
        queries_to_processing: int | None = None,
        queries_to_finish: int | None = None,
        fail_with: str | None = None,
    ) -> KlingFake:
        """The next created task follows this plan instead of the constructor's defaults,
        e.g. ``plan_next(queries_to_processing=40, queries_to_finish=41)`` (a long queue)
        or ``plan_next(fail_with=FAILURE_MESSAGES["content"])``."""
        to_processing = (
            self.queries_to_processing if queries_to_processing is None else queries_to_processing
        )
        self._plans.append(
            TaskPlan(
                queries_to_processing=to_processing,
                queries_to_finish=max(
                    to_processing,
                    self.queries_to_finish if queries_to_finish is None else queries_to_finish,
                ),
                fail_with=fail_with if fail_with is not None else self.fail_with,
            )
        )
        return self

    def task_by_external_id(self, key: str) -> FakeTask | None:
        return self._by_external.get(key)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        target = self._target(request)
        for wanted, faults in self._rules:
            if faults and wanted in (target, "any"):
                fault = faults.pop(0)
                self.log.append((request.method, request.url.path, getattr(fault, "__name__", "")))
                return fault(request, self._serve)
        response = self._serve(request)
        self.log.append((request.method, request.url.path, str(response.status_code)))
        return response

    # -------------------------------------------------------------- dispatch

    @staticmethod
    def _target(request: httpx.Request) -> str:
        if request.url.host == CDN_HOST:
            return "download"
        match = _PATH.match(request.url.path)
        if request.method == "POST":
            return "create"
        if match and match.group("id"):
            return "query"
        return "list"

    def _serve(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == CDN_HOST:
            return self._download(request)
        request_id = self._next_request_id()
        try:
            try:
                token = verify_token(request, self.access_key, self._secret_key, self.now())
            except TokenRefusal:
                self.rejected_tokens += 1
                raise
            self._tokens.add(token)
            match = _PATH.match(request.url.path)
            if match is None or match.group("endpoint") not in ENDPOINTS:
                raise Refusal(1202, f"no such method: {request.method} {request.url.path}")
            endpoint = match.group("endpoint")
            if request.method == "POST" and not match.group("id"):
                data: Any = self._create(endpoint, request)
            elif request.method == "GET" and match.group("id"):
                data = self._query(endpoint, unquote(match.group("id")))
            elif request.method == "GET":
                data = self._list(endpoint, request)
            else:
                raise Refusal(1202, f"no such method: {request.method} {request.url.path}")
        except Refusal as refusal:
            response = error_response(refusal, request_id)
        else:
            response = httpx.Response(
                200, json={"code": 0, "message": "SUCCEED", "request_id": request_id, "data": data}
            )
        response.headers["Date"] = email.utils.formatdate(self.now(), usegmt=True)
        return response

    def _next_request_id(self) -> str:
        self._request_ids += 1
        return str(uuid.UUID(int=self._request_ids))

    # -------------------------------------------------------------- create

    def _create(self, endpoint: str, request: httpx.Request) -> dict[str, Any]:
        if "application/json" not in request.headers.get("content-type", ""):
            raise Refusal(1200, "Content-Type must be application/json")
        try:
            body = json.loads(request.content)
        except ValueError:
            raise Refusal(1200, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise Refusal(1200, "the body must be a JSON object")
        check_body(endpoint, body, verify_images=self.verify_images)
        key = body.get("external_task_id") or None
        if key is not None and key in self._by_external:
            # Kling: external_task_id "must be unique per account". How a duplicate is refused
            # (code, status, wording) is UNCONFIRMED; the fake answers 400/1201 naming it.
            raise Refusal(1201, f"external_task_id {key!r} already exists")
        now_ms = int(self.now() * 1000)
        task_id = str(800_000_000_000_000_000 + len(self.tasks) + 1)
        plan = (
            self._plans.pop(0)
            if self._plans
            else TaskPlan(self.queries_to_processing, self.queries_to_finish, self.fail_with)
        )
        task = FakeTask(
            task_id=task_id,
            endpoint=endpoint,
            body=body,
            external_task_id=key,
            created_at=now_ms,
            updated_at=now_ms,
            failure=plan.fail_with,
            to_processing=plan.queries_to_processing,
            to_finish=plan.queries_to_finish,
            units=units_for(
                body.get("model_name") or DEFAULT_MODEL[endpoint],
                body.get("mode") or ("std" if _has_modes(body, endpoint) else None),
                int(body.get("duration", "5")),
                endpoint,
            ),
        )
        task.history.append("submitted")
        self.tasks[task_id] = task
        if key is not None:
            self._by_external[key] = task
        data = self._task_json(task)
        for late in ("task_status_msg", "task_result", "final_unit_deduction"):
            data.pop(late, None)  # not in a create answer (§5.2)
        return data

    # -------------------------------------------------------------- queries

    def _find(self, endpoint: str, value: str) -> FakeTask:
        # The docs let the path carry a task_id or an external_task_id; how the real server
        # tells them apart is UNCONFIRMED (the fake tries the task id first). An unknown id
        # answers 404/1203 -- also UNCONFIRMED.
        task = self.tasks.get(value) or self._by_external.get(value)
        if task is None or task.endpoint != endpoint:
            raise Refusal(1203, f"task {value} does not exist")
        return task

    def _query(self, endpoint: str, value: str) -> dict[str, Any]:
        task = self._find(endpoint, value)
        task.queries += 1
        self._advance(task)
        return self._task_json(task)

    def _advance(self, task: FakeTask) -> None:
        before = task.status
        if task.status in ("succeed", "failed"):
            return
        if task.queries >= task.to_finish:
            task.status = "failed" if task.failure else "succeed"
        elif task.queries >= task.to_processing:
            task.status = "processing"
        if task.status != before:
            task.updated_at = int(self.now() * 1000)
            task.history.append(task.status)

    def _list(self, endpoint: str, request: httpx.Request) -> list[dict[str, Any]]:
        try:
            page = int(request.url.params.get("pageNum", "1"))
            size = int(request.url.params.get("pageSize", "30"))
        except ValueError:
            raise Refusal(1201, "pageNum and pageSize must be integers") from None
        if not 1 <= page <= 1000 or not 1 <= size <= 500:
            raise Refusal(1201, "pageNum must be in [1, 1000] and pageSize in [1, 500]")
        # Newest first: the real sort order is UNCONFIRMED.
        tasks = [t for t in reversed(self.tasks.values()) if t.endpoint == endpoint]
        shown = tasks[(page - 1) * size : page * size]
        for task in shown:
            # A list page reads every task on it: each counts it as a query of its plan,
            # so a task ends after the same number of reads, one by one or listed.
            task.queries += 1
            self._advance(task)
        return [self._task_json(t) for t in shown]

    def _task_json(self, task: FakeTask) -> dict[str, Any]:
        data: dict[str, Any] = {
            "task_id": task.task_id,
            "task_status": task.status,
            "task_status_msg": task.failure if task.status == "failed" else "",
            "task_info": (
                {"external_task_id": task.external_task_id} if task.external_task_id else {}
            ),
            "created_at": task.created_at,
            "updated_at": task.updated_at,
            "task_result": {},
        }
        if task.status == "succeed":
            expires = task.updated_at // 1000 + 30 * 24 * 3600
            data["task_result"] = {
                "videos": [
                    {
                        "id": str(int(task.task_id) + 1),
                        "url": f"https://{CDN_HOST}/fake/{task.task_id}.mp4"
                        f"?ksSecret=fake&ksTime={expires:x}",
                        "duration": str(task.body.get("duration", "5")),
                    }
                ]
            }
            data["final_unit_deduction"] = f"{task.units:g}" if task.units is not None else "0"
        elif task.status == "failed":
            data["final_unit_deduction"] = "0"  # "No credits will be deducted for failed tasks"
        return data

    # -------------------------------------------------------------- downloads

    def _download(self, request: httpx.Request) -> httpx.Response:
        if "authorization" in request.headers:
            # Output URLs are public and signed: a credential sent here is a leak.
            return httpx.Response(400, text="credentials sent to the CDN")
        match = re.match(r"^/fake/(\d+)\.mp4$", request.url.path)
        if request.method != "GET" or match is None or match.group(1) not in self.tasks:
            return httpx.Response(404, text="not found")
        return httpx.Response(200, content=FAKE_VIDEO, headers={"Content-Type": "video/mp4"})


def _has_modes(body: Mapping[str, Any], endpoint: str) -> bool:
    model = lookup(body.get("model_name") or DEFAULT_MODEL[endpoint])
    return model is not None and model.has_modes
