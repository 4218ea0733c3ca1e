"""``SeedanceFake``: Seedance's content-generation task API, in memory (no network, no key).

An instance is an ``httpx.MockTransport`` handler speaking the protocol the plugin's README
documents: ``POST /api/v3/contents/generations/tasks``, ``GET`` and ``DELETE
/api/v3/contents/generations/tasks/{id}``, the task list, and output downloads. It checks
the Bearer key on the API's origin and its *absence* on the output host, validates every
create body against the plugin's model table (unknown model, ratio, duration, resolution,
``camera_fixed`` where a model does not honour it, ``generate_audio``/``service_tier``
where a model has none), and walks tasks ``queued`` -> ``running`` -> ``succeeded`` (or
``failed`` / ``expired``) with ``usage`` tokens by the billing formula::

    import httpx
    from framecast import GenerationRequest, ProviderSettings, Runner
    from framecast.testing import VirtualClock
    from framecast_seedance.testing import SeedanceFake, rate_limited

    fake = SeedanceFake(running_polls=2)
    fake.inject("POST", "/contents/generations/tasks", rate_limited(retry_after=2))
    settings = ProviderSettings(name="seedance", env={"ARK_API_KEY": fake.api_key})
    async with Runner("seedance", settings=settings, transport=httpx.MockTransport(fake),
                      clock=VirtualClock()) as runner:
        result = await runner.generate(GenerationRequest(prompt="A kite", image="kite.png"))
    assert fake.tasks_created == 1 and fake.violations == []

Faults (``inject(method, path_fragment, *faults)``, one consumed per matching request; the
generic ones of ``framecast.testing`` work too): ``rate_limited(retry_after=...)``,
``server_error(status, created=...)``, ``connection_refused()``, ``read_timeout_after()``
and ``reset_after()`` (the server acted, the answer is lost), ``malformed_json()``,
``truncated_json()``, ``unknown_status(word)``, ``unauthorized()``, ``api_error(status,
code)`` for any documented code, ``real_person_refused()`` (the 400 a reference image
that may show a real person gets). A task's life: ``plan_next(outcome="failed",
failure_code=...)``, ``plan_next(outcome="expired")``, ``plan_next(queued_polls=40)``.
Callbacks: with ``callback_url`` in a create body, every status change is appended to
``fake.callbacks`` as ``(url, task object)`` (the platform's POSTs, unsigned).

Counters: ``tasks_created``, ``requests``, ``bodies`` (accepted create bodies),
``deleted``, ``cancelled``, ``violations`` (credentials on the output host, a missing key)
and ``log`` (method, URL, status; 0 when no answer reached the client). Never use it inside
an active vcrpy cassette: vcrpy intercepts ``MockTransport`` too.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Mapping
from typing import Any

import attrs
import httpx
from framecast import testing as generic_faults
from framecast.testing import connection_refused, named, read_timeout_after, reset_after

from ._codes import PRIVACY_CODE
from ._models import FAMILIES, RATIOS, Family
from ._pricing import tokens_for
from ._regions import REGIONS

__all__ = [
    "FAILURE_CODES",
    "Fault",
    "SeedanceFake",
    "TaskPlan",
    "api_error",
    "connection_refused",
    "malformed_json",
    "rate_limited",
    "read_timeout_after",
    "real_person_refused",
    "reset_after",
    "server_error",
    "truncated_json",
    "unauthorized",
    "unknown_status",
]

Handler = generic_faults.Handler
Fault = generic_faults.Fault

FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
API_PREFIX = "/api/v3/contents/generations/tasks"
_TASK_PATH = re.compile(r"^/api/v3/contents/generations/tasks/([^/]+)$")
#: Failure codes of a ``failed`` task, and whether trying again may help (the plugin's flag).
FAILURE_CODES: Mapping[str, bool | None] = {
    "OutputVideoSensitiveContentDetected.PolicyViolation": False,
    PRIVACY_CODE: False,
    "InternalServiceError": None,
}
FAILURE_MESSAGES: Mapping[str, str] = {
    "OutputVideoSensitiveContentDetected.PolicyViolation": (
        "The request failed because the output video may be related to copyright restrictions."
    ),
    PRIVACY_CODE: (
        "The request failed because the input image 'content[1]' may contain real person."
    ),
    "InternalServiceError": "The service encountered an unexpected internal error.",
}


@attrs.define
class TaskPlan:
    """How the next created task behaves: polls spent queued and running, then its end
    (``succeeded``, ``failed`` or ``expired``)."""

    queued_polls: int = 1
    running_polls: int = 2
    outcome: str = "succeeded"
    failure_code: str = "OutputVideoSensitiveContentDetected.PolicyViolation"


@attrs.define
class _Task:
    id: str
    body: dict[str, Any]
    plan: TaskPlan
    created_at: int
    polls: int = 0
    cancelled: bool = False
    last_status: str = ""

    def status(self) -> str:
        if self.cancelled:
            return "cancelled"
        steps = self.polls
        plan = self.plan
        for word, count in (("queued", plan.queued_polls), ("running", plan.running_polls)):
            if steps < count:
                return word
            steps -= count
        return self.plan.outcome

    def payload(self, output_host: str) -> dict[str, Any]:
        status = self.status()
        body = self.body
        data: dict[str, Any] = {
            "id": self.id,
            "model": body["model"],
            "status": status,
            "created_at": self.created_at,
            "updated_at": self.created_at + 10 * self.polls,
            "seed": body.get("seed", 1276),
            "resolution": body.get("resolution", "720p"),
            "ratio": body.get("ratio", "16:9"),
            "duration": body.get("duration", 5),
            "framespersecond": 24,
            "service_tier": body.get("service_tier", "default"),
            "execution_expires_after": body.get("execution_expires_after", 172800),
        }
        if "generate_audio" in body:
            data["generate_audio"] = body["generate_audio"]
        if status == "succeeded":
            data["content"] = {"video_url": f"{output_host}/{self.id}.mp4?X-Tos-Signature=fake"}
            ratio = data["ratio"] if data["ratio"] in RATIOS else "16:9"
            tokens = tokens_for(data["resolution"], ratio, int(data["duration"]))
            data["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
        elif status == "failed":
            code = self.plan.failure_code
            data["error"] = {"code": code, "message": FAILURE_MESSAGES.get(code, "It failed.")}
        return data


class SeedanceFake:
    """Seedance's task API in memory; call ``httpx.MockTransport(fake)``.

    ``region``: ``intl`` (BytePlus, the default) or ``cn`` (Volcengine): the origin it
    answers as and the model ids it knows. ``base_url`` overrides the origin (a loopback
    server). ``api_key``: the one key it accepts. ``output_host``: the signed-URL host that
    must never see the key.
    """

    def __init__(
        self,
        *,
        region: str = "intl",
        base_url: str | None = None,
        api_key: str = "ark-test-key-not-real",
        output_host: str = "https://outputs.fake.test",
        queued_polls: int = 1,
        running_polls: int = 2,
        seed: int = 0,
    ) -> None:
        self.region = REGIONS[region]
        self.base = httpx.URL(base_url or self.region.base_url)
        self.api_key = api_key
        self.output_host = output_host.rstrip("/")
        self.default_plan = TaskPlan(queued_polls=queued_polls, running_polls=running_polls)
        self._rng = random.Random(seed)
        self._clock = 1_778_754_737  # a live task's created_at (Unix seconds)
        self._plans: list[TaskPlan] = []
        self._faults: list[tuple[str, str, list[Fault]]] = []
        self.tasks: dict[str, _Task] = {}
        self.tasks_created = 0
        self.requests = 0
        self.bodies: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.cancelled: list[str] = []
        self.callbacks: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[str] = []
        self.log: list[tuple[str, str, int]] = []
        self._models: dict[str, Family] = {
            f.ids[self.region.name]: f for f in FAMILIES if self.region.name in f.ids
        }

    # ------------------------------------------------------------------ scripting

    def plan_next(self, **plan: Any) -> SeedanceFake:
        self._plans.append(attrs.evolve(self.default_plan, **plan))
        return self

    def inject(self, method: str, path_fragment: str, *faults: Fault) -> SeedanceFake:
        self._faults.append((method.upper(), path_fragment, list(faults)))
        return self

    def pending_faults(self) -> int:
        return sum(len(f) for _, _, f in self._faults)

    def task_status(self, task_id: str) -> str | None:
        task = self.tasks.get(task_id)
        return None if task is None else task.status()

    # ------------------------------------------------------------------ dispatch

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        handler: Handler = self._serve
        for method, fragment, faults in self._faults:
            if faults and request.method == method and fragment in str(request.url):
                fault = faults.pop(0)
                handler = _bind(fault, self._serve)
                break
        url = str(request.url.copy_with(query=None))
        try:
            response = handler(request)
        except Exception:
            self.log.append((request.method, url, 0))
            raise
        self.log.append((request.method, url, response.status_code))
        return response

    def _serve(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if str(url).startswith(self.output_host + "/"):
            if "authorization" in request.headers:
                self.violations.append(f"Authorization sent to an output URL ({url.host})")
            return httpx.Response(200, content=FAKE_MP4, headers={"content-type": "video/mp4"})
        if (url.scheme, url.host, url.port) != (self.base.scheme, self.base.host, self.base.port):
            raise httpx.ConnectError(f"fake: no such host {url.host}", request=request)
        prefix = self.base.path.rstrip("/")
        path = url.path[len(prefix) :] if url.path.startswith(prefix) else url.path
        path = "/api/v3" + path if not path.startswith("/api/v3") else path
        return self._api(request, path)

    def _api(self, request: httpx.Request, path: str) -> httpx.Response:
        authorization = request.headers.get("authorization")
        if authorization != f"Bearer {self.api_key}":
            if authorization is None:
                self.violations.append(f"no Authorization on {request.method} {path}")
            return _error(
                401,
                "AuthenticationError",
                "The API key or AK/SK in the request is missing or invalid.",
            )
        if path == API_PREFIX:
            if request.method == "POST":
                return self._create(request)
            if request.method == "GET":
                return self._list(request)
            return _error(405, "MethodNotAllowed", "Method not allowed")
        match = _TASK_PATH.match(path)
        if match:
            if request.method == "GET":
                return self._get(match.group(1))
            if request.method == "DELETE":
                return self._delete(match.group(1))
            return _error(405, "MethodNotAllowed", "Method not allowed")
        return _error(404, "ResourceNotFound", f"Cannot {request.method} {path}")

    # ------------------------------------------------------------------ endpoints

    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return _error(400, "InvalidParameter", "The request body is not valid JSON")
        problem = self._check(body)
        if problem is not None:
            param, message = problem
            return _error(400, "InvalidParameter", message, param=param)
        stamp = self._clock + self.tasks_created * 7
        suffix = "".join(self._rng.choice(string.ascii_lowercase + string.digits) for _ in range(5))
        task_id = f"cgt-{_datestamp(stamp)}-{suffix}"
        plan = self._plans.pop(0) if self._plans else attrs.evolve(self.default_plan)
        task = _Task(id=task_id, body=body, plan=plan, created_at=stamp)
        self.tasks[task_id] = task
        self.tasks_created += 1
        self.bodies.append(body)
        self._callback(task)
        return httpx.Response(200, json={"id": task_id})

    def _get(self, task_id: str) -> httpx.Response:
        task = self.tasks.get(task_id)
        if task is None:
            return _error(404, "ResourceNotFound", f"The specified task {task_id} is not found.")
        payload = task.payload(self.output_host)
        if not task.cancelled and task.status() not in ("succeeded", "failed", "expired"):
            task.polls += 1
        self._callback(task)
        return httpx.Response(200, json=payload)

    def _list(self, request: httpx.Request) -> httpx.Response:
        wanted = request.url.params.get("filter.status")
        items = [
            t.payload(self.output_host)
            for t in self.tasks.values()
            if wanted is None or t.status() == wanted
        ]
        return httpx.Response(200, json={"total": len(items), "items": items})

    def _delete(self, task_id: str) -> httpx.Response:
        task = self.tasks.get(task_id)
        if task is None:
            return _error(404, "ResourceNotFound", f"The specified task {task_id} is not found.")
        status = task.status()
        if status == "running":
            # The live answer for a running task is UNCONFIRMED; synthetic here.
            return _error(409, "InvalidAction.TaskRunning", "A running task cannot be cancelled.")
        if status == "queued":
            task.cancelled = True
            self.cancelled.append(task_id)
            self._callback(task)
        else:
            del self.tasks[task_id]
            self.deleted.append(task_id)
        return httpx.Response(200, json={})

    def _callback(self, task: _Task) -> None:
        url = task.body.get("callback_url")
        status = task.status()
        if isinstance(url, str) and status != task.last_status:
            self.callbacks.append((url, task.payload(self.output_host)))
        task.last_status = status

    # ------------------------------------------------------------------ validation

    def _check(self, body: Any) -> tuple[str, str] | None:
        if not isinstance(body, dict):
            return "body", "The request body must be a JSON object"
        family = self._models.get(str(body.get("model")))
        if family is None:
            return "model", (
                f"The model or endpoint {body.get('model')} does not exist or you do not have "
                "access to it."
            )
        content = body.get("content")
        if not isinstance(content, list) or not content:
            return "content", "content must be a non-empty array"
        roles = []
        for index, item in enumerate(content):
            kind = item.get("type") if isinstance(item, dict) else None
            if kind == "text":
                if not isinstance(item.get("text"), str):
                    return f"content[{index}].text", "text must be a string"
            elif kind == "image_url":
                url = (item.get("image_url") or {}).get("url")
                if not isinstance(url, str) or not url.startswith(("https://", "data:image/")):
                    return f"content[{index}].image_url.url", "url must be https or a data URL"
                roles.append(item.get("role"))
            else:
                return f"content[{index}].type", f"unknown content type {kind!r}"
        references = roles.count("reference_image")
        if references and references != len(roles):
            return "content", "reference images cannot be mixed with first/last frames"
        if references > family.max_references:
            return "content", f"at most {family.max_references} reference images"
        if "last_frame" in roles and "first_frame" not in roles:
            return "content", "a last frame needs a first frame"
        for name, allowed in (
            ("ratio", RATIOS),
            ("resolution", family.resolutions),
            ("duration", family.durations),
        ):
            if name in body and body[name] not in allowed:
                return name, f"{name} {body[name]!r} is not supported by {body['model']}"
        if body.get("camera_fixed") and (not family.camera_fixed or references):
            return "camera_fixed", f"camera_fixed is not supported by {body['model']} here"
        if "generate_audio" in body and not family.audio:
            return "generate_audio", f"{body['model']} does not generate audio"
        if body.get("service_tier") == "flex" and not family.flex:
            return "service_tier", f"{body['model']} has no flex tier"
        expires = body.get("execution_expires_after")
        if expires is not None and not 3600 <= expires <= 259200:
            return "execution_expires_after", "execution_expires_after must be 3600-259200"
        return None


# --------------------------------------------------------------------------- faults


def _error(status: int, code: str, message: str, *, param: str | None = None) -> httpx.Response:
    error: dict[str, Any] = {"code": code, "message": message, "type": "BadRequest"}
    if param is not None:
        error["param"] = param
    return httpx.Response(status, json={"error": error}, headers={"x-request-id": "fake"})


def _bind(fault: Fault, handler: Handler) -> Handler:
    return lambda request: fault(request, handler)


def _datestamp(seconds: int) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y%m%d%H%M%S")


def api_error(
    status: int,
    code: str,
    message: str = "",
    *,
    created: bool = False,
    retry_after: float | None = None,
) -> Fault:
    """Answer ``{"error": {"code", "message"}}`` with ``status``; ``created``: the server
    acted first (a 5xx whose task exists)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        response = _error(status, code, message or code)
        if retry_after is not None:
            response.headers["Retry-After"] = f"{retry_after:g}"
        return response

    extra = f", retry_after={retry_after:g}" if retry_after is not None else ""
    return named(f"api_error({status} {code}{', created' if created else ''}{extra})", fault)


