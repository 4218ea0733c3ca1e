"""End to end through ``framecast.Runner`` against ``GoogleFake`` (virtual time, no network):
the camera in the prompt, the key-only download, and the faults of the operation API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from framecast import (
    AccountError,
    AuthenticationError,
    GenerationFailed,
    GenerationRequest,
    OutcomeUnknown,
    ProviderError,
    ProviderSettings,
    ProviderValidationError,
    RateLimited,
    Runner,
    TaskStatus,
)
from framecast.testing import VirtualClock
from framecast_google.testing import (
    FAKE_MP4,
    GoogleFake,
    bad_key,
    connection_refused,
    invalid_argument,
    malformed_json,
    malformed_operation,
    rate_limited,
    reset_after,
    server_error,
    truncated_json,
)

from .conftest import FAKE_KEY

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CREATE = ":predictLongRunning"


def make_runner(fake: GoogleFake, clock: VirtualClock, **kwargs) -> Runner:
    settings = ProviderSettings(name="google", env={"GEMINI_API_KEY": FAKE_KEY})
    return Runner(
        "google", settings=settings, transport=httpx.MockTransport(fake), clock=clock, env={},
        **kwargs,
    )  # fmt: skip


def request(**fields) -> GenerationRequest:
    fields.setdefault("prompt", "An astronaut waves")
    fields.setdefault("image", EXAMPLES / "astronaut.png")
    return GenerationRequest(**fields)


def creates(fake: GoogleFake) -> int:
    return sum(1 for method, url, _ in fake.log if method == "POST" and url.endswith(CREATE))


async def test_generate_with_a_camera_move_and_download_with_the_key_kept_home(tmp_path):
    fake = GoogleFake(api_key=FAKE_KEY, running_polls=3, redirect_downloads=True)
    clock = VirtualClock()
    async with make_runner(fake, clock) as runner:
        result = await runner.generate(request(camera="dolly_in", ratio="9:16"))
        saved = await runner.download(result, tmp_path / "clip.mp4")
    assert result.status is TaskStatus.SUCCEEDED
    body = fake.bodies[0]
    assert body["instances"][0]["prompt"].endswith("Camera: dolly in toward the subject.")
    assert body["parameters"]["aspectRatio"] == "9:16"
    assert result.estimated_cost.amount == pytest.approx(0.40 * 8)
    assert saved.read_bytes() == FAKE_MP4
    # The download went to Google's file URI with the key, then to the storage host without.
    hosts = [(m, u.split("/")[2], s) for m, u, s in fake.log if (m == "GET" and "files" in u)
             or "video-storage" in u]  # fmt: skip
    assert hosts == [
        ("GET", "generativelanguage.googleapis.com", 302),
        ("GET", "video-storage.fake.test", 200),
    ]
    assert fake.violations == []
    # Polls respect the documented 10 s interval.
    assert clock.time() >= 3 * 10


async def test_a_download_without_the_key_would_be_refused(tmp_path):
    fake = GoogleFake(api_key=FAKE_KEY, running_polls=0)
    async with make_runner(fake, VirtualClock()) as runner:
        result = await runner.generate(request())
    uri = result.outputs[0].url
    answer = fake(httpx.Request("GET", uri))  # the credential-free client's request
    assert answer.status_code == 403


async def test_429_with_retry_delay_is_waited_out(tmp_path):
    fake = GoogleFake(api_key=FAKE_KEY, running_polls=0)
    fake.inject("POST", CREATE, rate_limited(retry_delay=17))
    clock = VirtualClock()
    async with make_runner(fake, clock) as runner:
        result = await runner.generate(request())
    assert result.status is TaskStatus.SUCCEEDED
    assert creates(fake) == 2 and fake.tasks_created == 1
    assert clock.time() >= 17


async def test_429_past_the_policy_is_rate_limited_and_nothing_was_created():
    fake = GoogleFake(api_key=FAKE_KEY)
    fake.inject("POST", CREATE, *[rate_limited(retry_delay=1) for _ in range(5)])
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(RateLimited) as caught:
            await runner.generate(request())
    assert fake.tasks_created == 0
    assert "RESOURCE_EXHAUSTED" in str(caught.value) or "quota" in str(caught.value)


@pytest.mark.parametrize("status", [500, 503, 504])
async def test_5xx_after_the_server_acted_is_outcome_unknown_and_never_resubmitted(status):
    fake = GoogleFake(api_key=FAKE_KEY)
    fake.inject("POST", CREATE, server_error(status, created=True))
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(OutcomeUnknown):
            await runner.generate(request())
    assert creates(fake) == 1 and fake.tasks_created == 1


@pytest.mark.parametrize("fault", [reset_after, malformed_json, truncated_json])
async def test_a_lost_create_answer_is_outcome_unknown(fault):
    fake = GoogleFake(api_key=FAKE_KEY)
    fake.inject("POST", CREATE, fault())
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.generate(request())
    assert creates(fake) == 1 and fake.tasks_created == 1
    assert "may or may not have created the task" in str(caught.value)


async def test_a_refused_connection_is_retried():
    fake = GoogleFake(api_key=FAKE_KEY, running_polls=0)
    fake.inject("POST", CREATE, connection_refused(), connection_refused())
    async with make_runner(fake, VirtualClock()) as runner:
        result = await runner.generate(request())
    assert result.status is TaskStatus.SUCCEEDED and fake.tasks_created == 1


async def test_a_malformed_operation_read_is_retried_and_the_task_kept():
    fake = GoogleFake(api_key=FAKE_KEY, running_polls=1)
    fake.inject("GET", "/operations/", malformed_operation())
    async with make_runner(fake, VirtualClock()) as runner:
        result = await runner.generate(request())
    assert result.status is TaskStatus.SUCCEEDED and fake.tasks_created == 1


async def test_an_operation_that_ends_in_error_is_generation_failed():
    fake = GoogleFake(api_key=FAKE_KEY, running_polls=1)
    fake.plan_next(outcome="error", error_code=13, error_message="Internal error.")
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(request())
    assert caught.value.retryable is True
    assert "[INTERNAL]: Internal error" in str(caught.value)
    assert caught.value.handle is not None


async def test_a_safety_blocked_result_is_generation_failed_naming_the_reason():
    fake = GoogleFake(api_key=FAKE_KEY, running_polls=1)
    fake.plan_next(outcome="filtered", reasons=("Audio safety filter triggered.",))
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(request())
    assert caught.value.retryable is False
    assert "Audio safety filter triggered." in str(caught.value)
    assert "not charged" in str(caught.value)


async def test_a_bad_key_is_an_authentication_error_naming_the_variables():
    fake = GoogleFake(api_key=FAKE_KEY)
    fake.inject("POST", CREATE, bad_key())
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.generate(request())
    assert "GOOGLE_API_KEY or GEMINI_API_KEY" in str(caught.value)
    assert FAKE_KEY not in str(caught.value)
    assert fake.tasks_created == 0


async def test_invalid_argument_is_a_provider_validation_error():
    fake = GoogleFake(api_key=FAKE_KEY)
    fake.inject("POST", CREATE, invalid_argument("personGeneration is not allowed."))
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(ProviderValidationError, match="personGeneration is not allowed"):
            await runner.generate(request())


async def test_billing_not_enabled_is_an_account_error():
    from framecast.testing import respond

    fake = GoogleFake(api_key=FAKE_KEY)
    fake.inject("POST", CREATE, respond(400, {"error": {
        "code": 400, "status": "FAILED_PRECONDITION",
        "message": "Veo is only available to paid tier users."}}))  # fmt: skip
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(AccountError, match="paid tier"):
            await runner.generate(request())


async def test_a_tampered_handle_cannot_reach_another_path():
    from framecast import TaskHandle

    fake = GoogleFake(api_key=FAKE_KEY)
    handle = TaskHandle(provider="google", task_id="models/x/operations/../../files/y?alt=media")
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(ProviderError, match="not an operation name"):
            await runner.wait(handle)
    assert fake.requests == 0


async def test_the_key_is_read_as_the_sdk_reads_it():
    fake = GoogleFake(api_key="google-key-first-not-real")
    settings = ProviderSettings(
        name="google",
        env={"GOOGLE_API_KEY": " google-key-first-not-real ",
             "GEMINI_API_KEY": "gemini-second-key-not-real"},
    )  # fmt: skip
    async with Runner("google", settings=settings, transport=httpx.MockTransport(fake),
                      clock=VirtualClock(), env={}) as runner:  # fmt: skip
        await runner.submit(request())
    assert fake.tasks_created == 1 and fake.violations == []
