"""End to end through ``framecast.Runner`` against ``RunwayFake`` (virtual time, no network).

These are the Runway rows of the outcome table (docs/reliability.md): what is retried, what is never resubmitted, and
what the user is told when the outcome of a submit is unknown.
"""

from __future__ import annotations

import random
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
    ValidationError,
)
from framecast.testing import VirtualClock, respond
from framecast_runway.testing import (
    RunwayFake,
    connection_refused,
    malformed_json,
    rate_limited,
    read_timeout_after,
    reset_after,
    server_error,
    truncated_json,
    unavailable,
    unknown_status,
)

from .conftest import FAKE_KEY

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CREATE = "/v1/image_to_video"


def make_runner(fake: RunwayFake, clock: VirtualClock, key: str = FAKE_KEY, **kwargs) -> Runner:
    settings = ProviderSettings(name="runway", env={"RUNWAYML_API_SECRET": key})
    return Runner(
        "runway",
        settings=settings,
        transport=httpx.MockTransport(fake),
        clock=clock,
        env={},
        **kwargs,
    )


def request(**fields) -> GenerationRequest:
    fields.setdefault("prompt", "An astronaut waves")
    fields.setdefault("image", EXAMPLES / "astronaut.png")
    return GenerationRequest(**fields)


def creates(fake: RunwayFake) -> int:
    """Create requests that reached the fake (answered or not)."""
    return sum(1 for method, url, _ in fake.log if method == "POST" and url.endswith(CREATE))


async def test_generate_end_to_end_with_camera_and_download(tmp_path):
    fake = RunwayFake(pending_polls=1, running_polls=2)
    clock = VirtualClock()
    async with make_runner(fake, clock) as runner:
        result = await runner.generate(request(camera="zoom_in", ratio="9:16"))
        saved = await runner.download(result, tmp_path / "out.mp4")
    assert result.status is TaskStatus.SUCCEEDED and result.polls == 4
    assert result.estimated_cost.amount == pytest.approx(0.25)
    assert result.actual_cost == pytest.approx(0.25)
    body = fake.bodies[0]
    assert body["model"] == "gen4_turbo" and body["ratio"] == "720:1280"
    assert body["promptText"] == "An astronaut waves. Camera: slowly zoom in on the subject."
    assert body["promptImage"].startswith("data:image/png;base64,")
    assert saved.read_bytes()[4:8] == b"ftyp"
    assert fake.tasks_created == 1 and fake.violations == []
    assert all(s >= 5.0 for s in clock.sleeps)  # the poll floor against the official host


async def test_throttled_runs_are_polled_slower_and_finish():
    fake = RunwayFake(throttled_polls=5, pending_polls=1, running_polls=1)
    clock = VirtualClock()
    async with make_runner(fake, clock) as runner:
        result = await runner.generate(request(), timeout=3600)
    assert result.status is TaskStatus.SUCCEEDED
    assert max(clock.sleeps) > 5.0  # backed off while THROTTLED
    assert fake.tasks_created == 1


@pytest.mark.parametrize(
    ("code", "retryable"), [("SAFETY.INPUT.IMAGE", False), ("THIRD_PARTY.UNAVAILABLE", True)]
)
async def test_failed_task_is_reported_never_resubmitted(code, retryable):
    fake = RunwayFake()
    fake.plan_next(outcome="FAILED", failure_code=code, failure="It failed.")
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(request())
    assert caught.value.retryable is retryable and caught.value.code == code
    assert caught.value.handle is not None
    assert fake.tasks_created == 1


async def test_429_is_retried_honouring_retry_after():
    fake = RunwayFake()
    fake.inject("POST", CREATE, rate_limited(retry_after=7), rate_limited())
    clock = VirtualClock()
    async with make_runner(fake, clock) as runner:
        handle = await runner.submit(request())
    assert handle.task_id in fake.tasks and fake.tasks_created == 1
    assert clock.sleeps[0] == 7.0


async def test_429_past_the_policy_is_rate_limited_with_no_task():
    fake = RunwayFake()
    fake.inject("POST", CREATE, *[rate_limited(daily=True) for _ in range(5)])
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(RateLimited) as caught:
            await runner.submit(request())
    assert caught.value.exit_code == 4 and fake.tasks_created == 0