def rate_limited(retry_after: float | None = None) -> Fault:
    """429 ``RateLimitExceeded.EndpointRPMExceeded`` (sub-code UNCONFIRMED); no task."""
    return named(
        f"rate_limited({'' if retry_after is None else f'{retry_after:g}'})",
        api_error(
            429,
            "RateLimitExceeded.EndpointRPMExceeded",
            "The request has exceeded the RPM rate limit of the endpoint.",
            retry_after=retry_after,
        ),
    )


def server_error(status: int = 500, *, created: bool = False) -> Fault:
    """A 5xx (502: a gateway's HTML page); ``created``: the task exists behind it."""
    if status == 502:

        def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
            if created:
                handler(request)
            return httpx.Response(502, text="<html><body>502 Bad Gateway</body></html>")

        return named(f"server_error(502{', created' if created else ''})", fault)
    code = "ServerOverloaded" if status == 503 else "InternalServiceError"
    return api_error(status, code, "The service encountered an unexpected error.", created=created)


def unauthorized() -> Fault:
    return api_error(401, "AuthenticationError", "The API key in the request is invalid.")


def real_person_refused() -> Fault:
    """The 400 a reference image that may show a real person gets at create (live,
    2026-10-06); no task exists."""
    return api_error(
        400,
        PRIVACY_CODE,
        "The request failed because the input image 'content[1]' may contain real person.",
    )


def malformed_json(*, created: bool = True) -> Fault:
    if created:
        return generic_faults.corrupt_body("garbage")
    return named(
        "malformed_json(not created)",
        lambda request, handler: httpx.Response(200, text="<html>oops</html>"),
    )


def truncated_json(*, created: bool = True) -> Fault:
    if created:
        return generic_faults.corrupt_body("truncated")
    return named(
        "truncated_json(not created)",
        lambda request, handler: httpx.Response(200, text='{"id": "cgt-'),
    )


def unknown_status(word: str = "paused") -> Fault:
    """A task read answered normally, but with ``status`` ``word``."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        body = json.loads(response.read())
        body["status"] = word
        return httpx.Response(response.status_code, json=body)

    return named(f"unknown_status({word})", fault)
