"""The submit rows of the outcome table (docs/reliability.md), with exact request counts."""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx
import pytest
from framecast import (
    AccountError,
    AuthenticationError,
    ConfigurationError,
    GenerationFailed,
    OutcomeUnknown,
    ProviderError,
    ProviderValidationError,
    RateLimited,
    RetryPolicy,
    TaskHandle,
    TaskStatus,
    ValidationError,
    exit_code_for,
    hookimpl,
)
from framecast.testing import (
    connect_error,
    corrupt_body,
    read_timeout_after,
    remote_reset_after,
    respond,
)

from .acme import AcmeProvider
from .support import acme_class, calls, creates, lookups, make_runner, scripted, text_request

pytestmark = pytest.mark.anyio

POST, CREATE = "POST", "/v1/videos"


def assert_backoff(sleeps: list[float], policy: RetryPolicy | None = None) -> None:
    """Each wait is full jitter under the exponential ceiling of its attempt."""
    policy = policy or RetryPolicy()
    for attempt, slept in enumerate(sleeps, start=1):
        assert 0.0 <= slept <= min(policy.cap, policy.base * 2 ** (attempt - 1)), sleeps


# ---------------------------------------------------------------- nothing created: retry


async def test_connection_never_established_is_retried_and_creates_one_task() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, connect_error(), connect_error())
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert creates(faults) == 3
    assert server.created == 1
    assert lookups(faults) == 0  # a refused connection is not ambiguous: no dedupe needed
    assert len(clock.sleeps) == 2
    assert_backoff(clock.sleeps)


async def test_connection_never_established_five_times_gives_up_without_a_task() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, *[connect_error() for _ in range(5)])
    async with make_runner(faults, clock) as runner:
        with pytest.raises(RateLimited) as caught:
            await runner.submit(text_request())
    assert "no task was created" in caught.value.message
    assert caught.value.exit_code == 4
    assert creates(faults) == 5
    assert server.created == 0
    assert len(clock.sleeps) == 4
    assert_backoff(clock.sleeps)


@pytest.mark.parametrize(
    "answer",
    [
        respond(429, {"message": "slow down"}),
        respond(429, {"code": 1302, "message": "rate limit"}),
        respond(429, {"code": 1303, "message": "concurrency limit"}),
    ],
    ids=["429", "1302", "1303"],
)
async def test_rate_limit_is_retried_within_policy_then_rate_limited(answer) -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, *[answer] * 5)
    async with make_runner(faults, clock) as runner:
        with pytest.raises(RateLimited) as caught:
            await runner.submit(text_request())
    error = caught.value
    assert exit_code_for(error) == 4
    assert error.handle is None
    assert "safe to try again later" in error.message
    assert creates(faults) == 5
    assert server.created == 0
    assert lookups(faults) == 0
    assert len(clock.sleeps) == 4
    assert_backoff(clock.sleeps)


async def test_rate_limit_that_clears_creates_exactly_one_task() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, respond(429, {"code": 1302, "message": "rate limit"}), respond(429))
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert creates(faults) == 3
    assert server.created == 1


@pytest.mark.parametrize(("header", "waited"), [("7", 7.0), ("120", 60.0)])
async def test_503_with_retry_after_is_retried_after_the_capped_delay(
    header: str, waited: float
) -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, respond(503, headers={"Retry-After": header}))
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert clock.sleeps == [waited]
    assert creates(faults) == 2
    assert lookups(faults) == 0  # the server refused it: nothing to look up
    assert server.created == 1


async def test_retry_after_as_an_http_date_is_honoured() -> None:
    clock, server, faults = scripted()
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    faults.on(POST, CREATE, respond(503, headers={"Retry-After": when}))
    async with make_runner(faults, clock) as runner:
        await runner.submit(text_request())
    assert len(clock.sleeps) == 1
    assert 17.0 <= clock.sleeps[0] <= 20.0
    assert server.created == 1


# ---------------------------------------------------------------- ambiguous, with dedupe


AMBIGUOUS_CREATED = {
    "500": respond(500, create=True),
    "502": respond(502, create=True),
    "504": respond(504, create=True),
    "503-no-retry-after": respond(503, create=True),
    "read-timeout-after-send": read_timeout_after(),
    "reset-after-send": remote_reset_after(),
    "malformed-2xx": corrupt_body("truncated"),
    "html-2xx": corrupt_body("garbage"),
}


