"""A small provider and the service it talks to, for driving the CLI end to end.

``ScriptedProvider`` implements every provider hook against a tiny JSON protocol
(``POST /v1/tasks``, ``GET /v1/tasks/{id}``, ``DELETE /v1/tasks/{id}``, ``GET /files/...``).
``ScriptedService`` answers that protocol from a script of task states and faults, either
in memory (``service.transport()``, an ``httpx.MockTransport``) or on a loopback port
(``serve(service)``) for tests that run ``python -m framecast`` in a subprocess, where the
provider is named by ``FRAMECAST_PROVIDER=_scripted:ScriptedProvider``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Generator, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from framecast import (
    CameraPlan,
    CostEstimate,
    GenerationRequest,
    ImageConstraints,
    ImageRef,
    Mode,
    ModelInfo,
    OptionSpec,
    PreparedRequest,
    ProviderError,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskState,
    TaskStatus,
    UnsupportedOption,
    ValidationError,
    compose_prompt,
    hookimpl,
    nearest_ratio,
)

API_KEY = "fake-scripted-key-0000"
KEY_VARIABLE = "SCRIPTED_API_KEY"
BASE_URL_VARIABLE = "SCRIPTED_BASE_URL"
IN_MEMORY_BASE_URL = "http://scripted.test/v1"
#: A minimal MP4 header: enough for the runner's magic-byte check.
MP4_BYTES = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64

_STATUSES = {
    "QUEUED": TaskStatus.QUEUED,
    "THROTTLED": TaskStatus.THROTTLED,
    "RUNNING": TaskStatus.RUNNING,
    "SUCCEEDED": TaskStatus.SUCCEEDED,
    "FAILED": TaskStatus.FAILED,
    "CANCELLED": TaskStatus.CANCELLED,
}


class ScriptedProvider:
    """A provider with one current model, one withdrawn model and one option."""

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        clip = ModelInfo(
            name="clip-1",
            modes=(Mode.TEXT, Mode.IMAGE, Mode.MULTI_IMAGE, Mode.FIRST_LAST),
            ratios=("16:9", "9:16", "1:1"),
            default_ratio="16:9",
            durations=(5, 10),
            default_duration=5,
            prompt_limit=200,
            image=ImageConstraints(max_images=3),
            options=(OptionSpec("style", choices=("plain", "cinematic"), default="plain"),),
            supports_negative_prompt=True,
            price_basis="0.05 USD per second",
        )
        old = ModelInfo(name="clip-0", withdrawn=True, replacement="clip-1")
        return ProviderInfo(
            name="scripted",
            models=(clip, old),
            default_models={Mode.IMAGE: "clip-1", Mode.TEXT: "clip-1"},
            official_hosts=("api.scripted.invalid",),
            default_base_url="https://api.scripted.invalid/v1",
            base_url_variables=(BASE_URL_VARIABLE,),
            credential_variables=(KEY_VARIABLE,),
            poll_floor=5.0,
            output_url_lifetime=86_400,
        )

    @hookimpl
    def map_ratio(self, request: GenerationRequest, model: ModelInfo) -> RatioPlan:
        wanted = request.ratio or model.default_ratio
        if not model.ratios:  # a model missing from the table: sent as asked
            return RatioPlan(wire_value=wanted)
        if wanted in model.ratios:
            return RatioPlan(wire_value=wanted)
        if request.ratio_policy == "nearest" and wanted is not None:
            near = nearest_ratio(wanted, model.ratios)
            if near is not None:
                return RatioPlan(wire_value=near, note=f"ratio {wanted} taken as {near}")
        raise UnsupportedOption(
            f"ratio {wanted!r} is not offered by {model.name}; allowed: " + ", ".join(model.ratios),
            field="ratio",
            value=wanted,
            allowed=list(model.ratios),
        )

    @hookimpl
    def translate_camera(self, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
        try:
            prompt = compose_prompt(
                request.prompt, request.camera, preserve_identity=request.preserve_identity
            )
        except ValueError as exc:
            raise ValidationError(
                str(exc), field="prompt", value=request.prompt, allowed="one camera clause"
            ) from None
        return CameraPlan(prompt=prompt, method="prompt" if request.camera else "none")

    @hookimpl
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        body: dict[str, Any] = {
            "model": model.name,
            "prompt": camera_plan.prompt,
            "ratio": ratio_plan.wire_value,
            "duration": request.duration or model.default_duration,
            "key": request.idempotency_key,
        }
        if isinstance(request.image, ImageRef):
            body["image"] = _image_value(request.image)
        if isinstance(request.end_image, ImageRef):
            body["end_image"] = _image_value(request.end_image)
        if request.images:
            body["images"] = [_image_value(i) for i in request.images if isinstance(i, ImageRef)]
        if request.seed is not None:
            body["seed"] = request.seed
        if request.negative_prompt:
            body["negative_prompt"] = request.negative_prompt
        if request.options:
            body["options"] = dict(request.options)
        return PreparedRequest(method="POST", path="/tasks", body=body, model=model.name)

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate:
        seconds = request.duration or model.default_duration or 5
        return CostEstimate(
            amount=0.05 * seconds,
            units=float(seconds),
            unit_name="seconds",
            formula=f"{seconds} s x 0.05 USD",
            confidence="unconfirmed",
        )

    @hookimpl
    def auth(self) -> httpx.Auth:
        key = self.settings.require(KEY_VARIABLE)
        return _Bearer(key)

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> None:
        return None

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        response = await http.request(prepared.method, "tasks", json=dict(prepared.body))
        data = response.json()
        return TaskHandle(provider="scripted", task_id=str(data["id"]))

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        origin = handle.base_url or str(http.base_url)
        response = await http.get(f"{origin.rstrip('/')}/tasks/{handle.task_id}")
        data = response.json()
        word = data.get("status")
        status = _STATUSES.get(word)
        if status is None:
            raise ProviderError(f"scripted: unknown task status {word!r}", handle=handle)
        return TaskState(
            status=status,
            progress=data.get("progress"),
            outputs=tuple(data.get("output", ())),
            failure_code=data.get("failure_code"),
            failure_message=data.get("failure"),
            retryable=data.get("retryable"),
            raw=data,
        )

    @hookimpl
    async def cancel(self, handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
        origin = handle.base_url or str(http.base_url)
        await http.delete(f"{origin.rstrip('/')}/tasks/{handle.task_id}")


class NoCancelProvider(ScriptedProvider):
    """The same provider without a cancel hook: it cannot cancel (as Kling cannot)."""

    cancel = None


class _Bearer(httpx.Auth):
    def __init__(self, key: str) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "_Bearer(<redacted>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key}"
        yield request


def _image_value(image: ImageRef) -> str:
    return image.url if image.url is not None else image.data_uri()


# --------------------------------------------------------------------------- the service


class ScriptedService:
    """The other side: every task walks through ``states`` (the last one repeats).

    ``submit_answer`` replaces the create answer with ``(status, json_body)``;
    ``submit_answers`` does so once each, in order, before normal service resumes;
    ``hold_submit`` makes the create wait until ``release_submit`` is set (signal tests).
    """

    def __init__(
        self,
        states: Sequence[dict[str, Any]] = ({"status": "RUNNING"}, {"status": "SUCCEEDED"}),
        *,
        submit_answer: tuple[int, dict[str, Any]] | None = None,
        hold_submit: bool = False,
    ) -> None:
        self.states = [dict(s) for s in states]
        self.submit_answer = submit_answer
        self.submit_answers: list[tuple[int, dict[str, Any]]] = []
        self.hold_submit = hold_submit
        self.submit_received = threading.Event()
        self.release_submit = threading.Event()
        self.requests: list[tuple[str, str, Any]] = []
        self.tasks: dict[str, list[dict[str, Any]]] = {}
        self.cancelled: set[str] = set()
        self.polls = 0
        self.file_bytes = MP4_BYTES
        self.origin = "http://scripted.test"
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def answer(
        self, method: str, path: str, authorization: str | None, body: bytes
    ) -> tuple[int, str, bytes]:
        payload = json.loads(body) if body else None
        with self._lock:
            self.requests.append((method, path, payload))
        if path.startswith("/files/"):
            return 200, "video/mp4", self.file_bytes
        if authorization != f"Bearer {API_KEY}":
            return _json(401, {"error": "bad key"})
        if method == "POST" and path == "/v1/tasks":
            self.submit_received.set()
            if self.hold_submit:
                self.release_submit.wait(timeout=30)
            if self.submit_answers:
                return _json(*self.submit_answers.pop(0))
            if self.submit_answer is not None:
                return _json(*self.submit_answer)
            task_id = f"task-{next(self._ids)}"
            with self._lock:
                self.tasks[task_id] = [dict(s) for s in self.states]
            return _json(200, {"id": task_id})
        if path.startswith("/v1/tasks/"):
            task_id = path.rsplit("/", 1)[-1]
            if task_id not in self.tasks:
                return _json(404, {"error": "no such task"})
            if method == "DELETE":
                self.cancelled.add(task_id)
                return 204, "application/json", b""
            with self._lock:
                self.polls += 1
                if task_id in self.cancelled:
                    return _json(200, {"status": "CANCELLED"})
                script = self.tasks[task_id]
                state = script.pop(0) if len(script) > 1 else script[0]
            state = {
                k: v.replace("{origin}", self.origin) if isinstance(v, str) else v
                for k, v in state.items()
            }
            if "output" in state:
                state["output"] = [u.replace("{origin}", self.origin) for u in state["output"]]
            return _json(200, state)
        return _json(404, {"error": f"no route {method} {path}"})

    def handler(self, request: httpx.Request) -> httpx.Response:
        status, media_type, content = self.answer(
            request.method,
            request.url.path,
            request.headers.get("authorization"),
            request.read(),
        )
        return httpx.Response(status, content=content, headers={"content-type": media_type})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def created(self) -> list[Any]:
        """The bodies of every create request received."""
        return [body for method, path, body in self.requests if method == "POST"]


def succeeded(origin_path: str = "/files/out.mp4") -> dict[str, Any]:
    return {"status": "SUCCEEDED", "output": ["{origin}" + origin_path]}


def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body).encode()


@contextlib.contextmanager
def serve(service: ScriptedService) -> Iterator[str]:
    """Serve ``service`` on a loopback port; yields its base URL (``.../v1``)."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            status, media_type, content = service.answer(
                self.command, self.path, self.headers.get("authorization"), body
            )
            self.send_response(status)
            self.send_header("content-type", media_type)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_DELETE = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    service.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{service.origin}/v1"
    finally:
        service.release_submit.set()
        server.shutdown()
        server.server_close()
