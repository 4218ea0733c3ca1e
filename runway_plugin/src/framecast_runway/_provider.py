"""``RunwayProvider``: the framecast hooks for Runway's developer API (runway.md)."""

from __future__ import annotations

import functools
import hashlib
import logging
import posixpath
import re
from collections.abc import Mapping
from typing import Any

import httpx
from framecast import (
    CameraPlan,
    Classification,
    CostEstimate,
    FramecastError,
    GenerationRequest,
    ImageRef,
    Mode,
    ModelInfo,
    Outcome,
    PendingUpload,
    PreparedRequest,
    ProviderError,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskState,
    UnsupportedOption,
    ValidationError,
    hookimpl,
    parse_retry_after,
    task_url,
)

from ._auth import RunwayAuth
from ._models import ENDPOINT_PATHS, MODELS, RunwayModel, Variant, endpoint_for, get_model
from ._pricing import estimate_cost
from ._ratios import plan_ratio
from ._wire import (
    MalformedResponse,
    build_body,
    describe_issues,
    error_message,
    parse_created,
    parse_task,
    substitute,
)

__all__ = ["RunwayProvider"]

log = logging.getLogger("framecast_runway")

NAME = "runway"
DEFAULT_BASE_URL = "https://api.dev.runwayml.com"
#: The production API, and the staging host Runway's own skills repository names.
OFFICIAL_HOSTS = ("api.dev.runwayml.com", "api.dev-stage.runwayml.com")
CREDENTIAL_VARIABLES = ("RUNWAYML_API_SECRET", "RUNWAY_API_KEY")
BASE_URL_VARIABLES = ("RUNWAYML_BASE_URL", "RUNWAY_BASE_URL")
#: "Consumers of this API should not expect updates more frequent than once every five
#: seconds for a given task." ([OAS])
POLL_FLOOR = 5.0
#: Output URLs "expire within 24-48 hours": plan for the shorter.
OUTPUT_URL_LIFETIME = 24 * 3600.0

#: runway:// URIs expire after 24 h ([SKILLS]); reuse one only well within that.
UPLOAD_REUSE_SECONDS = 3600.0

_CREDIT_ERROR = re.compile(
    r"(not|n't) have enough credits|not enough credits|insufficient credits|out of credits",
    re.IGNORECASE,
)
_MEDIA_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

#: Every field a Runway create body may carry: what an unknown model (sent unvalidated,
#: ``allow_unknown_model``) is allowed.
_ANY_FIELD = frozenset(
    {"promptImage", "promptText", "ratio", "duration", "seed", "negativePrompt",
     "referenceImages"}
)  # fmt: skip


