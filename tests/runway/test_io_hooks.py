"""submit / poll / cancel / classify against the protocol fake (never inside a cassette)."""

from __future__ import annotations

import json

import httpx
import pytest
from framecast import (
    Outcome,
    ProviderError,
    TaskHandle,
    TaskStatus,
)
from framecast_runway.testing import RunwayFake, unknown_status

from .conftest import FAKE_KEY, client, png_image, prepare, url_image

pytestmark = pytest.mark.anyio


async def test_submit_sends_key_and_version_and_returns_the_task(provider, info):
    fake = RunwayFake()
    seen: list[httpx.Request] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return fake(request)

    prepared = prepare(provider, info, prompt="A cat", image=url_image(), camera="zoom_in")
    async with client(provider, spy) as http:
        handle = await provider.submit(prepared=prepared, http=http)
    assert handle.provider == "runway" and handle.task_id in fake.tasks
    assert handle.provider_data["estimated_credits"] == 25
    assert seen[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert seen[0].headers["x-runway-version"] == "2024-11-06"
    assert json.loads(seen[0].content) == dict(prepared.body)
    assert fake.tasks_created == 1 and fake.violations == []


async def test_large_image_is_uploaded_without_credentials_and_sent_as_runway_uri(provider, info):
    fake = RunwayFake()
    big = png_image(4 * 1024 * 1024)
    prepared = prepare(provider, info, prompt="A cat", image=big)
    async with client(provider, fake) as http:
        await provider.submit(prepared=prepared, http=http)
    # The client applied auth to every request; the plugin's own origin check kept the key
    # and the version header off the presigned storage host.
    assert fake.violations == []
    (uri,) = fake.uploads
    assert uri.startswith("runway://") and fake.uploads[uri] == big.data
    assert fake.bodies[0]["promptImage"] == uri
    hosts = [url for _, url, _ in fake.log]
    assert hosts[:3] == [
        "https://api.dev.runwayml.com/v1/uploads",
        fake.upload_url,
        "https://api.dev.runwayml.com/v1/image_to_video",
    ]


async def test_an_upload_host_that_saw_credentials_would_be_reported():
    # The fake's own check, so the assertion above cannot pass vacuously.
    fake = RunwayFake()
    request = httpx.Request(
        "POST", fake.upload_url, headers={"authorization": "Bearer key_leak_not_real"}
    )
    fake(request)
    assert fake.violations and "presigned upload URL" in fake.violations[0]


async def test_poll_walks_pending_running_succeeded(provider, info):
    fake = RunwayFake(pending_polls=1, running_polls=2)
    prepared = prepare(provider, info, prompt="x", image=url_image())
    async with client(provider, fake) as http:
        handle = await provider.submit(prepared=prepared, http=http)
        states = [await provider.poll(handle=handle, http=http) for _ in range(5)]
    assert [s.status for s in states] == [
        TaskStatus.QUEUED,
        TaskStatus.RUNNING,
        TaskStatus.RUNNING,
        TaskStatus.SUCCEEDED,
        TaskStatus.SUCCEEDED,
    ]
    assert 0 < states[1].progress < states[2].progress < 1
    done = states[3]
    assert done.outputs and done.outputs[0].startswith(fake.output_host)
    assert (done.cost_units, done.cost) == (25, 0.25)


async def test_throttled_tasks_read_as_throttled(provider, info):
    fake = RunwayFake(throttled_polls=2)
    async with client(provider, fake) as http:
        handle = await provider.submit(
            prepared=prepare(provider, info, prompt="x", image=url_image()), http=http
        )
        states = [await provider.poll(handle=handle, http=http) for _ in range(3)]
    assert [s.status for s in states] == [
        TaskStatus.THROTTLED,
        TaskStatus.THROTTLED,
        TaskStatus.QUEUED,
    ]
    assert "concurrency" in states[0].message


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("SAFETY.INPUT.IMAGE", False),
        ("SAFETY.OUTPUT.VIDEO", False),
        ("INPUT_PREPROCESSING.SAFETY.TEXT", False),
        ("INTERNAL.BAD_OUTPUT.CODE01", True),
        ("INTERNAL", True),
        ("THIRD_PARTY.UNAVAILABLE", True),
        ("ASSET.INVALID", False),
        (None, True),
        ("SOMETHING.NEW", None),
    ],
)
async def test_failed_tasks_carry_code_message_and_retryable(provider, info, code, retryable):
    fake = RunwayFake(pending_polls=0, running_polls=0)
    fake.plan_next(outcome="FAILED", failure_code=code, failure="It failed.")
    async with client(provider, fake) as http:
        handle = await provider.submit(
            prepared=prepare(provider, info, prompt="x", image=url_image()), http=http
        )
        state = await provider.poll(handle=handle, http=http)
    assert state.status is TaskStatus.FAILED
    assert (state.failure_code, state.failure_message, state.retryable) == (
        code,
        "It failed.",
        retryable,
    )
    assert state.cost_units == 0


