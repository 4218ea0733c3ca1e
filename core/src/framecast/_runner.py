"""The runner (docs/reliability.md): validation, submit with the outcome table, polling, download.

    async with Runner("runway") as runner:
        handle = await runner.submit(GenerationRequest(prompt="...", image="cat.png"))
        result = await runner.wait(handle)        # or: await runner.generate(request)
        await runner.download(result, "cat.mp4")

``SyncRunner`` offers the same methods for scripts and notebooks.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as _dt
import inspect
import logging
import os
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._checks import check_number, check_timeout, parse_number
from ._clock import Clock, SystemClock
from ._config import (
    Config,
    check_provider_table,
    load_config,
    provider_source,
    resolve_provider_name,
    with_source,
)
from ._defaults import declared_ratio_plan, prompt_camera_plan
from ._errors import (
    AccountError,
    AuthenticationError,
    ConfigurationError,
    FramecastCancelled,
    FramecastError,
    GenerationFailed,
    NotSupported,
    OutcomeUnknown,
    ProviderError,
    ProviderValidationError,
    RateLimited,
    TaskNotFound,
    TaskTimeout,
    ValidationError,
)
from ._fetch import guarded_transport
from ._models import (
    CameraPlan,
    Classification,
    CostEstimate,
    GenerationRequest,
    GenerationResult,
    ImageRef,
    ModelInfo,
    Outcome,
    Output,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskState,
    TaskStatus,
)
from ._retry import RetryPolicy, backoff
from ._submitted import SubmittedTasks, _claims_of_this_call

if TYPE_CHECKING:
    import httpx

    from ._fetch import FetchPolicy
    from ._http import FifoGate, GateTicket, ProviderClient, SubmitTrack
    from ._rounds import PollRounds
    from ._submitted import _Claim

__all__ = ["Runner", "SyncRunner", "generate"]

logger = logging.getLogger("framecast")

T = TypeVar("T")
ProgressCallback = Callable[[TaskHandle, TaskState], Any]
THROTTLED_BACKOFF_CAP = 60.0
#: A first guess from the URL; ``download()`` checks the real type by magic bytes.
_MEDIA_TYPE_BY_SUFFIX = {
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mov": "video/quicktime",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
}
DEFAULT_POLL_INTERVAL = 1.0  # seconds, when neither the provider nor the user sets one
_UNREADABLE_POLL_ADVICE = (
    "The task is not lost: check it later with poll(handle) / 'framecast status HANDLE', "
    "or update framecast and the provider plugin"
)


class _DefaultTimeout(float):
    """600 s, but marked: only an explicit ``timeout`` beats the config file's."""


DEFAULT_TIMEOUT = _DefaultTimeout(600.0)


@attrs.frozen
class _Prepared:
    request: GenerationRequest  # images as ImageRef, idempotency key set
    model: ModelInfo
    ratio_plan: RatioPlan
    camera_plan: CameraPlan
    prepared: PreparedRequest
    estimate: CostEstimate | None
    notes: tuple[str, ...]
    needs_fetch: bool = False  # an image URL must be downloaded and fitted at submit


#: Outcomes of a status read worth reading again: the task is still there.
_TRANSIENT_OUTCOMES = (
    Outcome.TRANSIENT,
    Outcome.RATE_LIMITED,
    Outcome.RETRY,
    Outcome.AMBIGUOUS,
    Outcome.UNREADABLE,
)


class _Transient(Exception):
    def __init__(self, classification: Classification, cause: BaseException) -> None:
        super().__init__(classification.message or type(cause).__name__)
        self.classification = classification
        self.cause = cause


def _provider_list(
    provider: Any, env: Mapping[str, str] | None, config: Config | None
) -> list[Any] | None:
    """The providers to fail over between, or ``None`` for one provider."""
    if isinstance(provider, (list, tuple)):
        return list(provider)
    if provider is None:
        environ = os.environ if env is None else env
        provider = environ.get("FRAMECAST_PROVIDER") or (config or load_config()).provider
    if isinstance(provider, str) and "," in provider:
        return [name.strip() for name in provider.split(",") if name.strip()]
    return None


