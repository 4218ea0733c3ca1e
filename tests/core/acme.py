"""A scripted provider ("acme") and its in-memory server, to prove the core's contract
before any real plugin exists: a native-camera decision that depends on mode and duration,
an output ratio that follows the image (the core crops or pads), business codes in bodies
read by ``classify``, a token that expires and is re-signed by ``auth``, and
``find_submitted`` dedupe by idempotency key."""

from __future__ import annotations

import itertools
import json
from collections.abc import Generator
from typing import Any

import httpx
from framecast import (
    CameraMove,
    CameraPlan,
    Classification,
    CostEstimate,
    GenerationRequest,
    ImageConstraints,
    ImageRef,
    Mode,
    ModelInfo,
    OptionSpec,
    Outcome,
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
    same_aspect,
)

BASE_URL = "https://api.acme.test"
WIRE_RATIOS = {"16:9": "1280x720", "9:16": "720x1280", "1:1": "960x960"}
TOKEN_TTL = 100.0  # seconds of server time a token is valid

MODELS = (
    ModelInfo(
        name="acme-1",
        modes=(Mode.TEXT, Mode.IMAGE),
        ratios=tuple(WIRE_RATIOS.values()),
        default_ratio="1280x720",
        durations=(5, 10),
        default_duration=5,
        prompt_limit=200,
        image=ImageConstraints(formats=("png", "jpeg"), max_raw_bytes=2_000_000, min_side=64),
        options=(OptionSpec(name="quality", choices=("draft", "final"), default="draft"),),
        supports_negative_prompt=True,
    ),
    ModelInfo(
        name="acme-follow",
        modes=(Mode.IMAGE,),
        durations=(5,),
        default_duration=5,
        prompt_limit=200,
        image=ImageConstraints(formats=("png", "jpeg"), min_side=64),
        supports_seed=False,
    ),
    ModelInfo(name="acme-0", withdrawn=True, replacement="acme-1"),
)


class AcmeAuth(httpx.Auth):
    """Signs a token; re-signs once when the server says it expired (code 1004)."""

    requires_response_body = True

    def __init__(self, secret: str, clock: Any) -> None:
        self._secret = secret
        self._clock = clock
        self._serial = itertools.count(1)
        self._token: str | None = None
        self.signed = 0

    def __repr__(self) -> str:
        return "AcmeAuth(<secret hidden>)"

    def _sign(self) -> str:
        self.signed += 1
        issued = self._clock.time() if self._clock else 0.0
        self._token = f"{self._secret}.{next(self._serial)}.{issued:.0f}"
        return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Token {self._token or self._sign()}"
        response = yield request
        if response.status_code == 401 and _code(response) == 1004:
            request.headers["Authorization"] = f"Token {self._sign()}"
            yield request


def _code(response: httpx.Response) -> int | None:
    try:
        return int(response.json().get("code"))
    except Exception:
        return None


