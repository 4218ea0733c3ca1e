"""``LumaProvider``: the framecast hooks for Luma's two video APIs.

One provider name, ``luma``; each request goes to the API its model lives on:

    Agents API (ray-3.2), base https://agents.lumalabs.ai/v1, key LUMA_AGENTS_API_KEY
        POST /generations        {"prompt", "model", "type": "video", "aspect_ratio",
                                  "video": {"duration": "5s"|"10s", "resolution", "loop"?,
                                  "hdr"?, "start_frame"?, "end_frame"?, "keyframes"?,
                                  "keyframe_indexes"?}}
        GET  /generations/{id}   {"id", "state": queued|processing|completed|failed,
                                  "failure_code"?, "failure_reason"?, "output"?: [{type, url}]}
        POST /files              {"mime_type", "size_bytes", "purpose"} -> {"id", "upload":
                                  {"url", "method": "PUT", "headers"}}; PUT the bytes; then
        POST /files/{id}/complete
        no cancel, no delete, no callback: poll only.
    Dream Machine API (ray-2, ray-flash-2), base https://api.lumalabs.ai/dream-machine/v1,
    key LUMAAI_API_KEY
        POST   /generations/video {"model", "prompt", "aspect_ratio", "duration": "5s"|"9s",
                                   "resolution", "loop"?, "keyframes"?: {frame0?, frame1?},
                                   "concepts"?: [{"key"}], "callback_url"?}
        GET    /generations/{id}  {"id", "state": queued|dreaming|completed|failed,
                                   "failure_reason", "assets": {"video"?}}
        DELETE /generations/{id}  deletes the generation and its paid output (no cancel).

Neither API takes an idempotency key or offers a lookup by one: after a lost create answer
the core raises ``OutcomeUnknown`` rather than paying twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Generator, Mapping
from typing import Any

import httpx
from framecast import (
    CameraPlan,
    Classification,
    ConfigurationError,
    CostEstimate,
    GenerationRequest,
    ImageRef,
    MalformedResponse,
    Mode,
    ModelInfo,
    NotSupported,
    Outcome,
    PendingUpload,
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
    parse_retry_after,
    prompt_camera_plan,
    status_from_word,
    task_url,
)

from ._models import (
    AGENTS,
    AGENTS_BASE_URL,
    AGENTS_BASE_URL_VARIABLE,
    AGENTS_FAILURE_RETRYABLE,
    AGENTS_HOST,
    AGENTS_KEY,
    AGENTS_PRICE_SOURCE,
    AGENTS_PRICES,
    AGENTS_PRICES_AS_OF,
    DEFAULT_RESOLUTION,
    DREAM_MACHINE,
    DREAM_MACHINE_BASE_URL,
    DREAM_MACHINE_BASE_URL_VARIABLE,
    DREAM_MACHINE_CONCEPTS,
    DREAM_MACHINE_HOST,
    DREAM_MACHINE_KEY,
    DREAM_MACHINE_PRICE_SOURCE,
    DREAM_MACHINE_PRICES,
    DREAM_MACHINE_PRICES_AS_OF,
    INLINE_IMAGE_LIMIT,
    KEYFRAME_FPS,
    MODELS,
    OUTPUT_URL_LIFETIME,
    POLL_FLOOR,
    SUGGESTED_MAX_RUNNING_TASKS,
    Api,
    LumaModel,
    api_label,
    api_of,
    get_model,
    key_variable,
)

__all__ = ["LumaProvider"]

log = logging.getLogger("framecast_luma")

NAME = "luma"
OFFICIAL_HOSTS = (AGENTS_HOST, DREAM_MACHINE_HOST)

AGENTS_STATES = {
    "queued": TaskStatus.QUEUED,
    "processing": TaskStatus.RUNNING,
    "completed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}
DREAM_MACHINE_STATES = {
    "queued": TaskStatus.QUEUED,
    "dreaming": TaskStatus.RUNNING,
    "completed": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}

#: ``luma://generation/<id>`` and ``luma://file/<id>``: an image that is a previous
#: generation or a file already uploaded through the Files API.
LUMA_SCHEME = "luma://"
_CREDIT_WORDS = ("insufficient credit", "not enough credit", "out of credit", "budget", "billing")
_MODERATION_WORDS = ("moderat", "content policy", "safety")

OUTPUT_URL_NOTE = (
    "Luma's output URL is presigned and expires about an hour after the generation "
    "completes: download it promptly (framecast downloads at once unless told not to)"
)
NO_CANCEL_NOTE = (
    "the Luma Agents API has no cancel: once submitted, the generation runs (and is charged)"
)


class LumaAuth(httpx.Auth):
    """``Authorization: Bearer <key>``, the key of the API the request goes to (the Dream
    Machine base URL gets ``LUMAAI_API_KEY``, everything else ``LUMA_AGENTS_API_KEY``).
    The keys never appear in a repr."""

    def __init__(self, agents_key: str | None, dream_machine_key: str | None, dm_base: str):
        self._keys = {AGENTS: agents_key, DREAM_MACHINE: dream_machine_key}
        self._dm_base = dm_base.rstrip("/")

    def __repr__(self) -> str:
        held = [api for api, key in self._keys.items() if key]
        return f"LumaAuth(<keys hidden: {', '.join(held) or 'none'}>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        api = DREAM_MACHINE if _is_dream_machine(str(request.url), self._dm_base) else AGENTS
        key = self._keys[api]
        if key:
            request.headers["Authorization"] = f"Bearer {key}"
        yield request


def _is_dream_machine(url: str, dm_base: str) -> bool:
    return url == dm_base or url.startswith(dm_base + "/")


class LumaProvider:
    """Luma AI (Agents API and Dream Machine API) as a framecast provider.

    Instantiated by the runner with its ``ProviderSettings``; never fails for a missing
    key (the hooks that need one name the variable to set).
    """

    name = NAME

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings if settings is not None else ProviderSettings(name=NAME)
        # Files API ids of large images already uploaded (sha256 -> file id): a submit the
        # core retries (429, 503) reuses the file instead of uploading the bytes again.
        self._uploaded: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"LumaProvider(agents={self.agents_base!r}, dream_machine={self.dm_base!r})"

    @property
    def agents_base(self) -> str:
        return (
            self.settings.base_url or self.settings.get(AGENTS_BASE_URL_VARIABLE) or AGENTS_BASE_URL
        ).rstrip("/")

    @property
    def dm_base(self) -> str:
        return (
            self.settings.get(DREAM_MACHINE_BASE_URL_VARIABLE) or DREAM_MACHINE_BASE_URL
        ).rstrip("/")

    # ------------------------------------------------------------------ declarations

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(
            name=NAME,
            display_name="Luma AI",
            docs_url="https://docs.agents.lumalabs.ai/",
            models=tuple(m.info for m in MODELS),
            default_models={
                Mode.TEXT: "ray-3.2",
                Mode.IMAGE: "ray-3.2",
                Mode.FIRST_LAST: "ray-3.2",
            },
            official_hosts=OFFICIAL_HOSTS,
            default_base_url=AGENTS_BASE_URL,
            base_url_variables=(AGENTS_BASE_URL_VARIABLE,),
            credential_variables=(AGENTS_KEY, DREAM_MACHINE_KEY),
            poll_floor=POLL_FLOOR,
            output_url_lifetime=OUTPUT_URL_LIFETIME,
            suggested_max_running_tasks=SUGGESTED_MAX_RUNNING_TASKS,
            contract_version=2,
        )

    # ------------------------------------------------------------------ planning (pure)

    @hookimpl
    def translate_camera(self, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
        luma_model = get_model(model.name)
        concept = DREAM_MACHINE_CONCEPTS.get(request.camera) if request.camera else None
        if luma_model is None or luma_model.api != DREAM_MACHINE or concept is None:
            return prompt_camera_plan(request, model)  # no camera field: the prompt
        if "camera:" in request.prompt.lower():
            raise ValidationError(
                "prompt: it holds a 'Camera:' clause and a camera move is given; keep one",
                field="prompt",
                value=request.prompt,
                allowed="a prompt without a 'Camera:' clause when a camera move is given",
            )
        prompt = compose_prompt(request.prompt, None, preserve_identity=request.preserve_identity)
        notes: tuple[str, ...] = ()
        if request.camera_strength != 5:
            notes = ("camera_strength has no effect: Luma's camera concepts have no strength",)
        return CameraPlan(
            prompt=prompt, native={"concepts": [{"key": concept}]}, method="native", notes=notes
        )

    @hookimpl
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        luma_model = get_model(model.name)
        if luma_model is None:
            raise UnsupportedOption(
                f"Luma model {model.name!r} is not in framecast's table",
                field="model",
                value=model.name,
                allowed=[m.info.name for m in MODELS],
            )
        options = self._options(request, model)
        resolution = str(options.get("resolution") or DEFAULT_RESOLUTION)
        if resolution not in luma_model.resolutions:
            raise UnsupportedOption(
                f"resolution {resolution!r} is not a {model.name} value",
                field="options.resolution",
                value=resolution,
                allowed=list(luma_model.resolutions),
            )
        duration = int(request.duration or model.default_duration or 5)
        if luma_model.api == AGENTS:
            return self._prepare_agents(request, luma_model, ratio_plan, camera_plan, options)
        return self._prepare_dream_machine(
            request, luma_model, ratio_plan, camera_plan, options, resolution, duration
        )

    def _prepare_agents(
        self,
        request: GenerationRequest,
        model: LumaModel,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
        options: Mapping[str, Any],
    ) -> PreparedRequest:
        name = model.info.name
        duration = int(request.duration or model.info.default_duration or 5)
        resolution = str(options.get("resolution") or DEFAULT_RESOLUTION)
        loop = bool(options.get("loop", False))
        hdr = bool(options.get("hdr", False))
        if loop and duration != 5:
            raise ValidationError(
                f"{name}: loop is not supported with {duration} s videos",
                field="options.loop",
                value=True,
                allowed="loop only with duration 5",
            )
        if loop and hdr:
            raise ValidationError(
                f"{name}: loop is not supported with hdr",
                field="options.loop",
                value=True,
                allowed="loop or hdr, not both",
            )
        if hdr and resolution == "360p":
            raise ValidationError(
                f"{name}: 360p is the SDR draft tier; hdr needs 540p or more",
                field="options.resolution",
                value=resolution,
                allowed=[r for r in model.resolutions if r != "360p"],
            )
        video: dict[str, Any] = {"duration": f"{duration}s", "resolution": resolution}
        if loop:
            video["loop"] = True
        if hdr:
            video["hdr"] = True
        uploads: list[PendingUpload] = []
        frames = [
            (slot, image)
            for slot, image in (("start_frame", request.image), ("end_frame", request.end_image))
            if isinstance(image, ImageRef)
        ]
        refs = [(slot, _agents_ref(image, slot, uploads)) for slot, image in frames]
        # start_frame/end_frame is the "legacy 2-frame surface"; keyframes (parallel
        # keyframe_indexes on a 24 fps grid) are what 10 s and HDR need. The last index
        # is duration x 24 ("5s -> 0..120"): that the grid's end is inclusive is read off
        # the SDK's docstring (UNCONFIRMED on the wire).
        if refs and (duration != 5 or hdr):
            video["keyframes"] = [ref for _, ref in refs]
            video["keyframe_indexes"] = [
                0 if slot == "start_frame" else duration * KEYFRAME_FPS for slot, _ in refs
            ]
        else:
            for slot, ref in refs:
                video[slot] = ref
        body: dict[str, Any] = {
            "prompt": camera_plan.prompt,
            "model": name,
            "type": "video",
            "video": video,
        }
        if ratio_plan.wire_value is not None:
            body["aspect_ratio"] = ratio_plan.wire_value
        notes = [n for n in (ratio_plan.note, *camera_plan.notes) if n]
        notes += [OUTPUT_URL_NOTE, NO_CANCEL_NOTE]
        return PreparedRequest(
            method="POST",
            path="/generations",
            body=body,
            model=name,
            uploads=tuple(uploads),
            notes=tuple(notes),
            provider_data={"api": AGENTS},
        )

    def _prepare_dream_machine(
        self,
        request: GenerationRequest,
        model: LumaModel,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
        options: Mapping[str, Any],
        resolution: str,
        duration: int,
    ) -> PreparedRequest:
        name = model.info.name
        body: dict[str, Any] = {
            "model": name,
            "prompt": camera_plan.prompt,
            "duration": f"{duration}s",
            "resolution": resolution,
        }
        if ratio_plan.wire_value is not None:
            body["aspect_ratio"] = ratio_plan.wire_value
        if "loop" in options:
            body["loop"] = bool(options["loop"])
        keyframes: dict[str, Any] = {}
        for slot, field, image in (
            ("frame0", "image", request.image),
            ("frame1", "end_image", request.end_image),
        ):
            if isinstance(image, ImageRef):
                keyframes[slot] = _dream_machine_ref(image, field, name)
        if keyframes:
            body["keyframes"] = keyframes
        if camera_plan.method == "native" and camera_plan.native:
            body["concepts"] = [dict(c) for c in camera_plan.native.get("concepts", ())]
        callback = options.get("callback_url")
        if callback:
            callback = str(callback)
            if not callback.startswith("https://"):
                raise ValidationError(
                    f"callback_url must be an https URL, got {callback!r}",
                    field="options.callback_url",
                    value=callback,
                    allowed="https://...",
                )
            body["callback_url"] = callback
        notes = [n for n in (ratio_plan.note, *camera_plan.notes) if n]
        if callback:
            notes.append("Luma's callbacks are unsigned: treat one as a hint and poll")
        return PreparedRequest(
            method="POST",
            path=f"{self.dm_base}/generations/video",
            body=body,
            model=name,
            notes=tuple(notes),
            provider_data={"api": DREAM_MACHINE},
        )

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        luma_model = get_model(model.name)
        if luma_model is None:
            return None
        options = self._options(request, model)
        resolution = str(options.get("resolution") or DEFAULT_RESOLUTION)
        duration = int(request.duration or model.default_duration or 5)
        if luma_model.api == AGENTS:
            if options.get("hdr"):
                return None  # HDR prices are unconfirmed
            price = AGENTS_PRICES.get((model.name, resolution, duration))
            source, as_of = AGENTS_PRICE_SOURCE, AGENTS_PRICES_AS_OF
        else:
            price = DREAM_MACHINE_PRICES.get((model.name, resolution, duration))
            source, as_of = DREAM_MACHINE_PRICE_SOURCE, DREAM_MACHINE_PRICES_AS_OF
        if price is None:
            return None
        return CostEstimate(
            amount=price,
            currency="USD",
            units=1,
            unit_name="video",
            formula=f"{model.name} {resolution} {duration} s: ${price:.2f} a video",
            confidence="secondary",
            source=source,
            as_of=as_of,
        )

    def _options(self, request: GenerationRequest, model: ModelInfo) -> dict[str, Any]:
        """Configured defaults the model declares, overridden by the request's options."""
        declared = {o.name for o in model.options}
        configured = {k: v for k, v in self.settings.options.items() if k in declared}
        return {**configured, **dict(request.options)}

    # ------------------------------------------------------------------ transport facts

    @hookimpl
    def auth(self) -> httpx.Auth:
        agents = self.settings.get(AGENTS_KEY)
        dream_machine = self.settings.get(DREAM_MACHINE_KEY)
        if not agents and not dream_machine:
            self.settings.require(
                AGENTS_KEY,
                DREAM_MACHINE_KEY,
                purpose=f"Luma: {AGENTS_KEY} for ray-3.2, {DREAM_MACHINE_KEY} for ray-2",
            )
        return LumaAuth(agents, dream_machine, self.dm_base)

    def _require_key(self, api: Api, model: str | None) -> None:
        """Before any request: the key of the API this model lives on, named when missing."""
        variable = key_variable(api)
        if self.settings.get(variable) is None:
            raise ConfigurationError(
                f"luma: {model or 'this model'} runs on the {api_label(api)}, which needs "
                f"{variable}; set it in the environment",
                details={"variables": [variable]},
            )

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        status = response.status_code
        message = _error_message(response)
        lowered = (message or "").lower()
        api = (
            DREAM_MACHINE if _is_dream_machine(str(response.request.url), self.dm_base) else AGENTS
        )
        if status in (401, 403):
            return Classification(
                Outcome.AUTHENTICATION,
                message=f"the {api_label(api)} refused the key (HTTP {status})"
                + (f": {message}" if message else "")
                + f"; check {key_variable(api)}",
            )
        if status == 402 or (
            status in (400, 403, 422) and any(w in lowered for w in _CREDIT_WORDS)
        ):
            return Classification(Outcome.ACCOUNT, code=str(status), message=message or "billing")
        if status in (400, 422) and any(w in lowered for w in _MODERATION_WORDS):
            return Classification(
                Outcome.CONTENT_REJECTED, code=str(status), message=message or "moderated"
            )
        if status in (400, 422):
            return Classification(
                Outcome.INVALID, code=str(status), message=message or f"HTTP {status}"
            )
        if status == 429:
            return Classification(
                Outcome.RATE_LIMITED,
                message=f"{api_label(api)}: {message or 'too many requests'}",
                retry_after=_retry_after(response),
            )
        return None

    # ------------------------------------------------------------------ tasks (one attempt)

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        api: Api = DREAM_MACHINE if prepared.provider_data.get("api") == DREAM_MACHINE else AGENTS
        self._require_key(api, prepared.model)
        body: Any = dict(prepared.body)
        for upload in prepared.uploads:
            file_id = await self._uploaded_file(upload, http)
            body = _substitute(body, upload.placeholder, {"file_id": file_id})
        response = await http.post(prepared.path, json=body)
        response.raise_for_status()
        data = _json_object(response)
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise MalformedResponse(f"the {api_label(api)} create answer has no generation id")
        log.debug("luma: created generation %s on the %s", task_id, api_label(api))
        return TaskHandle(
            provider=NAME, task_id=task_id, model=prepared.model or None, provider_data={"api": api}
        )

    async def _uploaded_file(self, upload: PendingUpload, http: httpx.AsyncClient) -> str:
        image = upload.image
        if image.data is None:
            raise ProviderError(f"{upload.placeholder}: nothing to upload (the image has no bytes)")
        digest = hashlib.sha256(image.data).hexdigest()
        cached = self._uploaded.get(digest)
        if cached is not None:
            return cached
        created = await http.post(
            "/files",
            json={
                "mime_type": image.media_type or "application/octet-stream",
                "size_bytes": len(image.data),
                "purpose": "input",
            },
        )
        created.raise_for_status()
        data = _json_object(created)
        file_id = data.get("id")
        slot = data.get("upload")
        if not isinstance(file_id, str) or not isinstance(slot, Mapping):
            raise MalformedResponse("the Files API answer lacks id or upload")
        url = slot.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise MalformedResponse("the Files API answer has no upload URL")
        headers = {str(k): str(v) for k, v in (slot.get("headers") or {}).items()}
        # The presigned storage URL must never see the key: no auth on this request (the
        # core's client also applies auth only to Luma's own origins).
        stored = await http.request(
            str(slot.get("method") or "PUT"), url, content=image.data, headers=headers, auth=None
        )
        stored.raise_for_status()
        completed = await http.post(task_url("", "/files", file_id) + "/complete")
        completed.raise_for_status()
        # The file turns "ready" asynchronously; a generation that names it while it is
        # still "pending" is, on our reading, held until ingest ends (UNCONFIRMED).
        state = _json_object(completed).get("state")
        if state == "failed":
            raise ProviderError(
                f"luma refused the uploaded image ({upload.placeholder}): "
                f"{_json_object(completed).get('failure_reason') or 'ingest failed'}"
            )
        self._uploaded[digest] = file_id
        return file_id

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        api = _handle_api(handle)
        if api is not None:
            self._require_key(api, handle.model)
            return await self._poll_on(api, handle, http)
        # A bare handle (provider and task id alone) does not say which API holds the
        # task: ask each API there is a key for, in turn; a 404 passes to the next.
        apis = [a for a in (AGENTS, DREAM_MACHINE) if self.settings.get(key_variable(a))]
        if not apis:
            self._require_key(AGENTS, handle.model)
        for position, candidate in enumerate(apis):
            try:
                return await self._poll_on(candidate, handle, http)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code != 404 or position == len(apis) - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _poll_on(self, api: Api, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        if api == DREAM_MACHINE:
            url = task_url(self.dm_base, "/generations", handle.task_id)
        else:
            url = task_url(handle.base_url or str(http.base_url), "/generations", handle.task_id)
        response = await http.get(url)
        response.raise_for_status()
        data = _json_object(response)
        if api == DREAM_MACHINE:
            return _dream_machine_state(data, handle)
        return _agents_state(data, handle)

    @hookimpl
    async def cancel(self, handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
        # (``delete`` has no default: pluggy never passes a parameter that has one.)
        api = _handle_api(handle)
        if api is None:
            raise NotSupported(
                "luma: this handle does not say which Luma API holds the task; cancel with "
                "the handle framecast printed (it names the model)",
                handle=handle,
            )
        if api == AGENTS:
            raise NotSupported(
                "the Luma Agents API (ray-3.2) has no cancel and no delete: the generation "
                "runs to its end and is charged",
                handle=handle,
            )
        if not delete:
            raise NotSupported(
                "the Dream Machine API has no cancel; deleting the generation (delete=True, "
                "--delete) removes it and its paid output",
                handle=handle,
            )
        self._require_key(api, handle.model)
        try:
            response = await http.delete(task_url(self.dm_base, "/generations", handle.task_id))
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404:
                return None  # already gone
            raise
        return None


# ---------------------------------------------------------------------- helpers


def _handle_api(handle: TaskHandle) -> Api | None:
    """The API a handle's task lives on; ``None`` when the handle names neither it nor a
    model (a bare provider and task id)."""
    api = handle.provider_data.get("api") if handle.provider_data else None
    if api in (AGENTS, DREAM_MACHINE):
        return api  # type: ignore[return-value]
    return api_of(handle.model) if handle.model else None


def _luma_id(url: str) -> tuple[str, str] | None:
    """``luma://generation/<id>`` -> ("generation", id); ``luma://file/<id>`` -> ("file", id)."""
    if not url.startswith(LUMA_SCHEME):
        return None
    kind, _, ident = url[len(LUMA_SCHEME) :].partition("/")
    return (kind, ident) if kind in ("generation", "file") and ident and "/" not in ident else None


def _bad_luma_url(url: str, field: str) -> ValidationError:
    return ValidationError(
        f"{field}: {url!r} is not a Luma reference; use luma://generation/<id> or luma://file/<id>",
        field=field,
        value=url,
        allowed=["luma://generation/<id>", "luma://file/<id>", "https://..."],
    )


def _agents_ref(image: ImageRef, slot: str, uploads: list[PendingUpload]) -> Any:
    field = "image" if slot == "start_frame" else "end_image"
    if image.url is not None:
        if image.url.startswith(LUMA_SCHEME):
            ref = _luma_id(image.url)
            if ref is None:
                raise _bad_luma_url(image.url, field)
            kind, ident = ref
            return {"generation_id": ident} if kind == "generation" else {"file_id": ident}
        return {"url": image.url}
    data = image.data or b""
    if len(data) <= INLINE_IMAGE_LIMIT:
        return {"data": image.base64(), "media_type": image.media_type or "image/png"}
    placeholder = f"<upload:{slot}>"
    uploads.append(PendingUpload(placeholder=placeholder, image=image))
    return placeholder


def _dream_machine_ref(image: ImageRef, field: str, model: str) -> dict[str, Any]:
    if image.url is None:
        raise ValidationError(
            f"{field}: {model} runs on Luma's Dream Machine API, which takes images only as "
            "public https URLs (it has no upload); pass an https URL, or use ray-3.2, which "
            "takes local files",
            field=field,
            value=image.describe(),
            allowed="an https URL or luma://generation/<id>",
        )
    if image.url.startswith(LUMA_SCHEME):
        ref = _luma_id(image.url)
        if ref is None:
            raise _bad_luma_url(image.url, field)
        kind, ident = ref
        if kind == "file":
            raise ValidationError(
                f"{field}: the Dream Machine API has no Files API; luma://file/ ids belong "
                "to ray-3.2 (Agents API)",
                field=field,
                value=image.url,
                allowed="an https URL or luma://generation/<id>",
            )
        return {"type": "generation", "id": ident}
    return {"type": "image", "url": image.url}


def _substitute(value: Any, placeholder: str, replacement: Any) -> Any:
    if value == placeholder:
        return replacement
    if isinstance(value, Mapping):
        return {k: _substitute(v, placeholder, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, placeholder, replacement) for v in value]
    return value


def _json_object(response: httpx.Response) -> Mapping[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MalformedResponse(
            f"luma: the answer is not JSON (HTTP {response.status_code})"
        ) from None
    if not isinstance(data, Mapping):
        raise MalformedResponse(f"luma: expected a JSON object, got {type(data).__name__}")
    return data


def _agents_state(data: Mapping[str, Any], handle: TaskHandle) -> TaskState:
    status = status_from_word(data.get("state"), AGENTS_STATES, provider=NAME, handle=handle)
    outputs: list[str] = []
    raw_outputs = data.get("output")
    if isinstance(raw_outputs, list):
        items = [o for o in raw_outputs if isinstance(o, Mapping) and isinstance(o.get("url"), str)]
        videos = [o["url"] for o in items if o.get("type") == "video"]
        outputs = videos or [o["url"] for o in items]
    if status is TaskStatus.SUCCEEDED and not outputs:
        raise MalformedResponse("luma: a completed generation without an output URL")
    code = data.get("failure_code")
    code = code if isinstance(code, str) else None
    reason = data.get("failure_reason")
    failed = status is TaskStatus.FAILED
    return TaskState(
        status=status,
        outputs=tuple(outputs),
        failure_code=code if failed else None,
        failure_message=(str(reason) if reason else code or "the generation failed")
        if failed
        else None,
        retryable=AGENTS_FAILURE_RETRYABLE.get(code or "") if failed else None,
        message=OUTPUT_URL_NOTE if status is TaskStatus.SUCCEEDED else None,
        raw=dict(data),
    )


def _dream_machine_state(data: Mapping[str, Any], handle: TaskHandle) -> TaskState:
    status = status_from_word(data.get("state"), DREAM_MACHINE_STATES, provider=NAME, handle=handle)
    assets = data.get("assets")
    video = assets.get("video") if isinstance(assets, Mapping) else None
    outputs = [video] if isinstance(video, str) and video else []
    if status is TaskStatus.SUCCEEDED and not outputs:
        raise MalformedResponse("luma: a completed generation without assets.video")
    reason = data.get("failure_reason")
    failed = status is TaskStatus.FAILED
    return TaskState(
        status=status,
        outputs=tuple(outputs),
        failure_message=(str(reason) if reason else "the generation failed") if failed else None,
        raw=dict(data),
    )


def _error_message(response: httpx.Response) -> str | None:
    """Dream Machine answers ``{"detail": "..."}`` (a list of issues on 422); the Agents
    API's error body is UNCONFIRMED: ``error.message``, ``detail`` and ``message`` are read."""
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, Mapping):
        return None
    error = data.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    detail = data.get("detail")
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for issue in detail[:3]:
            if isinstance(issue, Mapping):
                loc = ".".join(str(p) for p in issue.get("loc", ()) if p != "body")
                parts.append(f"{loc}: {issue.get('msg')}" if loc else str(issue.get("msg")))
        return "; ".join(parts) or None
    message = data.get("message")
    return message if isinstance(message, str) else None


def _retry_after(response: httpx.Response) -> float | None:
    """``retry-after-ms`` or ``Retry-After``, as the Stainless SDKs read them."""
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    return parse_retry_after(response.headers.get("retry-after"))