@pytest.mark.parametrize("fault", AMBIGUOUS_CREATED.values(), ids=AMBIGUOUS_CREATED.keys())
async def test_ambiguous_submit_found_by_key_returns_that_task_and_creates_no_second(
    fault,
) -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, fault)
    async with make_runner(faults, clock) as runner:
        result = await runner.generate(text_request())
    assert result.status is TaskStatus.SUCCEEDED
    assert result.handle.task_id == "task-1"
    assert server.created == 1
    assert creates(faults) == 1  # no resubmit
    assert lookups(faults) == 1
    assert result.handle.idempotency_key == server.tasks["task-1"]["key"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_ambiguous_submit_not_found_twice_resubmits_with_the_same_key(status: int) -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, respond(status))  # the server never saw it
    async with make_runner(faults, clock, retry_policy=RetryPolicy(dedupe_spacing=4.0)) as runner:
        handle = await runner.submit(text_request(idempotency_key="key-123"))
    assert handle.task_id == "task-1"
    assert handle.idempotency_key == "key-123"
    assert lookups(faults) == 2  # twice, a few seconds apart
    assert clock.sleeps == [4.0]
    assert creates(faults) == 2
    assert server.created == 1
    assert [body["key"] for body in server.bodies] == ["key-123"]


async def test_a_generated_key_is_reused_by_the_resubmit() -> None:
    clock, server, faults = scripted()
    seen: list[str] = []

    def remember_key(request: httpx.Request, handler) -> httpx.Response:
        import json

        seen.append(json.loads(request.content)["key"])
        return httpx.Response(502, json={"error": "bad gateway"})

    faults.on(POST, CREATE, remember_key)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
    assert seen and seen[0] == server.bodies[0]["key"] == handle.idempotency_key


async def test_refused_resubmit_looks_the_key_up_once_more() -> None:
    clock, server, faults = scripted()
    empty = respond(200, {"code": 0, "data": []})
    # The first create did happen, but the lookup lags behind; the resubmit is refused as a
    # duplicate key (1201) by the real server, and the last lookup finds the task.
    faults.on(POST, CREATE, respond(500, create=True))
    faults.on("GET", CREATE, empty, empty)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert creates(faults) == 2
    assert lookups(faults) == 3
    assert server.created == 1


async def test_refused_resubmit_with_the_task_still_not_found_is_outcome_unknown() -> None:
    clock, server, faults = scripted()
    empty = respond(200, {"code": 0, "data": []})
    faults.on(POST, CREATE, respond(500, create=True))
    faults.on("GET", CREATE, empty, empty, empty)
    async with make_runner(faults, clock) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.submit(text_request())
    assert exit_code_for(caught.value) == 5
    assert creates(faults) == 2
    assert lookups(faults) == 3
    assert server.created == 1


# ---------------------------------------------------------------- ambiguous, no dedupe


async def test_ambiguous_submit_without_dedupe_is_outcome_unknown_with_details() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, respond(502, create=True))
    provider = acme_class(clock, supports_dedupe=False)
    async with make_runner(faults, clock, provider=provider) as runner:
        request = text_request(duration=10)
        expected_fingerprint = runner.prepare(request.evolve(idempotency_key="k")).fingerprint()
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.submit(request.evolve(idempotency_key="k"))
    error = caught.value
    assert exit_code_for(error) == 5
    assert error.details["fingerprint"] == expected_fingerprint
    assert error.details["model"] == "acme-1"
    assert error.details["estimate"]["amount"] == pytest.approx(1.0)
    assert error.details["window_start"] <= error.details["window_end"]
    assert "acme-1" in error.message and error.details["window_start"] in error.message
    assert creates(faults) == 1  # never resubmitted blindly
    assert lookups(faults) == 0
    assert server.created == 1


@pytest.mark.parametrize("fault", [read_timeout_after(), corrupt_body("empty")])
async def test_lost_answer_without_dedupe_is_outcome_unknown(fault) -> None:
    clock, _server, faults = scripted()
    faults.on(POST, CREATE, fault)
    provider = acme_class(clock, supports_dedupe=False)
    async with make_runner(faults, clock, provider=provider) as runner:
        with pytest.raises(OutcomeUnknown):
            await runner.submit(text_request())
    assert creates(faults) == 1


async def test_retry_ambiguous_submit_resubmits_without_dedupe() -> None:
    clock, _server, faults = scripted()
    faults.on(POST, CREATE, respond(502))
    provider = acme_class(clock, supports_dedupe=False)
    async with make_runner(faults, clock, provider=provider, retry_ambiguous_submit=True) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert creates(faults) == 2
    assert lookups(faults) == 0
    assert len(clock.sleeps) == 1
    assert_backoff(clock.sleeps)


async def test_retry_ambiguous_submit_stops_at_the_attempt_limit() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, *[respond(500)] * 5)
    provider = acme_class(clock, supports_dedupe=False)
    async with make_runner(faults, clock, provider=provider, retry_ambiguous_submit=True) as runner:
        with pytest.raises(OutcomeUnknown):
            await runner.submit(text_request())
    assert creates(faults) == 5
    assert server.created == 0


# ---------------------------------------------------------------- refusals: never retried


