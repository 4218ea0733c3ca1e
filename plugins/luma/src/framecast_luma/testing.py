"""``LumaFake``: Luma's two video APIs, in memory, for tests (no network, no key).

An instance is an ``httpx.MockTransport`` handler. It answers as both hosts:

- the **Agents API** (``agents.lumalabs.ai/v1``): ``POST /generations``,
  ``GET /generations/{id}`` (queued -> processing -> completed | failed), the Files API
  (``POST /files`` -> presigned PUT -> ``POST /files/{id}/complete``); no cancel, no delete;
- the **Dream Machine API** (``api.lumalabs.ai/dream-machine/v1``):
  ``POST /generations/video``, ``GET``/``DELETE /generations/{id}`` (queued -> dreaming ->
  completed | failed), ``GET /generations/concepts/list``; ``callback_url`` callbacks are
  recorded in ``fake.callbacks`` (url, generation JSON) on every state change.

It checks each API's key (``Authorization: Bearer``) and that the upload and output hosts
never see one, and validates every create body against the SDK types' rules::

    import httpx
    from framecast import GenerationRequest, ProviderSettings, Runner
    from framecast.testing import VirtualClock
    from framecast_luma.testing import LumaFake, rate_limited

    fake = LumaFake()
    fake.inject("POST", "/generations", rate_limited(retry_after=2))
    settings = ProviderSettings(name="luma", env=LumaFake.ENV)
    async with Runner("luma", settings=settings, transport=httpx.MockTransport(fake),
                      clock=VirtualClock()) as runner:
        result = await runner.generate(GenerationRequest(prompt="A cat", image="cat.png"))
    assert fake.tasks_created == 1 and fake.violations == []

Faults are scripted with ``inject(method, url_fragment, *faults)`` (each matching request
consumes the next one); the factories below cover Luma's failures and
``framecast.testing``'s generic faults work too. A generation's life is planned with
``plan_next(outcome="failed", failure_code=...)``. Counters: ``tasks_created``, ``tasks``,
``bodies``, ``files``, ``deleted``, ``callbacks``, ``violations``, ``log``.

Never use it inside an active vcrpy cassette: vcrpy intercepts ``MockTransport`` too.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import httpx
from framecast import testing as generic_faults

from ._models import (
    AGENTS_FAILURE_RETRYABLE,
    AGENTS_KEY,
    AGENTS_RATIOS,
    AGENTS_RESOLUTIONS,
    DREAM_MACHINE_KEY,
    DREAM_MACHINE_RATIOS,
    DREAM_MACHINE_RESOLUTIONS,
)

__all__ = [
    "DREAM_MACHINE_CONCEPT_LIST",
    "FAILURE_CODES",
    "Fault",
    "GenerationPlan",
    "LumaFake",
    "connection_refused",
    "failed_generation",
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

AGENTS_ORIGIN = "https://agents.lumalabs.ai/v1"
DREAM_MACHINE_ORIGIN = "https://api.lumalabs.ai/dream-machine/v1"
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64

#: The official camera concept list as the "Camera Concepts" changelog prints it (our copy
#: ends at "aerial").
DREAM_MACHINE_CONCEPT_LIST = (
    "truck_left", "pan_right", "pedestal_down", "low_angle", "pedestal_up", "selfie",
    "pan_left", "roll_right", "zoom_in", "over_the_shoulder", "orbit_right", "orbit_left",
    "static", "tiny_planet", "high_angle", "bolt_cam", "dolly_zoom", "overhead", "zoom_out",
    "handheld", "roll_left", "pov", "aerial",
)  # fmt: skip

#: Agents API ``failure_code`` values with whether a new attempt may succeed.
FAILURE_CODES: Mapping[str, bool] = dict(AGENTS_FAILURE_RETRYABLE)


@attrs.define
class GenerationPlan:
    """How the next created generation behaves: reads spent queued and running, then its end."""

    queued_polls: int = 1
    running_polls: int = 1
    outcome: str = "completed"  # or "failed"
    failure_code: str | None = "generation_failed"  # Agents API only
    failure_reason: str = "The generation failed."


@attrs.define
class _Generation:
    id: str
    api: str  # "agents" | "dream-machine"
    model: str
    created_at: str
    body: dict[str, Any]
    plan: GenerationPlan
    output_host: str
    polls: int = 0
    last_state: str = "queued"

    def state(self) -> str:
        if self.polls < self.plan.queued_polls:
            return "queued"
        if self.polls < self.plan.queued_polls + self.plan.running_polls:
            return "processing" if self.api == "agents" else "dreaming"
        return self.plan.outcome

    def payload(self) -> dict[str, Any]:
        state = self.state()
        url = f"{self.output_host}/{self.id}/video.mp4"
        if self.api == "agents":
            body: dict[str, Any] = {
                "id": self.id,
                "created_at": self.created_at,
                "model": self.model,
                "state": state,
                "type": "video",
            }
            if state == "completed":
                body["output"] = [
                    {"type": "video", "url": f"{url}?X-Amz-Expires=3600&X-Amz-Signature=fake"}
                ]
            elif state == "failed":
                if self.plan.failure_code is not None:
                    body["failure_code"] = self.plan.failure_code
                body["failure_reason"] = self.plan.failure_reason
            return body
        assets: dict[str, Any] = {}
        if state == "completed":
            assets = {"video": url, "image": f"{self.output_host}/{self.id}/thumb.jpg"}
        return {
            "id": self.id,
            "state": state,
            "failure_reason": self.plan.failure_reason if state == "failed" else None,
            "created_at": self.created_at,
            "generation_type": "video",
            "model": self.model,
            "assets": assets,
            "request": self.body,
        }


class LumaFake:
    """Both Luma APIs in memory; call ``httpx.MockTransport(fake)``.

    ``agents_key`` / ``dream_machine_key``: the one key each API accepts. ``output_host``
    and ``upload_host``: the CDN and storage hosts that must never see a key.
    """

    #: Fake keys only: what the fake accepts by default, by variable.
    ENV: ClassVar[Mapping[str, str]] = {
        AGENTS_KEY: "luma-api-test-not-real",
        DREAM_MACHINE_KEY: "luma-test-not-real",
    }

    def __init__(
        self,
        *,
        agents_key: str = "luma-api-test-not-real",
        dream_machine_key: str = "luma-test-not-real",
        agents_origin: str = AGENTS_ORIGIN,
        dream_machine_origin: str = DREAM_MACHINE_ORIGIN,
        output_host: str = "https://storage.luma-outputs.fake.test",
        upload_host: str = "https://luma-uploads.fake.test",
        queued_polls: int = 1,
        running_polls: int = 1,
        seed: int = 0,
    ) -> None:
        self.agents_key = agents_key
        self.dream_machine_key = dream_machine_key
        self.agents_origin = agents_origin.rstrip("/")
        self.dream_machine_origin = dream_machine_origin.rstrip("/")
        self.output_host = output_host.rstrip("/")
        self.upload_host = upload_host.rstrip("/")
        self.default_plan = GenerationPlan(queued_polls=queued_polls, running_polls=running_polls)
        self._rng = random.Random(seed)
        self._plans: list[GenerationPlan] = []
        self._faults: list[tuple[str, str, list[Fault]]] = []
        self.tasks: dict[str, _Generation] = {}
        self.tasks_created = 0
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.deleted_finished: list[str] = []
        self.callbacks: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[str] = []
        self.log: list[tuple[str, str, int]] = []

    # ------------------------------------------------------------------ scripting

    def plan_next(self, **plan: Any) -> LumaFake:
        """The next created generation follows this plan (``GenerationPlan`` fields)."""
        self._plans.append(attrs.evolve(self.default_plan, **plan))
        return self

    def inject(self, method: str, url_fragment: str, *faults: Fault) -> LumaFake:
        """Queue faults for requests whose method matches and whose URL contains
        ``url_fragment``; each matching request consumes one."""
        self._faults.append((method.upper(), url_fragment, list(faults)))
        return self

    def pending_faults(self) -> int:
        return sum(len(f) for _, _, f in self._faults)

    # ------------------------------------------------------------------ dispatch

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
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
        url = str(request.url.copy_with(query=None))
        if url.startswith(self.upload_host + "/"):
            self._no_credentials(request, "the presigned upload URL")
            return self._store(request)
        if url.startswith(self.output_host + "/"):
            self._no_credentials(request, "an output URL")
            return httpx.Response(200, content=FAKE_MP4, headers={"content-type": "video/mp4"})
        if url.startswith(self.dream_machine_origin + "/"):
            path = url[len(self.dream_machine_origin) :]
            return self._keyed(request, self.dream_machine_key, lambda: self._dm(request, path))
        if url.startswith(self.agents_origin + "/"):
            path = url[len(self.agents_origin) :]
            return self._keyed(request, self.agents_key, lambda: self._agents(request, path))
        raise httpx.ConnectError(f"fake: no such host {request.url.host}", request=request)

    def _no_credentials(self, request: httpx.Request, where: str) -> None:
        if "authorization" in request.headers:
            self.violations.append(f"authorization sent to {where} ({request.url.host})")

    def _keyed(self, request: httpx.Request, key: str, serve: Any) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {key}":
            if "authorization" not in request.headers:
                self.violations.append(f"no Authorization on {request.method} {request.url.path}")
            return _error(401, "Invalid API key provided")
        return serve()  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ Agents API

    def _agents(self, request: httpx.Request, path: str) -> httpx.Response:
        parts = path.strip("/").split("/")
        if parts == ["generations"] and request.method == "POST":
            body, refused = _body(request)
            if refused is not None:
                return refused
            issues = self._check_agents(body)
            if issues:
                return _error(400, "; ".join(issues))
            return httpx.Response(201, json=self._create("agents", body).payload())
        if len(parts) == 2 and parts[0] == "generations" and request.method == "GET":
            return self._read(parts[1], "agents")
        if parts == ["files"] and request.method == "POST":
            return self._file_slot(request)
        if len(parts) == 3 and parts[0] == "files" and parts[2] == "complete":
            file = self.files.get(parts[1])
            if file is None or request.method != "POST":
                return _error(404, "Not found")
            if file["bytes"] is None:
                return _error(400, "upload the bytes before completing the file")
            file["state"] = "ready"  # ingest is instant here; the API says "pending" first
            return httpx.Response(200, json={**self._file_view(file), "state": "pending"})
        return _error(404, f"Cannot {request.method} {path}")

    def _check_agents(self, body: Any) -> list[str]:
        if not isinstance(body, dict):
            return ["body: expected an object"]
        issues = []
        if not isinstance(body.get("prompt"), str) or not body["prompt"]:
            issues.append("prompt: required")
        if body.get("model") != "ray-3.2":
            issues.append(f"model: {body.get('model')!r} is not a video model")
        if body.get("type") != "video":
            issues.append(f"type: {body.get('type')!r}")
        if "aspect_ratio" in body and body["aspect_ratio"] not in AGENTS_RATIOS:
            issues.append(f"aspect_ratio: {body['aspect_ratio']!r}")
        video = body.get("video") or {}
        if not isinstance(video, dict):
            return [*issues, "video: expected an object"]
        duration = video.get("duration", "5s")
        if duration not in ("5s", "10s"):
            issues.append(f"video.duration: {duration!r}")
        if video.get("resolution", "720p") not in AGENTS_RESOLUTIONS:
            issues.append(f"video.resolution: {video.get('resolution')!r}")
        if video.get("loop") and (duration == "10s" or video.get("hdr")):
            issues.append("video.loop: not with 10s or hdr")
        if video.get("hdr") and video.get("resolution") == "360p":
            issues.append("video.hdr: 360p is SDR only")
        keyframes = video.get("keyframes")
        if keyframes is not None:
            if any(k in video for k in ("start_frame", "end_frame", "loop")):
                issues.append("video.keyframes: mutually exclusive with start_frame/end_frame/loop")
            indexes = video.get("keyframe_indexes")
            if not isinstance(indexes, list) or len(indexes) != len(keyframes):
                issues.append("video.keyframe_indexes: must match keyframes in length")
            else:
                top = (24 * 10) if duration == "10s" else (24 * 5)
                if len(set(indexes)) != len(indexes) or any(
                    not isinstance(i, int) or not 0 <= i <= top for i in indexes
                ):
                    issues.append(f"video.keyframe_indexes: unique, 0..{top}")
            if not 1 <= len(keyframes) <= 64:
                issues.append("video.keyframes: 1-64 anchors")
            refs = list(keyframes)
        else:
            refs = [video[k] for k in ("start_frame", "end_frame") if k in video]
            if (video.get("start_frame") or video.get("end_frame")) and (
                duration == "10s" or video.get("hdr")
            ):
                issues.append("video.start_frame/end_frame: 5s SDR only; use keyframes")
        for ref in refs:
            problem = self._check_ref(ref)
            if problem:
                issues.append(problem)
        return issues

    def _check_ref(self, ref: Any) -> str | None:
        if not isinstance(ref, dict):
            return "image ref: expected an object"
        given = [k for k in ("url", "data", "generation_id", "file_id") if ref.get(k)]
        if len(given) != 1:
            return "image ref: provide exactly one of url, data, generation_id, file_id"
        kind = given[0]
        if kind == "data":
            if not ref.get("media_type"):
                return "image ref: media_type is required with data"
            try:
                base64.b64decode(ref["data"], validate=True)
            except (binascii.Error, ValueError):
                return "image ref: data is not base64"
        if kind == "url" and not str(ref["url"]).startswith("https://"):
            return "image ref: url must be public https"
        if kind == "file_id":
            file = self.files.get(ref["file_id"])
            if file is None or file["state"] != "ready":
                return f"image ref: file {ref['file_id']} is not ready"
        return None

    def _file_slot(self, request: httpx.Request) -> httpx.Response:
        body, refused = _body(request)
        if refused is not None:
            return refused
        if not isinstance(body, dict) or not isinstance(body.get("mime_type"), str):
            return _error(400, "mime_type: required")
        size = body.get("size_bytes")
        if not isinstance(size, int) or not 0 < size <= 5 * 1024**3:
            return _error(400, "size_bytes: 1 .. 5 GiB")
        file_id = self._uuid()
        file = {
            "id": file_id,
            "created_at": "2026-12-01T00:00:00Z",
            "mime_type": body["mime_type"],
            "purpose": body.get("purpose", "input"),
            "size_bytes": size,
            "state": "pending",
            "bytes": None,
        }
        self.files[file_id] = file
        upload = {
            "url": f"{self.upload_host}/{file_id}?X-Amz-Signature=fake",
            "method": "PUT",
            "headers": {"content-type": body["mime_type"]},
            "expires_at": "2026-12-01T01:00:00Z",
        }
        view = self._file_view(file)
        return httpx.Response(
            201, json={"id": file_id, "file": view, "state": "pending", "upload": upload}
        )

    def _store(self, request: httpx.Request) -> httpx.Response:
        file_id = request.url.path.strip("/")
        file = self.files.get(file_id)
        if request.method != "PUT" or file is None:
            return httpx.Response(403, text="SignatureDoesNotMatch")
        if len(request.content) != file["size_bytes"]:
            return httpx.Response(400, text="size mismatch")
        file["bytes"] = bytes(request.content)
        return httpx.Response(200)

    @staticmethod
    def _file_view(file: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in file.items() if k != "bytes"}

    # ------------------------------------------------------------------ Dream Machine API

    def _dm(self, request: httpx.Request, path: str) -> httpx.Response:
        parts = path.strip("/").split("/")
        if parts == ["generations", "video"] and request.method == "POST":
            body, refused = _body(request)
            if refused is not None:
                return refused
            issues = _check_dream_machine(body)
            if issues:
                return httpx.Response(
                    422, json={"detail": [{"loc": ["body", *i[0]], "msg": i[1]} for i in issues]}
                )
            generation = self._create("dream-machine", body)
            self._callback(generation)
            return httpx.Response(201, json=generation.payload())
        if parts == ["generations", "concepts", "list"] and request.method == "GET":
            return httpx.Response(200, json=list(DREAM_MACHINE_CONCEPT_LIST))
        if len(parts) == 2 and parts[0] == "generations":
            if request.method == "GET":
                return self._read(parts[1], "dream-machine")
            if request.method == "DELETE":
                found = self.tasks.get(parts[1])
                if found is None or found.api != "dream-machine":
                    return _error(404, "Generation not found")
                if found.state() in ("completed", "failed"):
                    self.deleted_finished.append(found.id)
                self.deleted.append(found.id)
                del self.tasks[found.id]
                return httpx.Response(204)
        return _error(404, f"Cannot {request.method} {path}")

    def _callback(self, generation: _Generation) -> None:
        url = generation.body.get("callback_url")
        state = generation.state()
        if url and (not self.callbacks_for(generation.id) or generation.last_state != state):
            self.callbacks.append((str(url), generation.payload()))
        generation.last_state = state

    def callbacks_for(self, generation_id: str) -> list[dict[str, Any]]:
        """The callback bodies Luma would have POSTed for one generation, in order."""
        return [body for _, body in self.callbacks if body.get("id") == generation_id]

    # ------------------------------------------------------------------ shared

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _create(self, api: str, body: dict[str, Any]) -> _Generation:
        plan = self._plans.pop(0) if self._plans else attrs.evolve(self.default_plan)
        n = self.tasks_created
        generation = _Generation(
            id=self._uuid(),
            api=api,
            model=str(body["model"]),
            created_at=f"2026-12-01T00:{n // 60 % 60:02d}:{n % 60:02d}Z",
            body=body,
            plan=plan,
            output_host=self.output_host,
        )
        self.tasks[generation.id] = generation
        self.tasks_created += 1
        self.bodies.append(body)
        return generation

    def _read(self, generation_id: str, api: str) -> httpx.Response:
        generation = self.tasks.get(generation_id)
        if generation is None or generation.api != api:
            return _error(404, "Generation not found")
        if generation.state() not in ("completed", "failed"):
            generation.polls += 1
        payload = generation.payload()
        if api == "dream-machine":
            self._callback(generation)
        return httpx.Response(200, json=payload)


def _check_dream_machine(body: Any) -> list[tuple[list[str], str]]:
    if not isinstance(body, dict):
        return [([], "expected an object")]
    issues: list[tuple[list[str], str]] = []
    if body.get("model") not in ("ray-2", "ray-flash-2"):
        issues.append((["model"], f"unknown model {body.get('model')!r}"))
    if body.get("duration", "5s") not in ("5s", "9s"):
        issues.append((["duration"], f"{body.get('duration')!r}"))
    if body.get("resolution", "720p") not in DREAM_MACHINE_RESOLUTIONS:
        issues.append((["resolution"], f"{body.get('resolution')!r}"))
    if body.get("aspect_ratio", "16:9") not in DREAM_MACHINE_RATIOS:
        issues.append((["aspect_ratio"], f"{body.get('aspect_ratio')!r}"))
    keyframes = body.get("keyframes") or {}
    for slot, frame in keyframes.items() if isinstance(keyframes, dict) else ():
        if slot not in ("frame0", "frame1") or not isinstance(frame, dict):
            issues.append((["keyframes", str(slot)], "unknown keyframe"))
        elif frame.get("type") == "image":
            if not str(frame.get("url", "")).startswith("https://"):
                issues.append((["keyframes", slot, "url"], "a public https URL is required"))
        elif frame.get("type") != "generation" or not frame.get("id"):
            issues.append((["keyframes", slot], "type image (url) or generation (id)"))
    for concept in body.get("concepts") or ():
        key = concept.get("key") if isinstance(concept, dict) else None
        if key not in DREAM_MACHINE_CONCEPT_LIST:
            issues.append((["concepts"], f"unknown concept {key!r}"))
    callback = body.get("callback_url")
    if callback is not None and not str(callback).startswith("https://"):
        issues.append((["callback_url"], "an https URL"))
    return issues


def _body(request: httpx.Request) -> tuple[Any, httpx.Response | None]:
    try:
        return json.loads(request.content or b"null"), None
    except ValueError:
        return None, _error(400, "Request body is not valid JSON")


def _error(status: int, detail: str, *, headers: Mapping[str, str] | None = None) -> httpx.Response:
    # Dream Machine's error body is {"detail": ...} (v1alpha OpenAPI); the Agents API's is
    # UNCONFIRMED and answered the same way here.
    return httpx.Response(status, json={"detail": detail}, headers=dict(headers or {}))


def _bind(fault: Fault, serve: Handler) -> Handler:
    return lambda request: fault(request, serve)


_named = generic_faults.named
connection_refused = generic_faults.connection_refused
reset_after = generic_faults.reset_after
read_timeout_after = generic_faults.read_timeout_after


def rate_limited(retry_after: float | None = None) -> Fault:
    """A 429 (RPM or concurrent-job limit; nothing created), with or without ``Retry-After``."""
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(429, "Too many requests", headers=headers)

    return _named(f"rate_limited({retry_after})", fault)


def unavailable(retry_after: float | None = None, *, created: bool = False) -> Fault:
    """A 503; ``created``: the server acted first (the generation exists behind the 503)."""
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else None

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        return _error(503, "Service unavailable", headers=headers)

    return _named(f"unavailable({retry_after}, created={created})", fault)


def server_error(status: int = 500, *, created: bool = False) -> Fault:
    """A 500/502/504; ``created=True``: the generation was really created behind it."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        return _error(status, "Internal server error")

    return _named(f"server_error({status}, created={created})", fault)


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
    """The server's real 2xx body cut in half."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request) if created else httpx.Response(200, json={"id": "x" * 36})
        content = response.read()
        return httpx.Response(
            response.status_code,
            content=content[: max(1, len(content) // 2)],
            headers={"content-type": "application/json"},
        )

    return _named("truncated_json", fault)


def unknown_status(word: str = "exploded") -> Fault:
    """A generation read whose state word Luma never documented."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        if response.status_code != 200:
            return response
        payload = json.loads(response.read())
        payload["state"] = word
        return httpx.Response(200, json=payload)

    return _named(f"unknown_status({word})", fault)


def failed_generation(code: str | None = "generation_failed") -> Fault:
    """A generation read that says ``failed`` with an Agents API ``failure_code``."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        if response.status_code != 200:
            return response
        payload = json.loads(response.read())
        payload.update(state="failed", failure_reason=f"injected failure ({code})")
        payload.pop("output", None)
        if code is not None:
            payload["failure_code"] = code
        return httpx.Response(200, json=payload)

    return _named(f"failed_generation({code})", fault)


def unauthorized() -> Fault:
    """The 401 for a revoked key (nothing created)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(401, "Invalid API key provided")

    return _named("unauthorized", fault)


def out_of_credits() -> Fault:
    """A 402 for an account without credits (nothing created). The status and wording Luma
    uses are UNCONFIRMED; the plugin reads 402 and credit/budget words on 400/403/422."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        return _error(402, "Insufficient credits")

    return _named("out_of_credits", fault)
