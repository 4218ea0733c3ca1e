"""``GoogleFake``: the Gemini API's Veo operations, in memory, for tests (no network, no key).

An instance is an ``httpx.MockTransport`` handler speaking the protocol the plugin's README
describes: ``POST /v1beta/models/{model}:predictLongRunning`` answers an operation name;
``GET /v1beta/models/{model}/operations/{id}`` is running (no ``done``) for a few reads,
then ``done`` with a video, an ``error``, or a safety-filtered result; the video URI
(``/v1beta/files/{id}:download?alt=media``) needs the key, and may redirect to a storage
host that must never see it. The fake checks ``x-goog-api-key`` on its own origin, its
*absence* everywhere else, and every create body against the plugin's model table::

    import httpx
    from framecast import GenerationRequest, ProviderSettings, Runner
    from framecast.testing import VirtualClock
    from framecast_google.testing import GoogleFake, rate_limited

    fake = GoogleFake(running_polls=2)
    fake.inject("POST", ":predictLongRunning", rate_limited(retry_delay=7))
    settings = ProviderSettings(name="google", env={"GEMINI_API_KEY": fake.api_key})
    async with Runner("google", settings=settings, transport=httpx.MockTransport(fake),
                      clock=VirtualClock()) as runner:
        result = await runner.generate(GenerationRequest(prompt="A cat", image="cat.png"))
        await runner.download(result, "cat.mp4")
    assert fake.tasks_created == 1 and fake.violations == []

Faults are scripted per request with ``inject(method, url_fragment, *faults)``: each
matching request consumes the next one. Factories here cover the Gemini API's documented
failures: ``rate_limited(retry_delay=..., retry_after=...)`` (429 ``RESOURCE_EXHAUSTED``
with a ``google.rpc.RetryInfo``), ``server_error(500|503|504, created=...)`` (the server
may have acted), ``malformed_operation()`` (a ``done`` operation with neither response nor
error), ``malformed_json()``, ``truncated_json()``, ``invalid_argument(message)``,
``bad_key()`` (Google's 400 ``API_KEY_INVALID``), ``permission_denied()``; and the generic
``connection_refused()``, ``reset_after()`` (the create happened, the answer was lost) and
``read_timeout_after()`` from ``framecast.testing``. A task's end is planned with
``plan_next(outcome="error", error_code=13)`` or ``plan_next(outcome="filtered",
reasons=[...])``. Everything is deterministic (operation ids count up).

Public counters: ``tasks_created``, ``requests``, ``downloads``, ``bodies`` (accepted create
bodies), ``violations`` (the key on a foreign host, a missing key) and ``log`` (method, URL
without query, status; 0 when no answer reached the client).

Never use it inside an active vcrpy cassette: vcrpy intercepts ``MockTransport`` too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx
from framecast import Mode
from framecast import testing as generic_faults

from ._models import (
    DURATIONS,
    EIGHT_SECONDS_ONLY_RESOLUTIONS,
    MAX_REFERENCE_IMAGES,
    PERSON_GENERATION,
    RATIOS,
    get_model,
)

__all__ = [
    "FAKE_MP4",
    "GoogleFake",
    "OperationPlan",
    "bad_key",
    "connection_refused",
    "invalid_argument",
    "malformed_json",
    "malformed_operation",
    "permission_denied",
    "rate_limited",
    "read_timeout_after",
    "reset_after",
    "server_error",
    "truncated_json",
]

Handler = generic_faults.Handler
Fault = generic_faults.Fault

FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
_CREATE = re.compile(r"^/v1beta/models/([^/:]+):predictLongRunning$")
_OPERATION = re.compile(r"^/v1beta/models/([^/]+)/operations/([^/]+)$")
_FILE = re.compile(r"^/v1beta/files/([^/:]+):download$")
_PARAMETERS = frozenset(
    {"sampleCount", "durationSeconds", "aspectRatio", "resolution", "personGeneration",
     "negativePrompt", "enhancePrompt"}
)  # fmt: skip
_INSTANCE = frozenset({"prompt", "image", "lastFrame", "referenceImages"})
_RESPONSE_TYPE = (
    "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
)


@attrs.define
class OperationPlan:
    """How the next created operation behaves: reads spent running, then its end."""

    running_polls: int = 2
    outcome: str = "succeeded"  # or "error" or "filtered"
    error_code: int = 13
    error_message: str = "Video generation failed due to an internal error."
    reasons: tuple[str, ...] = (
        "Your current safety settings for person generation blocked this video.",
    )


@attrs.define
class _Operation:
    name: str
    file_id: str
    plan: OperationPlan
    polls: int = 0

    @property
    def done(self) -> bool:
        return self.polls > self.plan.running_polls

    def payload(self, origin: str) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name}
        if not self.done:
            return body  # the docs' running operation: no "done" at all
        body["done"] = True
        if self.plan.outcome == "error":
            body["error"] = {"code": self.plan.error_code, "message": self.plan.error_message}
            return body
        videos: dict[str, Any]
        if self.plan.outcome == "filtered":
            videos = {
                "raiMediaFilteredCount": 1,
                "raiMediaFilteredReasons": list(self.plan.reasons),
            }
        else:
            uri = f"{origin}/v1beta/files/{self.file_id}:download?alt=media"
            videos = {"generatedSamples": [{"video": {"uri": uri}}]}
        body["response"] = {"@type": _RESPONSE_TYPE, "generateVideoResponse": videos}
        return body


class GoogleFake:
    """The Gemini API's Veo operations in memory; call ``httpx.MockTransport(fake)``.

    ``base_url``: the origin it answers as (Google's by default, so ``Runner("google")``
    works unchanged). ``api_key``: the one key it accepts. ``storage_host``: where a video
    download redirects to when ``redirect_downloads`` is set (a host that must never see
    the key).
    """

    def __init__(
        self,
        *,
        base_url: str = "https://generativelanguage.googleapis.com",
        api_key: str = "gemini-test-key-not-real",
        running_polls: int = 2,
        redirect_downloads: bool = False,
        storage_host: str = "https://video-storage.fake.test",
    ) -> None:
        self.base = httpx.URL(base_url)
        self.origin = base_url.rstrip("/")
        self.api_key = api_key
        self.default_plan = OperationPlan(running_polls=running_polls)
        self.redirect_downloads = redirect_downloads
        self.storage_host = storage_host.rstrip("/")
        self._plans: list[OperationPlan] = []
        self._faults: list[tuple[str, str, list[Fault]]] = []
        self.tasks: dict[str, _Operation] = {}
        self.files: dict[str, str] = {}  # file id -> operation name
        self.tasks_created = 0
        self.requests = 0
        self.downloads = 0
        self.bodies: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.log: list[tuple[str, str, int]] = []

    # ------------------------------------------------------------------ scripting

    def plan_next(self, **plan: Any) -> GoogleFake:
        """The next created operation follows this plan (``OperationPlan`` fields)."""
        self._plans.append(attrs.evolve(self.default_plan, **plan))
        return self

    def inject(self, method: str, url_fragment: str, *faults: Fault) -> GoogleFake:
        """Queue faults for requests whose method matches and whose URL contains
        ``url_fragment``; each matching request consumes one."""
        self._faults.append((method.upper(), url_fragment, list(faults)))
        return self

    def pending_faults(self) -> int:
        return sum(len(f) for _, _, f in self._faults)

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
        if str(url).startswith(self.storage_host + "/"):
            if "x-goog-api-key" in request.headers:
                self.violations.append(f"x-goog-api-key sent to {url.host}")
            self.downloads += 1
            return httpx.Response(200, content=FAKE_MP4, headers={"content-type": "video/mp4"})
        if (url.scheme, url.host, url.port) != (self.base.scheme, self.base.host, self.base.port):
            if "x-goog-api-key" in request.headers:
                self.violations.append(f"x-goog-api-key sent to {url.host}")
            raise httpx.ConnectError(f"fake: no such host {url.host}", request=request)
        refused = self._check_key(request)
        if refused is not None:
            return refused
        path = url.path
        if match := _CREATE.match(path):
            if request.method != "POST":
                return _error(405, "INVALID_ARGUMENT", "Method not allowed")
            return self._create(request, match.group(1))
        if match := _OPERATION.match(path):
            if request.method != "GET":
                return _error(405, "INVALID_ARGUMENT", "Method not allowed")
            return self._read(f"models/{match.group(1)}/operations/{match.group(2)}")
        if (match := _FILE.match(path)) and request.method == "GET":
            return self._download(match.group(1), request)
        return _error(404, "NOT_FOUND", f"Requested entity was not found: {path}")

    def _check_key(self, request: httpx.Request) -> httpx.Response | None:
        key = request.headers.get("x-goog-api-key")
        if key is None:
            self.violations.append(f"no x-goog-api-key on {request.method} {request.url.path}")
            return _error(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        if key != self.api_key:
            return _bad_key()
        return None

    # ------------------------------------------------------------------ endpoints

    def _create(self, request: httpx.Request, model: str) -> httpx.Response:
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return _error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        problem = check_body(model, body)
        if problem:
            return _error(400, "INVALID_ARGUMENT", problem)
        self.tasks_created += 1
        op_id = f"op{self.tasks_created:06d}"
        name = f"models/{model}/operations/{op_id}"
        file_id = f"file{self.tasks_created:06d}"
        plan = self._plans.pop(0) if self._plans else attrs.evolve(self.default_plan)
        self.tasks[name] = _Operation(name, file_id, plan)
        self.files[file_id] = name
        self.bodies.append(body)
        return httpx.Response(200, json={"name": name})

    def _read(self, name: str) -> httpx.Response:
        operation = self.tasks.get(name)
        if operation is None:
            return _error(404, "NOT_FOUND", "Operation not found.")
        if not operation.done:
            operation.polls += 1
        return httpx.Response(200, json=operation.payload(self.origin))

    def _download(self, file_id: str, request: httpx.Request) -> httpx.Response:
        name = self.files.get(file_id)
        operation = self.tasks.get(name or "")
        if operation is None or not operation.done or operation.plan.outcome != "succeeded":
            return _error(404, "NOT_FOUND", "File not found.")
        if request.url.params.get("alt") != "media":
            return httpx.Response(200, json={"name": f"files/{file_id}", "mimeType": "video/mp4"})
        if self.redirect_downloads:
            return httpx.Response(
                302, headers={"location": f"{self.storage_host}/{file_id}.mp4?sig=fake"}
            )
        self.downloads += 1
        return httpx.Response(200, content=FAKE_MP4, headers={"content-type": "video/mp4"})


def check_body(model_name: str, body: Any) -> str | None:
    """Why the Gemini API would refuse this create body, or ``None``: the rules of the
    plugin's model table (the fake answers what the documentation says, no more)."""
    model = get_model(model_name)
    if model is None or model.withdrawn:
        return f"models/{model_name} is not found for API version v1beta"
    if not isinstance(body, dict) or set(body) - {"instances", "parameters", "webhookConfig"}:
        return "Invalid JSON payload received. Unknown name at top level."
    instances = body.get("instances")
    if not isinstance(instances, list) or len(instances) != 1:
        return "instances must hold exactly one instance"
    instance = instances[0]
    parameters = body.get("parameters") or {}
    if not isinstance(instance, dict) or not isinstance(parameters, dict):
        return "instances[0] and parameters must be objects"
    unknown = (set(instance) - _INSTANCE) | (set(parameters) - _PARAMETERS)
    if unknown:
        return f"Invalid JSON payload received. Unknown name {sorted(unknown)[0]!r}"
    for field in ("image", "lastFrame"):
        if field in instance and not _is_image(instance[field]):
            return f"{field} needs bytesBase64Encoded and mimeType"
    references = instance.get("referenceImages") or []
    if "lastFrame" in instance and "image" not in instance:
        return "lastFrame needs image"
    if references:
        mode = Mode.MULTI_IMAGE
        if len(references) > MAX_REFERENCE_IMAGES or not all(
            isinstance(r, dict) and _is_image(r.get("image")) and r.get("referenceType") == "ASSET"
            for r in references
        ):
            return f"referenceImages: at most {MAX_REFERENCE_IMAGES} ASSET images"
        if {"image", "lastFrame"} & set(instance):
            return "referenceImages cannot be combined with image or lastFrame"
        if not instance.get("prompt"):
            return "referenceImages need a prompt"
    elif "lastFrame" in instance:
        mode = Mode.FIRST_LAST
    elif "image" in instance:
        mode = Mode.IMAGE
    else:
        mode = Mode.TEXT
        if not instance.get("prompt"):
            return "a prompt is required"
    if mode not in model.modes:
        return f"{model_name} does not support {mode.value}"
    if parameters.get("sampleCount", 1) != 1:
        return "sampleCount must be 1"
    duration = parameters.get("durationSeconds", 8)
    if duration not in DURATIONS or isinstance(duration, bool):
        return f"durationSeconds must be one of {list(DURATIONS)}"
    if parameters.get("aspectRatio", "16:9") not in RATIOS:
        return "aspectRatio must be 16:9 or 9:16"
    resolution = parameters.get("resolution", "720p")
    if resolution not in model.resolutions:
        return f"resolution {resolution} is not supported by {model_name}"
    if duration != 8 and (resolution in EIGHT_SECONDS_ONLY_RESOLUTIONS or references):
        return "durationSeconds must be 8 for this resolution or with reference images"
    person = parameters.get("personGeneration")
    if person is not None and person not in PERSON_GENERATION[mode]:
        return f"personGeneration {person} is not allowed for this request"
    return None


