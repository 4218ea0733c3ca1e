"""The I/O hooks against LumaFake through a real runner, in virtual time: end to end on
both APIs, the Files API upload, Dream Machine callbacks and delete, failures, faults."""

from __future__ import annotations

import httpx
import pytest
from framecast import (
    AccountError,
    AuthenticationError,
    GenerationFailed,
    GenerationRequest,
    NotSupported,
    OutcomeUnknown,
    ProviderError,
    TaskStatus,
)
from framecast.testing import VirtualClock
from framecast.testing.contract import sample_png
from framecast_luma._models import INLINE_IMAGE_LIMIT
from framecast_luma.testing import (
    LumaFake,
    failed_generation,
    malformed_json,
    out_of_credits,
    rate_limited,
    reset_after,
    server_error,
    unauthorized,
    unknown_status,
)

from .conftest import ENV, runner_for

pytestmark = pytest.mark.anyio

DM_CREATE = "/dream-machine/v1/generations/video"
AG_CREATE = "agents.lumalabs.ai/v1/generations"


async def test_ray_3_2_end_to_end_with_a_local_image(tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(sample_png(640, 360))
    fake = LumaFake()
    async with runner_for(fake) as runner:
        result = await runner.generate(GenerationRequest(prompt="A lighthouse", image=photo))
    assert result.status is TaskStatus.SUCCEEDED
    assert result.url.startswith("https://storage.luma-outputs.fake.test/")
    assert result.outputs[0].expires_at is not None  # about an hour: download promptly
    assert any("expires about an hour" in n for n in result.notes)
    create = fake.requests[0]
    assert create.url == "https://agents.lumalabs.ai/v1/generations"
    assert create.headers["authorization"] == f"Bearer {ENV['LUMA_AGENTS_API_KEY']}"
    assert fake.tasks_created == 1 and fake.violations == []


async def test_ray_2_end_to_end_with_an_https_image_and_a_callback():
    fake = LumaFake()
    request = GenerationRequest(
        prompt="A car", model="ray-2", image="https://example.com/car.jpg", camera="zoom_in",
        options={"callback_url": "https://hooks.example.com/luma"},
    )  # fmt: skip
    async with runner_for(fake) as runner:
        result = await runner.generate(request)
    assert result.status is TaskStatus.SUCCEEDED
    create = fake.requests[0]
    assert str(create.url) == "https://api.lumalabs.ai/dream-machine/v1/generations/video"
    assert create.headers["authorization"] == f"Bearer {ENV['LUMAAI_API_KEY']}"
    states = [body["state"] for body in fake.callbacks_for(result.handle.task_id)]
    assert states == ["queued", "dreaming", "completed"]
    assert {url for url, _ in fake.callbacks} == {"https://hooks.example.com/luma"}
    assert fake.violations == []


async def test_a_large_image_is_uploaded_through_the_files_api_once(tmp_path):
    big = sample_png(64, 64) + b"\x00" * (INLINE_IMAGE_LIMIT + 1)  # a PNG with trailing bytes
    fake = LumaFake()
    fake.inject("POST", AG_CREATE, rate_limited(retry_after=3))
    async with runner_for(fake) as runner:
        result = await runner.generate(GenerationRequest(prompt="x", image=big))
    assert result.status is TaskStatus.SUCCEEDED
    (file_id,) = fake.files
    assert fake.files[file_id]["bytes"] == big
    assert fake.bodies[0]["video"]["start_frame"] == {"file_id": file_id}
    put = next(r for r in fake.requests if r.method == "PUT")
    assert "authorization" not in put.headers  # the presigned URL never sees the key
    assert sum(1 for r in fake.requests if r.url.path == "/v1/files") == 1  # reused on retry
    assert fake.violations == []


async def test_a_rate_limited_create_waits_retry_after_and_creates_once():
    fake = LumaFake()
    fake.inject("POST", DM_CREATE, rate_limited(retry_after=7))
    clock = VirtualClock()
    async with runner_for(fake, clock=clock) as runner:
        result = await runner.generate(GenerationRequest(prompt="x", model="ray-2"))
    assert result.status is TaskStatus.SUCCEEDED
    assert fake.tasks_created == 1
    assert clock.time() >= 7


@pytest.mark.parametrize("fault", [reset_after, lambda: server_error(502, created=True)])
async def test_a_lost_create_answer_is_outcome_unknown_never_a_second_task(fault):
    fake = LumaFake()
    fake.inject("POST", AG_CREATE, fault())
    async with runner_for(fake) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert fake.tasks_created == 1  # neither API dedupes: never resubmitted
    assert "ray-3.2" in caught.value.message


async def test_a_malformed_create_answer_is_ambiguous_too():
    fake = LumaFake()
    fake.inject("POST", DM_CREATE, malformed_json())
    async with runner_for(fake) as runner:
        with pytest.raises(OutcomeUnknown):
            await runner.generate(GenerationRequest(prompt="x", model="ray-flash-2"))
    assert fake.tasks_created == 1


async def test_a_failed_generation_carries_the_code_and_whether_to_retry():
    fake = LumaFake()
    fake.plan_next(outcome="failed", failure_code="content_moderated", failure_reason="nope")
    async with runner_for(fake) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert caught.value.code == "content_moderated"
    assert caught.value.retryable is False
    assert "nope" in caught.value.message
    fake.inject("GET", "/v1/generations/", failed_generation("rate_limited"))
    async with runner_for(fake) as runner:
        with pytest.raises(GenerationFailed) as again:
            await runner.generate(GenerationRequest(prompt="x"))
    assert again.value.retryable is True


async def test_a_failed_dream_machine_generation_says_why():
    fake = LumaFake()
    fake.plan_next(outcome="failed", failure_reason="Prompt not allowed")
    async with runner_for(fake) as runner:
        with pytest.raises(GenerationFailed, match="Prompt not allowed"):
            await runner.generate(GenerationRequest(prompt="x", model="ray-2"))


async def test_an_unknown_state_ends_the_wait_with_the_handle():
    fake = LumaFake()
    fake.inject("GET", "/generations/", unknown_status("exploded"))
    async with runner_for(fake) as runner:
        with pytest.raises(ProviderError) as caught:
            await runner.generate(GenerationRequest(prompt="x"))
    assert "exploded" in caught.value.message
    assert caught.value.handle is not None


async def test_a_revoked_key_names_the_variable_of_that_api():
    fake = LumaFake()
    fake.inject("POST", DM_CREATE, unauthorized())
    async with runner_for(fake) as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.generate(GenerationRequest(prompt="x", model="ray-2"))
    assert "LUMAAI_API_KEY" in caught.value.message
    assert "LUMA_AGENTS_API_KEY" not in caught.value.message
    assert fake.tasks_created == 0


async def test_out_of_credits_is_an_account_error_never_retried():
    fake = LumaFake()
    fake.inject("POST", AG_CREATE, out_of_credits())
    async with runner_for(fake) as runner:
        with pytest.raises(AccountError):
            await runner.generate(GenerationRequest(prompt="x"))
    assert sum(1 for r in fake.requests if r.method == "POST") == 1


async def test_a_refused_body_is_a_provider_validation_error_with_luma_s_words():
    fake = LumaFake()
    from framecast import ProviderValidationError

    fake.inject(
        "POST", DM_CREATE,
        lambda request, handler: httpx.Response(
            422, json={"detail": [{"loc": ["body", "duration"], "msg": "bad duration"}]}
        ),
    )  # fmt: skip
    async with runner_for(fake) as runner:
        with pytest.raises(ProviderValidationError, match="duration: bad duration"):
            await runner.generate(GenerationRequest(prompt="x", model="ray-2"))


async def test_dream_machine_deletes_on_request_and_agents_cannot_cancel():
    fake = LumaFake(queued_polls=5)
    async with runner_for(fake) as runner:
        dm = await runner.submit(GenerationRequest(prompt="x", model="ray-2"))
        with pytest.raises(NotSupported, match="no cancel"):
            await runner.cancel(dm)
        await runner.cancel(dm, delete=True)
        assert fake.deleted == [dm.task_id]
        ag = await runner.submit(GenerationRequest(prompt="x"))
        with pytest.raises(NotSupported, match="Agents API"):
            await runner.cancel(ag, delete=True)
    assert not any(r.method == "DELETE" and "agents" in str(r.url) for r in fake.requests)


async def test_a_dream_machine_task_resumes_from_its_serialized_handle():
    fake = LumaFake()
    async with runner_for(fake) as first:
        handle = await first.submit(GenerationRequest(prompt="x", model="ray-2"))
    async with runner_for(fake) as second:
        result = await second.wait(handle.to_json())
    assert result.status is TaskStatus.SUCCEEDED
    assert all("dream-machine" in str(r.url) for r in fake.requests if r.method == "GET")


@pytest.mark.parametrize(
    ("model", "env"),
    [("ray-2", None), ("ray-3.2", None), ("ray-2", {"LUMAAI_API_KEY": ENV["LUMAAI_API_KEY"]})],
)
async def test_a_bare_handle_of_provider_and_task_id_resumes_on_either_api(model, env):
    from framecast import TaskHandle

    fake = LumaFake()
    async with runner_for(fake) as first:
        handle = await first.submit(GenerationRequest(prompt="x", model=model))
    bare = TaskHandle(provider="luma", task_id=handle.task_id)
    async with runner_for(fake, env=env) as second:
        result = await second.wait(bare)
        with pytest.raises(NotSupported, match="names the model"):
            await second.cancel(bare, delete=True)
    assert result.status is TaskStatus.SUCCEEDED
    assert fake.tasks_created == 1