async def test_503_with_retry_after_is_retried():
    fake = RunwayFake()
    fake.inject("POST", CREATE, unavailable(retry_after=3))
    async with make_runner(fake, VirtualClock()) as runner:
        await runner.submit(request())
    assert fake.tasks_created == 1 and creates(fake) == 2


async def test_connection_refused_is_retried():
    fake = RunwayFake()
    fake.inject("POST", CREATE, connection_refused(), connection_refused())
    async with make_runner(fake, VirtualClock()) as runner:
        await runner.submit(request())
    assert fake.tasks_created == 1


@pytest.mark.parametrize(
    ("fault", "created"),
    [
        (server_error(500, created=True), 1),
        (server_error(502, created=False), 0),
        (server_error(504, created=True), 1),
        (unavailable(created=True), 1),  # 503 without Retry-After
        (read_timeout_after(), 1),
        (reset_after(), 1),
        (malformed_json(), 1),
        (truncated_json(), 1),
    ],
)
async def test_ambiguous_submits_are_outcome_unknown_and_never_resubmitted(fault, created):
    fake = RunwayFake()
    fake.inject("POST", CREATE, fault)
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.submit(request())
    assert fake.tasks_created == created
    assert creates(fake) == 1  # no automatic resubmit on Runway (no dedupe)
    details = caught.value.details
    assert details["model"] == "gen4_turbo"
    assert len(details["fingerprint"]) == 64
    assert details["window_start"] <= details["window_end"]
    assert details["estimate"]["amount"] == pytest.approx(0.25)
    assert caught.value.exit_code == 5


async def test_retry_ambiguous_submit_resubmits_and_may_pay_twice():
    fake = RunwayFake()
    fake.inject("POST", CREATE, read_timeout_after())
    async with make_runner(fake, VirtualClock(), retry_ambiguous_submit=True) as runner:
        await runner.submit(request())
    assert fake.tasks_created == 2


async def test_out_of_credits_is_an_account_error_not_retried():
    fake = RunwayFake(credit_balance=10)
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(AccountError, match="enough credits"):
            await runner.submit(request())
    assert creates(fake) == 1 and fake.tasks_created == 0


async def test_wrong_key_is_an_authentication_error():
    fake = RunwayFake()
    async with make_runner(fake, VirtualClock(), key="key_wrong_not_real") as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.submit(request())
    assert "key_wrong_not_real" not in str(caught.value) and "RUNWAYML_API_SECRET" in str(
        caught.value
    )


async def test_runway_validation_issues_reach_the_user():
    fake = RunwayFake()
    issues = {
        "error": "Validation of body failed",
        "issues": [
            {"code": "custom", "message": "Failed to fetch asset.", "path": ["promptImage"]}
        ],
    }
    fake.inject("POST", CREATE, respond(400, issues))
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(ProviderValidationError, match="promptImage: Failed to fetch asset"):
            await runner.submit(request())


async def test_unknown_status_word_stops_with_a_provider_error():
    fake = RunwayFake()
    fake.inject("GET", "/v1/tasks/", unknown_status("EXPLODED"))
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(ProviderError, match="EXPLODED") as caught:
            await runner.generate(request())
    assert caught.value.handle is not None and caught.value.exit_code == 7


async def test_transient_poll_errors_never_lose_the_task():
    fake = RunwayFake()
    fake.inject(
        "GET", "/v1/tasks/", server_error(502), unavailable(), malformed_json(created=False)
    )
    async with make_runner(fake, VirtualClock()) as runner:
        result = await runner.generate(request())
    assert result.status is TaskStatus.SUCCEEDED and fake.tasks_created == 1


async def test_cancel_an_unfinished_task_then_404_reads_cancelled():
    fake = RunwayFake(running_polls=10)
    async with make_runner(fake, VirtualClock()) as runner:
        handle = await runner.submit(request())
        state = await runner.cancel(handle)
    assert state.status is TaskStatus.CANCELLED
    assert fake.deleted == [handle.task_id] and fake.deleted_finished == []


