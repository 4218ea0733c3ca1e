"""``RunwayFake``: Runway's developer API, in memory, for tests (no network, no key).

An instance is an ``httpx.MockTransport`` handler. It speaks the protocol of runway.md:
creates on ``/v1/image_to_video``, ``/v1/text_to_video`` and ``/v1/text_to_image``,
``GET``/``DELETE /v1/tasks/{id}``, the two-step upload (``POST /v1/uploads``, then a
multipart POST to the presigned storage URL), and output downloads. It checks
``Authorization`` and ``X-Runway-Version`` on Runway's origin and their *absence* on the
storage and output hosts, validates every create body against the plugin's model table,
and walks tasks PENDING -> RUNNING -> SUCCEEDED (or THROTTLED first, or FAILED)::

    import httpx
    from framecast import GenerationRequest, ProviderSettings, Runner
    from framecast.testing import VirtualClock
    from framecast_runway.testing import RunwayFake, rate_limited, reset_after

    fake = RunwayFake(running_polls=2)
    fake.inject("POST", "/v1/image_to_video", rate_limited(retry_after=2))
    settings = ProviderSettings(name="runway", env={"RUNWAYML_API_SECRET": fake.api_key})
    async with Runner("runway", settings=settings, transport=httpx.MockTransport(fake),
                      clock=VirtualClock()) as runner:
        result = await runner.generate(GenerationRequest(prompt="A cat", image="cat.png"))
    assert fake.tasks_created == 1 and fake.violations == []

Faults are scripted per request with ``inject(method, path_fragment, *faults)``: each
matching request consumes the next fault. The fault factories below cover Runway's
documented failures; ``framecast.testing``'s generic faults (same signature) work too:
``rate_limited(retry_after=...)`` (429, with or without the header), ``unavailable(...)``
(503; with ``retry_after`` a refusal, without it ``created=`` says whether the task exists),
``server_error(500|502|504, created=...)``, ``connection_refused()``,
``read_timeout_after()`` / ``reset_after()`` (the server acted, the answer is
lost), ``malformed_json()`` / ``truncated_json()``, ``unknown_status(word)``,
``unauthorized()`` (a revoked or expired key) and ``out_of_credits()``. A task's life is
planned with ``plan_next(...)``: ``throttled_polls=40`` for a long THROTTLED run,
``outcome="FAILED", failure_code=code`` for each class in ``FAILURE_CODES``.
Everything is deterministic for a given ``seed`` (task ids, upload ids).

In a host application's own tests, build your ``Runner`` on the fake (or pass it as the
transport your code hands to ``Runner``), script the faults your code must survive, and
assert on your code's behaviour and the fake's counters: ``fake.tasks_created`` never above
the jobs you asked for is the "never paid twice" check; every id in ``fake.tasks`` present in
your results or in an error's ``handle`` is the "never lost a task" check (after a lost create
answer Runway offers no lookup: the runner raises ``OutcomeUnknown`` with the request's
fingerprint and time window instead).

Public counters for assertions: ``tasks_created``, ``requests``, ``uploads``,
``deleted`` (task ids), ``deleted_finished`` (finished tasks whose output was deleted),
``violations`` (protocol breaches the client made: credentials on a foreign host, a
missing header) and ``log`` (method, URL, status; 0 when no answer reached the client).

Never use it inside an active vcrpy cassette: vcrpy intercepts ``MockTransport`` too.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Mapping
from typing import Any

import attrs
import httpx
from framecast import prompt_length
from framecast import testing as generic_faults

from ._auth import API_VERSION
from ._models import DATA_URI_LIMIT, ENDPOINT_PATHS, Variant, get_model
from ._pricing import estimate_cost

__all__ = [
    "FAILURE_CODES",
    "Fault",
    "RunwayFake",
    "TaskPlan",
    "connection_refused",
    "malformed_json",
    "out_of_credits",
    "rate_limited",
    "read_timeout_after",
    "reset_after",
    "server_error",
    "truncated_json",
    "unauthorized",
    "unavailable",
    "unknown_status",
]

Handler = generic_faults.Handler
Fault = generic_faults.Fault

DOC_URL = "https://docs.dev.runwayml.com/api"
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
_TASK_PATH = re.compile(r"^/v1/tasks/([^/]+)$")
_MEDIA_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".mp4", ".mov", ".mp3", ".wav")


@attrs.define
class TaskPlan:
    """How the next created task behaves: polls spent in each state, then its end."""

    throttled_polls: int = 0
    pending_polls: int = 1
    running_polls: int = 2
    outcome: str = "SUCCEEDED"  # or "FAILED"
    failure: str = "The provided image was flagged by content moderation."
    failure_code: str | None = "SAFETY.INPUT.IMAGE"
    outputs: int = 1


@attrs.define
class _Task:
    id: str
    model: str
    created_at: str
    credits: float
    plan: TaskPlan
    output_host: str
    polls: int = 0
    cancelled: bool = False

    def state(self) -> str:
        plan = self.plan
        if self.cancelled:
            return "CANCELLED"
        steps = self.polls
        for status, count in (
            ("THROTTLED", plan.throttled_polls),
            ("PENDING", plan.pending_polls),
            ("RUNNING", plan.running_polls),
        ):
            if steps < count:
                return status
            steps -= count
        return plan.outcome

    def payload(self) -> dict[str, Any]:
        status = self.state()
        body: dict[str, Any] = {"id": self.id, "status": status, "createdAt": self.created_at}
        if status in ("PENDING", "THROTTLED", "RUNNING"):
            body["estimatedCost"] = {"credits": self.credits}
        if status == "RUNNING":
            done = self.polls - self.plan.throttled_polls - self.plan.pending_polls
            body["progress"] = round((done + 1) / (self.plan.running_polls + 1), 3)
        elif status == "SUCCEEDED":
            body["output"] = [
                f"{self.output_host}/{self.model}/{self.id}/output{i}.mp4?_jwt=fake.signed.url"
                for i in range(self.plan.outputs)
            ]
            body["cost"] = {"credits": int(self.credits)}
        elif status == "FAILED":
            body["failure"] = self.plan.failure
            if self.plan.failure_code is not None:
                body["failureCode"] = self.plan.failure_code
            body["cost"] = {"credits": 0}
        elif status == "CANCELLED":
            body["cost"] = {"credits": 0}
        return body


class RunwayFake:
    """Runway's protocol in memory; call ``httpx.MockTransport(fake)``.

    ``base_url``: the origin it answers as (Runway's by default, so ``Runner("runway")``
    works unchanged). ``api_key``: the one key it accepts. ``upload_url`` and
    ``output_host``: the storage and CDN hosts that must never see credentials.
    ``credit_balance``: ``None`` for unlimited, else creates beyond it get Runway's
    out-of-credits 400. ``daily_task_limit``: creates beyond it get Runway's 429.
    ``cancelled_visible``: a deleted unfinished task reads as CANCELLED instead of the
    404 the live API gives (synthetic, as runway.md §9.5 says).
    """

    def __init__(
        self,
        *,
        base_url: str = "https://api.dev.runwayml.com",
        api_key: str = "key_test_not_real",
        upload_url: str = "https://runway-uploads.fake.test/upload",
        output_host: str = "https://outputs.fake.test",
        throttled_polls: int = 0,
        pending_polls: int = 1,
        running_polls: int = 2,
        credit_balance: float | None = None,
        daily_task_limit: int | None = None,
        cancelled_visible: bool = False,
        seed: int = 0,
    ) -> None:
        self.base = httpx.URL(base_url)
        self.api_key = api_key
        self.upload_url = upload_url
        self.output_host = output_host.rstrip("/")
        self.default_plan = TaskPlan(
            throttled_polls=throttled_polls,
            pending_polls=pending_polls,
            running_polls=running_polls,
        )
        self.credit_balance = credit_balance
        self.daily_task_limit = daily_task_limit
        self.cancelled_visible = cancelled_visible
        self._rng = random.Random(seed)
        self._plans: list[TaskPlan] = []
        self._faults: list[tuple[str, str, list[Fault]]] = []
        self._slots: dict[str, str] = {}  # storage key -> runway URI
        self.tasks: dict[str, _Task] = {}
        self.tasks_created = 0
        self.requests = 0
        self.uploads: dict[str, bytes] = {}
        self.deleted: list[str] = []
        self.deleted_finished: list[str] = []
        self.violations: list[str] = []
        self.log: list[tuple[str, str, int]] = []
        self.bodies: list[dict[str, Any]] = []  # accepted create bodies, in order

    # ------------------------------------------------------------------ scripting

    def plan_next(self, **plan: Any) -> RunwayFake:
        """The next created task follows this plan (``TaskPlan`` fields), e.g.
        ``plan_next(outcome="FAILED", failure_code="INTERNAL.BAD_OUTPUT.CODE01")``."""
        self._plans.append(attrs.evolve(self.default_plan, **plan))
        return self

    def inject(self, method: str, path_fragment: str, *faults: Fault) -> RunwayFake:
        """Queue faults for requests whose method matches and whose URL contains
        ``path_fragment``; each matching request consumes one."""
        self._faults.append((method.upper(), path_fragment, list(faults)))
        return self

    def pending_faults(self) -> int:
        return sum(len(f) for _, _, f in self._faults)

    def task_status(self, task_id: str) -> str | None:
        task = self.tasks.get(task_id)
        return None if task is None else task.state()

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
            self.log.append((request.method, url, 0))  # 0: no answer reached the client
            raise
        self.log.append((request.method, url, response.status_code))
        return response

    def _serve(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        # Storage and CDN first: they may share the API's origin (one loopback server).
        if str(url.copy_with(query=None)) == self.upload_url:
            self._no_credentials(request, "the presigned upload URL")
            return self._store(request)
        if str(url).startswith(self.output_host + "/"):
            self._no_credentials(request, "an output URL")
            return httpx.Response(200, content=FAKE_MP4, headers={"content-type": "video/mp4"})
        if (url.scheme, url.host, url.port) == (self.base.scheme, self.base.host, self.base.port):
            return self._api(request)
        raise httpx.ConnectError(f"fake: no such host {url.host}", request=request)

    def _no_credentials(self, request: httpx.Request, where: str) -> None:
        for header in ("authorization", "x-runway-version"):
            if header in request.headers:
                self.violations.append(f"{header} sent to {where} ({request.url.host})")

    def _api(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            if "authorization" not in request.headers:
                self.violations.append(f"no Authorization on {request.method} {request.url.path}")
            return _error(401, "Invalid API key. Check that the key is correct and active.")
        if request.headers.get("x-runway-version") != API_VERSION:
            self.violations.append(f"X-Runway-Version missing or wrong on {request.url.path}")
            # What the live API answers here is unconfirmed (runway.md §9.2).
            return _error(400, "The X-Runway-Version header is missing or invalid.")
        path = request.url.path
        endpoint = {v: k for k, v in ENDPOINT_PATHS.items()}.get(path)
        if endpoint is not None:
            if request.method != "POST":
                return _error(405, "Method not allowed")
            return self._create(request, endpoint)
        if path == "/v1/uploads" and request.method == "POST":
            return self._upload_slot(request)
        match = _TASK_PATH.match(path)
        if match:
            if request.method == "GET":
                return self._get_task(match.group(1))
            if request.method == "DELETE":
                return self._delete_task(match.group(1))
            return _error(405, "Method not allowed")
        return _error(404, f"Cannot {request.method} {path}")

    # ------------------------------------------------------------------ endpoints

    def _create(self, request: httpx.Request, endpoint: str) -> httpx.Response:
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return _error(400, "Request body is not valid JSON")
        issues = self._check_body(body, endpoint)
        if issues:
            return _error(400, "Validation of body failed", issues=issues)
        estimate = estimate_cost(
            body["model"], body.get("ratio"), body.get("duration"), _options_of(body)
        )
        credits = estimate.units if estimate and estimate.units is not None else 0.0
        if self.credit_balance is not None and credits > self.credit_balance:
            return _error(400, "You do not have enough credits to run this task.")
        if self.daily_task_limit is not None and self.tasks_created >= self.daily_task_limit:
            return _error(429, "Your daily task limit has been reached.")
        if self.credit_balance is not None:
            self.credit_balance -= credits
        task_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        plan = self._plans.pop(0) if self._plans else attrs.evolve(self.default_plan)
        stamp = (
            f"2026-01-01T00:{self.tasks_created // 60 % 60:02d}:{self.tasks_created % 60:02d}.000Z"
        )
        self.tasks[task_id] = _Task(
            task_id, body["model"], stamp, credits, plan, output_host=self.output_host
        )
        self.tasks_created += 1
        self.bodies.append(body)
        return httpx.Response(200, json={"id": task_id, "estimatedCost": {"credits": credits}})

    def _get_task(self, task_id: str) -> httpx.Response:
        task = self.tasks.get(task_id)
        if task is None or (task_id in self.deleted and not task.cancelled):
            return _error(404, "The task does not exist, or was deleted or canceled.")
        if task.cancelled and not self.cancelled_visible:
            return _error(404, "The task does not exist, or was deleted or canceled.")
        payload = task.payload()
        if task.state() not in ("SUCCEEDED", "FAILED", "CANCELLED"):
            task.polls += 1
        return httpx.Response(200, json=payload)

    def _delete_task(self, task_id: str) -> httpx.Response:
        task = self.tasks.get(task_id)
        if task is None or task_id in self.deleted:
            return _error(404, "The task does not exist, or was deleted or canceled.")
        self.deleted.append(task_id)
        if task.state() in ("SUCCEEDED", "FAILED", "CANCELLED"):
            self.deleted_finished.append(task_id)  # its (paid) output is gone now
        else:
            task.cancelled = True
        return httpx.Response(204)

    def _upload_slot(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return _error(400, "Request body is not valid JSON")
        issues = []
        filename = body.get("filename") if isinstance(body, dict) else None
        if not isinstance(filename, str) or not 3 <= len(filename) <= 255:
            issues.append(_issue("filename", "filename must be 3-255 characters"))
        elif not filename.lower().endswith(_MEDIA_EXTENSIONS):
            issues.append(_issue("filename", "filename must have a media extension"))
        if not isinstance(body, dict) or body.get("type") != "ephemeral":
            issues.append(_issue("type", 'type must be "ephemeral"'))
        if issues:
            return _error(400, "Validation of body failed", issues=issues)
        number = len(self._slots) + 1
        key = f"uploads/{number}/{filename}"
        uri = f"runway://upload/{uuid.UUID(int=self._rng.getrandbits(128), version=4)}"
        self._slots[key] = uri
        return httpx.Response(
            200,
            json={
                "uploadUrl": self.upload_url,
                "fields": {"key": key, "policy": "fake-policy"},
                "runwayUri": uri,
            },
        )

    def _store(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return httpx.Response(405)
        fields, files = _parse_multipart(request)
        uri = self._slots.get(fields.get("key", ""))
        if uri is None or "file" not in files:
            return httpx.Response(400, text="<Error><Code>InvalidPolicyDocument</Code></Error>")
        self.uploads[uri] = files["file"]
        return httpx.Response(204)

    # ------------------------------------------------------------------ validation

    def _check_body(self, body: Any, endpoint: str) -> list[dict[str, Any]]:
        if not isinstance(body, dict):
            return [_issue("", "Expected object")]
        model = get_model(body.get("model", "")) if isinstance(body.get("model"), str) else None
        variant = model.variant(endpoint) if model is not None else None
        if model is None or variant is None or model.withdrawn:
            return [_issue("model", f"Invalid model {body.get('model')!r} for {endpoint}")]
        return _check_variant(body, variant, self.uploads)


def _check_variant(body: dict[str, Any], variant: Variant, uploads: Mapping[str, bytes]) -> list:
    issues: list[dict[str, Any]] = []
    for key in body:
        if key != "model" and key not in variant.fields:
            issues.append(_issue(key, f"Unrecognized key: {key!r}"))
    if variant.endpoint == "image_to_video" and "promptImage" not in body:
        issues.append(_issue("promptImage", "Required"))
    if variant.ratio_required and "ratio" not in body:
        issues.append(_issue("ratio", "Required"))
    if variant.duration_required and "duration" not in body:
        issues.append(_issue("duration", "Required"))
    if variant.references_required and not body.get("referenceImages"):
        issues.append(_issue("referenceImages", "Required"))
    text = body.get("promptText")
    if text is None:
        if variant.prompt_required:
            issues.append(_issue("promptText", "Required"))
    elif not isinstance(text, str):
        issues.append(_issue("promptText", "Expected string"))
    else:
        length = prompt_length(text, "utf16")
        if length < variant.prompt_min or (variant.prompt_max and length > variant.prompt_max):
            issues.append(
                _issue(
                    "promptText",
                    f"length {length} outside {variant.prompt_min}-{variant.prompt_max}",
                )
            )
    if "ratio" in body and variant.ratios and body["ratio"] not in variant.ratios:
        issues.append(_issue("ratio", f"Invalid enum value {body['ratio']!r}"))
    if "duration" in body and variant.durations and body["duration"] not in variant.durations:
        issues.append(_issue("duration", f"Invalid duration {body['duration']!r}"))
    for path, uri in _media(body):
        problem = _check_uri(uri, uploads)
        if problem:
            issues.append(_issue(path, problem))
    issues.extend(_check_keyframes(body.get("promptImage"), variant))
    seed = body.get("seed")
    if "seed" in body and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 4294967295
    ):
        issues.append(_issue("seed", "Expected an integer from 0 to 4294967295"))
    if "audio" in body and not isinstance(body["audio"], bool):
        issues.append(_issue("audio", "Expected boolean"))
    negative = body.get("negativePrompt")
    if "negativePrompt" in body and not (isinstance(negative, str) and 1 <= len(negative) <= 1000):
        issues.append(_issue("negativePrompt", "Expected a string of 1-1000 characters"))
    moderation = body.get("contentModeration")
    if "contentModeration" in body and not (
        isinstance(moderation, dict)
        and set(moderation) <= {"publicFigureThreshold"}
        and moderation.get("publicFigureThreshold", "auto") in ("auto", "low")
    ):
        issues.append(_issue("contentModeration", "Invalid contentModeration"))
    return issues


def _check_keyframes(image: Any, variant: Variant) -> list[dict[str, Any]]:
    """promptImage arrays: positions the model takes, first before last, no mixing."""
    if not isinstance(image, list):
        return []
    if not image:
        return [_issue("promptImage", "Array must contain at least 1 element(s)")]
    positions = [item.get("position") for item in image if isinstance(item, dict)]
    if any(p is not None for p in positions):
        if any(p not in variant.positions for p in positions):
            return [_issue("promptImage", f"positions must be among {variant.positions}")]
        if "first" not in positions:
            return [_issue("promptImage", "a last frame needs a first frame")]
        if len(positions) != len(set(positions)):
            return [_issue("promptImage", "each position at most once")]
        return []
    if len(image) > max(variant.max_references, 1) or (
        variant.max_references == 0 and "first" in variant.positions
    ):
        return [_issue("promptImage", "reference images are not accepted here")]
    return []


def _media(body: dict[str, Any]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    image = body.get("promptImage")
    if isinstance(image, list):
        found.extend(
            (f"promptImage.{i}.uri", item.get("uri") if isinstance(item, dict) else item)
            for i, item in enumerate(image)
        )
    elif image is not None:
        found.append(("promptImage", image))
    for i, item in enumerate(body.get("referenceImages") or []):
        found.append(
            (f"referenceImages.{i}.uri", item.get("uri") if isinstance(item, dict) else item)
        )
    return found


def _check_uri(uri: Any, uploads: Mapping[str, bytes]) -> str | None:
    if not isinstance(uri, str):
        return "Expected string"
    if uri.startswith("https://"):
        return None if 13 <= len(uri) <= 2048 else "URL too long"
    if uri.startswith("runway://"):
        return None if uri in uploads else "Unknown or expired upload URI"
    if uri.startswith("data:image/"):
        if len(uri) > DATA_URI_LIMIT:
            return f"Data URI is {len(uri)} characters; at most {DATA_URI_LIMIT}"
        return None if ";base64," in uri else "Data URI must be base64"
    return "Expected an https URL, a runway:// URI or a data:image/ URI"


def _options_of(body: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for wire, name in (
        ("audio", "audio"),
        ("resolution", "resolution"),
        ("outputFormat", "output_format"),
    ):
        if wire in body:
            options[name] = body[wire]
    return options


def _issue(path: str, message: str) -> dict[str, Any]:
    return {"code": "custom", "message": message, "path": [p for p in path.split(".") if p]}


def _error(
    status: int,
    message: str,
    *,
    issues: list | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"error": message}
    if issues:
        body["issues"] = issues
    body["docUrl"] = DOC_URL
    return httpx.Response(status, json=body, headers=dict(headers or {}))


def _parse_multipart(request: httpx.Request) -> tuple[dict[str, str], dict[str, bytes]]:
    match = re.search(r"boundary=([^;]+)", request.headers.get("content-type", ""))
    if not match:
        return {}, {}
    boundary = b"--" + match.group(1).strip('"').encode()
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in request.content.split(boundary):
        if not part or part in (b"--\r\n", b"--"):
            continue
        head, _, data = part.strip(b"\r\n").partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if not name:
            continue
        if b"filename=" in head:
            files[name.group(1).decode()] = data
        else:
            fields[name.group(1).decode()] = data.decode()
    return fields, files


# ---------------------------------------------------------------------- faults


def _bind(fault: Fault, serve: Handler) -> Handler:
    return lambda request: fault(request, serve)


_named = generic_faults.named


def rate_limited(retry_after: float | None = None, *, daily: bool = False) -> Fault:
    """Runway's 429 (nothing created), with or without ``Retry-After``."""
    message = "Your daily task limit has been reached." if daily else "Too many requests."
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(429, message, headers=headers)

    return _named(f"rate_limited({retry_after})", fault)


