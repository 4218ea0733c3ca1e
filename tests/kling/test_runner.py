"""End to end through the core's Runner with the protocol fake and virtual time: the
outcome table meets Kling's facts (dedupe after a lost answer, business codes, re-sign)."""

from __future__ import annotations

import base64
import io
import json

import framecast
import httpx
import pytest
from framecast import (
    AccountError,
    GenerationFailed,
    GenerationRequest,
    NotSupported,
    ProviderError,
    ProviderSettings,
    RateLimited,
    Runner,
    TaskStatus,
    ValidationError,
)
from framecast.testing import VirtualClock
from framecast_kling.testing import (
    KlingFake,
    business_error,
    connection_refused,
    expired_token,
    malformed,
    read_timeout_after,
    reset_after,
    server_error,
    truncated,
    unknown_status,
)
from PIL import Image

from .support import EXAMPLES

pytestmark = pytest.mark.anyio

ASTRONAUT = str(EXAMPLES / "astronaut.png")
COFFEE = str(EXAMPLES / "coffee.png")


def runner_for(fake: KlingFake, clock: VirtualClock, **kwargs) -> Runner:
    settings = ProviderSettings(name="kling", env=dict(KlingFake.ENV))
    fake.use_clock(clock.time)  # the provider signs on the runner's clock
    return Runner(
        "kling", settings=settings, transport=httpx.MockTransport(fake), clock=clock, **kwargs
    )


def creates(fake: KlingFake) -> list[dict]:
    return [dict(task.body) for task in fake.tasks.values()]


async def test_image_to_video_end_to_end_and_download(tmp_path) -> None:
    clock, fake = VirtualClock(), KlingFake(queries_to_finish=3)
    async with runner_for(fake, clock) as runner:
        assert runner.poll_interval == 5.0  # the floor on the official host
        result = await runner.generate(
            GenerationRequest(prompt="The astronaut waves", image=ASTRONAUT)
        )
        path = await runner.download(result, tmp_path / "out.mp4")
    assert result.status is TaskStatus.SUCCEEDED
    assert result.polls == 3
    assert result.handle.provider_data["endpoint"] == "image2video"
    assert result.handle.base_url == "https://api-singapore.klingai.com"
    assert result.actual_cost == pytest.approx(0.21)
    assert result.estimated_cost is not None and result.estimated_cost.confidence == "single-source"
    (body,) = creates(fake)
    with open(ASTRONAUT, "rb") as f:
        assert base64.b64decode(body["image"]) == f.read()
    assert body["external_task_id"] == result.handle.idempotency_key
    assert path.read_bytes()[4:8] == b"ftyp"  # the CDN refuses any Authorization header


async def test_text_to_video_with_native_camera() -> None:
    clock, fake = VirtualClock(), KlingFake()
    async with runner_for(fake, clock) as runner:
        result = await runner.generate(
            GenerationRequest(
                prompt="A misty forest", camera="crane_up", camera_strength=7, model="kling-v1"
            )
        )
    assert result.status is TaskStatus.SUCCEEDED
    (body,) = creates(fake)
    assert body["camera_control"] == {"type": "simple", "config": {
        "horizontal": 0, "vertical": 7, "pan": 0, "tilt": 0, "roll": 0, "zoom": 0}}  # fmt: skip
    assert body["prompt"] == "A misty forest"


async def test_ratio_crop_is_applied_by_the_core_before_sending() -> None:
    clock, fake = VirtualClock(), KlingFake()
    async with runner_for(fake, clock) as runner:
        request = GenerationRequest(prompt="Coffee", image=COFFEE, ratio="1:1", image_fit="crop")
        await runner.generate(request)
    (body,) = creates(fake)
    with Image.open(io.BytesIO(base64.b64decode(body["image"]))) as img:
        assert img.size[0] == img.size[1]
    assert "aspect_ratio" not in body


async def test_ratio_mismatch_refused_before_any_request() -> None:
    clock, fake = VirtualClock(), KlingFake()
    async with runner_for(fake, clock) as runner:
        with pytest.raises(ValidationError, match=r"3:2 \(600x400\)"):
            await runner.generate(GenerationRequest(prompt="Coffee", image=COFFEE, ratio="16:9"))
    assert fake.requests == 0


async def test_a_crop_below_the_minimum_side_names_the_image_sent_and_the_fit() -> None:
    # 512x512 cropped to 16:9 is 512x288, under Kling's 300 px: the message must not leave
    # the user wondering where a 512x288 image came from.
    clock, fake = VirtualClock(), KlingFake()
    async with runner_for(fake, clock) as runner:
        request = GenerationRequest(prompt="x", image=ASTRONAUT, ratio="16:9", image_fit="crop")
        with pytest.raises(ValidationError) as caught:
            await runner.generate(request)
    message = str(caught.value)
    assert "512x288" in message and "at least 300 px" in message
    assert "cropping the 512x512 image to 16:9" in message and "'pad'" in message
    assert caught.value.field == "image"
    assert fake.requests == 0


