"""``SeedanceProvider``: the framecast hooks for Seedance's content-generation task API."""

from __future__ import annotations

import logging
from collections.abc import Generator, Mapping
from typing import Any

import httpx
from framecast import (
    CameraMove,
    CameraPlan,
    Classification,
    CostEstimate,
    GenerationRequest,
    MalformedResponse,
    Mode,
    ModelInfo,
    NotSupported,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskState,
    compose_prompt,
    declared_ratio_plan,
    hookimpl,
    prompt_camera_plan,
    task_url,
)

from ._codes import classify_response
from ._models import (
    DEFAULT_RESOLUTION,
    IMAGE_DEFAULT_RATIO,
    PROVIDER_OPTIONS,
    TEXT_DEFAULT_RATIO,
    default_models,
    family_of,
    model_infos,
)
from ._pricing import estimate_cost, reported_cost
from ._regions import REGIONS, Region, region_at, region_of
from ._wire import CREATE_PATH, TASKS_PATH, build_body, read_json, task_state

__all__ = ["SeedanceProvider"]

logger = logging.getLogger("framecast_seedance")

NAME = "seedance"
API_KEY_VARIABLE = "ARK_API_KEY"  # what both official SDKs read
#: The SDKs' access-key/secret-key variables: refused for video tasks, so only named.
KEY_PAIR_VARIABLES = (
    "VOLC_ACCESSKEY",
    "VOLC_SECRETKEY",
    "BYTEPLUS_ACCESSKEY",
    "BYTEPLUS_SECRETKEY",
)
BASE_URL_VARIABLE = "SEEDANCE_BASE_URL"
#: No poll interval is documented; integrators poll every 4-10 s and a 5 s 720p job takes
#: about 5 minutes (a live one: 288 s), so 5 s between reads loses little.
POLL_FLOOR = 5.0
#: Output URLs are signed, need no key and last about 24 h ("有效期约 24h").
OUTPUT_URL_LIFETIME = 24 * 3600.0
#: Concurrency limits per model and account are UNCONFIRMED: a small default queues a
#: batch locally (set max_running_tasks in the [seedance] table to the account's figure).
SUGGESTED_MAX_RUNNING_TASKS = 3


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <API key>``. Access-key/secret-key pairs are refused for
    video tasks ("ak&sk authentication is currently not supported for this method")."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key}"
        yield request