class RunwayProvider:
    """Runway (api.dev.runwayml.com) as a framecast provider.

    Instantiated by the runner with its ``ProviderSettings``; never fails for a missing
    key (``auth()`` names the variable to set).
    """

    name = NAME

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings if settings is not None else ProviderSettings(name=NAME)
        # runway:// URIs of images already uploaded (sha256 -> (uri, when)): a submit the
        # core retries (429, 503) reuses them instead of uploading the bytes again.
        self._uploaded: dict[str, tuple[str, float]] = {}

    def __repr__(self) -> str:
        return f"RunwayProvider(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        return self.settings.base_url or self.settings.get(*BASE_URL_VARIABLES) or DEFAULT_BASE_URL

    # ------------------------------------------------------------------ declarations

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return _provider_info()

    # ------------------------------------------------------------------ request hooks

    @hookimpl
    def map_ratio(self, request: GenerationRequest, model: ModelInfo) -> RatioPlan:
        runway_model = _known_or_unvalidated(model.name)
        if runway_model.source == "unknown":
            return RatioPlan(wire_value=request.ratio)
        return plan_ratio(request, runway_model, _variant(runway_model, request.mode))

    @hookimpl
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        runway_model = _known_or_unvalidated(model.name)
        if runway_model.source == "unknown" and not request.allow_unknown_model:
            raise UnsupportedOption(
                f"Runway model {model.name!r} is not in framecast's table; "
                "set allow_unknown_model to send it unvalidated",
                field="model",
                value=model.name,
                allowed=[m.name for m in MODELS if not m.withdrawn],
            )
        # The core has checked the model (withdrawn, kind), the mode and this mode's
        # durations, ratios and prompt against the declarations before calling this.
        variant = _variant(runway_model, request.mode)
        ratio = ratio_plan.wire_value
        if variant.ratios and ratio is not None and ratio not in variant.ratios:
            raise UnsupportedOption(
                f"ratio {ratio!r} is not a {model.name} value on {variant.endpoint}",
                field="ratio",
                value=ratio,
                allowed=list(variant.ratios),
            )
        if variant.ratio_required and ratio is None:
            raise ValidationError(
                f"{model.name} needs a ratio on {variant.endpoint}",
                field="ratio",
                value=None,
                allowed=list(variant.ratios),
            )
        parts = build_body(
            request,
            runway_model,
            variant,
            ratio=ratio,
            prompt=camera_plan.prompt,
            duration=_duration(request, runway_model),
            options=self._options(request, runway_model),
        )
        notes = [n for n in (ratio_plan.note, *camera_plan.notes) if n]
        if runway_model.source == "sdk":
            notes.append(
                f"{model.name} is known only from the SDK's types: durations, prompt length "
                "and image limits are checked by Runway's server"
            )
        if runway_model.source == "unknown":
            notes.append(f"{model.name} is not in framecast's table: sent unvalidated")
        return PreparedRequest(
            method="POST",
            path=ENDPOINT_PATHS[variant.endpoint],
            body=parts.body,
            model=runway_model.name,
            uploads=parts.uploads,
            notes=tuple(notes),
            provider_data={"endpoint": variant.endpoint},
        )

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        runway_model = get_model(model.name)
        if runway_model is None:
            return None
        try:
            variant = _variant(runway_model, request.mode)
            ratio = plan_ratio(request, runway_model, variant).wire_value
            duration = _duration(request, runway_model)
        except FramecastError:
            # estimate answers for what would be sent; an invalid request is prepare's to
            # refuse, with its own message.
            return None
        return estimate_cost(
            runway_model.name, ratio, duration, self._options(request, runway_model)
        )

    def _options(self, request: GenerationRequest, model: RunwayModel) -> dict[str, Any]:
        """Configured defaults the model declares, overridden by the request's options."""
        declared = {o.name for o in model.options}
        configured = {k: v for k, v in self.settings.options.items() if k in declared}
        return {**configured, **dict(request.options)}

    # ------------------------------------------------------------------ transport hooks

    @hookimpl
    def auth(self) -> httpx.Auth:
        key = self.settings.require(*CREDENTIAL_VARIABLES, purpose="Runway API key")
        return RunwayAuth(key, base_url=self.base_url, official_hosts=OFFICIAL_HOSTS)

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        status = response.status_code
        error, issues = error_message(response)
        if status in (400, 402, 403) and error and _CREDIT_ERROR.search(error):
            return Classification(Outcome.ACCOUNT, code="credits", message=error)
        if status in (400, 422):
            detail = describe_issues(issues)
            message = error or f"HTTP {status}"
            return Classification(
                Outcome.INVALID,
                code="validation" if issues else None,
                message=message + (f" ({detail})" if detail else ""),
            )
        if status in (401, 403):
            return Classification(
                Outcome.AUTHENTICATION,
                message=f"Runway refused the API key (HTTP {status})"
                + (f": {error}" if error else "")
                + f"; check {' or '.join(CREDENTIAL_VARIABLES)}",
            )
        if status == 429:
            return Classification(
                Outcome.RATE_LIMITED,
                message=f"Runway: {error or 'too many requests'}",
                # A returned Classification replaces the core's defaults, Retry-After included.
                retry_after=_retry_after(response),
            )
        return None

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        body: Any = dict(prepared.body)
        for upload in prepared.uploads:
            uri = await self._uploaded_uri(upload, http)
            body = substitute(body, upload.placeholder, uri)
        response = await http.post(prepared.path, json=body)
        response.raise_for_status()
        task_id, credits = parse_created(response)
        log.debug("runway: created task %s on %s", task_id, prepared.path)
        return TaskHandle(
            provider=NAME,
            task_id=task_id,
            model=prepared.model or None,
            provider_data={
                "endpoint": prepared.provider_data.get("endpoint", prepared.path),
                "estimated_credits": credits,
            },
        )

    async def _uploaded_uri(self, upload: PendingUpload, http: httpx.AsyncClient) -> str:
        digest = hashlib.sha256(upload.image.data or b"").hexdigest()
        clock = self.settings.time_source  # the runner's clock
        cached = self._uploaded.get(digest)
        if cached is not None and clock.monotonic() - cached[1] < UPLOAD_REUSE_SECONDS:
            return cached[0]
        uri = await _upload(upload, http)
        self._uploaded[digest] = (uri, clock.monotonic())
        return uri

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        response = await http.get(_task_url(handle, http))
        response.raise_for_status()
        return parse_task(response, handle)

    @hookimpl
    async def cancel(self, handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
        # DELETE cancels an unfinished task and deletes a finished one (with its paid
        # output); the core polls first and passes delete=True only when that is asked for.
        # (``delete`` has no default: pluggy never passes a parameter that has one.)
        try:
            response = await http.delete(_task_url(handle, http))
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404:
                # [OAS]: already deleted or aborted; "safe to ignore these 404 errors".
                return None
            raise
        return None


# ---------------------------------------------------------------------- helpers


@functools.cache
def _provider_info() -> ProviderInfo:
    return ProviderInfo(
        name=NAME,
        config_keys=(),  # the core's keys only
        display_name="Runway",
        contract_version=2,
        docs_url="https://docs.dev.runwayml.com/",
        models=tuple(m.info for m in MODELS),
        default_models={Mode.IMAGE: "gen4_turbo", Mode.TEXT: "veo3.1", Mode.FIRST_LAST: "veo3.1"},
        official_hosts=OFFICIAL_HOSTS,
        default_base_url=DEFAULT_BASE_URL,
        base_url_variables=BASE_URL_VARIABLES,
        credential_variables=CREDENTIAL_VARIABLES,
        poll_floor=POLL_FLOOR,
        output_url_lifetime=OUTPUT_URL_LIFETIME,
    )


def _known_or_unvalidated(name: str) -> RunwayModel:
    model = get_model(name)
    if model is not None:
        return model
    return RunwayModel(
        name=name,
        source="unknown",
        variants=(
            Variant(
                "image_to_video", positions=("first", "last"), max_references=9, fields=_ANY_FIELD
            ),
            Variant("text_to_video", fields=_ANY_FIELD),
        ),
        supports_seed=True,
        supports_negative_prompt=True,
        notes="Not in framecast's table: sent unvalidated (allow_unknown_model).",
    )


def _variant(model: RunwayModel, mode: Mode) -> Variant:
    endpoint = endpoint_for(model, mode)
    variant = model.variant(endpoint)
    if variant is None or mode not in model.modes:
        raise UnsupportedOption(
            f"{model.name} does not do {mode.value} requests; it does "
            f"{', '.join(sorted(m.value for m in model.modes))}",
            field="mode",
            value=mode.value,
            allowed=sorted(m.value for m in model.modes),
        )
    return variant


def _duration(request: GenerationRequest, model: RunwayModel) -> int | None:
    """The duration to send: the request's (checked by the core against this mode's
    durations) or the model's default; none for an image model."""
    if model.kind == "image":
        return None
    wanted = request.duration if request.duration is not None else model.default_duration
    return None if wanted is None else int(wanted)


def _retry_after(response: httpx.Response) -> float | None:
    """``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), as the SDK reads them."""
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    return parse_retry_after(response.headers.get("retry-after"))


def _task_url(handle: TaskHandle, http: httpx.AsyncClient) -> str:
    return task_url(handle.base_url or str(http.base_url), "/v1/tasks", handle.task_id)


def _upload_filename(image: ImageRef) -> str:
    extension = _MEDIA_EXTENSIONS.get(image.media_type or "", "png")
    name = posixpath.basename((image.name or "").replace("\\", "/"))
    if name and name.lower().endswith(f".{extension}") and 3 <= len(name) <= 255:
        return name
    return f"framecast-upload.{extension}"


async def _upload(upload: PendingUpload, http: httpx.AsyncClient) -> str:
    """Runway's two-step ephemeral upload; returns the ``runway://`` URI to send."""
    image = upload.image
    if image.data is None:
        raise ProviderError(f"{upload.placeholder}: nothing to upload (the image has no bytes)")
    filename = _upload_filename(image)
    response = await http.post("/v1/uploads", json={"filename": filename, "type": "ephemeral"})
    response.raise_for_status()
    slot = _upload_slot(response)
    # The presigned storage URL must never see the key: no auth for this request (the
    # core's client also restricts auth to Runway's origin).
    # A boundary derived from the bytes makes the upload request reproducible (recorded
    # exchanges match it byte for byte); a hash of the content cannot occur in the content.
    boundary = "framecast-" + hashlib.sha256(image.data).hexdigest()[:32]
    stored = await http.request(
        "POST",
        slot["uploadUrl"],
        data=slot["fields"],
        files={"file": (filename, image.data, image.media_type or "application/octet-stream")},
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        auth=None,
    )
    stored.raise_for_status()
    return str(slot["runwayUri"])


def _upload_slot(response: httpx.Response) -> Mapping[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("uploadUrl"), str)
        or not isinstance(data.get("runwayUri"), str)
        or not str(data["runwayUri"]).startswith("runway://")
        or not isinstance(data.get("fields", {}), dict)
    ):
        raise MalformedResponse(
            "Runway's upload answer lacks uploadUrl, fields or a runway:// runwayUri"
        )
    return {
        "uploadUrl": data["uploadUrl"],
        "fields": {str(k): str(v) for k, v in data.get("fields", {}).items()},
        "runwayUri": data["runwayUri"],
    }
