"""The runner (docs/reliability.md): validation, submit with the outcome table, polling, download.

    async with Runner("runway") as runner:
        handle = await runner.submit(GenerationRequest(prompt="...", image="cat.png"))
        result = await runner.wait(handle)        # or: await runner.generate(request)
        await runner.download(result, "cat.mp4")

``Runner`` is a facade over the steps (docs/architecture.md): ``_resolve`` (which provider,
which settings), ``_pipeline`` (validate and prepare), ``_submit``, ``_polling`` and
``_waiting``, ``_cancel``, ``_download``; they share one ``Session``. ``SyncRunner`` offers
the same methods for scripts and notebooks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ._checks import check_number, check_timeout
from ._clock import Clock, SystemClock
from ._config import Config, load_config
from ._errors import FramecastError
from ._models import (
    CostEstimate,
    GenerationRequest,
    GenerationResult,
    ModelInfo,
    Output,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    TaskHandle,
    TaskState,
)
from ._resolve import (
    DEFAULT_TIMEOUT,
    is_official,
    provider_list,
    resolve_poll_interval,
    resolve_provider,
    resolve_timeout,
)
from ._retry import RetryPolicy
from ._session import Limits, Session

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from ._fetch import FetchPolicy
    from ._gate import FifoGate
    from ._http import ProviderClient
    from ._submitted import SubmittedTasks
    from ._waiting import ProgressCallback

__all__ = ["DEFAULT_TIMEOUT", "Runner"]


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
        names = provider_list(provider, options.get("env"), options.get("config"))
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
        clock = clock or SystemClock()
        self.session = session = _session(
            provider,
            settings=settings,
            plugins=plugins,
            clock=clock,
            env=dict(os.environ if env is None else env),
            config=config if config is not None else load_config(),
            limits=_Wanted(
                timeout=timeout,
                max_cost=max_cost,
                retry_ambiguous_submit=retry_ambiguous_submit,
                poll_interval=poll_interval,
                max_in_flight_requests=max_in_flight_requests,
                max_running_tasks=max_running_tasks,
            ),
            transport=transport,
            timeouts=(connect_timeout, read_timeout),
            retry_policy=retry_policy or RetryPolicy(),
        )
        # The public attributes: what the runner resolved (read-only by convention).
        self.provider = session.provider
        self.info: ProviderInfo = session.info
        self.settings = session.settings
        self.provider_name = session.provider_name
        self.base_url = session.base_url
        self.clock: Clock = clock
        self.retry_policy = session.retry_policy
        self.timeout = session.limits.timeout
        self.max_cost = session.limits.max_cost
        self.retry_ambiguous_submit = retry_ambiguous_submit
        self.poll_interval = session.limits.poll_interval
        self.max_in_flight_requests = max_in_flight_requests
        self.max_running_tasks = session.plan.max_running_tasks
        self.submitted: SubmittedTasks = session.submitted

    # ------------------------------------------------------------------ plumbing

    @property
    def _hook(self) -> Any:
        """The plugin manager's hook relay (tests may wrap it to count calls)."""
        return self.session.hook

    @_hook.setter
    def _hook(self, hook: Any) -> None:
        self.session.hook = hook

    @property
    def _gate(self) -> FifoGate | None:
        connections = self.session.existing_connections()
        return None if connections is None else connections.gate

    @property
    def _slots(self) -> FifoGate | None:
        connections = self.session.existing_connections()
        return None if connections is None else connections.slots

    def _ensure_gates(self) -> None:
        self.session.connections()

    def _http(self) -> ProviderClient:
        return self.session.http()

    async def aclose(self) -> None:
        await self.session.aclose()

    async def __aenter__(self) -> Runner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        from ._secrets import redact

        return redact(f"Runner(provider={self.provider_name!r}, base_url={self.base_url!r})")

    def fetch_policy(self, kind: str, max_bytes: int | None = None) -> FetchPolicy:
        """The fetch policy for ``kind`` ``"input"`` (an image URL a user gave) or
        ``"output"`` (the provider's results): see docs/reliability.md."""
        return self.session.fetch_policy(kind, max_bytes)

    # ------------------------------------------------------------------ preparation

    def resolve_model(self, request: GenerationRequest) -> ModelInfo:
        from ._pipeline import resolve_model

        return resolve_model(self.session, request)

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        """Validate and build the wire request without sending anything (the dry run)."""
        from ._pipeline import prepare

        return prepare(self.session, request).prepared

    def estimate(self, request: GenerationRequest) -> CostEstimate | None:
        """What the request should cost (``None``: the provider does not know the price)."""
        from ._pipeline import prepare

        return prepare(self.session, request).estimate

    # ------------------------------------------------------------------ submit

    async def submit(self, request: GenerationRequest) -> TaskHandle:
        """Validate, then create the task (with the retry table). Returns its handle.

        Waits for a running-task slot if the cap is reached, but keeps none. A cancellation
        after the create request was sent lets it finish, then propagates
        (``asyncio.CancelledError``); the task's handle waits in ``runner.submitted``.
        """
        from ._submit import admit, submit_prepared

        with self.submitted._claim() as claim:
            p, slots = await admit(self.session, request)
            async with slots:
                handle = await submit_prepared(self.session, p, claim)
            claim.handed_over()
            return handle

    # ------------------------------------------------------------------ polling

    def load_handle(self, handle: TaskHandle | Mapping[str, Any] | str | bytes) -> TaskHandle:
        """A handle from an object, a dict or JSON, checked: provider and trusted base URL."""
        from ._polling import load_handle

        return load_handle(self.session, handle)

    async def poll(self, handle: TaskHandle | Mapping[str, Any] | str) -> TaskState:
        """One status read (transient errors retried within the retry policy)."""
        from ._polling import poll

        return await poll(self.session, self.load_handle(handle))

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
        from ._waiting import WaitOptions, wait_for

        check_timeout(timeout, "timeout")
        handle = self.load_handle(handle)
        options = WaitOptions(
            timeout=timeout, on_progress=on_progress, estimate=estimate, notes=notes
        )
        async with self.session.connections().slots:
            return await wait_for(self.session, handle, options)

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
        from ._submit import admit, submit_prepared
        from ._waiting import WaitOptions, wait_for

        check_timeout(timeout, "timeout")  # before the task is paid for, not after
        with self.submitted._claim() as claim:
            p, slots = await admit(self.session, request)
            del request  # thousands of waiting tasks: keep only what polling needs
            async with slots:
                handle = await submit_prepared(self.session, p, claim)
                options = WaitOptions(
                    timeout=timeout, on_progress=on_progress, estimate=p.estimate, notes=p.notes
                )
                del p  # the prepared request (body, images) is done with once the task exists
                try:
                    result = await wait_for(self.session, handle, options)
                except FramecastError:
                    claim.handed_over()  # the error carries the handle
                    raise
                claim.handed_over()
                return result

    # ------------------------------------------------------------------ cancel, download

    async def cancel(
        self, handle: TaskHandle | Mapping[str, Any] | str, *, delete: bool = False
    ) -> TaskState:
        """Stop an unfinished task. A finished one is left alone unless ``delete=True``
        (on providers where cancelling deletes the paid output)."""
        from ._cancel import cancel

        return await cancel(self.session, self.load_handle(handle), delete=delete)

    async def download(
        self,
        target: GenerationResult | Output | TaskHandle | str,
        dest: str | os.PathLike[str],
        *,
        on_progress: Callable[[int, int | None], Any] | None = None,
    ) -> Path:
        """Save an output (``https://`` or ``file://``) to ``dest`` atomically, checking its
        media type by magic bytes. An expired URL is refreshed by polling the task again."""
        from ._download import download

        return await download(self.session, target, Path(dest), on_progress)


