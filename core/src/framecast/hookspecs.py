"""The framecast plugin contract: every hook a provider or an observer implements.

A provider **must** implement four hooks — ``provider_info``, ``prepare``, ``submit`` and
``poll`` (``REQUIRED_HOOKS``); a provider missing one is refused at load. Every other
provider hook is optional: ``OPTIONAL_HOOKS`` says what the core does without it, and each
hook's docstring starts with "Required." or "Optional; without it: …". What a provider can
do follows from what it implements: ``cancel`` makes ``ProviderInfo.supports_cancel`` true,
``find_submitted`` makes ``supports_dedupe`` true. Subclass ``framecast.Provider`` for
editor help and an early error when a required hook is missing.

A provider declares the contract version it was written for
(``ProviderInfo.contract_version``, default 1); the core refuses a version it does not know.

A **provider** is a class named by an entry point in the ``framecast`` group::

    [project.entry-points.framecast]
    runway = "framecast_runway:RunwayProvider"

The runner instantiates it with its ``ProviderSettings`` and registers the instance with
pluggy (project name ``framecast``). Mark methods with ``framecast.hookimpl``. The
constructor must never fail for missing credentials: ``provider_info``, ``prepare``,
``estimate`` and dry runs work without keys; raise ``ConfigurationError`` (via
``settings.require(...)``) from ``auth()`` instead.

Hooks are always called with keyword arguments, so an implementation may accept a subset
of the parameters — but never give one a default (pluggy would never pass it; such a hook is
refused at load).
Provider hooks are ``firstresult``: the first non-``None`` answer wins. A host plugin
registered with ``Runner(plugins=[...])`` and ``tryfirst=True`` may answer a *sync* hook
first (a house style of camera phrasing, say) or return ``None`` to fall through. The async
hooks, ``auth`` and ``classify`` belong to the provider alone: a second plugin implementing
them is refused at load.

The I/O hooks (``submit``, ``poll``, ``cancel``, ``find_submitted``) make **one attempt**
and leave every decision to the core: ``http`` is the core's gated ``httpx.AsyncClient``
(base URL set, ``auth()`` applied only to the provider's own origin, a non-2xx answer
raises ``httpx.HTTPStatusError``). Let httpx exceptions propagate unchanged; the core shows
error responses to ``classify`` and retries by calling the hook again. Any other exception
raised after the request was sent counts as an ambiguous answer (docs/reliability.md): raise
``ValueError`` (or ``ProviderError``) for a 2xx answer you cannot read — on ``submit`` it is
ambiguous (a task may exist), on ``poll`` it is retried. Raise other ``framecast`` errors
(``NotSupported`` …) to say something precise; on ``poll``, ``ProviderError`` for an unknown
status word ends the wait (it is not retried). Anything time-based (token expiry) should use
``settings.clock``, the runner's clock.

**Observers** (``on_*``) are called on every registered plugin, one by one; an observer's
exception is logged and never stops the others or the task. They may be ``async def``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import httpx

    from ._errors import FramecastError
    from ._models import (
        CameraPlan,
        Classification,
        CostEstimate,
        GenerationRequest,
        GenerationResult,
        ModelInfo,
        PreparedRequest,
        ProviderInfo,
        RatioPlan,
        TaskHandle,
        TaskState,
    )

#: Version of this contract. A provider distribution declares the core versions it supports
#: and its ``ProviderInfo.contract_version``. Each change bumps it and says here what an
#: older provider keeps getting:
#:
#: - 1: the first.
#: - 2: ``estimate`` answers carry the price's ``source`` and ``as_of`` date
#:   (``framecast.testing.contract`` checks it). A version-1 provider keeps working; its
#:   quotes show the source as unknown.
HOOKSPEC_VERSION = 2
#: The ``ProviderInfo.contract_version`` values this core can drive.
SUPPORTED_CONTRACT_VERSIONS = frozenset({1, 2})

hookspec = pluggy.HookspecMarker("framecast")
hookimpl = pluggy.HookimplMarker("framecast")

#: Hooks only the provider may implement (a second implementation is refused at load).
PROVIDER_ONLY_HOOKS = frozenset(
    {"auth", "classify", "submit", "poll", "poll_many", "cancel", "find_submitted"}
)
#: Hooks that must be ``async def``.
ASYNC_HOOKS = frozenset({"submit", "poll", "poll_many", "cancel", "find_submitted"})
#: Observer hooks: every implementation is called.
OBSERVER_HOOKS = ("on_submitted", "on_progress", "on_finished", "on_failed")
#: The hooks every provider implements.
REQUIRED_HOOKS = ("provider_info", "prepare", "submit", "poll")
#: The optional provider hooks, and what the core does for a provider without one.
OPTIONAL_HOOKS: dict[str, str] = {
    "map_ratio": "the ratio is checked against the model's declared ratios (exact, or the "
    "nearest with ratio_policy='nearest'); the model's default ratio when none is asked",
    "translate_camera": "the camera move is phrased into the prompt (framecast.compose_prompt)",
    "estimate": "the price is unknown: estimates are None and a runner with max_cost refuses",
    "auth": "requests carry no credentials",
    "classify": "error answers are read by their HTTP status alone",
    "poll_many": "every waiting task is read on its own with poll",
    "cancel": "the provider cannot cancel: cancel() raises NotSupported without a request",
    "find_submitted": "no dedupe: an ambiguous submit ends in OutcomeUnknown, never resubmitted",
}


# ---------------------------------------------------------------- provider hooks (sync)


@hookspec(firstresult=True)
def provider_info() -> ProviderInfo:
    """Required. Describe the provider: what the core validates against and how it talks to it.

    Called at load, by ``framecast providers --check`` and before every request; must be
    cheap and must not need credentials. Returns a ``ProviderInfo``: ``name``; ``models``
    (one ``ModelInfo`` each: kind, modes, wire ratios, durations and defaults, prompt limit
    and unit, image constraints, options, withdrawn flag and replacement);
    ``default_models`` per ``Mode``; ``official_hosts`` (the poll floor applies to them and
    only they, with the configured base URL, are trusted in a handle); ``default_base_url``
    and ``base_url_variables``; ``credential_variables``; ``poll_floor`` in seconds;
    ``output_url_lifetime``; ``output_needs_auth`` (outputs on the provider's own origins are
    downloaded with ``auth()``); ``suggested_max_running_tasks``; provider-wide ``options``;
    ``contract_version``. ``supports_cancel`` and ``supports_dedupe`` are filled in by the
    core from the hooks implemented (leave them unset).
    """


@hookspec(firstresult=True)
def map_ratio(request: GenerationRequest, model: ModelInfo) -> RatioPlan | None:
    """Optional; without it: the ratio is checked against ``model.ratios`` (exact, or the
    nearest with ``ratio_policy="nearest"``), ``model.default_ratio`` when none is asked.

    Map the request's ratio to what the model takes.

    ``request.ratio`` is a canonical ``"W:H"``, a wire value of this model, or ``None``
    (the model's default). Return a ``RatioPlan``: ``wire_value`` to send; or, where the
    output follows the image, ``fit`` (``"crop"``/``"pad"``, from ``request.image_fit``)
    and ``fit_aspect`` — the core then crops or pads the image (centre) before ``prepare``;
    ``note`` when the nearest value was taken (``ratio_policy="nearest"``). Raise
    ``UnsupportedOption`` naming the allowed ratios when there is no such value.
    """


@hookspec(firstresult=True)
def translate_camera(request: GenerationRequest, model: ModelInfo) -> CameraPlan | None:
    """Optional; without it: the move is phrased into the prompt (``compose_prompt``).

    Render ``request.camera`` (a ``CameraMove`` or ``None``) for this model.

    Return a ``CameraPlan``: ``prompt`` — the finished prompt (identity prefix, user prompt,
    camera clause: ``framecast.compose_prompt`` phrases it as docs/concepts.md shows);
    ``native`` parameters where the model has a native control; ``method`` saying which was
    used (``"prompt"``, ``"native"`` or ``"none"``); ``notes`` for the result (e.g.
    "camera_strength ignored by prompt phrasing"). The core checks the finished prompt's
    length against the model's limit. Raise ``ValidationError`` for an ambiguous request.
    """


@hookspec(firstresult=True)
def prepare(
    request: GenerationRequest,
    model: ModelInfo,
    ratio_plan: RatioPlan,
    camera_plan: CameraPlan,
) -> PreparedRequest:
    """Required. Validate what the declarations cannot say, then build the wire request.
    Pure: no I/O.

    Called after the core's generic validation. ``request``'s image fields are ``ImageRef``
    objects (checked, sniffed, fitted) and ``request.idempotency_key`` is set. Return a
    ``PreparedRequest`` (method, path relative to the base URL, JSON body, model). Inputs
    that ``submit`` must upload first appear as ``PendingUpload`` placeholders. This is what
    ``--dry-run`` prints and the seam conformance tests check. Raise ``ValidationError`` /
    ``UnsupportedOption`` naming field, value and what is allowed.
    """


@hookspec(firstresult=True)
def estimate(request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
    """Optional; without it: the price is unknown.

    Estimate the cost: a ``CostEstimate`` (amount, currency, provider units, formula,
    confidence of the price source), or ``None`` when the price is unknown (a runner with
    ``max_cost`` then refuses the request)."""


@hookspec(firstresult=True)
def auth() -> httpx.Auth:
    """Optional; without it: requests carry no credentials.

    Return the ``httpx.Auth`` for the provider's own origin (Bearer, a signed JWT …).

    Called once per runner, at the first call that needs the network. Raise
    ``ConfigurationError`` naming the variable to set when a credential is missing. The core
    applies it only to requests for the configured base URL and the official hosts; uploads
    to presigned URLs never see it, nor do output downloads unless the provider declares
    ``ProviderInfo.output_needs_auth`` (then only those on its own origins, never a
    redirect elsewhere). An auth flow may re-sign and resend
    once (Kling 1003/1004). Provider-only.
    """


@hookspec(firstresult=True)
def classify(response: httpx.Response, phase: str) -> Classification | None:
    """Optional; without it: error answers are read by their HTTP status alone.

    Say which row of the retry table an error response falls in.

    ``phase`` is ``"submit"``, ``"poll"``, ``"cancel"`` or ``"find"``. Return a
    ``Classification`` (``outcome``, the provider's ``code`` and ``message``, optional
    ``retry_after``) for provider facts — business codes in the body, credit errors — or
    ``None`` to leave it to the core's HTTP-status defaults. Pure; provider-only.
    """


# ---------------------------------------------------------------- provider hooks (async)


@hookspec(firstresult=True)
async def submit(prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
    """Required. Send the prepared request once (uploading ``prepared.uploads`` first) and return a
    ``TaskHandle`` with ``provider``, ``task_id`` and any ``provider_data`` polling needs;
    the core fills in base URL, model, key, time and fingerprint. One attempt, no retries.
    Provider-only.
    """


@hookspec(firstresult=True)
async def poll(handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
    """Required. Read the task's status once and return a ``TaskState`` (status, progress, outputs,
    failure code and message with ``retryable``, reported cost, raw payload). Raise
    ``ProviderError`` for a status word you do not know. Provider-only.
    """


@hookspec(firstresult=True)
async def poll_many(
    handles: Sequence[TaskHandle], http: httpx.AsyncClient
) -> Mapping[str, TaskState | FramecastError]:
    """Optional; without it: every waiting task is read on its own with ``poll``.

    Read the status of many waiting tasks in few requests (a list endpoint) and return
    ``{task_id: TaskState}`` for the tasks the answers showed; a ``FramecastError`` as the
    value (``ProviderError`` for an unknown status word) ends that task's wait as ``poll``
    raising it would. Leave out every task the answers did not show, or that a single read
    tells better: the core reads those with ``poll`` in the same round. The core calls it
    only from waits, with the handles (two or more) whose next read is due together; it
    never calls it for ``runner.poll()``. Bound the requests: page until every handle is
    seen or a bound is reached, never further. Same rules as ``poll``: one attempt, httpx
    errors propagate — the core classifies them with phase ``"poll"``; a transient failure
    is a failed read of every handle passed (each retried on its own back-off, as after a
    failed ``poll``), any other failure sends the round to single reads. The floor: a list
    request counts as one read of every handle passed, and the core passes a handle at most
    once per poll interval (measured from the start of one round to the next). Provider-only.
    """


@hookspec(firstresult=True)
async def cancel(handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
    """Optional; without it: the provider cannot cancel (``NotSupported``, no request).

    Stop the task; raise ``NotSupported`` for a case the provider cannot (a running task
    some providers only let run). Implementing it is what declares cancel support. The core
    polls first
    and calls this on a finished task only with ``delete=True`` (where cancelling a finished
    task deletes its paid output). Provider-only.
    """


@hookspec(firstresult=True)
async def find_submitted(
    prepared: PreparedRequest, idempotency_key: str, http: httpx.AsyncClient
) -> TaskHandle | None:
    """Optional; without it: no dedupe — an ambiguous submit ends in ``OutcomeUnknown``.

    After an ambiguous submit, look the task up by its idempotency key; return its
    ``TaskHandle`` or ``None`` if not found. Implementing it is what declares dedupe
    support (the runner then sends the key and looks it up). Provider-only.
    """


# ---------------------------------------------------------------- observer hooks


@hookspec
def on_submitted(handle: TaskHandle, request: GenerationRequest) -> None:
    """A task was created. Called even when the caller is cancelled right after the submit
    was sent (shielded), so a host can record the handle. May be ``async``: a cancellation
    that arrives while it runs waits for it to finish."""


@hookspec
def on_progress(handle: TaskHandle, state: TaskState) -> None:
    """A poll returned a non-terminal state (the same event as the progress callback)."""


@hookspec
def on_finished(handle: TaskHandle, result: GenerationResult) -> None:
    """The task ended SUCCEEDED (a failed or cancelled task goes to ``on_failed``)."""


@hookspec
def on_failed(handle: TaskHandle | None, error: FramecastError) -> None:
    """A request or task ended in an error (``handle`` is ``None`` when no task exists)."""