def _is_image(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("bytesBase64Encoded"), str)
        and bool(value["bytesBase64Encoded"])
        and isinstance(value.get("mimeType"), str)
    )


def _error(
    status: int,
    word: str,
    message: str,
    *,
    details: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    error: dict[str, Any] = {"code": status, "message": message, "status": word}
    if details:
        error["details"] = list(details)
    return httpx.Response(status, json={"error": error}, headers=dict(headers or {}))


def _bad_key() -> httpx.Response:
    return _error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ],
    )


# ---------------------------------------------------------------------- faults


def _bind(fault: Fault, serve: Handler) -> Handler:
    return lambda request: fault(request, serve)


_named = generic_faults.named


def rate_limited(retry_delay: float | None = None, *, retry_after: float | None = None) -> Fault:
    """Google's 429 ``RESOURCE_EXHAUSTED`` (nothing created); ``retry_delay`` puts a
    ``google.rpc.RetryInfo`` in the details, ``retry_after`` a ``Retry-After`` header."""
    details = []
    if retry_delay is not None:
        details.append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_delay:g}s"}
        )
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
            details=details,
            headers=headers,
        )

    return _named(f"rate_limited({retry_delay}, retry_after={retry_after})", fault)


def server_error(status: int = 500, *, created: bool = False) -> Fault:
    """A 500 ``INTERNAL`` / 503 ``UNAVAILABLE`` / 504 ``DEADLINE_EXCEEDED``;
    ``created=True``: the server acted first (the operation exists behind the error)."""
    word = {500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}.get(status, "UNKNOWN")

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        return _error(status, word, "An internal error has occurred.")

    return _named(f"server_error({status}, created={created})", fault)