def _trusted_origins(info: ProviderInfo, base_url: str) -> frozenset[tuple[str, str, int | None]]:
    from ._auth import origin_of

    origins = {origin_of(f"https://{host}") for host in info.official_hosts}
    if base_url.startswith(("http://", "https://")):
        origins.add(origin_of(base_url))
    return frozenset(origins)


@attrs.frozen
class _Wanted:
    """The limits as the caller passed them, before defaults and the config file."""

    timeout: float | None
    max_cost: float | None
    retry_ambiguous_submit: bool
    poll_interval: float | None
    max_in_flight_requests: int
    max_running_tasks: int | None


def _session(
    provider: str | type | object | None,
    *,
    settings: ProviderSettings | None,
    plugins: Iterable[object],
    clock: Clock,
    env: Mapping[str, str],
    config: Config,
    limits: _Wanted,
    transport: httpx.AsyncBaseTransport | None,
    timeouts: tuple[float, float],
    retry_policy: RetryPolicy,
) -> Session:
    from ._connections import ConnectionPlan
    from ._session import fetch_policy

    r = resolve_provider(
        provider, settings=settings, plugins=plugins, clock=clock, env=env, config=config
    )
    timeout = check_timeout(resolve_timeout(limits.timeout, config), "timeout")
    max_cost = _checked_limits(limits, timeouts)
    max_running_tasks = limits.max_running_tasks
    if max_running_tasks is None:
        max_running_tasks = r.settings.max_running_tasks
    if max_running_tasks is None:
        max_running_tasks = r.info.suggested_max_running_tasks or 0
    plan = ConnectionPlan(
        base_url=r.base_url,
        transport=transport,
        connect_timeout=timeouts[0],
        read_timeout=timeouts[1],
        max_in_flight_requests=limits.max_in_flight_requests,
        max_running_tasks=max_running_tasks,
        trusted_origins=_trusted_origins(r.info, r.base_url),
        output_needs_auth=r.info.output_needs_auth,
        allow_private=not is_official(r.info, r.base_url),
        output_check=fetch_policy(r.info, r.base_url, "output").check,
    )
    return Session(
        provider=r.provider,
        hook=r.hook,
        info=r.info,
        settings=r.settings,
        provider_name=r.provider_name,
        base_url=r.base_url,
        default_model=r.default_model,
        clock=clock,
        retry_policy=retry_policy,
        limits=Limits(
            timeout=timeout,
            max_cost=max_cost,
            retry_ambiguous_submit=limits.retry_ambiguous_submit,
            poll_interval=resolve_poll_interval(r.info, r.base_url, env, limits.poll_interval),
        ),
        plan=plan,
    )


def _checked_limits(limits: _Wanted, timeouts: tuple[float, float]) -> float | None:
    """Every number the caller passed is finite and in range (``ValidationError`` naming
    it otherwise); returns ``max_cost`` as checked."""
    max_cost = limits.max_cost
    if max_cost is not None:
        max_cost = check_number(max_cost, "max_cost", minimum=0, unit="dollars (USD)")
    for field, value in zip(("connect_timeout", "read_timeout"), timeouts, strict=True):
        check_number(value, field, minimum=0, exclusive_minimum=True, unit="seconds")
    check_number(limits.max_in_flight_requests, "max_in_flight_requests", minimum=0, integer=True)
    if limits.max_running_tasks is not None:
        check_number(limits.max_running_tasks, "max_running_tasks", minimum=0, integer=True)
    return max_cost  # type: ignore[no-any-return]
