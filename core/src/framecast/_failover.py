"""Several providers in order: the next is tried only when no paid task is left behind.

``Runner(["kling", "runway"])`` builds one of these. A request goes to the first provider
that takes it; the next one is tried only after

- a refusal before any task existed (the provider's own validation, ``NotSupported``,
  missing or refused credentials, an account problem, rate limits or an unreachable
  host past the retry policy), or
- a task that ended ``FAILED`` (its charge, where the provider bills failed tasks, counts
  towards the total),

and never after an ambiguous submit, a wait that ran out, or a cancellation: those end the
request, carrying the handle, exactly as with one provider. Each provider translates the
request afresh; one that cannot take it at all is skipped before anything is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._errors import (
    AccountError,
    AuthenticationError,
    ConfigurationError,
    FramecastError,
    GenerationFailed,
    NotSupported,
    ProviderValidationError,
    RateLimited,
    ValidationError,
)

if TYPE_CHECKING:
    from ._models import CostEstimate, GenerationRequest, GenerationResult, TaskHandle, TaskState
    from ._runner import Runner

__all__ = ["Attempt", "Failover"]

#: Errors that prove no task exists: the next provider may take the request.
REFUSED_BEFORE_A_TASK: tuple[type[FramecastError], ...] = (
    ValidationError,  # includes UnsupportedOption
    NotSupported,
    ProviderValidationError,
    AuthenticationError,
    AccountError,
    RateLimited,  # refused or unreachable past the retry policy: nothing was created
    ConfigurationError,  # no credential for this provider
)

AttemptOutcome = Literal["skipped", "refused", "failed", "succeeded", "stopped"]


@attrs.frozen
class Attempt:
    """One provider's part in a request: what happened, the task (if one existed), its cost."""

    provider: str
    model: str | None
    outcome: AttemptOutcome
    task_id: str | None = None
    cost: float | None = None
    currency: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


AttemptCallback = Callable[[Attempt], Awaitable[None] | None]