@pytest.mark.parametrize("status", [400, 422])
async def test_invalid_request_is_provider_validation_error_with_its_message(status: int) -> None:
    clock, _server, faults = scripted()
    faults.on(POST, CREATE, respond(status, {"message": "prompt contains a banned word"}))
    async with make_runner(faults, clock) as runner:
        with pytest.raises(ProviderValidationError) as caught:
            await runner.submit(text_request())
    assert "prompt contains a banned word" in caught.value.message
    assert exit_code_for(caught.value) == 2
    assert creates(faults) == 1
    assert clock.sleeps == []


async def test_content_policy_is_generation_failed_not_retryable() -> None:
    clock, _server, faults = scripted()
    faults.on(POST, CREATE, respond(400, {"code": 1301, "message": "content policy"}))
    async with make_runner(faults, clock) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.submit(text_request())
    assert caught.value.retryable is False
    assert caught.value.code == "1301"
    assert exit_code_for(caught.value) == 1
    assert creates(faults) == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_credentials_are_authentication_error_naming_the_variable(
    status: int,
) -> None:
    clock, _server, faults = scripted()
    faults.on(POST, CREATE, respond(status, {"message": "invalid key"}))
    async with make_runner(faults, clock) as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.submit(text_request())
    assert "ACME_SECRET" in caught.value.message
    assert exit_code_for(caught.value) == 3
    assert creates(faults) == 1


async def test_expired_token_is_re_signed_once_by_auth_then_succeeds() -> None:
    clock, server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        await runner.submit(text_request())
        auth = runner.provider._auth
        assert auth is not None and auth.signed == 1
        clock.advance(500)  # the token is now older than the server accepts
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-2"
    assert auth.signed == 2
    assert creates(faults) == 3  # the refused one, then the re-signed one
    assert server.created == 2
    assert clock.sleeps == []  # re-signing is not a retry


async def test_persistently_expired_token_is_authentication_error() -> None:
    clock, server, faults = scripted()
    expired = respond(401, {"code": 1004, "message": "token expired"})
    faults.on(POST, CREATE, expired, expired)
    async with make_runner(faults, clock) as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.submit(text_request())
        assert runner.provider._auth.signed == 2  # signed, then re-signed exactly once
    assert "1004" in caught.value.message
    assert creates(faults) == 2
    assert server.created == 0


async def test_account_error_is_never_retried() -> None:
    clock, _server, faults = scripted()
    faults.on(POST, CREATE, respond(429, {"code": 1100, "message": "account in arrears"}))
    async with make_runner(faults, clock) as runner:
        with pytest.raises(AccountError) as caught:
            await runner.submit(text_request())
    assert exit_code_for(caught.value) == 3
    assert "account in arrears" in caught.value.message
    assert creates(faults) == 1
    assert clock.sleeps == []


async def test_missing_credential_is_configuration_error_before_any_request() -> None:
    clock, _server, faults = scripted()
    async with make_runner(faults, clock, env={}) as runner:
        with pytest.raises(ConfigurationError) as caught:
            await runner.submit(text_request())
    assert "ACME_SECRET" in caught.value.message
    assert faults.log == []


async def test_budget_refuses_a_request_estimated_above_max_cost() -> None:
    clock, server, faults = scripted()
    async with make_runner(faults, clock, max_cost=0.6) as runner:
        await runner.submit(text_request(duration=5))  # $0.50
        with pytest.raises(ValidationError) as caught:
            await runner.submit(text_request(duration=10))  # $1.00
    assert caught.value.field == "max_cost"
    assert server.created == 1


async def test_persistent_ambiguity_with_dedupe_ends_outcome_unknown_after_the_policy() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, *[respond(500)] * 5)
    async with make_runner(faults, clock) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.submit(text_request(idempotency_key="k-5"))
    assert creates(faults) == 5
    assert lookups(faults) == 10  # two lookups after each lost answer
    assert caught.value.details["idempotency_key"] == "k-5"
    assert server.created == 0


# ---------------------------------------------------------------- before the create was sent


class UploadFirst(AcmeProvider):
    """Uploads to a presigned URL (another host) before creating the task."""

    @hookimpl
    async def submit(self, prepared, http: httpx.AsyncClient) -> TaskHandle:
        await http.put("https://uploads.acme-storage.test/put?sig=1", content=b"image")
        return await AcmeProvider.submit(self, prepared=prepared, http=http)


class BrokenBeforeSending(AcmeProvider):
    @hookimpl
    async def submit(self, prepared, http: httpx.AsyncClient) -> TaskHandle:
        raise KeyError("upload_url")