@pytest.mark.parametrize(
    "fault",
    [
        reset_after(),
        read_timeout_after(),
        server_error(500, created=True),
        server_error(502, created=True),
        server_error(504, created=True),
        business_error(5000, created=True),
        malformed(created=True),
        truncated(created=True),
    ],
    ids=lambda f: f.__name__,
)
async def test_lost_answer_is_found_not_paid_twice(fault) -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", fault)
    async with runner_for(fake, clock) as runner:
        result = await runner.generate(GenerationRequest(prompt="x", image=ASTRONAUT))
    assert result.status is TaskStatus.SUCCEEDED
    assert fake.tasks_created == 1
    assert result.handle.task_id in fake.tasks


@pytest.mark.parametrize("fault", [server_error(502), server_error(504), business_error(5001),
                                   malformed(created=False)], ids=lambda f: f.__name__)  # fmt: skip
async def test_ambiguous_without_a_task_resubmits_with_the_same_key(fault) -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", fault)
    async with runner_for(fake, clock) as runner:
        result = await runner.generate(
            GenerationRequest(prompt="x", idempotency_key="one-logical-task")
        )
    assert fake.tasks_created == 1
    assert fake.tasks[result.handle.task_id].external_task_id == "one-logical-task"
    creates_sent = [entry for entry in fake.log if entry[0] == "POST"]
    assert len(creates_sent) == 2


async def test_two_resets_in_a_row_still_one_task() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", reset_after(), server_error(502))
    async with runner_for(fake, clock) as runner:
        result = await runner.generate(GenerationRequest(prompt="x"))
    assert fake.tasks_created == 1 and result.status is TaskStatus.SUCCEEDED


async def test_connection_refused_is_retried() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", connection_refused(), connection_refused())
    async with runner_for(fake, clock) as runner:
        await runner.generate(GenerationRequest(prompt="x"))
    assert fake.tasks_created == 1


async def test_throttling_1302_1303_is_retried() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", business_error(1303), business_error(1302))
    async with runner_for(fake, clock) as runner:
        await runner.generate(GenerationRequest(prompt="x"))
    assert fake.tasks_created == 1


async def test_throttling_past_the_policy_is_rate_limited() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", *[business_error(1303) for _ in range(5)])
    async with runner_for(fake, clock) as runner:
        with pytest.raises(RateLimited, match="resource pack limit") as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert caught.value.details["code"] == "1303"
    assert fake.tasks_created == 0


@pytest.mark.parametrize("code", [1100, 1101, 1102, 1103, 1304])
async def test_account_errors_are_never_retried(code) -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", business_error(code))
    async with runner_for(fake, clock) as runner:
        with pytest.raises(AccountError):
            await runner.generate(GenerationRequest(prompt="x"))
    assert fake.requests == 1


async def test_content_policy_is_a_non_retryable_failure() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", business_error(1301, "Content security policy triggered"))
    async with runner_for(fake, clock) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert caught.value.retryable is False
    assert fake.requests == 1


async def test_expired_token_on_submit_is_resigned() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", expired_token())
    async with runner_for(fake, clock) as runner:
        await runner.generate(GenerationRequest(prompt="x"))
    assert fake.tasks_created == 1
    assert [e[2] for e in fake.log[:2]] == ["expired_token", "200"]


async def test_poll_server_errors_are_transient() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("query", business_error(5001), server_error(502), read_timeout_after())
    async with runner_for(fake, clock) as runner:
        result = await runner.generate(GenerationRequest(prompt="x"))
    assert result.status is TaskStatus.SUCCEEDED


async def test_unknown_status_is_a_provider_error_with_the_handle() -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("query", unknown_status("paused"))
    async with runner_for(fake, clock) as runner:
        with pytest.raises(ProviderError, match="paused") as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert caught.value.handle is not None


async def test_failed_task_keeps_the_message() -> None:
    clock, fake = VirtualClock(), KlingFake(fail_with="Failure to pass the risk control system")
    async with runner_for(fake, clock) as runner:
        with pytest.raises(GenerationFailed, match="risk control") as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert caught.value.retryable is False


async def test_cancel_is_not_supported() -> None:
    clock, fake = VirtualClock(), KlingFake()
    async with runner_for(fake, clock) as runner:
        handle = await runner.submit(GenerationRequest(prompt="x"))
        with pytest.raises(NotSupported, match=r"no way to cancel|no cancel endpoint"):
            await runner.cancel(handle)