class Failover:
    """Runs each request on the first of ``providers`` that takes it (see the module doc).

    ``runner_options`` go to every provider's ``Runner``; ``max_cost`` applies to each
    attempt and to the total paid across attempts. Handles name their provider, so
    ``wait``, ``poll``, ``cancel`` and ``download`` go to the runner that made them.
    """

    def __init__(
        self,
        providers: Sequence[str | type | object],
        *,
        max_cost: float | None = None,
        on_attempt: AttemptCallback | None = None,
        **runner_options: Any,
    ) -> None:
        from ._runner import Runner

        if not providers:
            raise ConfigurationError("a provider list must name at least one provider")
        # Building a Runner opens nothing (connections open at the first request).
        runners = [Runner(provider, max_cost=max_cost, **runner_options) for provider in providers]
        names = [r.provider_name for r in runners]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ConfigurationError(
                f"provider list {', '.join(names)} names {', '.join(repeated)} more than once"
            )
        self.runners: tuple[Runner, ...] = tuple(runners)
        self.max_cost = max_cost
        self.on_attempt = on_attempt

    # ------------------------------------------------------------------ naming

    @property
    def provider_name(self) -> str:
        return ",".join(r.provider_name for r in self.runners)

    @property
    def info(self) -> Any:
        """The first provider's declarations (each request is planned on every provider)."""
        return self.runners[0].info

    def __repr__(self) -> str:
        return f"Failover({[r.provider_name for r in self.runners]!r})"

    def runner_for(self, handle: TaskHandle | Mapping[str, Any] | str | bytes) -> Runner:
        """The runner of the provider ``handle`` names (its trust checks then apply)."""
        provider = _provider_of(handle)
        for runner in self.runners:
            if runner.provider_name == provider:
                return runner
        raise ConfigurationError(
            f"the handle belongs to {provider!r}, which is not in this provider list "
            f"({self.provider_name})"
        )

    # ------------------------------------------------------------------ planning

    def plan(self, request: GenerationRequest) -> list[tuple[Runner, Attempt | None]]:
        """Each provider with ``None`` when it can take ``request``, else its skip record;
        ``ValidationError`` naming every provider's reason when none can."""
        plans: list[tuple[Runner, Attempt | None]] = []
        for runner in self.runners:
            try:
                runner.prepare(request)
            except FramecastError as exc:
                model = request.model
                plans.append(
                    (runner, Attempt(runner.provider_name, model, "skipped", error=exc.message))
                )
            else:
                plans.append((runner, None))
        if all(skip is not None for _, skip in plans):
            reasons = "; ".join(f"{s.provider}: {s.error}" for _, s in plans if s is not None)
            raise ValidationError(
                f"no provider in {self.provider_name} can take this request: {reasons}",
                field="provider",
                value=self.provider_name,
                allowed="a provider whose models serve the request",
            )
        return plans

    def prepare(self, request: GenerationRequest) -> Any:
        return self._first_able(request).prepare(request)

    def estimate(self, request: GenerationRequest) -> CostEstimate | None:
        return self._first_able(request).estimate(request)

    def resolve_model(self, request: GenerationRequest) -> Any:
        return self._first_able(request).resolve_model(request)

    def _first_able(self, request: GenerationRequest) -> Runner:
        return next(runner for runner, skip in self.plan(request) if skip is None)

    # ------------------------------------------------------------------ running

    async def submit(self, request: GenerationRequest) -> TaskHandle:
        """The handle from the first provider that accepts ``request``."""
        attempts: list[Attempt] = []
        for runner, skip in self.plan(request):
            if skip is not None:
                await self._record(attempts, skip)
                continue
            try:
                handle = await runner.submit(request)
            except REFUSED_BEFORE_A_TASK as exc:
                if exc.handle is not None:  # a task exists after all: never a second one
                    await self._stop(attempts, runner, request, exc)
                    raise
                await self._record(attempts, _refused(runner, request, exc))
                continue
            except FramecastError as exc:
                await self._stop(attempts, runner, request, exc)
                raise
            await self._record(
                attempts, Attempt(runner.provider_name, handle.model, "succeeded", handle.task_id)
            )
            return handle
        raise self._exhausted(attempts)

    async def generate(
        self,
        request: GenerationRequest,
        *,
        timeout: float | None = None,
        on_progress: Any = None,
    ) -> GenerationResult:
        """Submit and wait, moving on after a refusal or a ``FAILED`` task; the result lists
        every attempt (``result.attempts``)."""
        attempts: list[Attempt] = []
        paid = 0.0
        for runner, skip in self.plan(request):
            if skip is not None:
                await self._record(attempts, skip)
                continue
            over = self._over_budget(runner, request, paid)
            if over is not None:
                await self._record(attempts, over)
                continue
            estimate = runner.estimate(request)
            try:
                result = await runner.generate(request, timeout=timeout, on_progress=on_progress)
            except REFUSED_BEFORE_A_TASK as exc:
                if exc.handle is not None:  # a task exists after all: never a second one
                    await self._stop(attempts, runner, request, exc)
                    raise
                await self._record(attempts, _refused(runner, request, exc))
                continue
            except GenerationFailed as exc:
                if exc.code == "CANCELLED" or exc.handle is None:
                    await self._stop(attempts, runner, request, exc)
                    raise
                failed = _failed(runner, exc, estimate)
                paid += failed.cost or 0.0
                await self._record(attempts, failed)
                continue
            except FramecastError as exc:
                await self._stop(attempts, runner, request, exc)
                raise
            await self._record(
                attempts,
                Attempt(
                    runner.provider_name,
                    result.handle.model,
                    "succeeded",
                    result.handle.task_id,
                    cost=result.actual_cost,
                    currency=result.actual_cost_currency,
                ),
            )
            return attrs.evolve(result, attempts=tuple(attempts))
        raise self._exhausted(attempts)

    def _over_budget(
        self, runner: Runner, request: GenerationRequest, paid: float
    ) -> Attempt | None:
        if self.max_cost is None or not paid:
            return None  # the runner's own max_cost guards each attempt
        estimate = runner.estimate(request)
        if estimate is not None and paid + estimate.amount <= self.max_cost:
            return None
        shown = "unknown" if estimate is None else f"{estimate.amount:.2f} {estimate.currency}"
        return Attempt(
            runner.provider_name,
            request.model,
            "skipped",
            error=(
                f"{paid:.2f} already paid for failed tasks; this attempt ({shown}) would take "
                f"the total past max_cost {self.max_cost:g}"
            ),
        )

    async def _record(self, attempts: list[Attempt], attempt: Attempt) -> None:
        attempts.append(attempt)
        if self.on_attempt is not None:
            answer = self.on_attempt(attempt)
            if answer is not None:
                await answer

    async def _stop(
        self,
        attempts: list[Attempt],
        runner: Runner,
        request: GenerationRequest,
        exc: FramecastError,
    ) -> None:
        handle = exc.handle
        await self._record(
            attempts,
            Attempt(
                runner.provider_name,
                handle.model if handle else request.model,
                "stopped",
                handle.task_id if handle else None,
                error=exc.message,
            ),
        )
        exc.details["attempts"] = [a.to_dict() for a in attempts]

    def _exhausted(self, attempts: list[Attempt]) -> FramecastError:
        reasons = "; ".join(f"{a.provider} {a.outcome}: {a.error}" for a in attempts)
        last_failed = next((a for a in reversed(attempts) if a.outcome == "failed"), None)
        details = {"attempts": [a.to_dict() for a in attempts]}
        if last_failed is not None:
            return GenerationFailed(
                f"every provider in {self.provider_name} refused or failed the request: {reasons}",
                retryable=False,
                details=details,
            )
        return ValidationError(
            f"every provider in {self.provider_name} refused the request before a task "
            f"existed: {reasons}",
            field="provider",
            value=self.provider_name,
            allowed="a provider that accepts the request",
        )

    # ------------------------------------------------------------------ by handle

    def load_handle(self, handle: TaskHandle | Mapping[str, Any] | str | bytes) -> TaskHandle:
        return self.runner_for(handle).load_handle(handle)

    async def poll(self, handle: Any) -> TaskState:
        return await self.runner_for(handle).poll(handle)

    async def wait(self, handle: Any, **kwargs: Any) -> GenerationResult:
        return await self.runner_for(handle).wait(handle, **kwargs)

    async def cancel(self, handle: Any, **kwargs: Any) -> TaskState:
        return await self.runner_for(handle).cancel(handle, **kwargs)

    async def download(self, target: Any, dest: Any, **kwargs: Any) -> Any:
        handle = target.handle if hasattr(target, "handle") else target
        return await self.runner_for(handle).download(target, dest, **kwargs)

    # ------------------------------------------------------------------ lifetime

    async def aclose(self) -> None:
        for runner in self.runners:
            await runner.aclose()

    async def __aenter__(self) -> Failover:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _provider_of(handle: TaskHandle | Mapping[str, Any] | str | bytes) -> str:
    import json

    from ._models import TaskHandle

    if isinstance(handle, TaskHandle):
        return handle.provider
    if isinstance(handle, (str, bytes)):
        try:
            handle = json.loads(handle)
        except ValueError:
            raise ValidationError(
                "a handle is the JSON a submit returned",
                field="handle",
                value=str(handle)[:40],
                allowed="a TaskHandle, its dict or its JSON",
            ) from None
    if not isinstance(handle, Mapping):
        raise ValidationError(
            "a handle is the JSON a submit returned",
            field="handle",
            value=type(handle).__name__,
            allowed="a TaskHandle, its dict or its JSON",
        )
    return str(handle.get("provider", ""))


def _refused(runner: Runner, request: GenerationRequest, exc: FramecastError) -> Attempt:
    return Attempt(runner.provider_name, request.model, "refused", error=exc.message)


def _failed(runner: Runner, exc: GenerationFailed, estimate: CostEstimate | None) -> Attempt:
    """The attempt a ``FAILED`` task was, with what it charged (counted in what is paid)."""
    assert exc.handle is not None
    return Attempt(
        runner.provider_name,
        exc.handle.model,
        "failed",
        exc.handle.task_id,
        cost=_charge(runner, exc, estimate),
        currency=exc.details.get("cost_currency"),
        error=exc.message,
    )


def _charge(runner: Runner, exc: GenerationFailed, estimate: CostEstimate | None) -> float | None:
    """What the failed task cost: the provider's reported charge, else — where it bills
    failed tasks or does not say — its estimate (the total guard errs towards caution)."""
    reported = exc.details.get("cost")
    if reported is not None:
        return float(reported)
    if runner.info.bills_failed_tasks is False:
        return 0.0
    return None if estimate is None else estimate.amount
