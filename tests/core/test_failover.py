"""Failover across providers, against the Kling and Runway protocol fakes: the next provider
is tried only when no paid task is left behind, and never after an ambiguous outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from framecast import (
    Failover,
    FramecastError,
    GenerationRequest,
    OutcomeUnknown,
    Runner,
    TaskTimeout,
    ValidationError,
)
from framecast.testing import VirtualClock
from framecast_kling.testing import FAILURE_MESSAGES, KlingFake, business_error
from framecast_runway.testing import RunwayFake, unauthorized
from framecast_runway.testing import reset_after as runway_reset_after

pytestmark = pytest.mark.anyio

IMAGE = Path(__file__).resolve().parents[2] / "examples" / "astronaut.png"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Fakes:
    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.kling = KlingFake(clock=self.clock.time)
        self.runway = RunwayFake()
        self.env = {"RUNWAYML_API_SECRET": self.runway.api_key, **KlingFake.ENV}

    def handler(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        runway_hosts = {self.runway.base.host, "runway-uploads.fake.test", "outputs.fake.test"}
        return (self.runway if host in runway_hosts else self.kling)(request)

    def runner(self, providers: Any = ("kling", "runway"), **options: Any) -> Any:
        return Runner(
            list(providers),
            env=self.env,
            clock=self.clock,
            transport=httpx.MockTransport(self.handler),
            **options,
        )

    @property
    def created(self) -> tuple[int, int]:
        return self.kling.tasks_created, self.runway.tasks_created


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def request(**fields: Any) -> GenerationRequest:
    return GenerationRequest(prompt="An astronaut smiles", image=str(IMAGE), duration=5, **fields)


def outcomes(attempts: Any) -> list[tuple[str, str]]:
    return [
        (a["provider"], a["outcome"]) if isinstance(a, dict) else (a.provider, a.outcome)
        for a in attempts
    ]


async def test_a_list_builds_a_failover_and_one_provider_runs_when_it_succeeds(
    fakes: Fakes,
) -> None:
    async with fakes.runner() as runner:
        assert isinstance(runner, Failover)
        result = await runner.generate(request())

    assert result.handle.provider == "kling"
    assert outcomes(result.attempts) == [("kling", "succeeded")]
    assert fakes.created == (1, 0)


async def test_refused_credentials_move_on_and_nothing_was_paid_there(fakes: Fakes) -> None:
    fakes.kling.inject("create", business_error(1000))  # authentication failed

    async with fakes.runner() as runner:
        result = await runner.generate(request())

    assert result.handle.provider == "runway"
    assert outcomes(result.attempts) == [("kling", "refused"), ("runway", "succeeded")]
    assert "kling" in result.to_dict()["attempts"][0]["provider"]
    assert fakes.created == (0, 1)


async def test_a_failed_task_moves_on_and_its_charge_counts(fakes: Fakes) -> None:
    fakes.kling.plan_next(fail_with=FAILURE_MESSAGES["content"])

    async with fakes.runner() as runner:
        result = await runner.generate(request())

    assert outcomes(result.attempts) == [("kling", "failed"), ("runway", "succeeded")]
    failed = result.attempts[0]
    assert failed.task_id in fakes.kling.tasks
    assert failed.cost == 0.0  # Kling charges nothing for a failed task
    assert fakes.created == (1, 1)  # one failed, one successful: never two successes


async def test_an_ambiguous_submit_stops_with_the_evidence_and_no_second_task(
    fakes: Fakes,
) -> None:
    fakes.runway.inject("POST", "/v1/image_to_video", runway_reset_after())

    async with fakes.runner(("runway", "kling")) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.generate(request())

    assert fakes.created == (0, 1)  # Runway created it; Kling was never asked
    assert outcomes(caught.value.details["attempts"]) == [("runway", "stopped")]
    assert fakes.kling.requests == 0


async def test_a_wait_that_runs_out_stops_with_the_handle(fakes: Fakes) -> None:
    fakes.kling.plan_next(queries_to_processing=1000, queries_to_finish=1000)

    async with fakes.runner() as runner:
        with pytest.raises(TaskTimeout) as caught:
            await runner.generate(request(), timeout=60)

    assert caught.value.handle is not None and caught.value.handle.provider == "kling"
    assert fakes.created == (1, 0)
    assert outcomes(caught.value.details["attempts"]) == [("kling", "stopped")]


async def test_a_request_no_provider_can_take_is_refused_before_anything_is_sent(
    fakes: Fakes,
) -> None:
    async with fakes.runner() as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.generate(request(ratio="7:1"))

    message = caught.value.message
    assert "kling:" in message and "runway:" in message
    assert fakes.kling.requests == 0 and fakes.runway.requests == 0


async def test_a_provider_that_cannot_take_the_request_is_skipped_not_sent(
    fakes: Fakes,
) -> None:
    # 7 s: Kling offers 5 and 10 only; Runway's default model takes 2-10.
    async with fakes.runner() as runner:
        result = await runner.generate(request().evolve(duration=7))

    assert outcomes(result.attempts) == [("kling", "skipped"), ("runway", "succeeded")]
    assert "duration" in (result.attempts[0].error or "")
    assert fakes.kling.requests == 0 and fakes.created == (0, 1)


async def test_when_every_provider_refuses_the_error_lists_each(fakes: Fakes) -> None:
    fakes.kling.inject("create", business_error(1000))
    fakes.runway.inject("POST", "/v1/image_to_video", unauthorized())

    async with fakes.runner() as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.generate(request())

    assert "kling refused" in caught.value.message and "runway refused" in caught.value.message
    assert fakes.created == (0, 0)


async def test_the_total_cost_guard_skips_an_attempt_that_would_overspend(
    fakes: Fakes,
) -> None:
    fakes.runway.plan_next(outcome="FAILED")
    # Runway reports 0 credits for a failed task; a provider that does not say is charged
    # its estimate. Here Runway first, then Kling within the budget.
    async with fakes.runner(("runway", "kling"), max_cost=1.0) as runner:
        result = await runner.generate(request())

    assert outcomes(result.attempts) == [("runway", "failed"), ("kling", "succeeded")]
    assert fakes.created == (1, 1)


async def test_handles_go_back_to_the_provider_that_made_them(fakes: Fakes) -> None:
    async with fakes.runner(("runway", "kling")) as runner:
        handle = await runner.submit(request())
        assert handle.provider == "runway"
        again = runner.load_handle(handle.to_json())
        result = await runner.wait(again)

    assert result.handle.task_id == handle.task_id
    assert fakes.created == (0, 1)


def test_a_provider_named_twice_is_refused(fakes: Fakes) -> None:
    with pytest.raises(FramecastError, match="more than once"):
        fakes.runner(("kling", "kling"))


def test_a_comma_separated_name_is_a_list(fakes: Fakes) -> None:
    runner = Runner("kling, runway", env=fakes.env)

    assert isinstance(runner, Failover)
    assert runner.provider_name == "kling,runway"
