"""``KlingProvider``: the framecast hooks for Kling's image2video, text2video and
multi-image2video endpoints."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx
from framecast import (
    CameraPlan,
    Classification,
    CostEstimate,
    FramecastError,
    GenerationRequest,
    ModelInfo,
    PreparedRequest,
    ProviderError,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskState,
    hookimpl,
)

from . import _declare
from ._auth import KlingAuth
from ._body import build_body
from ._capabilities import ENDPOINTS, IMAGE2VIDEO, MULTI_IMAGE2VIDEO, TEXT2VIDEO
from ._codes import classify_response
from ._plan import resolve
from ._pricing import estimate_cost
from ._ratios import plan_ratio
from ._translate import plan_camera
from ._wire import (
    MalformedAnswer,
    business_code,
    external_task_id,
    make_handle,
    read_envelope,
    read_task,
    read_task_list,
    task_state,
)

__all__ = ["KlingProvider"]

logger = logging.getLogger("framecast_kling")

#: find_submitted's fallback scans the task list, newest first if Kling sorts that way (the
#: order is UNCONFIRMED): at most this many pages of the largest page size.
LIST_PAGE_SIZE = 500
LIST_MAX_PAGES = 4
#: poll_many reads the list (GET /v1/videos/{endpoint}?pageNum=&pageSize=), whose documented
#: bounds are pageSize <= 500 and pageNum <= 1000. The list is account-wide (every API task,
#: finished ones too) and its sort order is UNCONFIRMED, so a round pages at most
#: ceil(waiting / 500) + BATCH_EXTRA_PAGES pages (never past page 1000) and leaves the tasks
#: not seen by then to single reads; an endpoint with fewer than BATCH_MIN_TASKS waiting
#: tasks is read singly (one list page would cost as much and say less).
BATCH_PAGE_SIZE = 500
BATCH_MAX_PAGE_NUMBER = 1000
BATCH_EXTRA_PAGES = 2
BATCH_MIN_TASKS = 2
#: The endpoints a handle without ``provider_data.endpoint`` is looked up under, the
#: most used first.
QUERY_ORDER = (IMAGE2VIDEO, TEXT2VIDEO, MULTI_IMAGE2VIDEO)


class KlingProvider:
    """Kling AI (Kuaishou) for framecast. Entry point ``kling``.

    The JWTs are signed on ``settings.clock``'s wall time (the runner's clock; the system
    clock outside a runner); ``clock`` (seconds since the epoch) overrides it for hook-level
    tests and emulators.
    """

    def __init__(
        self,
        settings: ProviderSettings | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings if settings is not None else ProviderSettings(name="kling")
        self._clock = clock if clock is not None else self._settings_time
        self._auth: KlingAuth | None = None
        #: Task id -> the endpoint a handle without one was found under.
        self._endpoints: dict[str, str] = {}

    def _settings_time(self) -> float:
        return self.settings.time_source.time()

    def __repr__(self) -> str:
        return f"KlingProvider(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        return (
            self.settings.base_url
            or self.settings.get(_declare.BASE_URL_VARIABLE)
            or _declare.BASE_URL
        )

    @property
    def _defaults(self) -> Mapping[str, Any]:
        return self.settings.options

    # ------------------------------------------------------------------ sync hooks

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return _declare.provider_info()

    @hookimpl
    def map_ratio(self, request: GenerationRequest, model: ModelInfo) -> RatioPlan:
        plan = resolve(request, model, self._defaults, check=False)
        return plan_ratio(request, model, plan)

    @hookimpl
    def translate_camera(self, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
        plan = resolve(request, model, self._defaults, check=False)
        return plan_camera(request, plan)

    @hookimpl
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        plan = resolve(request, model, self._defaults)
        body = build_body(request, plan, ratio_plan, camera_plan, self._defaults)
        notes = [*plan.notes, *camera_plan.notes]
        if ratio_plan.note:
            notes.append(ratio_plan.note)
        if plan.model is None:
            notes.append(f"{plan.model_name} is not in Kling's capability table: sent unchecked")
        if "external_task_id" not in body:
            notes.append("no idempotency key: a lost answer cannot be looked up")
        return PreparedRequest(
            method="POST",
            path=f"/v1/videos/{plan.endpoint}",
            body=body,
            model=plan.model_name,
            notes=tuple(notes),
            provider_data={"endpoint": plan.endpoint},
        )

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        plan = resolve(request, model, self._defaults)
        return estimate_cost(plan.model_name, plan.mode, plan.duration, plan.endpoint)

    @hookimpl
    def auth(self) -> httpx.Auth:
        access_key, secret_key = self.settings.require_all(
            _declare.ACCESS_KEY_VARIABLE, _declare.SECRET_KEY_VARIABLE, purpose="key pair"
        )
        self._auth = KlingAuth(access_key, secret_key, clock=self._clock)
        return self._auth

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        return classify_response(response, phase)

    # ------------------------------------------------------------------ async hooks

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        endpoint = _endpoint_of(prepared)
        response = await http.request("POST", prepared.path, json=dict(prepared.body))
        task = read_task(read_envelope(response, "create task"), "create task")
        key = prepared.body.get("external_task_id")
        return make_handle(task, endpoint, key if isinstance(key, str) else None)

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        endpoint = handle.provider_data.get("endpoint") or self._endpoints.get(handle.task_id)
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ProviderError(
                f"kling: the handle of task {handle.task_id} names no known endpoint "
                f"(provider_data.endpoint={endpoint!r}; one of {', '.join(ENDPOINTS)})",
                handle=handle,
            )
        origin = (handle.base_url or str(http.base_url)).rstrip("/")
        task_path = quote(handle.task_id, safe="")
        if endpoint is not None:
            response = await http.request("GET", f"{origin}/v1/videos/{endpoint}/{task_path}")
        else:
            endpoint, response = await self._query_any(http, origin, task_path)
            self._endpoints[handle.task_id] = endpoint
        task = read_task(read_envelope(response, "query task"), "query task")
        return task_state(task, handle)

    @hookimpl
    async def poll_many(
        self, handles: Sequence[TaskHandle], http: httpx.AsyncClient
    ) -> Mapping[str, TaskState | FramecastError]:
        groups: dict[tuple[str, str], dict[str, TaskHandle]] = {}
        for handle in handles:
            endpoint = handle.provider_data.get("endpoint") or self._endpoints.get(handle.task_id)
            if endpoint not in ENDPOINTS:
                continue  # a single read finds (or refuses) the endpoint
            origin = (handle.base_url or str(http.base_url)).rstrip("/")
            groups.setdefault((origin, str(endpoint)), {})[handle.task_id] = handle
        states: dict[str, TaskState | FramecastError] = {}
        for (origin, endpoint), wanted in groups.items():
            if len(wanted) >= BATCH_MIN_TASKS:
                await self._read_list(http, origin, endpoint, wanted, states)
        return states

    async def _read_list(
        self,
        http: httpx.AsyncClient,
        origin: str,
        endpoint: str,
        wanted: dict[str, TaskHandle],
        states: dict[str, TaskState | FramecastError],
    ) -> None:
        """Page the endpoint's task list until every wanted task is seen, the list ends or
        the page bound is reached; ``states`` gets what the pages showed."""
        pages = min(BATCH_MAX_PAGE_NUMBER, -(-len(wanted) // BATCH_PAGE_SIZE) + BATCH_EXTRA_PAGES)
        missing = dict(wanted)
        for page in range(1, pages + 1):
            response = await http.request(
                "GET",
                f"{origin}/v1/videos/{endpoint}",
                params={"pageNum": page, "pageSize": BATCH_PAGE_SIZE},
            )
            tasks = read_task_list(read_envelope(response, "list tasks"), "list tasks")
            for task in tasks:
                handle = missing.pop(str(task.get("task_id")), None)
                if handle is None:
                    continue  # another task of the account, or one already seen
                try:
                    states[handle.task_id] = task_state(task, handle)
                except MalformedAnswer:
                    continue  # this entry is unreadable: a single read decides
                except FramecastError as exc:  # an unknown status word
                    states[handle.task_id] = exc
            if not missing or len(tasks) < BATCH_PAGE_SIZE:
                return

    async def _query_any(
        self, http: httpx.AsyncClient, origin: str, task_path: str
    ) -> tuple[str, httpx.Response]:
        """A handle of provider and task id alone (typed by hand, or from another tool):
        Kling queries a task under the endpoint that created it, so ask each in turn;
        "does not exist" from all of them is the last one's answer."""
        failure: httpx.HTTPStatusError | None = None
        for endpoint in QUERY_ORDER:
            try:
                response = await http.request("GET", f"{origin}/v1/videos/{endpoint}/{task_path}")
            except httpx.HTTPStatusError as exc:
                if not _means_not_found(exc.response):
                    raise
                failure = exc
                continue
            return endpoint, response
        assert failure is not None
        raise failure

    @hookimpl
    async def find_submitted(
        self, prepared: PreparedRequest, idempotency_key: str, http: httpx.AsyncClient
    ) -> TaskHandle | None:
        endpoint = _endpoint_of(prepared)
        found = await self._find_by_path(http, endpoint, idempotency_key)
        if found is None:
            found = await self._find_in_list(http, endpoint, idempotency_key)
        if found is None:
            return None
        return make_handle(found, endpoint, idempotency_key)

    async def _find_by_path(
        self, http: httpx.AsyncClient, endpoint: str, key: str
    ) -> Mapping[str, Any] | None:
        # The docs: "you can choose to query by external_task_id or task_id ... directly
        # fill the Value in the request path". How the server tells the two apart is
        # UNCONFIRMED, hence the check of task_info.external_task_id and the list fallback.
        try:
            response = await http.request("GET", f"/v1/videos/{endpoint}/{quote(key, safe='')}")
            data = read_envelope(response, "query by external_task_id")
        except httpx.HTTPStatusError as exc:
            if not _means_not_found(exc.response):
                raise
            return None
        if isinstance(data, Mapping) and external_task_id(data) == key and data.get("task_id"):
            return data
        return None

    async def _find_in_list(
        self, http: httpx.AsyncClient, endpoint: str, key: str
    ) -> Mapping[str, Any] | None:
        for page in range(1, LIST_MAX_PAGES + 1):
            response = await http.request(
                "GET",
                f"/v1/videos/{endpoint}",
                params={"pageNum": page, "pageSize": LIST_PAGE_SIZE},
            )
            tasks = read_task_list(read_envelope(response, "list tasks"), "list tasks")
            for task in tasks:
                if external_task_id(task) == key and isinstance(task.get("task_id"), str):
                    return task
            if len(tasks) < LIST_PAGE_SIZE:
                break
        return None


def _endpoint_of(prepared: PreparedRequest) -> str:
    endpoint = (
        prepared.provider_data.get("endpoint") or prepared.path.rstrip("/").rsplit("/", 1)[-1]
    )
    if endpoint not in ENDPOINTS:
        raise ProviderError(
            f"kling: cannot tell the endpoint of {prepared.method} {prepared.path} "
            f"(one of {', '.join(ENDPOINTS)})"
        )
    return str(endpoint)


def _means_not_found(response: httpx.Response) -> bool:
    """A lookup answer saying "no such task" (the code is UNCONFIRMED: 1203 is the
    documented "does not exist"; a 400/1201 would mean the path form is not understood)."""
    code = business_code(response)
    if code is not None:
        return code in (1200, 1201, 1202, 1203)
    return response.status_code in (400, 404)