class SeedanceProvider:
    """ByteDance Seedance for framecast. Entry point ``seedance``; the region
    (``SEEDANCE_REGION`` or ``[seedance] region``: ``intl`` or ``cn``) picks the cloud."""

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings if settings is not None else ProviderSettings(name=NAME)

    def __repr__(self) -> str:
        return f"SeedanceProvider(region={self.region.name!r})"

    @property
    def region(self) -> Region:
        return region_of(self.settings.env, self.settings.config)

    # ------------------------------------------------------------------ declarations

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        region = self.region
        return ProviderInfo(
            name=NAME,
            display_name=f"ByteDance Seedance ({region.cloud})",
            docs_url=region.docs_url,
            models=model_infos(region.name),
            default_models=default_models(region.name),
            official_hosts=tuple(r.host for r in REGIONS.values()),
            default_base_url=region.base_url,
            base_url_variables=(BASE_URL_VARIABLE,),
            credential_variables=(API_KEY_VARIABLE,),
            poll_floor=POLL_FLOOR,
            output_url_lifetime=OUTPUT_URL_LIFETIME,
            suggested_max_running_tasks=SUGGESTED_MAX_RUNNING_TASKS,
            options=PROVIDER_OPTIONS,
            contract_version=2,  # estimates name their price's source and date
        )

    # ------------------------------------------------------------------ planning (pure)

    @hookimpl
    def map_ratio(self, request: GenerationRequest, model: ModelInfo) -> RatioPlan:
        if request.ratio is None:
            default = TEXT_DEFAULT_RATIO if request.mode is Mode.TEXT else IMAGE_DEFAULT_RATIO
            return RatioPlan(wire_value=default)
        return declared_ratio_plan(request, model)

    @hookimpl
    def translate_camera(self, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
        family = family_of(model.name)
        native = (
            request.camera is CameraMove.STATIC
            and family is not None
            and family.camera_fixed
            and request.mode is not Mode.MULTI_IMAGE  # not with reference images
        )
        if not native:
            return prompt_camera_plan(request, model)
        prompt = compose_prompt(request.prompt, None, preserve_identity=request.preserve_identity)
        return CameraPlan(prompt=prompt, method="native", native={"camera_fixed": True})

    @hookimpl
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        family = family_of(model.name)
        body = build_body(request, model, family, ratio_plan, camera_plan, request.options)
        notes = [*camera_plan.notes]
        if ratio_plan.note:
            notes.append(ratio_plan.note)
        if family is None:
            notes.append(f"{model.name} is not in Seedance's model table: sent unchecked")
        return PreparedRequest(
            method="POST", path=CREATE_PATH, body=body, model=model.name, notes=tuple(notes)
        )

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        family = family_of(model.name)
        if family is None:
            return None
        region = self.region
        ratio = self.map_ratio(request=request, model=model).wire_value or IMAGE_DEFAULT_RATIO
        return estimate_cost(
            family.key,
            region.name,
            region.currency,
            resolution=str(request.options.get("resolution", DEFAULT_RESOLUTION)),
            ratio=ratio,
            duration=int(request.duration or model.default_duration or 5),
            audio=family.audio and bool(request.options.get("generate_audio", True)),
            flex=request.options.get("service_tier") == "flex",
        )

    # ------------------------------------------------------------------ transport facts

    @hookimpl
    def auth(self) -> httpx.Auth:
        purpose = "API key"
        if self.settings.get(API_KEY_VARIABLE) is None:
            pairs = [v for v in KEY_PAIR_VARIABLES if self.settings.get(v)]
            if pairs:
                purpose = (
                    f"API key; {' and '.join(pairs)} is set, but an access-key/secret-key "
                    "pair is refused for video tasks: create an API key in the console"
                )
        return BearerAuth(self.settings.require(API_KEY_VARIABLE, purpose=purpose))

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        return classify_response(response, phase)

    # ------------------------------------------------------------------ tasks (one attempt)

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        # No idempotency key exists: a lost answer is ambiguous (the core's rule).
        response = await http.post(prepared.path, json=dict(prepared.body))
        task_id = read_json(response, "create task").get("id")
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponse("seedance: the create answer has no task id")
        return TaskHandle(provider=NAME, task_id=task_id, provider_data=_price_data(prepared))

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        data = read_json(await http.get(self._task_url(handle, http)), "query task")
        # A handle from the other cloud is billed in that cloud's currency.
        region = region_at(handle.base_url or str(http.base_url)) or self.region
        family = family_of(str(data.get("model") or handle.model or ""))
        audio = data.get("generate_audio", handle.provider_data.get("generate_audio", True))
        flex = (data.get("service_tier") or handle.provider_data.get("service_tier")) == "flex"

        def cost(tokens: int) -> float | None:
            if family is None:
                return None
            return reported_cost(
                tokens, family.key, region.name, audio=bool(audio) and family.audio, flex=flex
            )

        return task_state(data, handle, cost, region.currency)

    @hookimpl
    async def cancel(self, handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
        # DELETE cancels a queued task and deletes a finished one; a running task cannot be
        # cancelled. The core has polled, and asks for a finished task only with delete=True.
        url = self._task_url(handle, http)
        data = read_json(await http.get(url), "query task")
        if data.get("status") == "running":
            raise NotSupported(
                f"seedance: task {handle.task_id} is running, and Seedance cancels only "
                "queued tasks; it will run to its end (and be charged if it succeeds)",
                handle=handle,
            )
        await http.delete(url)

    def _task_url(self, handle: TaskHandle, http: httpx.AsyncClient) -> str:
        return task_url(handle.base_url or str(http.base_url), TASKS_PATH, handle.task_id)


def _price_data(prepared: PreparedRequest) -> Mapping[str, Any]:
    """What the reported cost needs if the task answer does not echo it."""
    body = prepared.body
    data: dict[str, Any] = {}
    if "generate_audio" in body:
        data["generate_audio"] = body["generate_audio"]
    if "service_tier" in body:
        data["service_tier"] = body["service_tier"]
    return data
