"""MyProvider for framecast: every provider hook, against a simple JSON task API.

TEMPLATE: this is an imaginary API. Replace each wire detail with your provider's
documented one, and keep a note of where each fact comes from (and say "unconfirmed" in a
comment where the documentation is silent). The imaginary API:

    POST   /v1/tasks                     {"model", "prompt", "ratio", "duration",
                                          "image"?: https URL or data URI, "seed"?}
                                         header Idempotency-Key
                                         -> 201 {"id": "...", "status": "queued"}
    GET    /v1/tasks/{id}                -> 200 {"id", "status", "progress"?, "output_url"?,
                                                "error"?: {"code", "message"}}
           status: queued | running | succeeded | failed | cancelled
    GET    /v1/tasks?idempotency_key=K   -> 200 {"tasks": [{"id", ...}]}
    POST   /v1/tasks/{id}/cancel         -> 200
    DELETE /v1/tasks/{id}                -> 204 (removes the output too)
    errors: {"error": {"code", "message"}} — 402 "insufficient_credits",
            400 "content_policy", 422 invalid request, 429 rate limited, 401 bad key

The rules every provider follows (``framecast/hookspecs.py`` says them in full):
- the constructor never fails for missing credentials: ``auth()`` asks for them;
- ``prepare`` is pure (no I/O) and validates what the declarations cannot say;
- the async hooks make ONE attempt with the ``http`` client they are given, and let httpx
  exceptions propagate: the core retries, dedupes and maps errors (docs/reliability.md);
- ``classify`` adds only your provider's facts (business codes in bodies).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

import httpx
from framecast import (
    CameraPlan,
    Classification,
    CostEstimate,
    GenerationRequest,
    ImageConstraints,
    MalformedResponse,
    ImageRef,
    Mode,
    ModelInfo,
    OptionSpec,
    Outcome,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskState,
    TaskStatus,
    UnsupportedOption,
    hookimpl,
    nearest_ratio,
    parse_ratio,
    prompt_camera_plan,
    status_from_word,
    task_url,
)

__all__ = ["MyProvider"]

NAME = "myprovider"  # TEMPLATE: the entry-point name
DEFAULT_BASE_URL = "https://api.myprovider.example"  # TEMPLATE: the documented origin
OFFICIAL_HOSTS = ("api.myprovider.example",)  # TEMPLATE: hosts a handle may name
API_KEY_VARIABLES = ("MYPROVIDER_API_KEY",)  # TEMPLATE: credential variables, first wins
BASE_URL_VARIABLES = ("MYPROVIDER_BASE_URL",)  # TEMPLATE
POLL_FLOOR = 2.0  # TEMPLATE: the documented minimum seconds between polls (0 if none)
PRICE_PER_SECOND = 0.05  # TEMPLATE: USD per second of video; unconfirmed in this template

#: TEMPLATE: your status words -> framecast's. An unknown word is a ProviderError.
STATUSES = {
    "queued": TaskStatus.QUEUED,
    "running": TaskStatus.RUNNING,
    "succeeded": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
    "cancelled": TaskStatus.CANCELLED,
}

#: TEMPLATE: business codes in error bodies -> rows of the core's outcome table.
ERROR_CODES = {
    "insufficient_credits": Outcome.ACCOUNT,
    "content_policy": Outcome.CONTENT_REJECTED,
}

MODELS = (  # TEMPLATE: one ModelInfo per model, from the provider's documentation
    ModelInfo(
        name="my-model-1",
        kind="video",
        modes=frozenset({Mode.TEXT, Mode.IMAGE}),
        ratios=("16:9", "9:16", "1:1"),  # the wire values this model takes
        default_ratio="16:9",
        durations=(5, 10),
        default_duration=5,
        prompt_limit=1000,
        prompt_unit="characters",
        image=ImageConstraints(
            formats=("jpeg", "png", "webp"),
            max_encoded_bytes=5 * 1024 * 1024,  # the data URI, as sent
            min_side=64,
        ),
        options=(
            OptionSpec(
                name="quality",
                choices=("draft", "final"),
                default="draft",
                doc="Rendering quality (final costs more).",
            ),
        ),
        supports_camera=True,  # phrased in the prompt (no native control)
        supports_seed=True,
        price_basis=f"{PRICE_PER_SECOND} USD per second",
    ),
)


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <key>``; the key never appears in a repr."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key}"
        yield request


def _json(response: httpx.Response) -> Mapping[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MalformedResponse(f"not JSON (HTTP {response.status_code})") from None
    if not isinstance(data, Mapping):
        raise MalformedResponse(f"expected a JSON object, got {type(data).__name__}")
    return data


class MyProvider:  # TEMPLATE: rename
    """MyProvider's video API as a framecast provider."""

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings  # never check credentials here

    # ------------------------------------------------------------------ declarations

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(
            name=NAME,
            display_name="MyProvider",  # TEMPLATE
            models=MODELS,
            default_models={Mode.TEXT: "my-model-1", Mode.IMAGE: "my-model-1"},
            official_hosts=OFFICIAL_HOSTS,
            default_base_url=DEFAULT_BASE_URL,
            base_url_variables=BASE_URL_VARIABLES,
            credential_variables=API_KEY_VARIABLES,
            poll_floor=POLL_FLOOR,
            output_url_lifetime=24 * 3600,  # TEMPLATE: how long output URLs stay valid
            supports_dedupe=True,  # find_submitted can look a task up by its key
            suggested_max_running_tasks=4,  # TEMPLATE: the account's concurrency
        )

    # ------------------------------------------------------------------ planning (pure)

    @hookimpl
    def map_ratio(self, request: GenerationRequest, model: ModelInfo) -> RatioPlan:
        wanted = request.ratio or model.default_ratio
        if wanted in model.ratios:
            return RatioPlan(wire_value=wanted)
        allowed = ", ".join(model.ratios)
        if wanted is None or parse_ratio(wanted) is None:
            raise UnsupportedOption(
                f"ratio: {wanted!r} is not W:H; {model.name} takes {allowed}",
                field="ratio",
                value=wanted,
                allowed=list(model.ratios),
            )
        if request.ratio_policy == "nearest":
            nearest = nearest_ratio(wanted, model.ratios)
            return RatioPlan(
                wire_value=nearest, note=f"ratio {wanted} is not offered; sent {nearest}"
            )
        raise UnsupportedOption(
            f"ratio: {model.name} does not offer {wanted}; it takes {allowed} "
            "(or ask for the nearest one)",
            field="ratio",
            value=wanted,
            allowed=list(model.ratios),
        )

    @hookimpl
    def translate_camera(self, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
        # TEMPLATE: a provider with a native camera control returns
        # CameraPlan(method="native", native={...}) for the moves it has; this phrases the
        # move into the prompt, the way the core does for a provider without this hook.
        return prompt_camera_plan(request, model)

    @hookimpl
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        # The core has validated everything the declarations say; check the rest here
        # (rules that combine fields, say) and raise ValidationError naming the field.
        body: dict[str, Any] = {
            "model": model.name,
            "prompt": camera_plan.prompt,
            "ratio": ratio_plan.wire_value,
            "duration": int(request.duration or model.default_duration or 5),
        }
        if isinstance(request.image, ImageRef):
            body["image"] = request.image.url or request.image.data_uri()
        if request.seed is not None:
            body["seed"] = request.seed
        quality = request.options.get("quality")
        if quality is not None:
            body["quality"] = quality
        return PreparedRequest(
            method="POST",
            path="/v1/tasks",
            body=body,
            model=model.name,
            # Not in the body (so the fingerprint is the request's), but submit needs it.
            provider_data={"idempotency_key": request.idempotency_key},
        )

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        seconds = int(request.duration or model.default_duration or 5)
        return CostEstimate(
            amount=round(PRICE_PER_SECOND * seconds, 4),
            currency="USD",
            units=seconds,
            unit_name="seconds",
            formula=f"{PRICE_PER_SECOND} USD x {seconds} s",
            confidence="unconfirmed",  # TEMPLATE: "official" once it is the price list's
        )

    # ------------------------------------------------------------------ transport facts

    @hookimpl
    def auth(self) -> httpx.Auth:
        key = self.settings.require(*API_KEY_VARIABLES, purpose="API key")
        return BearerAuth(key)

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            return None
        code = error.get("code") if isinstance(error, Mapping) else None
        outcome = ERROR_CODES.get(code) if isinstance(code, str) else None
        if outcome is None:
            return None  # the core's HTTP-status defaults decide
        return Classification(outcome=outcome, code=code, message=error.get("message"))

    # ------------------------------------------------------------------ tasks (one attempt)

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        headers = {}
        key = prepared.provider_data.get("idempotency_key")
        if key:
            headers["Idempotency-Key"] = key
        response = await http.post(prepared.path, json=dict(prepared.body), headers=headers)
        task_id = _json(response).get("id")
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponse("the create answer has no task id")
        return TaskHandle(provider=NAME, task_id=task_id)

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        origin = handle.base_url or str(http.base_url)
        response = await http.get(task_url(origin, "/v1/tasks", handle.task_id))
        data = _json(response)
        status = status_from_word(data.get("status"), STATUSES, provider=NAME, handle=handle)
        progress = data.get("progress")
        raw_error = data.get("error")
        error: Mapping[str, Any] = raw_error if isinstance(raw_error, Mapping) else {}
        outputs = [data["output_url"]] if isinstance(data.get("output_url"), str) else []
        return TaskState(
            status=status,
            progress=float(progress) if isinstance(progress, (int, float)) else None,
            outputs=outputs,  # type: ignore[arg-type]  # attrs converter=tuple
            failure_code=error.get("code"),
            failure_message=error.get("message"),
            retryable=False if status is TaskStatus.FAILED else None,
            raw=dict(data),
        )

    @hookimpl
    async def cancel(self, handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
        # No default on `delete`: pluggy passes only parameters without one.
        if delete:
            await http.delete(f"/v1/tasks/{handle.task_id}")
        else:
            await http.post(f"/v1/tasks/{handle.task_id}/cancel")

    @hookimpl
    async def find_submitted(
        self, prepared: PreparedRequest, idempotency_key: str, http: httpx.AsyncClient
    ) -> TaskHandle | None:
        response = await http.get("/v1/tasks", params={"idempotency_key": idempotency_key})
        tasks = _json(response).get("tasks")
        if not isinstance(tasks, list) or not tasks:
            return None
        first = tasks[0]
        task_id = first.get("id") if isinstance(first, Mapping) else None
        return TaskHandle(provider=NAME, task_id=task_id) if isinstance(task_id, str) else None