connection_refused = generic_faults.connection_refused
reset_after = generic_faults.reset_after
read_timeout_after = generic_faults.read_timeout_after


def malformed_operation() -> Fault:
    """A 200 operation read that says ``done`` with neither ``response`` nor ``error``."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        if response.status_code != 200:
            return response
        payload = json.loads(response.read())
        return httpx.Response(200, json={"name": payload.get("name"), "done": True})

    return _named("malformed_operation", fault)


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
        response = handler(request) if created else httpx.Response(200, json={"name": "x" * 40})
        content = response.read()
        return httpx.Response(
            response.status_code,
            content=content[: max(1, len(content) // 2)],
            headers={"content-type": "application/json"},
        )

    return _named("truncated_json", fault)


def invalid_argument(message: str = "Request contains an invalid argument.") -> Fault:
    """Google's 400 ``INVALID_ARGUMENT`` (nothing created)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(400, "INVALID_ARGUMENT", message)

    return _named("invalid_argument", fault)


def bad_key() -> Fault:
    """Google's answer to a key that is not (or no longer) valid: 400, ``API_KEY_INVALID``."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _bad_key()

    return _named("bad_key", fault)


def permission_denied() -> Fault:
    """403 ``PERMISSION_DENIED``: the key may not use this model or API."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(403, "PERMISSION_DENIED", "The caller does not have permission.")

    return _named("permission_denied", fault)