def unavailable(retry_after: float | None = None, *, created: bool = False) -> Fault:
    """503 shedding load, with or without ``Retry-After``; ``created`` makes the server
    act first (the task exists although the answer says 503)."""
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        return _error(503, "Service unavailable", headers=headers)

    return _named(f"unavailable({retry_after}, created={created})", fault)


def server_error(status: int = 500, *, created: bool = False) -> Fault:
    """A 500/502/504; ``created=True``: the task was really created behind it."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        return _error(status, "An unexpected error occurred.")

    return _named(f"server_error({status}, created={created})", fault)


connection_refused = generic_faults.connection_refused
reset_after = generic_faults.reset_after
read_timeout_after = generic_faults.read_timeout_after


def malformed_json(*, created: bool = True) -> Fault:
    """A 200 whose body is not JSON (a proxy's HTML page), after the server acted."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        return httpx.Response(
            200, content=b"<html>upstream error</html>", headers={"content-type": "text/html"}
        )

    return _named("malformed_json", fault)


def truncated_json(*, created: bool = True) -> Fault:
    """The server's real 200 body cut in half."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request) if created else httpx.Response(200, json={"id": "x" * 36})
        content = response.read()
        return httpx.Response(
            response.status_code,
            content=content[: max(1, len(content) // 2)],
            headers={"content-type": "application/json"},
        )

    return _named("truncated_json", fault)


def unknown_status(word: str = "EXPLODED") -> Fault:
    """A task read whose status word Runway never documented."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        if response.status_code != 200:
            return response
        payload = json.loads(response.read())
        payload["status"] = word
        return httpx.Response(200, json=payload)

    return _named(f"unknown_status({word})", fault)


def unauthorized() -> Fault:
    """Runway's 401 for a key that was revoked or expired (nothing created)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(401, "Invalid API key. Check that the key is correct and active.")

    return _named("unauthorized", fault)


def out_of_credits() -> Fault:
    """Runway's 400 when the organization lacks the credits for the task (nothing created)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(400, "You do not have enough credits to run this task.")

    return _named("out_of_credits", fault)


#: Documented ``failureCode`` values, one per class (runway.md §3 "failureCode"), with whether
#: trying the same request again may succeed. ``None``: the code is absent.
FAILURE_CODES: Mapping[str | None, bool] = {
    "SAFETY.INPUT.IMAGE": False,
    "SAFETY.INPUT.TEXT": False,
    "SAFETY.OUTPUT.VIDEO": False,
    "INPUT_PREPROCESSING.SAFETY.TEXT": False,
    "ASSET.INVALID": False,
    "INTERNAL.BAD_OUTPUT.CODE01": True,
    "INPUT_PREPROCESSING.INTERNAL": True,
    "THIRD_PARTY.UNAVAILABLE": True,
    "INTERNAL": True,
    None: True,
}