async def test_a_finished_task_is_deleted_only_when_asked():
    fake = RunwayFake(pending_polls=0, running_polls=0)
    async with make_runner(fake, VirtualClock()) as runner:
        result = await runner.generate(request())
        with pytest.raises(ValidationError, match="delete"):
            await runner.cancel(result.handle)
        assert fake.deleted == []
        await runner.cancel(result.handle, delete=True)
    assert fake.deleted_finished == [result.handle.task_id]


async def test_a_large_local_image_goes_through_the_upload_endpoint(tmp_path):
    from PIL import Image

    noise = random.Random(7).randbytes(1400 * 1100 * 3)  # PNG cannot shrink noise
    path = tmp_path / "noise.png"
    Image.frombytes("RGB", (1400, 1100), noise).save(path)
    assert path.stat().st_size > 4 * 1024 * 1024
    fake = RunwayFake(pending_polls=0, running_polls=0)
    async with make_runner(fake, VirtualClock()) as runner:
        result = await runner.generate(request(image=path))
    assert result.status is TaskStatus.SUCCEEDED
    (uri,) = fake.uploads
    assert fake.uploads[uri] == path.read_bytes()
    assert fake.bodies[0]["promptImage"] == uri
    assert fake.violations == []  # no key or version header on the storage host


async def test_a_failed_upload_is_retried_before_any_task_exists(tmp_path):
    from PIL import Image

    path = tmp_path / "noise.png"
    Image.frombytes("RGB", (1400, 1100), random.Random(8).randbytes(1400 * 1100 * 3)).save(path)
    fake = RunwayFake()
    fake.inject("POST", "runway-uploads.fake.test", server_error(500))
    async with make_runner(fake, VirtualClock()) as runner:
        await runner.submit(request(image=path))
    assert fake.tasks_created == 1 and creates(fake) == 1 and len(fake.uploads) == 1


async def test_a_retried_submit_does_not_upload_the_image_again(tmp_path):
    from PIL import Image

    path = tmp_path / "noise.png"
    Image.frombytes("RGB", (1400, 1100), random.Random(9).randbytes(1400 * 1100 * 3)).save(path)
    fake = RunwayFake()
    fake.inject("POST", CREATE, rate_limited(), unavailable(retry_after=1))
    async with make_runner(fake, VirtualClock()) as runner:
        await runner.submit(request(image=path))
    assert fake.tasks_created == 1 and creates(fake) == 3
    assert len(fake.uploads) == 1
    assert sum(1 for _, url, _ in fake.log if url.endswith("/v1/uploads")) == 1


async def test_dry_run_prepares_without_any_request():
    fake = RunwayFake()
    async with make_runner(fake, VirtualClock()) as runner:
        prepared = runner.prepare(request(ratio="21:9", duration=10))
        estimate = runner.estimate(request(ratio="21:9", duration=10))
    assert prepared.body["ratio"] == "1584:672" and prepared.body["duration"] == 10
    assert estimate.amount == pytest.approx(0.50)
    assert fake.requests == 0


async def test_withdrawn_model_is_refused_before_the_network():
    fake = RunwayFake()
    async with make_runner(fake, VirtualClock()) as runner:
        with pytest.raises(ValidationError, match="gen4_turbo"):
            await runner.submit(request(model="gen3a_turbo"))
    assert fake.requests == 0


async def test_debug_logs_never_show_the_key(caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    fake = RunwayFake()
    fake.inject("POST", CREATE, rate_limited())
    async with make_runner(fake, VirtualClock()) as runner:
        await runner.generate(request())
    assert caplog.records and FAKE_KEY not in caplog.text


async def test_presigned_url_on_runways_own_origin_still_gets_no_credentials(tmp_path):
    # The core applies auth by origin; an upload URL on the API's origin would get the key
    # if the plugin did not send that request without auth.
    from PIL import Image

    path = tmp_path / "noise.png"
    Image.frombytes("RGB", (1400, 1100), random.Random(10).randbytes(1400 * 1100 * 3)).save(path)
    fake = RunwayFake(upload_url="https://api.dev.runwayml.com/storage/upload")
    async with make_runner(fake, VirtualClock()) as runner:
        await runner.submit(request(image=path))
    assert len(fake.uploads) == 1 and fake.tasks_created == 1
    assert fake.violations == []