async def test_a_failed_upload_is_retried_as_nothing_was_created() -> None:
    clock, _server, faults = scripted()
    faults.on("PUT", "/put", respond(500), respond(502))

    def handler(request: httpx.Request) -> httpx.Response:
        response = faults(request)
        return (
            httpx.Response(200)
            if request.method == "PUT" and response.status_code == 200
            else response
        )

    UploadFirst.clock = clock
    async with make_runner(handler, clock, provider=UploadFirst) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert calls(faults, "PUT", "/put") == 3
    assert lookups(faults) == 0  # an upload failure is not an ambiguous create
    assert creates(faults) == 1


async def test_an_error_in_submit_before_sending_is_a_provider_error_not_retried() -> None:
    clock, _server, faults = scripted()
    async with make_runner(faults, clock, provider=BrokenBeforeSending) as runner:
        with pytest.raises(ProviderError) as caught:
            await runner.submit(text_request())
    assert "before sending" in caught.value.message
    assert faults.log == []


async def test_cancel_during_a_rate_limit_backoff_returns_at_once_without_a_task() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, respond(429, headers={"Retry-After": "50"}))
    async with make_runner(faults, clock) as runner:
        job = asyncio.create_task(runner.submit(text_request()))
        while not clock.sleeps:
            await asyncio.sleep(0)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
    assert list(runner.submitted) == []  # refused: no task exists
    assert clock.monotonic() < 50  # it did not sit out the backoff
    assert creates(faults) == 1
    assert server.created == 0


async def test_retry_after_is_kept_when_classify_reads_a_business_code() -> None:
    clock, server, faults = scripted()
    limited = respond(429, {"code": 1302, "message": "rate limit"}, headers={"Retry-After": "9"})
    faults.on(POST, CREATE, limited)
    async with make_runner(faults, clock) as runner:
        await runner.submit(text_request())
    assert clock.sleeps == [9.0]
    assert server.created == 1


async def test_a_pool_timeout_never_sent_the_request_so_it_is_retried_without_lookup() -> None:
    clock, server, faults = scripted()

    def pool_timeout(request: httpx.Request, handler) -> httpx.Response:
        raise httpx.PoolTimeout("no connection free in the pool", request=request)

    faults.on(POST, CREATE, pool_timeout)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert lookups(faults) == 0
    assert creates(faults) == 2
    assert server.created == 1


class CreateThenRead(AcmeProvider):
    """Creates the task, then reads it back in the same submit (APIs that answer an id only)."""

    @hookimpl
    async def submit(self, prepared, http: httpx.AsyncClient) -> TaskHandle:
        handle = await AcmeProvider.submit(self, prepared=prepared, http=http)
        await http.get(f"/v1/videos/{handle.task_id}")
        return handle


async def test_a_connection_failure_after_the_create_was_sent_is_ambiguous() -> None:
    clock, server, faults = scripted()
    faults.on("GET", "/v1/videos/task-1", connect_error())
    CreateThenRead.clock = clock
    async with make_runner(faults, clock, provider=CreateThenRead) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"  # found by its key, not created twice
    assert server.created == 1
    assert lookups(faults) == 1


@pytest.mark.parametrize("status", [500, 503, 404, 400])
async def test_an_error_answer_after_the_create_was_sent_is_ambiguous(status: int) -> None:
    clock, server, faults = scripted()
    faults.on("GET", "/v1/videos/task-1", respond(status, {"message": "read-back failed"}))
    CreateThenRead.clock = clock
    async with make_runner(faults, clock, provider=CreateThenRead) as runner:
        handle = await runner.submit(text_request())
    assert handle.task_id == "task-1"
    assert server.created == 1
    assert creates(faults) == 1


class UnreadableLookup(AcmeProvider):
    @hookimpl
    async def find_submitted(self, prepared, idempotency_key: str, http: httpx.AsyncClient):
        await http.get("/v1/videos", params={"key": idempotency_key})
        raise ProviderError("acme: the task list could not be read")


async def test_a_lookup_that_cannot_be_read_ends_outcome_unknown_not_a_bare_error() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, respond(500, create=True))
    UnreadableLookup.clock = clock
    async with make_runner(faults, clock, provider=UnreadableLookup) as runner:
        with pytest.raises(OutcomeUnknown) as caught:
            await runner.submit(text_request())
    assert caught.value.details["model"] == "acme-1"  # what to look for on the dashboard
    assert server.created == 1
    assert creates(faults) == 2  # the resubmit with the same key was refused as a duplicate


async def test_rate_limits_after_an_ambiguous_answer_end_outcome_unknown_not_rate_limited() -> None:
    clock, server, faults = scripted()
    faults.on(POST, CREATE, respond(500), *[respond(429)] * 4)
    async with make_runner(faults, clock) as runner:
        with pytest.raises(OutcomeUnknown):  # RateLimited would claim that no task exists
            await runner.submit(text_request())
    assert creates(faults) == 5
    assert lookups(faults) == 2
    assert server.created == 0