async def test_unknown_status_word_is_a_provider_error_naming_it(provider, info):
    fake = RunwayFake()
    fake.inject("GET", "/v1/tasks/", unknown_status("MELTED"))
    async with client(provider, fake) as http:
        handle = await provider.submit(
            prepared=prepare(provider, info, prompt="x", image=url_image()), http=http
        )
        with pytest.raises(ProviderError, match="MELTED") as caught:
            await provider.poll(handle=handle, http=http)
    assert caught.value.handle == handle


async def test_poll_uses_the_handles_base_url(provider):
    fake = RunwayFake(base_url="http://127.0.0.1:8765")
    async with client(provider, fake, base_url="https://api.dev.runwayml.com") as http:
        handle = TaskHandle(provider="runway", task_id="nope", base_url="http://127.0.0.1:8765")
        with pytest.raises(httpx.HTTPStatusError):
            await provider.poll(handle=handle, http=http)
    assert fake.log[0][1] == "http://127.0.0.1:8765/v1/tasks/nope"


async def test_cancel_deletes_and_a_later_404_is_fine(provider, info):
    fake = RunwayFake(running_polls=5)
    async with client(provider, fake) as http:
        handle = await provider.submit(
            prepared=prepare(provider, info, prompt="x", image=url_image()), http=http
        )
        await provider.poll(handle=handle, http=http)
        assert await provider.cancel(handle=handle, http=http, delete=False) is None
        assert (
            await provider.cancel(handle=handle, http=http, delete=False) is None
        )  # 404: safe to ignore
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await provider.poll(handle=handle, http=http)
    assert caught.value.response.status_code == 404  # the live API's answer after DELETE
    assert fake.deleted == [handle.task_id] and fake.deleted_finished == []


# ----------------------------------------------------------------------------- classify


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_out_of_credits_is_an_account_error(provider):
    c = provider.classify(
        response=_response(400, {"error": "You do not have enough credits to run this task.",
                                  "docUrl": "https://docs.dev.runwayml.com/api"}),
        phase="submit",
    )  # fmt: skip
    assert c.outcome is Outcome.ACCOUNT and "credits" in c.message


def test_validation_issues_are_joined_readably(provider):
    body = {
        "error": "Validation of body failed",
        "issues": [
            {"code": "custom", "message": 'Failed to fetch asset. Received HTTP response code "404".',
             "path": ["promptImage"]},
            {"code": "too_big", "maximum": 10, "message": "Number must be at most 10",
             "path": ["duration"]},
        ],
        "docUrl": "https://docs.dev.runwayml.com/api",
    }  # fmt: skip
    c = provider.classify(response=_response(400, body), phase="submit")
    assert c.outcome is Outcome.INVALID
    assert "promptImage: Failed to fetch asset" in c.message
    assert "duration: Number must be at most 10" in c.message


def test_auth_and_rate_limits(provider):
    c = provider.classify(
        response=_response(401, {"error": "No API key was provided."}), phase="poll"
    )
    assert c.outcome is Outcome.AUTHENTICATION and "RUNWAYML_API_SECRET" in c.message
    c = provider.classify(
        response=_response(429, {"error": "Your daily task limit has been reached."},
                           {"retry-after": "7"}),
        phase="submit",
    )  # fmt: skip
    assert c.outcome is Outcome.RATE_LIMITED and c.retry_after == 7.0
    assert provider.classify(response=_response(503, {"error": "x"}), phase="submit") is None
    assert provider.classify(response=_response(404, {"error": "x"}), phase="poll") is None