async def test_seed_refused_before_any_request() -> None:
    clock, fake = VirtualClock(), KlingFake()
    async with runner_for(fake, clock) as runner:
        with pytest.raises(ValidationError, match="seed"):
            await runner.generate(GenerationRequest(prompt="x", seed=3))
    assert fake.requests == 0


async def test_handle_survives_json_and_a_new_runner() -> None:
    clock, fake = VirtualClock(), KlingFake()
    async with runner_for(fake, clock) as runner:
        handle = await runner.submit(GenerationRequest(prompt="x", images=[ASTRONAUT, COFFEE]))
    text = handle.to_json()
    assert json.loads(text)["provider_data"]["endpoint"] == "multi-image2video"
    async with runner_for(fake, clock) as other:
        result = await other.wait(text)
    assert result.status is TaskStatus.SUCCEEDED
    assert fake.tasks_created == 1


async def test_dry_run_prepare_needs_no_credentials() -> None:
    runner = Runner("kling", settings=ProviderSettings(name="kling"))
    prepared = runner.prepare(GenerationRequest(prompt="x", image=ASTRONAUT, idempotency_key="k"))
    assert prepared.path == "/v1/videos/image2video"
    assert prepared.to_dict()["body"]["image"].startswith("<base64")
    estimate = runner.estimate(GenerationRequest(prompt="x", duration=10, options={"mode": "pro"}))
    assert estimate is not None and estimate.units == 5 and estimate.amount == pytest.approx(0.7)
    await runner.aclose()


async def test_batch_queues_locally_under_the_suggested_cap() -> None:
    import asyncio

    clock, fake = VirtualClock(), KlingFake(queries_to_finish=4)
    async with runner_for(fake, clock) as runner:
        assert runner.max_running_tasks == 3
        results = await asyncio.gather(
            *(runner.generate(GenerationRequest(prompt=f"x{i}")) for i in range(7))
        )
    assert len({r.handle.task_id for r in results}) == 7
    assert fake.tasks_created == 7
    assert fake.distinct_tokens == 1  # one JWT, reused by every request


SUBMIT_ERRORS = {
    **dict.fromkeys((1000, 1001, 1002), "AuthenticationError"),
    **dict.fromkeys((1100, 1101, 1102, 1103, 1304), "AccountError"),
    **dict.fromkeys((1200, 1201, 1202, 1203, 1300), "ProviderValidationError"),
    1301: "GenerationFailed",
}
RECOVERED_ON_SUBMIT = (1003, 1004, 1302, 1303, 5000, 5001, 5002)


@pytest.mark.parametrize("code", sorted(SUBMIT_ERRORS))
async def test_every_refusing_code_on_submit(code) -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", business_error(code))
    async with runner_for(fake, clock) as runner:
        with pytest.raises(getattr(framecast, SUBMIT_ERRORS[code])) as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert type(caught.value).__name__ == SUBMIT_ERRORS[code]
    assert caught.value.details["code"] == str(code)
    assert fake.requests == 1  # never retried
    assert fake.tasks_created == 0


@pytest.mark.parametrize("code", RECOVERED_ON_SUBMIT)
async def test_every_recoverable_code_on_submit(code) -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("create", business_error(code))
    async with runner_for(fake, clock) as runner:
        result = await runner.generate(GenerationRequest(prompt="x", idempotency_key="k"))
    assert result.status is TaskStatus.SUCCEEDED
    assert fake.tasks_created == 1


POLL_ERRORS = {
    **dict.fromkeys((1000, 1001, 1002), "AuthenticationError"),
    **dict.fromkeys((1100, 1101, 1102, 1103, 1304), "AccountError"),
    1203: "TaskNotFound",
}


@pytest.mark.parametrize("code", sorted(POLL_ERRORS))
async def test_every_refusing_code_on_poll_keeps_the_handle(code) -> None:
    clock, fake = VirtualClock(), KlingFake()
    fake.inject("query", business_error(code))
    async with runner_for(fake, clock) as runner:
        with pytest.raises(getattr(framecast, POLL_ERRORS[code])) as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert type(caught.value).__name__ == POLL_ERRORS[code]
    assert caught.value.handle is not None and caught.value.handle.task_id in fake.tasks


@pytest.mark.parametrize("code", (1003, 1004, 1302, 1303, 5000, 5001, 5002))
async def test_every_transient_code_on_poll_is_retried(code) -> None:
    clock, fake = VirtualClock(), KlingFake()
    # 1003/1004 are re-signed once by the auth flow (twice in a row would be refused)
    times = 1 if code in (1003, 1004) else 2
    fake.inject("query", *[business_error(code) for _ in range(times)])
    async with runner_for(fake, clock) as runner:
        result = await runner.generate(GenerationRequest(prompt="x"))
    assert result.status is TaskStatus.SUCCEEDED
    assert fake.pending_faults() == 0
