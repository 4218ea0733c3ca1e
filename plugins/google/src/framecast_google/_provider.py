"""``GoogleProvider``: the framecast hooks for Veo on the Gemini API.

The Gemini API (``generativelanguage.googleapis.com``, API key) creates a video with
``POST /v1beta/models/{model}:predictLongRunning`` and answers with a long-running
operation, read with ``GET /v1beta/{operation name}`` until ``done``. The output URI is on
Google's own host and needs the API key to download (``ProviderInfo.output_needs_auth``).

Vertex AI (OAuth, ``{location}-aiplatform.googleapis.com``, ``:fetchPredictOperation``
polls) is another API: it would be its own provider (its own ``auth`` with Google's
credentials, base URL and poll path) sharing ``_models`` and ``_wire``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Generator, Iterable
from typing import Any

import httpx
from framecast import (
    CameraPlan,
    Classification,
    ConfigurationError,
    CostEstimate,
    GenerationRequest,
    ImageRef,
    Mode,
    ModelInfo,
    Outcome,
    PreparedRequest,
    Provider,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskState,
    TaskStatus,
    UnsupportedOption,
    ValidationError,
    parse_retry_after,
)

from ._models import (
    DEFAULT_DURATION,
    DEFAULT_MODELS,
    DURATIONS,
    EIGHT_SECONDS_ONLY_RESOLUTIONS,
    FIRST_LAST_DEFAULT_DURATION,
    MAX_REFERENCE_IMAGES,
    MODELS,
    PERSON_GENERATION,
    PRICE_SOURCE,
    PRICES_AS_OF,
    VeoModel,
    get_model,
    model_infos,
)
from ._wire import (
    WebhookConfig,
    build_body,
    create_path,
    error_of,
    error_reasons,
    operation_path,
    parse_created,
    parse_operation,
    retry_delay,
)

__all__ = ["GoogleProvider"]

log = logging.getLogger("framecast_google")

NAME = "google"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
OFFICIAL_HOSTS = ("generativelanguage.googleapis.com",)
#: As the SDK reads them: GOOGLE_API_KEY first, then GEMINI_API_KEY (``_api_client.py``
#: ``get_env_api_key``); an empty value counts as unset, the key is stripped.
CREDENTIAL_VARIABLES = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
#: The SDK's base-URL override (``_base_url.py``); the API version is appended to it.
BASE_URL_VARIABLES = ("GOOGLE_GEMINI_BASE_URL",)
#: The docs poll every 10 s ("Generate videos with Veo 3.1", 2026-04-29); latency is 11 s
#: to 6 min. No documented floor: 10 s is the docs' own interval.
POLL_FLOOR = 10.0
#: "Generated videos are stored for 2 days" (same page).
OUTPUT_URL_LIFETIME = 2 * 24 * 3600.0
#: UNCONFIRMED: the Gemini API's per-tier limits are shown only in AI Studio. A cautious
#: number of operations at once; raise it with max_running_tasks.
SUGGESTED_MAX_RUNNING_TASKS = 4


class GoogleKeyAuth(httpx.Auth):
    """``x-goog-api-key: <key>`` for Google's own origins only; the key is never in a repr.

    The core applies ``auth()`` only to the configured base URL and the official hosts;
    this checks again, so the key stays home even through a client that applies auth to
    every request (httpx drops ``Authorization`` on a cross-host redirect, but not
    ``x-goog-api-key``)."""

    def __init__(self, key: str, *, base_url: str, official_hosts: Iterable[str]) -> None:
        self._key = key
        base = httpx.URL(base_url)
        self._origins = {(base.scheme, base.host, base.port)}
        self._origins.update(("https", host, None) for host in official_hosts)

    def __repr__(self) -> str:
        return f"GoogleKeyAuth(origins={sorted(h for _, h, _ in self._origins)}, key=<hidden>)"

    def applies_to(self, url: httpx.URL) -> bool:
        port = None if url.port == 443 and url.scheme == "https" else url.port
        for scheme, host, origin_port in self._origins:
            origin_port = None if origin_port == 443 and scheme == "https" else origin_port
            if (url.scheme, url.host, port) == (scheme, host, origin_port):
                return True
        return False

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.applies_to(request.url):
            request.headers["x-goog-api-key"] = self._key
        yield request


class GoogleProvider(Provider):
    """Veo on the Gemini API as a framecast provider.

    No ``cancel`` (the SDK has none for video operations; whether ``:cancel`` works on them
    is unconfirmed) and no ``find_submitted`` (operations cannot be looked up by a key):
    a create whose answer was lost ends in ``OutcomeUnknown``, never resubmitted blindly.
    """

    name = NAME

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        super().__init__(settings if settings is not None else ProviderSettings(name=NAME))

    def __repr__(self) -> str:
        return f"GoogleProvider(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        configured = self.settings.base_url or self.settings.get(*BASE_URL_VARIABLES)
        return (configured or DEFAULT_BASE_URL).rstrip("/")

    # ------------------------------------------------------------------ declarations

    def provider_info(self) -> ProviderInfo:
        return _provider_info()

    # ------------------------------------------------------------------ request hooks
    # No map_ratio or translate_camera: the core's defaults are Veo's rules. Ratios are the
    # declared 16:9 and 9:16; Veo has no camera field, and Google's prompt guide asks for
    # the move in words ("dolly shot", "aerial view", "pan shot"), which is how the core
    # phrases it.

    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        veo = _known(model.name)
        mode = request.mode
        if mode not in veo.modes:
            raise UnsupportedOption(
                f"{veo.name} does not take {mode.value} requests; it takes "
                f"{', '.join(sorted(m.value for m in veo.modes))}",
                field="mode",
                value=mode.value,
                allowed=sorted(m.value for m in veo.modes),
            )
        options = self._options(request)
        resolution = str(options.get("resolution") or "720p")
        if resolution not in veo.resolutions:
            raise UnsupportedOption(
                f"resolution {resolution!r}: {veo.name} offers {', '.join(veo.resolutions)}",
                field="options.resolution",
                value=resolution,
                allowed=list(veo.resolutions),
            )
        duration = _duration(request, veo, resolution)
        prompt = camera_plan.prompt.strip()
        if not prompt and mode in (Mode.TEXT, Mode.MULTI_IMAGE):
            # [SDK] GenerateVideosConfig: with reference images "the text prompt field must
            # also be provided"; text-to-video has nothing else to go on.
            raise ValidationError(
                f"prompt: {veo.name} needs a prompt for {mode.value} requests",
                field="prompt",
                value=request.prompt,
                allowed="a non-empty prompt",
            )
        person = options.get("person_generation")
        if person is not None and person not in PERSON_GENERATION[mode]:
            raise UnsupportedOption(
                f"person_generation {person!r} is not taken with {mode.value} requests; "
                f"allowed: {', '.join(PERSON_GENERATION[mode])}",
                field="options.person_generation",
                value=person,
                allowed=list(PERSON_GENERATION[mode]),
            )
        references = [i for i in request.images if isinstance(i, ImageRef)]
        if len(references) > MAX_REFERENCE_IMAGES:
            raise ValidationError(
                f"images: {veo.name} takes at most {MAX_REFERENCE_IMAGES} reference images; "
                f"got {len(references)}",
                field="images",
                value=len(references),
                allowed=f"1-{MAX_REFERENCE_IMAGES}",
            )
        if request.seed is not None:
            raise UnsupportedOption(
                "seed: the Gemini API's Veo models take no seed (Google's SDK refuses it "
                "outside Vertex AI)",
                field="seed",
                value=request.seed,
                allowed=[None],
            )
        enhance = options.get("enhance_prompt")
        body = build_body(
            prompt=prompt or None,
            image=request.image if isinstance(request.image, ImageRef) else None,
            last_frame=request.end_image if isinstance(request.end_image, ImageRef) else None,
            references=references,
            aspect_ratio=ratio_plan.wire_value,
            duration=duration,
            resolution=resolution,
            negative_prompt=request.negative_prompt,
            person_generation=person,
            enhance_prompt=bool(enhance) if enhance is not None else None,
            webhook=self._webhook(request),
        )
        notes = [n for n in (ratio_plan.note, *camera_plan.notes) if n]
        return PreparedRequest(
            method="POST",
            path=create_path(veo.name),
            body=body,
            model=veo.name,
            notes=tuple(notes),
        )

    def _webhook(self, request: GenerationRequest) -> WebhookConfig | None:
        """The per-request webhook to ask for. framecast has no webhook contract yet, so
        none is sent; a host (or a later contract) fills this seam in."""
        del request
        return None

    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        veo = get_model(model.name)
        if veo is None or veo.withdrawn:
            return None
        resolution = str(self._options(request).get("resolution") or "720p")
        price = veo.prices.get(resolution)
        if price is None:
            return None  # prepare refuses it, with its own message
        seconds = int(request.duration or _default_duration(request))
        return CostEstimate(
            amount=round(price * seconds, 4),
            currency="USD",
            units=seconds,
            unit_name="seconds",
            formula=f"{price:.2f} USD/s ({veo.name}, {resolution}, audio included) x {seconds} s"
            " (Gemini API pricing, last updated 2026-09-24; blocked videos are not charged)",
            # Quoted from Google's pricing page by a third party, not read there directly.
            confidence="secondary",
            source=PRICE_SOURCE,
            as_of=PRICES_AS_OF,
        )

    def _options(self, request: GenerationRequest) -> dict[str, Any]:
        declared = {"resolution", "person_generation", "enhance_prompt"}
        configured = {k: v for k, v in self.settings.options.items() if k in declared}
        return {**configured, **dict(request.options)}

    # ------------------------------------------------------------------ transport hooks

    def auth(self) -> httpx.Auth:
        key = None
        for variable in CREDENTIAL_VARIABLES:
            value = (self.settings.env.get(variable) or "").strip()
            if value:
                key = value
                break
        if key is None:
            names = " or ".join(CREDENTIAL_VARIABLES)
            raise ConfigurationError(
                f"{self.settings.name}: no credential (Gemini API key): set {names} in the "
                "environment (GOOGLE_API_KEY wins when both are set); create a key at "
                "https://ai.google.dev/gemini-api/docs/api-key",
                details={"variables": list(CREDENTIAL_VARIABLES)},
            )
        return GoogleKeyAuth(key, base_url=self.base_url, official_hosts=OFFICIAL_HOSTS)

    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        status = response.status_code
        error = error_of(response)
        word = str(error.get("status") or "")
        message = str(error.get("message") or "") or f"HTTP {status}"
        reasons = error_reasons(error)
        variables = " or ".join(CREDENTIAL_VARIABLES)
        # Google answers a bad key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
        if (
            status in (401, 403)
            or word in ("UNAUTHENTICATED", "PERMISSION_DENIED")
            or (reasons & {"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED"})
        ):
            return Classification(
                Outcome.AUTHENTICATION,
                code=word or None,
                message=f"Google refused the API key (HTTP {status}): {message}; check {variables}",
            )
        if status == 429 or word == "RESOURCE_EXHAUSTED":
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is None:
                wait = retry_delay(error)
            return Classification(
                Outcome.RATE_LIMITED,
                code=word or "RESOURCE_EXHAUSTED",
                message=f"Google: {message}",
                retry_after=wait,
            )
        if word == "FAILED_PRECONDITION":
            # Billing not enabled, or the API not offered where the caller is (Veo is a
            # paid-only feature): the account, not the request.
            return Classification(Outcome.ACCOUNT, code=word, message=f"Google: {message}")
        if status == 404 and phase == "submit":
            return Classification(
                Outcome.INVALID,
                code=word or "NOT_FOUND",
                message=f"Google: {message} (the model may be gone for this key)",
            )
        if status in (400, 422) or word in ("INVALID_ARGUMENT", "OUT_OF_RANGE"):
            return Classification(Outcome.INVALID, code=word or None, message=f"Google: {message}")
        return None  # 5xx and the rest: the core's HTTP-status defaults

    # ------------------------------------------------------------------ tasks (one attempt)

    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        response = await http.post(prepared.path, json=dict(prepared.body))
        response.raise_for_status()
        name = parse_created(response)
        log.debug("google: created operation %s", name)
        return TaskHandle(provider=NAME, task_id=name, model=prepared.model or None)

    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        origin = (handle.base_url or str(http.base_url)).rstrip("/")
        response = await http.get(origin + operation_path(handle.task_id, handle))
        response.raise_for_status()
        operation = parse_operation(response)
        if not operation.done:
            return TaskState(status=TaskStatus.RUNNING, raw=operation.raw)
        if operation.error_message is not None:
            return TaskState(
                status=TaskStatus.FAILED,
                failure_code=operation.error_code,
                failure_message=operation.error_message,
                # UNCONFIRMED which operation errors a new request may fix: only Google's
                # own trouble (INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED) is taken for one.
                retryable=operation.error_code in _RETRYABLE_WORDS,
                raw=operation.raw,
            )
        if not operation.videos:
            reasons = "; ".join(operation.filtered_reasons) or "no reason given"
            return TaskState(
                status=TaskStatus.FAILED,
                failure_code="rai_media_filtered",
                failure_message=f"Google's safety filters blocked the video ({reasons}); "
                "blocked videos are not charged. Change the prompt or image",
                retryable=False,
                raw=operation.raw,
            )
        return TaskState(status=TaskStatus.SUCCEEDED, outputs=operation.videos, raw=operation.raw)


_RETRYABLE_WORDS = frozenset({"INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED"})


@functools.cache
def _provider_info() -> ProviderInfo:
    return ProviderInfo(
        name=NAME,
        display_name="Google Veo (Gemini API)",
        docs_url="https://ai.google.dev/gemini-api/docs/video",
        models=model_infos(),
        default_models=dict(DEFAULT_MODELS),
        official_hosts=OFFICIAL_HOSTS,
        default_base_url=DEFAULT_BASE_URL,
        base_url_variables=BASE_URL_VARIABLES,
        credential_variables=CREDENTIAL_VARIABLES,
        poll_floor=POLL_FLOOR,
        output_url_lifetime=OUTPUT_URL_LIFETIME,
        output_needs_auth=True,
        suggested_max_running_tasks=SUGGESTED_MAX_RUNNING_TASKS,
        contract_version=2,
    )


def _known(name: str) -> VeoModel:
    veo = get_model(name)
    if veo is None:
        raise UnsupportedOption(
            f"Google model {name!r} is not one framecast knows",
            field="model",
            value=name,
            allowed=[m.name for m in _live()],
        )
    if veo.withdrawn:
        raise UnsupportedOption(
            f"Google model {name!r} was shut down; use {veo.replacement!r}",
            field="model",
            value=name,
            allowed=[veo.replacement],
        )
    return veo


def _live() -> list[VeoModel]:
    return [m for m in MODELS if not m.withdrawn]


def _default_duration(request: GenerationRequest) -> int:
    if request.mode is Mode.FIRST_LAST:
        return FIRST_LAST_DEFAULT_DURATION
    return DEFAULT_DURATION


def _duration(request: GenerationRequest, veo: VeoModel, resolution: str) -> int:
    seconds = int(request.duration or _default_duration(request))
    if seconds not in DURATIONS:
        raise UnsupportedOption(
            f"duration {seconds}: {veo.name} takes 4, 6 or 8 seconds",
            field="duration",
            value=seconds,
            allowed=list(DURATIONS),
        )
    if seconds != 8 and resolution in EIGHT_SECONDS_ONLY_RESOLUTIONS:
        raise UnsupportedOption(
            f"duration {seconds}: {veo.name} makes {resolution} videos of 8 seconds only "
            "(ask for 720p, or 8 s)",
            field="duration",
            value=seconds,
            allowed=[8],
        )
    if seconds != 8 and request.mode is Mode.MULTI_IMAGE:
        raise UnsupportedOption(
            f"duration {seconds}: with reference images {veo.name} makes 8-second videos only",
            field="duration",
            value=seconds,
            allowed=[8],
        )
    return seconds