class Runner:
    """Runs requests through one provider (or, given several, a ``framecast.Failover``).

    ``provider``: an entry-point name, ``"module:attribute"``, a provider class or instance
    (``None``: ``FRAMECAST_PROVIDER``, the config file, else ``preview``). ``settings``
    overrides the ``ProviderSettings`` built from the environment and config file.
    ``plugins``: host plugins (observers, house styles). ``transport``: an
    ``httpx.AsyncBaseTransport`` for every request (tests pass a protocol fake).
    ``clock``: time source (``framecast.testing.VirtualClock`` in tests). ``poll_interval``:
    seconds between polls (clamped to the provider's floor on its official hosts).
    ``timeout``: default seconds ``wait``/``generate`` wait for a task. ``max_in_flight_requests``:
    FIFO gate width. ``max_running_tasks``: tasks waited on at once (``None``: the provider's
    suggestion, ``0``: no cap). ``max_cost``: refuse requests estimated above it (USD) or
    with an unknown price or a price in another currency. ``retry_ambiguous_submit``:
    resubmit after an ambiguous failure on providers without dedupe (may pay twice).

    ``submitted`` (``SubmittedTasks``) holds every task the provider accepted until its
    caller has the handle; a cancelled call leaves it there for ``runner.submitted.drain()``.

    A request's ``idempotency_key`` dedupes only where the provider does
    (those implementing ``find_submitted``: Kling, preview): a second ``submit`` with the key, from
    this process or any other, gets the first task's handle instead of a new task. On other
    providers (Runway) the runner keeps no record of keys: each ``submit`` creates (and
    bills) a task, and the key only travels in the handle. The CLI adds its own promise on
    top (its task log answers a reused key on the same machine); a host that needs one
    task per key on such a provider keeps its own record of the keys it submitted.
    """

    def __new__(cls, provider: Any = None, **options: Any) -> Any:
        # Several providers ("kling,runway", a list, or so configured): a failover.
        names = _provider_list(provider, options.get("env"), options.get("config"))
        if names is not None:
            from ._failover import Failover

            return Failover(names, **options)
        return super().__new__(cls)

    def __init__(
        self,
        provider: str | type | object | None = None,
        *,
        settings: ProviderSettings | None = None,
        plugins: Iterable[object] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        poll_interval: float | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_in_flight_requests: int = 100,
        max_running_tasks: int | None = None,
        max_cost: float | None = None,
        retry_ambiguous_submit: bool = False,
        retry_policy: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
        config: Config | None = None,
    ) -> None:
        from ._plugins import (
            ProviderEntry,
            completed_info,
            entry_of_class,
            find_entry,
            load_provider_class,
            make_plugin_manager,
        )

        self._env: Mapping[str, str] = dict(os.environ if env is None else env)
        self._config = config if config is not None else load_config()
        if isinstance(provider, str) or provider is None:
            name = resolve_provider_name(provider, self._env, self._config)
            try:
                entry = find_entry(name, self._env)
                cls: Any = load_provider_class(name, self._env)
            except ConfigurationError as exc:
                raise with_source(exc, provider_source(provider, self._env, self._config)) from None
            instance = None
            if entry.distribution is None:
                entry = entry_of_class(cls) or entry  # an installed provider by another path
        elif inspect.isclass(provider):
            cls, instance = provider, None
            # Only the class's own entry: a subclass must not inherit its parent's name.
            entry = (
                cls.__dict__.get("__framecast_entry__")
                or entry_of_class(cls)
                or ProviderEntry(
                    name=getattr(cls, "name", cls.__name__.lower()),
                    value=f"{cls.__module__}:{cls.__qualname__}",
                )
            )
        else:
            cls, instance = type(provider), provider
            entry = entry_of_class(cls) or ProviderEntry(
                name=getattr(provider, "name", cls.__name__.lower()),
                value=f"{cls.__module__}:{cls.__qualname__}",
            )
        table = self._config.table(entry.name)
        explicit_settings = settings is not None
        self.clock: Clock = clock or SystemClock()
        if settings is None:
            settings = ProviderSettings(
                name=entry.name,
                base_url=table.get("base_url"),
                env=self._env,
                options=dict(table.get("options", {})),
                max_running_tasks=table.get("max_running_tasks"),
                config=dict(table),
                clock=self.clock,
            )
        elif settings.clock is None:
            settings = attrs.evolve(settings, clock=self.clock)
        self.settings = settings
        if instance is None:
            try:
                instance = cls(settings)
            except FramecastError:
                raise
            except Exception as exc:
                from ._plugins import PluginLoadError

                raise PluginLoadError(
                    f"cannot instantiate {entry.describe()}: {type(exc).__name__}: {exc}"
                ) from exc
        self.provider = instance
        self._pm = make_plugin_manager(instance, entry, plugins)
        self._hook = self._pm.hook
        info = completed_info(self._hook.provider_info(), instance, entry.describe())
        self.info: ProviderInfo = info
        self.provider_name = info.name or entry.name
        _register_credentials(settings, info)
        self.base_url = self._resolve_base_url(settings, explicit_settings)
        check_provider_table(self._config, entry.name, info.config_keys)
        if timeout is None or timeout is DEFAULT_TIMEOUT:
            timeout = self._config.timeout if self._config.timeout is not None else timeout
        self.timeout = check_timeout(timeout, "timeout")
        self.max_cost = (
            None
            if max_cost is None
            else check_number(max_cost, "max_cost", minimum=0, unit="dollars (USD)")
        )
        for field, value in (("connect_timeout", connect_timeout), ("read_timeout", read_timeout)):
            check_number(value, field, minimum=0, exclusive_minimum=True, unit="seconds")
        check_number(max_in_flight_requests, "max_in_flight_requests", minimum=0, integer=True)
        if max_running_tasks is not None:
            check_number(max_running_tasks, "max_running_tasks", minimum=0, integer=True)
        self.retry_ambiguous_submit = retry_ambiguous_submit
        self.retry_policy = retry_policy or RetryPolicy()
        self.poll_interval = self._resolve_poll_interval(poll_interval)
        self.max_in_flight_requests = max_in_flight_requests
        if max_running_tasks is None:
            max_running_tasks = settings.max_running_tasks
        if max_running_tasks is None:
            max_running_tasks = info.suggested_max_running_tasks or 0
        self.max_running_tasks = max_running_tasks
        self._transport = transport
        self._rounds: PollRounds | None = None
        self._timeouts = (connect_timeout, read_timeout)
        self._client: ProviderClient | None = None
        self._download_client: httpx.AsyncClient | None = None
        self._auth_download_client: httpx.AsyncClient | None = None
        self._gate: FifoGate | None = None
        self._slots: FifoGate | None = None
        self._cancelled: set[str] = set()
        self.submitted = SubmittedTasks()
        # The file's top-level model belongs to the provider the file names (or to any).
        top_model = (
            self._config.model if self._config.provider in (None, self.provider_name) else None
        )
        self._default_model = table.get("model", top_model)

    # ------------------------------------------------------------------ setup

    def _resolve_base_url(self, settings: ProviderSettings, explicit: bool) -> str:
        from_env = settings.get(*self.info.base_url_variables)
        if explicit:
            url = settings.base_url or from_env
        else:  # settings.base_url came from the config file, which the environment beats
            url = from_env or settings.base_url
        url = url or self.info.default_base_url
        return url.rstrip("/")

    def _resolve_poll_interval(self, explicit: float | None) -> float:
        floor = self.info.poll_floor
        wanted = explicit
        bounds: dict[str, Any] = {"minimum": 0, "unit": "seconds", "error": ConfigurationError}
        if wanted is not None:
            wanted = check_number(wanted, "poll_interval", **bounds)
        elif self._env.get("FRAMECAST_POLL_INTERVAL"):
            wanted = parse_number(
                self._env["FRAMECAST_POLL_INTERVAL"],
                "FRAMECAST_POLL_INTERVAL",
                source="the environment",
                **bounds,
            )
        if wanted is None:
            # A provider without a floor (a local renderer) still gets a sane default.
            return floor if floor > 0 else DEFAULT_POLL_INTERVAL
        if self._is_official(self.base_url):
            return max(wanted, floor)  # the floor is the provider's rule on its own hosts
        return max(0.0, wanted)

    def _is_official(self, url: str) -> bool:
        import urllib.parse

        host = urllib.parse.urlsplit(url).hostname or ""
        return host in self.info.official_hosts

    def _trusted_origins(self) -> set[tuple[str, str, int | None]]:
        from ._http import origin_of

        origins = {origin_of(f"https://{host}") for host in self.info.official_hosts}
        if self.base_url.startswith(("http://", "https://")):
            origins.add(origin_of(self.base_url))
        return origins

    def _ensure_gates(self) -> None:
        if self._gate is None:
            from ._http import FifoGate

            self._gate = FifoGate(self.max_in_flight_requests)
            self._slots = FifoGate(self.max_running_tasks)

    def _http(self) -> ProviderClient:
        if self._client is None:
            import httpx

            from ._http import GatedTransport, OriginAuth, ProviderClient, default_transport

            self._ensure_gates()
            assert self._gate is not None
            limit = self.max_in_flight_requests if self.max_in_flight_requests > 0 else None
            inner = self._transport or default_transport(limit)
            auth = self._hook.auth()
            wrapped = OriginAuth(auth, self._trusted_origins()) if auth is not None else None
            connect, read = self._timeouts
            base = self.base_url if self.base_url.startswith(("http://", "https://")) else ""
            self._client = ProviderClient(
                base_url=base,
                transport=GatedTransport(inner, self._gate),
                auth=wrapped,
                timeout=httpx.Timeout(read, connect=connect),
                follow_redirects=False,
            )
        return self._client

    def _downloads(self, url: str | None = None) -> httpx.AsyncClient:
        """A client with no credentials at all, for image fetches and output downloads;
        for an output ``url`` on the provider's own origins when the provider declares
        ``output_needs_auth``, one that signs it (and no redirect elsewhere)."""
        if url is not None and self.info.output_needs_auth:
            from ._http import origin_of

            if origin_of(url) in self._trusted_origins():
                return self._output_downloads()
        if self._download_client is None:
            import httpx

            connect, read = self._timeouts
            self._download_client = httpx.AsyncClient(
                transport=self._transport or guarded_transport(self._private_ok()),
                timeout=httpx.Timeout(read, connect=connect),
                follow_redirects=False,  # open_url follows them, checking every hop
            )
        return self._download_client

    def _private_ok(self) -> bool:
        """Downloads may reach loopback and private addresses only when the provider's
        base URL is not one of its official hosts (an emulator, a test server)."""
        return not self._is_official(self.base_url)

    def fetch_policy(self, kind: str, max_bytes: int | None = None) -> FetchPolicy:
        """The fetch policy for ``kind`` ``"input"`` (an image URL a user gave) or
        ``"output"`` (the provider's results): see docs/reliability.md."""
        from ._fetch import INPUT_TIMEOUT, FetchPolicy

        if kind == "input":
            return FetchPolicy(
                schemes=("https",),
                allow_private=self._private_ok(),
                max_bytes=max_bytes,
                timeout=INPUT_TIMEOUT,
            )
        private = self._private_ok()
        return FetchPolicy(
            # http only where the provider itself is local or emulated
            schemes=("https", "http") if private else ("https",),
            hosts=self.info.output_hosts,
            allow_private=private,
            max_bytes=max_bytes,
        )

    def _output_downloads(self) -> httpx.AsyncClient:
        if self._auth_download_client is None:
            import httpx

            from ._http import OutputAuth

            auth = self._hook.auth()
            connect, read = self._timeouts
            check = self.fetch_policy("output").check
            self._auth_download_client = httpx.AsyncClient(
                transport=self._transport or guarded_transport(self._private_ok()),
                auth=OutputAuth(auth, self._trusted_origins(), check=check)
                if auth is not None
                else None,
                timeout=httpx.Timeout(read, connect=connect),
                follow_redirects=False,
            )
        return self._auth_download_client

    async def aclose(self) -> None:
        if self._auth_download_client is not None:
            await self._auth_download_client.aclose()
            self._auth_download_client = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._download_client is not None:
            await self._download_client.aclose()
            self._download_client = None

    async def __aenter__(self) -> Runner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        from ._secrets import redact

        return redact(f"Runner(provider={self.provider_name!r}, base_url={self.base_url!r})")

    # ------------------------------------------------------------------ preparation

    def resolve_model(self, request: GenerationRequest) -> ModelInfo:
        from ._validation import resolve_model

        if request.model is None and self._default_model:
            request = request.evolve(model=self._default_model)
        return resolve_model(request, self.info)

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        """Validate and build the wire request without sending anything (the dry run)."""
        return self._prepare(request).prepared

    def estimate(self, request: GenerationRequest) -> CostEstimate | None:
        """What the request should cost (``None``: the provider does not know the price)."""
        return self._prepare(request).estimate

    def _prepare(self, request: GenerationRequest, fetched: ImageRef | None = None) -> _Prepared:
        from ._images import (
            fit_image,
            image_byte_limit,
            load_image,
            validate_fitted,
            validate_image,
        )
        from ._validation import validate_prompt, validate_request

        if not isinstance(request, GenerationRequest):
            raise ValidationError(
                f"expected a GenerationRequest, got {type(request).__name__}",
                field="request",
                value=type(request).__name__,
                allowed="GenerationRequest",
            )
        model = self.resolve_model(request)  # applies the configured default model
        if self.settings.options:
            # Configured defaults apply only where the chosen model declares the option.
            declared = {o.name for o in (*self.info.options, *model.options)}
            defaults = {k: v for k, v in self.settings.options.items() if k in declared}
            request = request.evolve(options={**defaults, **request.options})
        if request.model is None:
            request = request.evolve(model=model.name)
        validate_request(request, model, self.info)
        constraints = model.image
        limit = image_byte_limit(constraints)
        changes: dict[str, Any] = {}
        if request.image is not None:
            ref = fetched or load_image(request.image, "image", limit)
            changes["image"] = validate_image(ref, constraints, "image")
        if request.end_image is not None:
            changes["end_image"] = validate_image(
                load_image(request.end_image, "end_image", limit), constraints, "end_image"
            )
        if request.images:
            changes["images"] = tuple(
                validate_image(load_image(img, f"images[{i}]", limit), constraints, f"images[{i}]")
                for i, img in enumerate(request.images)
            )
        if not constraints.local_files:
            self._refuse_local_images(request, model, changes)
        changes["idempotency_key"] = request.idempotency_key or uuid.uuid4().hex
        request = request.evolve(**changes)
        notes: list[str] = []
        ratio_plan = self._hook.map_ratio(request=request, model=model)
        if ratio_plan is None:
            ratio_plan = declared_ratio_plan(request, model)
        if ratio_plan.note:
            notes.append(ratio_plan.note)
        needs_fetch = False
        if ratio_plan.fit != "none" and isinstance(request.image, ImageRef):
            if request.image.url is not None:
                needs_fetch = True
                notes.append(
                    f"the image URL will be downloaded and {ratio_plan.fit}ped to "
                    f"{ratio_plan.fit_aspect} before sending"
                )
            else:
                aspect = ratio_plan.fit_aspect or ""
                fitted = fit_image(request.image, aspect, ratio_plan.fit)
                checked = validate_fitted(
                    fitted, request.image, constraints, ratio_plan.fit, aspect
                )
                request = request.evolve(image=checked)
                notes.append(f"image {ratio_plan.fit}ped to {ratio_plan.fit_aspect}")
        camera_plan = self._hook.translate_camera(request=request, model=model)
        if camera_plan is None:
            camera_plan = prompt_camera_plan(request, model)
        notes.extend(camera_plan.notes)
        validate_prompt(camera_plan.prompt, model)
        prepared = self._hook.prepare(
            request=request, model=model, ratio_plan=ratio_plan, camera_plan=camera_plan
        )
        if not isinstance(prepared, PreparedRequest):
            raise ProviderError(f"{self.provider_name}: prepare() returned no PreparedRequest")
        if not prepared.model:
            prepared = attrs.evolve(prepared, model=model.name)
        notes.extend(n for n in prepared.notes if n not in notes)
        # The dry run shows every note (nearest ratio, fitting, camera), not only the provider's.
        prepared = attrs.evolve(
            prepared,
            notes=tuple(notes),
            ratio=ratio_plan.wire_value or ratio_plan.fit_aspect,
            duration=request.duration if request.duration is not None else model.default_duration,
            camera_method=camera_plan.method,
        )
        estimate = self._hook.estimate(request=request, model=model)
        return _Prepared(
            request=request,
            model=model,
            ratio_plan=ratio_plan,
            camera_plan=camera_plan,
            prepared=prepared,
            estimate=estimate,
            notes=tuple(notes),
            needs_fetch=needs_fetch,
        )

    def _refuse_local_images(
        self, request: GenerationRequest, model: ModelInfo, refs: Mapping[str, Any]
    ) -> None:
        """A model without an upload takes images only as URLs: say so, and which of the
        provider's models take the local file instead."""
        found = [(k, v) for k, v in refs.items() if isinstance(v, ImageRef)]
        found += [(f"images[{i}]", v) for i, v in enumerate(refs.get("images", ()))]
        for field, ref in found:
            if ref.url is not None:
                continue
            schemes = ", ".join(f"{s}://" for s in model.image.url_schemes)
            others = [
                m.name
                for m in self.info.models
                if not m.withdrawn and request.mode in m.modes and m.image.local_files
            ]
            instead = f", or use {' or '.join(others)}, which takes local files" if others else ""
            raise ValidationError(
                f"{field}: {model.name} takes images only as URLs it can fetch ({schemes}): "
                f"{self.provider_name} has no upload for it, so a local file or bytes cannot "
                f"be sent. Pass a public URL{instead}",
                field=field,
                value=ref.describe(),
                allowed=[f"{s}://..." for s in model.image.url_schemes],
            )

    async def _prepare_for_submit(self, request: GenerationRequest) -> _Prepared:
        p = self._prepare(request)
        if p.needs_fetch:
            assert isinstance(p.request.image, ImageRef) and p.request.image.url
            from ._images import image_byte_limit

            limit = image_byte_limit(p.model.image)
            fetched = await self._fetch_image(p.request.image.url, limit)
            p = self._prepare(p.request.evolve(image=request.image), fetched=fetched)
        self._check_budget(p)
        return p

    async def _fetch_image(self, url: str, max_bytes: int) -> ImageRef:
        """An image URL the core must crop or pad, downloaded under the input policy."""
        import httpx

        from ._fetch import FetchRefused, TooLarge, fetch_bytes
        from ._images import load_image

        shown = url.split("?")[0]
        try:
            data = await fetch_bytes(
                lambda _hop: self._downloads(), url, self.fetch_policy("input", max_bytes)
            )
        except FetchRefused as exc:
            raise ValidationError(
                f"image: refused to download {shown} to fit it: {exc.reason}",
                field="image",
                value=shown,
                allowed="a public https:// image URL (redirects to one only)",
            ) from None
        except TooLarge as exc:
            raise ValidationError(
                f"image: {shown} is larger than {exc.limit:,} bytes; nothing more was read",
                field="image",
                value=shown,
                allowed=f"at most {exc.limit:,} bytes",
            ) from None
        except httpx.HTTPError as exc:
            raise ValidationError(
                f"image: cannot download {shown} to fit it: {exc}",
                field="image",
                value=shown,
                allowed="a reachable https image URL",
            ) from None
        ref = load_image(data, "image")
        return attrs.evolve(ref, source="url", name=shown.rsplit("/", 1)[-1])

    def _check_budget(self, p: _Prepared) -> None:
        if self.max_cost is None:
            return
        if p.estimate is None:
            raise ValidationError(
                f"max_cost is set to ${self.max_cost:.2f} but the price of {p.model.name!r} is "
                "unknown; refusing to submit",
                field="max_cost",
                value=self.max_cost,
                allowed="a model with a known price, or no max_cost",
            )
        if p.estimate.currency != "USD":
            # max_cost is in USD; a price in another currency is not converted (no rates).
            raise ValidationError(
                f"max_cost is set to ${self.max_cost:.2f} (USD) but {p.model.name!r} is priced "
                f"in {p.estimate.currency} ({p.estimate.amount:.2f} {p.estimate.currency}); "
                "refusing to submit rather than compare different currencies",
                field="max_cost",
                value=self.max_cost,
                allowed=f"no max_cost for a price in {p.estimate.currency}",
                details={"estimate": p.estimate.to_dict()},
            )
        if p.estimate.amount > self.max_cost:
            raise ValidationError(
                f"estimated cost ${p.estimate.amount:.2f} ({p.estimate.formula}) exceeds "
                f"max_cost ${self.max_cost:.2f}",
                field="max_cost",
                value=self.max_cost,
                allowed=f"max_cost of at least ${p.estimate.amount:.2f} (the estimate)",
                details={"estimate": p.estimate.to_dict()},
            )

    # ------------------------------------------------------------------ submit

    async def submit(self, request: GenerationRequest) -> TaskHandle:
        """Validate, then create the task (with the retry table). Returns its handle.

        Waits for a running-task slot if the cap is reached, but keeps none. A cancellation
        after the create request was sent lets it finish, then propagates
        (``asyncio.CancelledError``); the task's handle waits in ``runner.submitted``.
        """
        with self.submitted._claim() as claim:
            p, slots = await self._admit(request)
            async with slots:
                handle = await self._submit_prepared(p, claim)
            claim.handed_over()
            return handle

    async def _admit(self, request: GenerationRequest) -> tuple[_Prepared, FifoGate]:
        """Validate and prepare (observers hear of a refusal); the running-task slots."""
        self._ensure_gates()
        assert self._slots is not None
        try:
            p = await self._prepare_for_submit(request)
        except FramecastError as exc:
            await self._notify("on_failed", handle=None, error=exc)
            raise
        return p, self._slots

    async def _submit_prepared(self, p: _Prepared, claim: _Claim) -> TaskHandle:
        """The submit, in a task of its own: a cancellation of the caller before the create
        request was sent stops it; after, the submit finishes, its handle reaches
        ``runner.submitted`` and the ``on_submitted`` observers, and the cancellation then
        propagates unchanged (``asyncio.timeout`` and ``TaskGroup`` rely on its type)."""
        from ._http import SubmitTrack

        track = SubmitTrack(p.prepared.method, p.prepared.path)
        state = {"cancel": False, "ambiguous": False}
        task = asyncio.ensure_future(self._submit_with_retries(p, track, state, claim))
        try:
            handle = await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done() and not (track.sent or state["ambiguous"]):
                task.cancel()  # nothing has left the process: no task can exist
                raise
            state["cancel"] = True  # no resubmit; a lookup of an ambiguous one finishes
            await _wait_out(task)
            if task.cancelled():
                raise
            failure = task.exception()
            if failure is None:
                await self._observe_submitted(task.result(), p.request)
            elif isinstance(failure, OutcomeUnknown):
                claim.answer_lost(failure)  # a task may exist: what to check, for drain()
            else:
                logger.debug("the cancelled submit had ended: %s", _exc_text(failure))
            raise
        except FramecastError as exc:
            await self._notify("on_failed", handle=exc.handle, error=exc)
            raise
        await self._observe_submitted(handle, p.request)
        return handle

    async def _observe_submitted(self, handle: TaskHandle, request: GenerationRequest) -> None:
        # Run to their end even if the caller is cancelled meanwhile: an observer that
        # stores the handle must not be cut short (the cancellation is raised after them).
        await self._notify("on_submitted", shielded=True, handle=handle, request=request)

    async def _submit_with_retries(
        self, p: _Prepared, track: SubmitTrack, state: dict[str, bool], claim: _Claim
    ) -> TaskHandle:
        handle = await self._submit_attempts(p, track, state)
        # Here, in the submit's own task: whatever becomes of the call, the handle is kept.
        claim.accepted(handle)
        return handle

    async def _submit_attempts(
        self, p: _Prepared, track: SubmitTrack, state: dict[str, bool]
    ) -> TaskHandle:
        from ._http import current_submit, current_ticket

        policy = self.retry_policy
        key = p.request.idempotency_key or ""
        window_start = self._now_iso()
        ambiguous = False
        attempt = 0
        last: Classification | None = None
        while True:
            attempt += 1
            if state["cancel"] and not ambiguous:
                raise asyncio.CancelledError()
            track.sent = False
            ticket = await self._gate_ticket()
            token = current_submit.set(track)
            ticket_token = current_ticket.set(ticket)
            try:
                handle = await self._hook.submit(prepared=p.prepared, http=self._http())
                return self._complete_handle(handle, p)
            except ProviderError as exc:
                if not track.sent:
                    raise
                # An unreadable answer to a create that was sent: a task may exist.
                classification = Classification(outcome=Outcome.AMBIGUOUS, message=exc.message)
                last = classification
            except FramecastError:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure is classified below
                classification = self._classify(exc, "submit", track)
                last = classification
                logger.debug(
                    "submit attempt %d of %s: %s (%s)",
                    attempt,
                    p.model.name,
                    classification.outcome.value,
                    classification.message,
                )
            finally:
                current_ticket.reset(ticket_token)
                ticket.hand_back()
                current_submit.reset(token)
            outcome = classification.outcome
            if outcome in (Outcome.RETRY, Outcome.RATE_LIMITED):
                track.sent = False  # refused: no task exists, so a cancel need not wait
                if attempt >= policy.max_attempts or state["cancel"]:
                    if ambiguous:
                        raise self._outcome_unknown(p, window_start, last)
                    if outcome is Outcome.RATE_LIMITED:
                        raise RateLimited(
                            f"{self.provider_name} rate-limited the submit "
                            f"{attempt} times ({classification.message}); no task was created, "
                            "it is safe to try again later",
                            details={"code": classification.code, "attempts": attempt},
                        )
                    # Exit 4's promise holds: the server refused or was never reached.
                    raise RateLimited(
                        f"{self.provider_name} was unavailable (refused, rate-limited or "
                        f"unreachable) for the submit {attempt} times ({classification.message}); "
                        "no task was created, it is safe to try again later",
                        details={"code": classification.code, "attempts": attempt},
                    )
                await self.clock.sleep(policy.delay(attempt, classification.retry_after))
                continue
            if outcome in (Outcome.AMBIGUOUS, Outcome.TRANSIENT, Outcome.UNREADABLE):
                ambiguous = state["ambiguous"] = True
                if self.info.supports_dedupe:
                    found = await self._dedupe(p, key, policy.dedupe_lookups)
                    if found is not None:
                        return self._complete_handle(found, p)
                    if attempt >= policy.max_attempts:
                        raise self._outcome_unknown(p, window_start, last)
                    continue  # resubmit with the same key
                if self.retry_ambiguous_submit and attempt < policy.max_attempts:
                    await self.clock.sleep(policy.delay(attempt, classification.retry_after))
                    continue
                raise self._outcome_unknown(p, window_start, last)
            if ambiguous and self.info.supports_dedupe:
                # A refusal of a resubmit may mean the first one did create the task.
                found = await self._dedupe(p, key, 1)
                if found is not None:
                    return self._complete_handle(found, p)
                if outcome is Outcome.INVALID:
                    raise self._outcome_unknown(p, window_start, last)
            raise self._error_for(classification, None, phase="submit")

    async def _dedupe(self, p: _Prepared, key: str, lookups: int) -> TaskHandle | None:
        for i in range(lookups):
            if i:
                await self.clock.sleep(self.retry_policy.dedupe_spacing)
            try:
                found = await self._hook.find_submitted(
                    prepared=p.prepared, idempotency_key=key, http=self._http()
                )
            except (ConfigurationError, AuthenticationError, AccountError, ValidationError):
                raise
            except FramecastError as exc:
                # The task may exist: an unreadable lookup must end as OutcomeUnknown (with
                # what to check), never as a bare error inviting a blind resubmit.
                logger.debug("find_submitted failed: %s", exc.message)
                continue
            except Exception as exc:  # noqa: BLE001
                classification = self._classify(exc, "find", None)
                if classification.outcome in (Outcome.AUTHENTICATION, Outcome.ACCOUNT):
                    raise self._error_for(classification, None, phase="find") from None
                logger.debug("find_submitted failed: %s", classification.message)
                continue
            if found is not None:
                logger.info("found the task of an ambiguous submit by its key: %s", found.task_id)
                return found
        return None

    def _complete_handle(self, handle: TaskHandle, p: _Prepared) -> TaskHandle:
        if not isinstance(handle, TaskHandle):
            raise ProviderError(f"{self.provider_name}: submit() returned no TaskHandle")
        return attrs.evolve(
            handle,
            provider=handle.provider or self.provider_name,
            base_url=handle.base_url or self.base_url,
            model=handle.model or p.model.name,
            idempotency_key=handle.idempotency_key or p.request.idempotency_key,
            submitted_at=handle.submitted_at or self._now_iso(),
            fingerprint=handle.fingerprint or p.prepared.fingerprint(),
            provider_data={**p.prepared.provider_data, **handle.provider_data},
        )

    def _outcome_unknown(
        self, p: _Prepared, window_start: str, last: Classification | None
    ) -> OutcomeUnknown:
        reason = f" ({last.message})" if last and last.message else ""
        advice = (
            f"retry with the same idempotency key ({p.request.idempotency_key}): "
            f"{self.provider_name} finds the task under it instead of creating a second one"
            if self.info.supports_dedupe
            else "retrying blindly may pay twice"
        )
        return OutcomeUnknown(
            f"{self.provider_name} may or may not have created the task: the submit's answer "
            f"was lost{reason}. Check the provider's dashboard for a {p.model.name} task created "
            f"between {window_start} and {self._now_iso()} before retrying; {advice}",
            details={
                "fingerprint": p.prepared.fingerprint(),
                "window_start": window_start,
                "window_end": self._now_iso(),
                "model": p.model.name,
                "idempotency_key": p.request.idempotency_key,
                "estimate": p.estimate.to_dict() if p.estimate else None,
                "provider": self.provider_name,
            },
        )

    # ------------------------------------------------------------------ classification

    def _classify(
        self, exc: BaseException, phase: str, track: SubmitTrack | None
    ) -> Classification:
        c = self._classify_unredacted(exc, phase, track)
        message = self._redact(c.message)
        return c if message == c.message else attrs.evolve(c, message=message)

    def _redact(self, text: str | None) -> str | None:
        """Remove credentials and what was derived from them (signed tokens, header
        values) from a provider's words: some servers echo them back in their error bodies,
        and those words reach messages and logs (``framecast._secrets``)."""
        from ._secrets import redact

        return redact(text) if text else text

    def _classify_unredacted(
        self, exc: BaseException, phase: str, track: SubmitTrack | None
    ) -> Classification:
        import httpx

        from ._retry import default_classification, parse_retry_after

        if isinstance(exc, httpx.HTTPStatusError):
            response = exc.response
            if phase == "submit" and track is not None and not track.matches(response.request):
                c = self._hook.classify(response=response, phase=phase) or default_classification(
                    response, phase
                )
                if track.sent:
                    # A call after the create was answered: the task exists, its handle was
                    # lost. Retrying blindly would create it twice; look it up instead.
                    return attrs.evolve(
                        c,
                        outcome=Outcome.AMBIGUOUS,
                        message=f"a request after the create failed ({c.message})",
                    )
                # An upload or another preparatory call failed: no task can exist yet.
                if c.outcome in (Outcome.AMBIGUOUS, Outcome.TRANSIENT, Outcome.UNREADABLE):
                    return attrs.evolve(c, outcome=Outcome.RETRY)
                return c
            c = self._hook.classify(response=response, phase=phase)
            if c is None:
                return default_classification(response, phase)
            if c.retry_after is None and "retry-after" in response.headers:
                c = attrs.evolve(c, retry_after=parse_retry_after(response.headers["retry-after"]))
            return c
        never_connected = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
        create_sent = phase == "submit" and track is not None and track.sent
        # A later request of the same submit failing to connect does not undo the create.
        if isinstance(exc, never_connected) and not create_sent:
            outcome = Outcome.RETRY if phase == "submit" else Outcome.TRANSIENT
            return Classification(outcome=outcome, message=f"connection failed: {_exc_text(exc)}")
        sent = track is None or track.sent
        message = f"{type(exc).__name__}: {_exc_text(exc)}"
        if phase == "submit":
            if not sent:
                if isinstance(exc, httpx.HTTPError):
                    return Classification(outcome=Outcome.RETRY, message=message)
                raise ProviderError(
                    f"{self.provider_name} failed before sending the submit: {message}"
                ) from exc
            if isinstance(exc, httpx.HTTPError):
                message = f"no answer after the request was sent ({message})"
            else:
                message = f"unreadable answer ({message})"
            return Classification(outcome=Outcome.AMBIGUOUS, message=message)
        return Classification(outcome=Outcome.TRANSIENT, message=message)

    def _error_for(
        self, c: Classification, handle: TaskHandle | None, *, phase: str
    ) -> FramecastError:
        code = f" [{c.code}]" if c.code else ""
        text = f"{c.message or 'no message'}{code}"
        details = {"code": c.code, "phase": phase}
        name = self.provider_name
        if c.outcome is Outcome.AUTHENTICATION:
            variables = " and ".join(self.info.credential_variables) or "the provider's credentials"
            named = any(v in text for v in self.info.credential_variables)
            advice = "" if named else f". Check {variables}"  # the provider may name them
            return AuthenticationError(
                f"{name} refused the credentials: {text}{advice}",
                handle=handle,
                details=details,
            )
        if c.outcome is Outcome.ACCOUNT:
            return AccountError(
                f"{name} refused the account: {text}. Top up or fix the account; not retried",
                handle=handle,
                details=details,
            )
        if c.outcome is Outcome.INVALID:
            advice = (
                "; no task was created: change the request"
                if handle is None
                else f"; check the handle (task {handle.task_id} on {handle.base_url or name})"
            )
            return ProviderValidationError(
                f"{name} refused the request: {text}{advice}", handle=handle, details=details
            )
        if c.outcome is Outcome.CONTENT_REJECTED:
            return GenerationFailed(
                f"{name} rejected the content: {text}. Change the prompt or image",
                retryable=False,
                code=c.code,
                handle=handle,
                details=details,
            )
        if c.outcome is Outcome.NOT_FOUND:
            if handle is None:
                return ProviderValidationError(
                    f"{name} answered 404 to the submit: {text}", details=details
                )
            return TaskNotFound(
                f"{name} does not know task {handle.task_id} (deleted, expired or never "
                f"created): {text}. It cannot be resumed: submit the request again if you "
                "still need the video",
                handle=handle,
                details=details,
            )
        if c.outcome is Outcome.RATE_LIMITED:
            return RateLimited(
                f"{name} rate-limited the request: {text}", handle=handle, details=details
            )
        return ProviderError(
            f"{name} answered something unexpected: {text}", handle=handle, details=details
        )

    # ------------------------------------------------------------------ polling

    def load_handle(self, handle: TaskHandle | Mapping[str, Any] | str | bytes) -> TaskHandle:
        """A handle from an object, a dict or JSON, checked: provider and trusted base URL."""
        if isinstance(handle, (str, bytes)):
            handle = TaskHandle.from_json(handle)
        elif isinstance(handle, Mapping):
            handle = TaskHandle.from_dict(dict(handle))
        if not isinstance(handle, TaskHandle):
            raise ValidationError(
                "handle: expected a TaskHandle, its dict or its JSON",
                field="handle",
                value=type(handle).__name__,
                allowed="TaskHandle",
            )
        if handle.provider != self.provider_name:
            raise ValidationError(
                f"handle belongs to provider {handle.provider!r}, but this runner uses "
                f"{self.provider_name!r}; use --provider {handle.provider}",
                field="handle.provider",
                value=handle.provider,
                allowed=[self.provider_name],
            )
        if handle.base_url and handle.base_url.rstrip("/") != self.base_url:
            if not self._is_official(handle.base_url):
                variables = " or ".join(self.info.base_url_variables) or "the provider's base URL"
                raise ConfigurationError(
                    f"the handle names base URL {handle.base_url!r}, which is neither the "
                    f"configured one ({self.base_url}) nor an official {self.provider_name} "
                    f"host; credentials are never sent there. Set {variables} to it if you "
                    "trust it",
                    handle=handle,
                    details={
                        "base_url": handle.base_url,
                        "variables": list(self.info.base_url_variables),
                    },
                )
        return handle

    async def poll(self, handle: TaskHandle | Mapping[str, Any] | str) -> TaskState:
        """One status read (transient errors retried within the retry policy)."""
        handle = self.load_handle(handle)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._poll_once(handle)
            except _Transient as t:
                if attempt >= self.retry_policy.max_attempts:
                    raise ProviderError(
                        f"{self.provider_name}: status read failed {attempt} times "
                        f"({t.classification.message}); the task is not lost: poll again later",
                        handle=handle,
                    ) from None
                await self.clock.sleep(
                    self.retry_policy.delay(attempt, t.classification.retry_after)
                )

    async def _gate_ticket(self) -> GateTicket:
        """A gate slot for the next hook call's first request, taken before the hook runs
        (``GateTicket``); the caller hands it back when the hook returns."""
        from ._http import GateTicket

        self._ensure_gates()
        assert self._gate is not None
        await self._gate.acquire()
        return GateTicket(self._gate)

    async def _poll_once(self, handle: TaskHandle) -> TaskState:
        from ._http import current_ticket

        ticket = await self._gate_ticket()
        ticket_token = current_ticket.set(ticket)
        try:
            state = await self._hook.poll(handle=handle, http=self._http())
        except FramecastError as exc:
            raise self._poll_error(exc, handle) from None
        except Exception as exc:
            c = self._classify(exc, "poll", None)
            if c.outcome is Outcome.NOT_FOUND and handle.task_id in self._cancelled:
                return TaskState(
                    status=TaskStatus.CANCELLED, message="cancelled through this runner"
                )
            if c.outcome in _TRANSIENT_OUTCOMES:
                raise _Transient(c, exc) from exc
            raise self._error_for(c, handle, phase="poll") from None
        finally:
            current_ticket.reset(ticket_token)
            ticket.hand_back()
        if not isinstance(state, TaskState):
            raise ProviderError(
                f"{self.provider_name}: poll() returned no TaskState", handle=handle
            )
        return state

    @staticmethod
    def _poll_error(exc: FramecastError, handle: TaskHandle) -> FramecastError:
        if exc.handle is None:
            exc.handle = handle
        if isinstance(exc, ProviderError) and "not lost" not in exc.message:
            # The provider's words say what happened; the user also needs what to do.
            exc.message = f"{exc.message}. {_UNREADABLE_POLL_ADVICE}"
            exc.args = (exc.message,)
        return exc

    async def wait(
        self,
        handle: TaskHandle | Mapping[str, Any] | str,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        estimate: CostEstimate | None = None,
        notes: tuple[str, ...] = (),
    ) -> GenerationResult:
        """Poll until the task ends. ``TaskTimeout`` (carrying the handle) if it outlasts
        ``timeout``; ``GenerationFailed`` if it fails; a ``GenerationResult`` otherwise."""
        check_timeout(timeout, "timeout")
        handle = self.load_handle(handle)
        self._ensure_gates()
        assert self._slots is not None
        async with self._slots:
            return await self._wait(handle, timeout, on_progress, estimate, notes)

    async def _wait(
        self,
        handle: TaskHandle,
        timeout: float | None,
        on_progress: ProgressCallback | None,
        estimate: CostEstimate | None,
        notes: tuple[str, ...],
    ) -> GenerationResult:
        clock = self.clock
        limit = self.timeout if timeout is None else timeout
        started = clock.monotonic()
        deadline = None if limit is None else started + limit
        interval = self._interval_for(handle)
        rounds = self._poll_rounds(interval)
        due = started
        polls = 0
        failures = 0
        throttled = 0
        last_error = ""
        try:
            while True:
                try:
                    if rounds is None:
                        state = await self._poll_once(handle)
                    else:
                        state, read_at = await self._read_in_round(rounds, handle, due, deadline)
                    failures = 0
                except _Transient as t:
                    failures += 1
                    last_error = t.classification.message or ""
                    delay = max(
                        interval, self.retry_policy.delay(failures, t.classification.retry_after)
                    )
                    logger.debug("poll of %s failed (%s); retrying", handle.task_id, last_error)
                    if rounds is None:
                        await self._sleep_or_timeout(handle, delay, deadline, limit, last_error)
                    else:
                        due = await self._due_or_timeout(handle, delay, deadline, limit, last_error)
                    continue
                polls += 1
                if state.status.is_terminal:
                    return await self._finish(handle, state, started, polls, estimate, notes)
                await self._emit_progress(handle, state, on_progress)
                if state.status is TaskStatus.THROTTLED:
                    throttled += 1
                    base = interval if interval > 0 else 1.0
                    delay = backoff(base, max(THROTTLED_BACKOFF_CAP, interval), throttled)
                else:
                    throttled = 0
                    delay = interval
                if rounds is None:
                    await self._sleep_or_timeout(handle, delay, deadline, limit, state.status.value)
                else:  # spaced from the round's start, so its tasks stay together
                    delay -= self.clock.monotonic() - read_at
                    due = await self._due_or_timeout(
                        handle, delay, deadline, limit, state.status.value
                    )
        except FramecastError as exc:
            if exc.handle is None:
                exc.handle = handle
            await self._notify("on_failed", handle=handle, error=exc)
            raise

    async def _sleep_or_timeout(
        self,
        handle: TaskHandle,
        delay: float,
        deadline: float | None,
        limit: float | None,
        last: str,
    ) -> None:
        if deadline is not None:
            remaining = deadline - self.clock.monotonic()
            if remaining < delay:
                if remaining > 0:
                    await self.clock.sleep(remaining)
                raise TaskTimeout(
                    f"task {handle.task_id} still running after {limit:g} s (last: {last}); it "
                    "keeps running and is not lost: wait for it again with its handle; "
                    "never resubmit",
                    handle=handle,
                    details={"timeout": limit, "last_status": last},
                )
        await self.clock.sleep(delay)

    def _poll_rounds(self, interval: float) -> PollRounds | None:
        """The shared poll rounds of a provider that reads many tasks at once; ``None``
        (each wait reads on its own) for the others."""
        if self._rounds is None:
            if not self._hook.poll_many.get_hookimpls():
                return None
            from ._rounds import PollRounds

            self._rounds = PollRounds(self.clock, self._read_batch, window=interval)
        return self._rounds

    async def _read_in_round(
        self, rounds: PollRounds, handle: TaskHandle, due: float, deadline: float | None
    ) -> tuple[TaskState, float]:
        answer, started = await rounds.read(handle, due, deadline)
        if answer is None:
            return await self._poll_once(handle), started
        if isinstance(answer, _Transient):
            raise _Transient(answer.classification, answer.cause)
        if isinstance(answer, FramecastError):
            raise self._poll_error(answer, handle)
        return answer, started

    async def _read_batch(self, handles: Sequence[TaskHandle]) -> dict[str, Any]:
        """One ``poll_many`` call, its failure read as ``poll`` would: a transient one is
        each task's failed read; any other sends them all to single reads."""
        try:
            answers = await self._hook.poll_many(handles=list(handles), http=self._http())
        except FramecastError:
            return {}
        except Exception as exc:
            c = self._classify(exc, "poll", None)
            if c.outcome in _TRANSIENT_OUTCOMES:
                failed = _Transient(c, exc)
                return {h.task_id: failed for h in handles}
            return {}
        if not isinstance(answers, Mapping):
            return {}
        return {
            task_id: answer
            for task_id, answer in answers.items()
            if isinstance(answer, (TaskState, FramecastError))
        }

    async def _due_or_timeout(
        self,
        handle: TaskHandle,
        delay: float,
        deadline: float | None,
        limit: float | None,
        last: str,
    ) -> float:
        """When the next read is due (``delay`` from now); a ``TaskTimeout`` as
        ``_sleep_or_timeout`` would raise it when that is past the deadline."""
        delay = max(0.0, delay)
        if deadline is not None and deadline - self.clock.monotonic() < delay:
            await self._sleep_or_timeout(handle, delay, deadline, limit, last)
        return self.clock.monotonic() + delay

    def _interval_for(self, handle: TaskHandle) -> float:
        base = handle.base_url or self.base_url
        if self._is_official(base):
            return max(self.poll_interval, self.info.poll_floor)
        return self.poll_interval

    async def _emit_progress(
        self, handle: TaskHandle, state: TaskState, on_progress: ProgressCallback | None
    ) -> None:
        if on_progress is not None:
            try:
                result = on_progress(handle, state)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("progress callback failed")
        await self._notify("on_progress", handle=handle, state=state)

    async def _finish(
        self,
        handle: TaskHandle,
        state: TaskState,
        started: float,
        polls: int,
        estimate: CostEstimate | None,
        notes: tuple[str, ...],
    ) -> GenerationResult:
        elapsed = self.clock.monotonic() - started
        if state.status is TaskStatus.SUCCEEDED:
            result = GenerationResult(
                handle=handle,
                status=state.status,
                outputs=tuple(self._output(url) for url in state.outputs),
                elapsed_s=elapsed,
                polls=polls,
                estimated_cost=estimate,
                actual_cost=state.cost,
                actual_cost_currency=state.cost_currency,
                notes=notes,
                state=state,
            )
            await self._notify("on_finished", handle=handle, result=result)
            return result
        if state.status is TaskStatus.CANCELLED:
            raise GenerationFailed(
                f"task {handle.task_id} was cancelled"
                + (
                    f": {state.message}"
                    if state.message and state.message.strip(" .").lower() != "cancelled"
                    else ""
                ),
                retryable=False,
                code="CANCELLED",
                handle=handle,
            )
        code = f" [{state.failure_code}]" if state.failure_code else ""
        advice = (
            "trying again may succeed (submit a new request)"
            if state.retryable
            else "trying the same request again will not help"
        )
        # Providers end their messages with a full stop; "...again.; trying" reads badly.
        reason = (state.failure_message or state.message or "no reason given").rstrip(". ")
        raise GenerationFailed(
            f"task {handle.task_id} failed{code}: {reason}; {advice}",
            retryable=bool(state.retryable),
            code=state.failure_code,
            handle=handle,
            # The charge, where reported: failover counts it in what the request paid.
            details={
                "message": state.failure_message,
                "cost": state.cost,
                "cost_currency": state.cost_currency,
            },
        )

    def _output(self, url: str) -> Output:
        expires = None
        lifetime = self.info.output_url_lifetime
        if lifetime and not url.startswith("file:"):
            expires = _iso(self.clock.time() + lifetime)
        suffix = url.split("?", 1)[0].rsplit(".", 1)[-1].lower()
        media_type = _MEDIA_TYPE_BY_SUFFIX.get(suffix)
        return Output(url=url, media_type=media_type, expires_at=expires)

    # ------------------------------------------------------------------ generate

    async def generate(
        self,
        request: GenerationRequest,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> GenerationResult:
        """Submit and wait: the whole job. Holds one running-task slot throughout.

        Cancelled after the create request was sent, it raises ``asyncio.CancelledError``
        and leaves the task's handle in ``runner.submitted``; every other outcome returns
        the result or raises an error carrying the handle.
        """
        check_timeout(timeout, "timeout")  # before the task is paid for, not after
        with self.submitted._claim() as claim:
            p, slots = await self._admit(request)
            del request  # thousands of waiting tasks: keep only what polling needs
            async with slots:
                handle = await self._submit_prepared(p, claim)
                estimate, notes = p.estimate, p.notes
                del p  # the prepared request (body, images) is done with once the task exists
                try:
                    result = await self._wait(handle, timeout, on_progress, estimate, notes)
                except FramecastError:
                    claim.handed_over()  # the error carries the handle
                    raise
                claim.handed_over()
                return result

    # ------------------------------------------------------------------ cancel

    async def cancel(
        self, handle: TaskHandle | Mapping[str, Any] | str, *, delete: bool = False
    ) -> TaskState:
        """Stop an unfinished task. A finished one is left alone unless ``delete=True``
        (on providers where cancelling deletes the paid output)."""
        handle = self.load_handle(handle)
        if not self.info.supports_cancel:
            # Never call a cancel the provider says it does not have (it might delete).
            raise NotSupported(
                f"{self.provider_name} has no way to cancel a task: it runs to completion "
                "(and is charged)",
                handle=handle,
            )
        state = await self.poll(handle)
        if state.status.is_terminal and not delete:
            # Only a finished task has an output to lose; a failed or cancelled one has
            # nothing left to stop.
            why = (
                "cancelling now would delete its output"
                if state.status is TaskStatus.SUCCEEDED
                else "there is nothing left to stop"
            )
            raise ValidationError(
                f"task {handle.task_id} already ended {state.status.value}; {why}. "
                "Ask to delete it explicitly (framecast cancel --delete; cancel(delete=True))",
                field="delete",
                value=False,
                allowed=[True],
                handle=handle,
            )
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._hook.cancel(handle=handle, http=self._http(), delete=delete)
                break
            except FramecastError as exc:
                if exc.handle is None:
                    exc.handle = handle
                raise
            except Exception as exc:  # noqa: BLE001
                c = self._classify(exc, "cancel", None)
                if c.outcome is Outcome.NOT_FOUND:
                    break  # already gone: safe to ignore
                if c.outcome in (Outcome.TRANSIENT, Outcome.RATE_LIMITED, Outcome.RETRY) and (
                    attempt < self.retry_policy.max_attempts
                ):
                    await self.clock.sleep(self.retry_policy.delay(attempt, c.retry_after))
                    continue
                raise self._error_for(c, handle, phase="cancel") from None
        self._cancelled.add(handle.task_id)
        try:
            return await self.poll(handle)
        except FramecastError:
            return TaskState(status=TaskStatus.CANCELLED, message="cancel sent")

    # ------------------------------------------------------------------ download

    async def download(
        self,
        target: GenerationResult | Output | TaskHandle | str,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int | None], Any] | None = None,
    ) -> Path:
        """Save an output (``https://`` or ``file://``) to ``dest`` atomically, checking its
        media type by magic bytes. An expired URL is refreshed by polling the task again."""
        from ._download import download_output

        handle: TaskHandle | None = None
        if isinstance(target, GenerationResult):
            handle = target.handle
            if not target.outputs:
                raise ValidationError(
                    "the result has no outputs to download",
                    field="result",
                    value=target.status.value,
                    allowed="a SUCCEEDED result",
                )
            output = target.outputs[0]
        elif isinstance(target, TaskHandle):
            handle = target
            output = await self._fresh_output(handle)
        elif isinstance(target, Output):
            output = target
        else:
            output = self._output(str(target))
        try:
            return await download_output(self, output, Path(dest), handle, on_progress)
        except FramecastError as exc:
            if exc.handle is None:
                exc.handle = handle  # the output is paid for: say which task to fetch it from
            raise

    async def _fresh_output(self, handle: TaskHandle) -> Output:
        state = await self.poll(handle)
        if state.status is not TaskStatus.SUCCEEDED or not state.outputs:
            raise ValidationError(
                f"task {handle.task_id} is {state.status.value}: nothing to download yet",
                field="handle",
                value=state.status.value,
                allowed="a SUCCEEDED task",
                handle=handle,
            )
        return self._output(state.outputs[0])

    # ------------------------------------------------------------------ observers

    async def _notify(self, hook_name: str, *, shielded: bool = False, **kwargs: Any) -> None:
        """Call every observer of ``hook_name``. ``shielded``: an ``async`` observer runs to
        its end even if the caller is cancelled meanwhile; the cancellation is raised once
        all of them have run."""
        caller = getattr(self._hook, hook_name)
        cancelled: asyncio.CancelledError | None = None
        for impl in reversed(caller.get_hookimpls()):
            try:
                args = {k: v for k, v in kwargs.items() if k in impl.argnames}
                result = impl.function(**args)
                if inspect.isawaitable(result):
                    if shielded:
                        running = asyncio.ensure_future(result)
                        cancelled = await _wait_out(running) or cancelled
                        if running.cancelled():
                            continue
                        result = running
                    await result
            except Exception:
                logger.exception("observer %s of %s failed", hook_name, impl.plugin_name)
        if cancelled is not None:
            raise cancelled

    # ------------------------------------------------------------------ helpers

    def _now_iso(self) -> str:
        return _iso(self.clock.time())


