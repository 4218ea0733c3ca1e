"""The runner with the Seedance plugin against its protocol fake, in virtual time: a whole
task, the reported cost, the faults Seedance answers with, cancel's rules and callbacks."""

from __future__ import annotations

import pytest
from framecast import (
    GenerationFailed,
    GenerationRequest,
    NotSupported,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    TaskStatus,
    ValidationError,
)
from framecast_seedance.testing import (
    SeedanceFake,
    malformed_json,
    rate_limited,
    real_person_refused,
    reset_after,
    server_error,
    unknown_status,
)

from .conftest import CN_ENV, runner_for, url_image

pytestmark = pytest.mark.anyio

CREATE = "/contents/generations/tasks"
REQUEST = GenerationRequest(
    prompt="A lighthouse at dusk", image="https://example.com/first.png", ratio="16:9"
)


async def test_a_task_runs_to_its_video_and_reports_what_it_cost(fake, tmp_path) -> None:
    async with runner_for(fake) as runner:
        result = await runner.generate(REQUEST)
        saved = await runner.download(result, tmp_path / "out.mp4")
    assert result.status is TaskStatus.SUCCEEDED
    assert result.url.startswith("https://outputs.fake.test/cgt-")
    assert result.state.cost_units == 108_900
    assert (result.actual_cost, result.actual_cost_currency) == (round(108_900 * 7 / 1e6, 4), "USD")
    assert saved.read_bytes().startswith(b"\x00\x00\x00\x18ftyp")
    assert fake.tasks_created == 1 and fake.violations == []  # no key on the output host


async def test_mainland_charges_are_in_yuan() -> None:
    fake = SeedanceFake(region="cn")
    async with runner_for(fake, CN_ENV) as runner:
        result = await runner.generate(REQUEST)
    assert result.actual_cost_currency == "CNY" and result.actual_cost > 0
    assert fake.bodies[0]["model"] == "doubao-seedance-2-0-260128"


async def test_429_with_retry_after_is_waited_out(fake) -> None:
    fake.inject("POST", CREATE, rate_limited(retry_after=7))
    async with runner_for(fake) as runner:
        started = runner.clock.monotonic()
        result = await runner.generate(REQUEST)
        assert runner.clock.monotonic() - started >= 7
    assert result.status is TaskStatus.SUCCEEDED and fake.tasks_created == 1


async def test_429_past_the_policy_says_no_task_was_created(fake) -> None:
    fake.inject("POST", CREATE, *(rate_limited() for _ in range(10)))
    async with runner_for(fake) as runner:
        with pytest.raises(RateLimited):
            await runner.generate(REQUEST)
    assert fake.tasks_created == 0


@pytest.mark.parametrize("fault", [reset_after, lambda: server_error(500, created=True),
                                   malformed_json], ids=["reset", "500-created", "malformed"])  # fmt: skip
async def test_a_lost_create_answer_is_never_resubmitted(fake, fault) -> None:
    # No idempotency key and no lookup: the task may exist, so it is never paid twice.
    fake.inject("POST", CREATE, fault())
    async with runner_for(fake) as runner:
        with pytest.raises(OutcomeUnknown):
            await runner.generate(REQUEST)
    assert fake.tasks_created == 1
    assert sum(1 for m, u, _ in fake.log if m == "POST") == 1


async def test_a_real_person_refused_at_create_says_why(fake) -> None:
    fake.inject("POST", CREATE, real_person_refused())
    request = GenerationRequest(prompt="She smiles", images=[url_image("face.png")])
    async with runner_for(fake) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(request)
    assert "asset review" in caught.value.message and not caught.value.retryable
    assert fake.tasks_created == 0


async def test_a_real_person_refused_later_fails_the_task_with_the_same_advice(fake) -> None:
    fake.plan_next(outcome="failed",
                   failure_code="InputImageSensitiveContentDetected.PrivacyInformation")  # fmt: skip
    async with runner_for(fake) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(GenerationRequest(prompt="She", images=[url_image()]))
    assert "asset review" in caught.value.message and caught.value.retryable is False


async def test_an_expired_task_fails_and_says_resubmitting_may_work(fake) -> None:
    fake.plan_next(outcome="expired")
    async with runner_for(fake) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(REQUEST)
    assert caught.value.retryable is True
    assert "execution_expires_after" in caught.value.message


async def test_an_unknown_status_word_ends_the_wait_with_the_handle(fake) -> None:
    fake.inject("GET", CREATE + "/", unknown_status("paused"))
    async with runner_for(fake) as runner:
        with pytest.raises(ProviderError) as caught:
            await runner.generate(REQUEST)
    assert "paused" in caught.value.message and caught.value.handle is not None


async def test_a_queued_task_is_cancelled() -> None:
    fake = SeedanceFake(queued_polls=5)
    async with runner_for(fake) as runner:
        handle = await runner.submit(REQUEST)
        state = await runner.cancel(handle)
    assert state.status is TaskStatus.CANCELLED
    assert fake.cancelled == [handle.task_id]


async def test_a_running_task_cannot_be_cancelled_and_keeps_running() -> None:
    fake = SeedanceFake(queued_polls=0, running_polls=5)
    async with runner_for(fake) as runner:
        handle = await runner.submit(REQUEST)
        with pytest.raises(NotSupported) as caught:
            await runner.cancel(handle)
    assert "running" in caught.value.message and "queued" in caught.value.message
    assert not any(m == "DELETE" for m, _, _ in fake.log)
    assert fake.task_status(handle.task_id) == "running"


async def test_a_finished_task_is_deleted_only_when_asked(fake) -> None:
    async with runner_for(fake) as runner:
        result = await runner.generate(REQUEST)
        with pytest.raises(ValidationError):
            await runner.cancel(result.handle)
        assert fake.deleted == []
        await runner.cancel(result.handle, delete=True)
    assert fake.deleted == [result.handle.task_id]


async def test_callbacks_are_hints_the_runner_still_polls(fake) -> None:
    request = REQUEST.evolve(options={"callback_url": "https://hooks.example.com/seedance"})
    async with runner_for(fake) as runner:
        result = await runner.generate(request)
    assert [payload["status"] for _, payload in fake.callbacks] == [
        "queued",
        "running",
        "succeeded",
    ]
    assert result.polls >= 3  # the outcome came from reading the task with the key


async def test_a_handle_from_the_other_cloud_is_billed_in_its_currency() -> None:
    fake = SeedanceFake(region="cn")
    async with runner_for(fake, CN_ENV) as runner:
        handle = await runner.submit(REQUEST)
    # Resumed by a runner set up for the international region: the handle names its host.
    async with runner_for(fake) as other:
        result = await other.wait(handle)
    assert result.actual_cost_currency == "CNY"