class AcmeProvider:
    """The scripted provider: one class, hooks marked with ``hookimpl``."""

    clock: Any = None  # tests set it to share the runner's clock with the token signer

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings
        self._auth: AcmeAuth | None = None

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(
            name="acme",
            models=MODELS,
            default_models={Mode.IMAGE: "acme-1", Mode.TEXT: "acme-1"},
            official_hosts=("api.acme.test",),
            default_base_url=BASE_URL,
            base_url_variables=("ACME_BASE_URL",),
            credential_variables=("ACME_SECRET",),
            poll_floor=5.0,
            output_url_lifetime=3600,
            suggested_max_running_tasks=None,
        )

    @hookimpl
    def map_ratio(self, request: GenerationRequest, model: ModelInfo) -> RatioPlan:
        if model.name == "acme-follow":
            # The output follows the image: a different ratio means fitting the image.
            image = request.image
            if request.ratio is None or not isinstance(image, ImageRef):
                return RatioPlan()
            if image.width and same_aspect(request.ratio, image.width / (image.height or 1)):
                return RatioPlan()
            if request.image_fit == "error":
                raise ValidationError(
                    f"the image is {image.width}:{image.height}; ratio {request.ratio} needs "
                    "image_fit crop or pad",
                    field="ratio",
                    value=request.ratio,
                    allowed=["crop", "pad"],
                )
            return RatioPlan(fit=request.image_fit, fit_aspect=request.ratio)
        ratio = request.ratio or model.default_ratio or ""
        if ratio in model.ratios:
            return RatioPlan(wire_value=ratio)
        if ratio in WIRE_RATIOS:
            return RatioPlan(wire_value=WIRE_RATIOS[ratio])
        if request.ratio_policy == "nearest":
            nearest = nearest_ratio(ratio, WIRE_RATIOS)
            if nearest:
                return RatioPlan(
                    wire_value=WIRE_RATIOS[nearest], note=f"ratio {ratio} -> {nearest}"
                )
        raise UnsupportedOption(
            f"ratio {ratio!r} is not offered by {model.name}; allowed: {', '.join(WIRE_RATIOS)}",
            field="ratio",
            value=ratio,
            allowed=list(WIRE_RATIOS),
        )

    @hookimpl
    def translate_camera(self, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
        move = request.camera
        duration = request.duration or model.default_duration
        native_ok = model.name == "acme-1" and request.mode is Mode.IMAGE and duration == 5
        if move is not None and move is not CameraMove.STATIC and native_ok:
            prompt = compose_prompt(
                request.prompt, None, preserve_identity=request.preserve_identity
            )
            return CameraPlan(
                prompt=prompt,
                method="native",
                native={"move": move.value, "strength": request.camera_strength},
            )
        try:
            prompt = compose_prompt(
                request.prompt, move, preserve_identity=request.preserve_identity
            )
        except ValueError as exc:
            raise ValidationError(str(exc), field="prompt", value=request.prompt) from None
        notes = (
            ("camera_strength is ignored by prompt phrasing",)
            if move and request.camera_strength != 5
            else ()
        )
        return CameraPlan(prompt=prompt, method="prompt" if move else "none", notes=notes)

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
            "duration": request.duration or model.default_duration,
            "key": request.idempotency_key,
        }
        if ratio_plan.wire_value:
            body["size"] = ratio_plan.wire_value
        if isinstance(request.image, ImageRef):
            body["image"] = request.image.url or request.image.base64()
        if camera_plan.native:
            body["camera"] = dict(camera_plan.native)
        if request.seed is not None:
            body["seed"] = request.seed
        if request.options:
            body["options"] = dict(request.options)
        return PreparedRequest(method="POST", path="/v1/videos", body=body, model=model.name)

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        if model.name != "acme-1":
            return None
        seconds = request.duration or 5
        return CostEstimate(
            amount=0.1 * seconds,
            units=seconds,
            unit_name="seconds",
            formula=f"{seconds} s x $0.10",
            confidence="official",
        )

    @hookimpl
    def auth(self) -> httpx.Auth:
        secret = self.settings.require("ACME_SECRET")
        if self._auth is None:
            self._auth = AcmeAuth(secret, self.clock)
        return self._auth

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        code = _code(response)
        if code is None:
            return None
        message = str(response.json().get("message", ""))
        table = {
            1004: Outcome.AUTHENTICATION,
            1100: Outcome.ACCOUNT,
            1301: Outcome.CONTENT_REJECTED,
            1302: Outcome.RATE_LIMITED,
            1303: Outcome.RATE_LIMITED,
            1201: Outcome.INVALID,
            1203: Outcome.NOT_FOUND if phase == "poll" else Outcome.INVALID,
        }
        outcome = table.get(code)
        if outcome is None and code >= 5000:
            outcome = Outcome.AMBIGUOUS if phase == "submit" else Outcome.TRANSIENT
        if outcome is None:
            return None
        return Classification(outcome=outcome, code=str(code), message=message)

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        response = await http.post(prepared.path, json=dict(prepared.body))
        data = response.json()["data"]
        return TaskHandle(provider="acme", task_id=str(data["id"]))

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        base = handle.base_url or str(http.base_url)
        response = await http.get(f"{base}/v1/videos/{handle.task_id}")
        data = response.json()["data"]
        status = data["status"]
        mapping = {
            "queued": TaskStatus.QUEUED,
            "throttled": TaskStatus.THROTTLED,
            "running": TaskStatus.RUNNING,
            "done": TaskStatus.SUCCEEDED,
            "failed": TaskStatus.FAILED,
            "cancelled": TaskStatus.CANCELLED,
        }
        if status not in mapping:
            raise ProviderError(f"acme: unknown task status {status!r}")
        return TaskState(
            status=mapping[status],
            progress=data.get("progress"),
            outputs=(data["url"],) if data.get("url") else (),
            failure_code=data.get("error_code"),
            failure_message=data.get("error"),
            retryable=data.get("error_code") == "INTERNAL" if status == "failed" else None,
            cost=data.get("cost"),
            raw=data,
        )

    @hookimpl
    async def cancel(self, handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
        await http.delete(f"/v1/videos/{handle.task_id}")

    @hookimpl
    async def find_submitted(
        self, prepared: PreparedRequest, idempotency_key: str, http: httpx.AsyncClient
    ) -> TaskHandle | None:
        response = await http.get("/v1/videos", params={"key": idempotency_key})
        items = response.json()["data"]
        if not items:
            return None
        return TaskHandle(provider="acme", task_id=str(items[0]["id"]))


class AcmeServer:
    """The in-memory Acme service: a ``httpx.MockTransport`` handler.

    Tasks finish after ``polls_to_finish`` polls; ``throttled_polls`` THROTTLED polls come
    first; ``fail_with`` makes tasks fail. A duplicate ``key`` is refused with 1201, as the
    real dedupe contract of such services does. Counters: ``created``, ``requests``.
    """

    def __init__(
        self,
        *,
        clock: Any = None,
        polls_to_finish: int = 2,
        throttled_polls: int = 0,
        fail_with: tuple[str, str] | None = None,
        secret: str = "acme-test-secret",
    ) -> None:
        self.clock = clock
        self.polls_to_finish = polls_to_finish
        self.throttled_polls = throttled_polls
        self.fail_with = fail_with
        self.secret = secret
        self.tasks: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.created = 0
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def _now(self) -> float:
        return self.clock.time() if self.clock is not None else 0.0

    def _auth_error(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Token "):
            return httpx.Response(401, json={"code": 1000, "message": "no token"})
        secret, _, rest = header[6:].partition(".")
        if secret != self.secret:
            return httpx.Response(401, json={"code": 1000, "message": "bad token"})
        issued = float(rest.partition(".")[2] or 0)
        if self._now() - issued > TOKEN_TTL:
            return httpx.Response(401, json={"code": 1004, "message": "token expired"})
        return None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != "api.acme.test":
            return httpx.Response(200, content=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
        error = self._auth_error(request)
        if error is not None:
            return error
        path = request.url.path
        if request.method == "POST" and path == "/v1/videos":
            body = json.loads(request.content)
            self.bodies.append(body)
            key = body.get("key")
            if key in self.by_key:
                return httpx.Response(400, json={"code": 1201, "message": "duplicate key"})
            task_id = f"task-{next(self._ids)}"
            self.created += 1
            self.tasks[task_id] = {"id": task_id, "polls": 0, "status": "queued", "key": key}
            if key:
                self.by_key[key] = task_id
            return httpx.Response(200, json={"code": 0, "data": {"id": task_id}})
        if request.method == "GET" and path == "/v1/videos":
            key = request.url.params.get("key")
            found = [self._view(self.tasks[self.by_key[key]])] if key in self.by_key else []
            return httpx.Response(200, json={"code": 0, "data": found})
        if path.startswith("/v1/videos/"):
            task_id = path.rsplit("/", 1)[-1]
            task = self.tasks.get(task_id)
            if task is None:
                return httpx.Response(404, json={"code": 1203, "message": "no such task"})
            if request.method == "DELETE":
                del self.tasks[task_id]
                return httpx.Response(204)
            self._advance(task)
            return httpx.Response(200, json={"code": 0, "data": self._view(task)})
        return httpx.Response(404, json={"code": 1202, "message": "no such endpoint"})

    def _advance(self, task: dict[str, Any]) -> None:
        task["polls"] += 1
        polls = task["polls"]
        if task["status"] in ("done", "failed", "cancelled"):
            return
        if polls <= self.throttled_polls:
            task["status"] = "throttled"
        elif polls >= self.throttled_polls + self.polls_to_finish:
            if self.fail_with:
                task["status"] = "failed"
            else:
                task["status"] = "done"
        else:
            task["status"] = "running"

    def _view(self, task: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {"id": task["id"], "status": task["status"]}
        if task["status"] == "running":
            view["progress"] = 0.5
        if task["status"] == "done":
            view["url"] = f"https://cdn.acme.test/{task['id']}.mp4?sig=abc"
            view["cost"] = 0.5
        if task["status"] == "failed" and self.fail_with:
            view["error_code"], view["error"] = self.fail_with
        return view