def _iso(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, _dt.UTC).isoformat(timespec="seconds")


async def _wait_out(future: asyncio.Future[Any]) -> asyncio.CancelledError | None:
    """Wait until ``future`` is done, however often the waiting task is cancelled meanwhile;
    the first cancellation met, for the caller to raise afterwards."""
    cancelled: asyncio.CancelledError | None = None
    while not future.done():
        try:
            await asyncio.wait((future,))
        except asyncio.CancelledError as exc:
            cancelled = cancelled or exc
    return cancelled


def _exc_text(exc: BaseException) -> str:
    from ._secrets import redact

    text = redact(str(exc))
    return text if text else type(exc).__name__


def _register_credentials(settings: ProviderSettings, info: ProviderInfo) -> None:
    """Every credential the provider declares is redacted from here on, whichever way
    its plugin reads it (``require`` also strips and checks it)."""
    from ._secrets import register_secret

    for variable in info.credential_variables:
        value = settings.env.get(variable)
        if value and value.strip():
            register_secret(value.strip(), variable)


# ---------------------------------------------------------------------- sync facade


class SyncRunner:
    """``Runner``'s methods for synchronous code. Runs its own event loop in a worker
    thread, so it also works where a loop is already running (notebooks)."""

    def __init__(self, provider: str | type | object | None = None, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="framecast-sync", daemon=True
        )
        self._thread.start()
        try:
            self.runner: Runner = self._call(self._make(provider, kwargs))
        except BaseException:
            self.close()
            raise

    @staticmethod
    async def _make(provider: Any, kwargs: dict[str, Any]) -> Runner:
        return Runner(provider, **kwargs)

    def _call(self, coro: Awaitable[T]) -> T:
        done = threading.Event()
        box: dict[str, asyncio.Task[T]] = {}
        claims: list[_Claim] = []  # what this call submits (``runner.submitted`` entries)
        context = contextvars.copy_context()
        context.run(_claims_of_this_call.set, claims)

        def start() -> None:
            task: asyncio.Task[T] = self._loop.create_task(
                coro,  # type: ignore[arg-type]
                context=context,
            )
            task.add_done_callback(lambda _task: done.set())
            box["task"] = task

        self._loop.call_soon_threadsafe(start)
        try:
            done.wait()
        except KeyboardInterrupt:
            # Cancel inside the loop and wait: a submit already sent finishes (shielded) and
            # its handle rides on FramecastCancelled instead of being lost with the
            # interrupt. A second Ctrl-C stops the wait.
            self._loop.call_soon_threadsafe(lambda: box["task"].cancel())
            done.wait()
            cancelled = _interrupted(box["task"], claims)
            if cancelled is not None:
                raise cancelled from None
            raise
        return box["task"].result()

    @property
    def info(self) -> ProviderInfo:
        return self.runner.info

    @property
    def provider_name(self) -> str:
        return self.runner.provider_name

    @property
    def submitted(self) -> SubmittedTasks:
        """The runner's ``submitted``: tasks accepted whose call never handed them over."""
        return self.runner.submitted

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        return self.runner.prepare(request)

    def estimate(self, request: GenerationRequest) -> CostEstimate | None:
        return self.runner.estimate(request)

    def submit(self, request: GenerationRequest) -> TaskHandle:
        return self._call(self.runner.submit(request))

    def poll(self, handle: Any) -> TaskState:
        return self._call(self.runner.poll(handle))

    def wait(self, handle: Any, **kwargs: Any) -> GenerationResult:
        return self._call(self.runner.wait(handle, **kwargs))

    def generate(self, request: GenerationRequest, **kwargs: Any) -> GenerationResult:
        return self._call(self.runner.generate(request, **kwargs))

    def cancel(self, handle: Any, *, delete: bool = False) -> TaskState:
        return self._call(self.runner.cancel(handle, delete=delete))

    def download(self, target: Any, dest: str | os.PathLike[str], **kwargs: Any) -> Path:
        return self._call(self.runner.download(target, dest, **kwargs))

    def load_handle(self, handle: Any) -> TaskHandle:
        return self.runner.load_handle(handle)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        runner = getattr(self, "runner", None)
        if runner is not None and self._loop.is_running():
            try:
                self._call(runner.aclose())
            except Exception:
                logger.debug("closing the runner failed", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> SyncRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _interrupted(task: asyncio.Task[Any], claims: list[_Claim]) -> FramecastCancelled | None:
    """What an interrupted ``SyncRunner`` call raises instead of ``KeyboardInterrupt``: the
    task it submitted (now handed over to the caller), if any."""
    if not task.cancelled() and task.exception() is None:
        value = task.result()  # the call finished as the interrupt came
        if isinstance(value, TaskHandle):  # a submit's: never lose it with the interrupt
            return FramecastCancelled(
                f"interrupted just after task {value.task_id} was submitted; it keeps running",
                handle=value,
            )
        return None
    for claim in claims:
        if not claim.unclaimed:
            continue
        claim.handed_over()  # the error raised to the caller carries it
        if claim.handle is not None:
            return FramecastCancelled(
                "cancelled after the submit was sent: the task keeps running "
                f"(task {claim.handle.task_id})",
                handle=claim.handle,
            )
        details = claim.outcome_unknown.details if claim.outcome_unknown else None
        return FramecastCancelled(
            "cancelled after the submit was sent: its outcome is unknown", details=details
        )
    return None


def generate(
    request: GenerationRequest | None = None,
    /,
    *,
    provider: str | None = None,
    timeout: float | None = None,
    out: str | os.PathLike[str] | None = None,
    runner_options: Mapping[str, Any] | None = None,
    **fields: Any,
) -> GenerationResult:
    """One call from a script: ``framecast.generate(prompt=..., image=..., camera=...)``.

    Takes a ``GenerationRequest`` or its fields as keywords; ``out`` downloads the video.
    """
    if request is None:
        request = GenerationRequest(**fields)
    elif fields:
        request = request.evolve(**fields)
    if out is not None:
        from ._download import check_destination

        check_destination(Path(out))
    with SyncRunner(provider, **dict(runner_options or {})) as runner:
        result = runner.generate(request, timeout=timeout)
        if out is not None:
            runner.download(result, out)
        return result
