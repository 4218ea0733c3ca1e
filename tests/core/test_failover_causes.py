"""Every cause of a provider's end, against the Kling and Runway protocol fakes: those that
leave no paid task behind move on to the next provider, those that may leave one stop the
request with the handle (or the evidence). Counted at the fakes: never more than one task
that succeeds (and is paid) per request, and no request at all to the next provider after
an ambiguous outcome."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from framecast import (
    FramecastError,
    GenerationRequest,
    Mode,
    ModelInfo,
    NotSupported,
    OutcomeUnknown,
    PreparedRequest,
    ProviderInfo,
    hookimpl,
)
from framecast_kling import testing as kling_faults
from framecast_kling.testing import FAILURE_MESSAGES, KlingFake, business_error
from framecast_runway import testing as runway_faults

from .test_failover import Fakes, outcomes, request

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def paid_successes(fakes: Fakes) -> int:
    """Tasks at either fake that succeed (or will, once polled): each one is paid."""
    kling = sum(1 for task in fakes.kling.tasks.values() if task.failure is None)
    runway = sum(
        1
        for task in fakes.runway.tasks.values()
        if task.plan.outcome == "SUCCEEDED" and not task.cancelled
    )
    return kling + runway


def requests_to(fakes: Fakes, provider: str) -> int:
    return fakes.kling.requests if provider == "kling" else fakes.runway.requests


def other(provider: str) -> str:
    return "runway" if provider == "kling" else "kling"


Setup = Callable[[Fakes], Any]


def drop_kling_credentials(fakes: Fakes) -> None:
    for variable in KlingFake.ENV:
        fakes.env.pop(variable)


#: (first provider, the cause, how the fakes produce it, the first provider's outcome)
MOVES_ON: list[tuple[str, str, Setup, str]] = [
    (
        "kling",
        "credentials refused",
        lambda f: f.kling.inject("create", business_error(1000)),
        "refused",
    ),
    ("kling", "no credential configured", drop_kling_credentials, "refused"),
    (
        "kling",
        "account: resource pack depleted",
        lambda f: f.kling.inject("create", business_error(1102)),
        "refused",
    ),
    (
        "kling",
        "the provider's own validation",
        lambda f: f.kling.inject("create", business_error(1200)),
        "refused",
    ),
    (
        "kling",
        "content moderation refusing the submit",
        lambda f: f.kling.inject("create", business_error(1301)),
        "refused",
    ),
    (
        "kling",
        "rate-limited past the retry policy",
        lambda f: f.kling.inject("create", *[business_error(1303)] * 20),
        "refused",
    ),
    (
        "kling",
        "unreachable past the retry policy",
        lambda f: f.kling.inject("create", *[kling_faults.connection_refused()] * 20),
        "refused",
    ),
    (
        "kling",
        "task FAILED: content moderation",
        lambda f: f.kling.plan_next(fail_with=FAILURE_MESSAGES["content"]),
        "failed",
    ),
    (
        "kling",
        "task FAILED: provider error",
        lambda f: f.kling.plan_next(fail_with=FAILURE_MESSAGES["internal"]),
        "failed",
    ),
    (
        "runway",
        "credentials refused",
        lambda f: f.runway.inject("POST", "/v1/image_to_video", runway_faults.unauthorized()),
        "refused",
    ),
    (
        "runway",
        "account: out of credits",
        lambda f: f.runway.inject("POST", "/v1/image_to_video", runway_faults.out_of_credits()),
        "refused",
    ),
    (
        "runway",
        "daily task limit",
        lambda f: f.runway.inject(
            "POST", "/v1/image_to_video", *[runway_faults.rate_limited(daily=True)] * 20
        ),
        "refused",
    ),
    (
        "runway",
        "unreachable past the retry policy",
        lambda f: f.runway.inject(
            "POST", "/v1/image_to_video", *[runway_faults.connection_refused()] * 20
        ),
        "refused",
    ),
    (
        "runway",
        "task FAILED: content moderation",
        lambda f: f.runway.plan_next(outcome="FAILED"),
        "failed",
    ),
]


@pytest.mark.parametrize(
    ("first", "cause", "setup", "outcome"),
    MOVES_ON,
    ids=[f"{first}: {cause}" for first, cause, _, _ in MOVES_ON],
)
async def test_a_cause_that_leaves_no_paid_task_moves_on(
    fakes: Fakes, first: str, cause: str, setup: Setup, outcome: str
) -> None:
    setup(fakes)
    second = other(first)

    async with fakes.runner((first, second)) as runner:
        result = await runner.generate(request())

    assert outcomes(result.attempts) == [(first, outcome), (second, "succeeded")]
    assert result.handle.provider == second
    failed = result.attempts[0]
    if outcome == "refused":
        assert failed.task_id is None
        assert dict(zip(("kling", "runway"), fakes.created, strict=True))[first] == 0
    else:
        assert failed.task_id is not None  # the failed task, for the record
    assert paid_successes(fakes) == 1


def runway_cancelled(fakes: Fakes) -> None:
    fakes.runway.plan_next(outcome="CANCELLED")


#: (first provider, the cause, how the fakes produce it, whether a task exists after it)
STOPS: list[tuple[str, str, Setup, bool]] = [
    (
        "runway",
        "connection reset after the create was sent",
        lambda f: f.runway.inject("POST", "/v1/image_to_video", runway_faults.reset_after()),
        True,
    ),
    (
        "runway",
        "read timeout after the create was sent",
        lambda f: f.runway.inject("POST", "/v1/image_to_video", runway_faults.read_timeout_after()),
        True,
    ),
    (
        "runway",
        "server error behind which the task was created",
        lambda f: f.runway.inject(
            "POST", "/v1/image_to_video", runway_faults.server_error(500, created=True)
        ),
        True,
    ),
    (
        "kling",
        "server errors on every create and lookup: outcome unknown",
        lambda f: f.kling.inject("create", *[business_error(5000)] * 20),
        False,
    ),
    (
        "kling",
        "credentials refused while polling a task that exists",
        lambda f: f.kling.inject("query", *[business_error(1000)] * 20),
        True,
    ),
    ("runway", "the task was cancelled", runway_cancelled, True),
]


@pytest.mark.parametrize(
    ("first", "cause", "setup", "task_exists"),
    STOPS,
    ids=[f"{first}: {cause}" for first, cause, _, _ in STOPS],
)
async def test_a_cause_that_may_leave_a_paid_task_stops_with_the_handle(
    fakes: Fakes, first: str, cause: str, setup: Setup, task_exists: bool
) -> None:
    setup(fakes)
    second = other(first)

    async with fakes.runner((first, second)) as runner:
        with pytest.raises(FramecastError) as caught:
            await runner.generate(request())

    error = caught.value
    assert requests_to(fakes, second) == 0  # the next provider was never asked
    assert outcomes(error.details["attempts"]) == [(first, "stopped")]
    if isinstance(error, OutcomeUnknown):
        # No handle can exist: the evidence says where to look instead.
        assert error.handle is None and error.details.get("provider", first) == first
    else:
        assert error.handle is not None and error.handle.provider == first
    created = dict(zip(("kling", "runway"), fakes.created, strict=True))
    assert created[first] == (1 if task_exists else 0)
    assert paid_successes(fakes) <= 1


async def test_a_wait_that_runs_out_stops_and_the_next_provider_is_never_asked(
    fakes: Fakes,
) -> None:
    fakes.kling.plan_next(queries_to_processing=1000, queries_to_finish=1000)

    async with fakes.runner() as runner:
        with pytest.raises(FramecastError) as caught:
            await runner.generate(request(), timeout=60)

    assert caught.value.handle is not None
    assert fakes.runway.requests == 0 and fakes.created == (1, 0)


async def test_an_interrupted_request_ends_there_and_the_next_provider_is_never_asked(
    fakes: Fakes,
) -> None:
    fakes.kling.plan_next(queries_to_processing=1000, queries_to_finish=1000)

    async with fakes.runner() as runner:
        job = asyncio.ensure_future(runner.generate(request(), timeout=6000))
        while fakes.kling.tasks_created == 0:
            await asyncio.sleep(0)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        # The task runs on; its handle came back to the caller through on_submitted.
        for _ in range(20):
            await asyncio.sleep(0)

    assert fakes.runway.requests == 0 and fakes.created == (1, 0)


class Unsupporting:
    """A provider that refuses every submit as not supported (before any task)."""

    name = "unsupporting"

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        model = ModelInfo(
            name="one",
            modes=(Mode.IMAGE, Mode.TEXT),
            ratios=("16:9",),
            default_ratio="16:9",
            durations=(5,),
            default_duration=5,
        )
        return ProviderInfo(
            name=self.name,
            models=(model,),
            default_models={Mode.IMAGE: "one", Mode.TEXT: "one"},
            default_base_url="https://unsupporting.test",
            contract_version=2,
        )

    @hookimpl
    def prepare(self, request: GenerationRequest, model: ModelInfo, ratio_plan: Any) -> Any:
        return PreparedRequest(method="POST", path="/tasks", body={"model": model.name})

    @hookimpl
    async def submit(self, prepared: Any, http: Any) -> Any:
        raise NotSupported("this account cannot make image-to-video tasks")

    @hookimpl
    async def poll(self, handle: Any, http: Any) -> Any:
        raise AssertionError("no task exists to poll")


async def test_not_supported_moves_on(fakes: Fakes) -> None:
    async with fakes.runner((Unsupporting, "runway")) as runner:
        result = await runner.generate(request())

    assert outcomes(result.attempts) == [("unsupporting", "refused"), ("runway", "succeeded")]
    assert "cannot make" in (result.attempts[0].error or "")
    assert fakes.created == (0, 1)


async def test_submit_alone_moves_on_after_a_refusal_and_stops_after_an_ambiguous_one(
    fakes: Fakes,
) -> None:
    fakes.kling.inject("create", business_error(1102))
    heard: list[Any] = []

    async with fakes.runner() as runner:
        handle = await runner.submit(request(), on_attempt=heard.append)
        assert handle.provider == "runway"
        assert outcomes(heard) == [("kling", "refused"), ("runway", "succeeded")]

    kling_requests = fakes.kling.requests
    fakes.runway.inject("POST", "/v1/image_to_video", runway_faults.reset_after())
    async with fakes.runner(("runway", "kling")) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.submit(request().evolve(prompt="An astronaut waves"))

    assert outcomes(caught.value.details["attempts"]) == [("runway", "stopped")]
    assert fakes.kling.requests == kling_requests  # Kling was not asked again
    assert fakes.created == (0, 2)  # the second request's task exists; no Kling task


async def test_a_kling_failure_with_no_charge_reported_costs_nothing_in_the_total(
    fakes: Fakes,
) -> None:
    # Kling declares that failed tasks are not billed; its query may carry no
    # final_unit_deduction (it did not in November 2025). Were the failure charged at its
    # estimate (0.21), Runway's 0.25 would not fit under 0.30 and would be skipped.
    fakes.kling.plan_next(fail_with=FAILURE_MESSAGES["internal"])
    serve = fakes.handler

    def unreported(http_request: httpx.Request) -> httpx.Response:
        response = serve(http_request)
        if http_request.method == "GET" and "kling" in http_request.url.host:
            body = json.loads(response.content)
            if isinstance(body.get("data"), dict):
                body["data"].pop("final_unit_deduction", None)
                return httpx.Response(response.status_code, json=body)
        return response

    fakes.handler = unreported  # type: ignore[method-assign]
    async with fakes.runner(max_cost=0.30) as runner:
        assert runner.runners[0].info.bills_failed_tasks is False
        result = await runner.generate(request())

    assert outcomes(result.attempts) == [("kling", "failed"), ("runway", "succeeded")]
    assert result.attempts[0].cost == 0.0


async def test_a_paid_failure_leaves_no_room_past_max_cost(fakes: Fakes) -> None:
    # Runway reports what a failed task still cost (input moderation is not refunded):
    # 25 credits here. Counted in the total, Kling's 0.21 no longer fits under 0.30, so
    # Kling is skipped unsent.
    fakes.runway.plan_next(outcome="FAILED")
    serve = fakes.handler

    def charging(http_request: httpx.Request) -> httpx.Response:
        response = serve(http_request)
        if http_request.method == "GET" and http_request.url.path.startswith("/v1/tasks/"):
            body = json.loads(response.content)
            if body.get("status") == "FAILED":
                body["cost"] = {"credits": 25}
                return httpx.Response(response.status_code, json=body)
        return response

    fakes.handler = charging  # type: ignore[method-assign]
    async with fakes.runner(("runway", "kling"), max_cost=0.30) as runner:
        with pytest.raises(FramecastError) as caught:
            await runner.generate(request())

    attempts = caught.value.details["attempts"]
    assert outcomes(attempts) == [("runway", "failed"), ("kling", "skipped")]
    assert attempts[0]["cost"] == 0.25
    assert "max_cost" in attempts[1]["error"]
    assert fakes.kling.requests == 0
