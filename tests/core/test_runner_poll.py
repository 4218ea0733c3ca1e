"""The poll and wait rows of the outcome table, the poll floor and THROTTLED backoff."""

from __future__ import annotations

import httpx
import pytest
from framecast import (
    AccountError,
    AuthenticationError,
    GenerationFailed,
    ProviderError,
    RateLimited,
    RetryPolicy,
    TaskNotFound,
    TaskStatus,
    TaskTimeout,
    exit_code_for,
)
from framecast.testing import (
    connect_error,
    corrupt_body,
    read_timeout_after,
    remote_reset_after,
    respond,
)

from .support import ENV, acme_class, creates, make_runner, scripted, text_request

pytestmark = pytest.mark.anyio

TASK = "/v1/videos/task-1"


def polls(faults) -> int:
    return sum(1 for m, p, _ in faults.log if m == "GET" and p == TASK)


NEVER_SEEN = {
    "connect": connect_error(),
    "429": respond(429, {"message": "slow down"}),
    "1302": respond(429, {"code": 1302, "message": "rate limit"}),
    "500": respond(500),
    "502": respond(502),
    "503": respond(503),
    "504": respond(504),
}
ANSWER_LOST = {
    "read-timeout": read_timeout_after(),
    "reset": remote_reset_after(),
    "malformed": corrupt_body("truncated"),
    "html": corrupt_body("garbage"),
}


@pytest.mark.parametrize("fault", NEVER_SEEN.values(), ids=NEVER_SEEN.keys())
async def test_transient_poll_errors_are_retried_and_the_task_is_not_lost(fault) -> None:
    clock, server, faults = scripted(polls_to_finish=2)
    faults.on("GET", TASK, fault, fault)
    async with make_runner(faults, clock) as runner:
        result = await runner.generate(text_request())
    assert result.status is TaskStatus.SUCCEEDED
    assert result.handle.task_id == "task-1"
    assert server.created == 1
    assert creates(faults) == 1
    assert polls(faults) == 4  # two failures, then the two the task needs
    assert result.polls == 2
    assert clock.sleeps == [5.0, 5.0, 5.0]  # retries never poll faster than the floor


@pytest.mark.parametrize("fault", ANSWER_LOST.values(), ids=ANSWER_LOST.keys())
async def test_lost_or_unreadable_poll_answers_are_retried(fault) -> None:
    clock, server, faults = scripted(polls_to_finish=2)
    faults.on("GET", TASK, fault, fault)  # the server moved on; its answers were lost
    async with make_runner(faults, clock) as runner:
        result = await runner.generate(text_request())
    assert result.status is TaskStatus.SUCCEEDED
    assert result.handle.task_id == "task-1"
    assert server.created == 1
    assert polls(faults) == 3
    assert result.polls == 1


async def test_transient_poll_errors_outlasting_the_timeout_raise_task_timeout() -> None:
    clock, server, faults = scripted()
    faults.on("GET", TASK, *[respond(503)] * 100)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        with pytest.raises(TaskTimeout) as caught:
            await runner.wait(handle, timeout=60)
    assert caught.value.handle == handle
    assert clock.monotonic() == pytest.approx(60.0)
    assert server.created == 1


async def test_single_poll_gives_up_after_the_retry_policy_keeping_the_handle() -> None:
    clock, _server, faults = scripted()
    faults.on("GET", TASK, *[respond(502)] * 5)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        with pytest.raises(ProviderError) as caught:
            await runner.poll(handle)
    assert caught.value.handle == handle
    assert polls(faults) == 5
    assert len(clock.sleeps) == 4
    for attempt, slept in enumerate(clock.sleeps, start=1):
        assert 0 <= slept <= min(30.0, 2 ** (attempt - 1))


async def test_account_error_while_polling_is_not_retried() -> None:
    clock, _server, faults = scripted()
    faults.on("GET", TASK, respond(429, {"code": 1100, "message": "account in arrears"}))
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        with pytest.raises(AccountError) as caught:
            await runner.wait(handle)
    assert caught.value.handle == handle
    assert polls(faults) == 1


async def test_poll_404_is_task_not_found_carrying_the_handle() -> None:
    clock, server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        del server.tasks["task-1"]  # deleted elsewhere (a dashboard, another tool)
        with pytest.raises(TaskNotFound) as caught:
            await runner.wait(handle)
    assert caught.value.handle == handle
    assert exit_code_for(caught.value) == 1
    assert polls(faults) == 1


async def test_poll_404_after_cancel_through_this_runner_is_cancelled() -> None:
    clock, server, faults = scripted(polls_to_finish=10)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        state = await runner.cancel(handle)
        assert state.status is TaskStatus.CANCELLED
        assert "task-1" not in server.tasks
        assert (await runner.poll(handle)).status is TaskStatus.CANCELLED
        with pytest.raises(GenerationFailed) as caught:
            await runner.wait(handle)
    assert caught.value.code == "CANCELLED"
    assert caught.value.handle == handle


async def test_unknown_status_word_is_provider_error_naming_it() -> None:
    clock, server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        server.tasks["task-1"]["status"] = "exploded"
        server._advance = lambda task: None  # type: ignore[method-assign]
        with pytest.raises(ProviderError) as caught:
            await runner.wait(handle)
    assert "exploded" in caught.value.message
    assert caught.value.handle == handle
    assert exit_code_for(caught.value) == 7


async def test_wait_timeout_carries_the_handle_and_wait_resumes() -> None:
    clock, server, faults = scripted(polls_to_finish=50)
    async with make_runner(faults, clock, timeout=30) as runner:
        with pytest.raises(TaskTimeout) as caught:
            await runner.generate(text_request())
        handle = caught.value.handle
        assert handle is not None and handle.task_id == "task-1"
        assert exit_code_for(caught.value) == 6
        assert clock.monotonic() == pytest.approx(30.0)
        server.polls_to_finish = 8
        result = await runner.wait(handle.to_json())
    assert result.status is TaskStatus.SUCCEEDED
    assert result.handle.task_id == "task-1"
    assert server.created == 1  # never resubmitted


async def test_failed_task_is_generation_failed_with_its_reason_and_flag() -> None:
    clock, _server, faults = scripted(fail_with=("INTERNAL", "the GPU caught fire"))
    async with make_runner(faults, clock) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(text_request())
    assert "the GPU caught fire" in caught.value.message
    assert caught.value.retryable is True
    assert caught.value.code == "INTERNAL"
    assert caught.value.handle is not None
    assert creates(faults) == 1  # a failed task is never resubmitted


async def test_a_failure_message_ending_in_a_full_stop_reads_as_one_sentence() -> None:
    clock, _server, faults = scripted(fail_with=("INTERNAL", "The GPU caught fire."))
    async with make_runner(faults, clock) as runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(text_request())
    assert "The GPU caught fire; trying again may succeed" in caught.value.message
    assert caught.value.details["message"] == "The GPU caught fire."  # the provider's own


# ---------------------------------------------------------------- poll spacing


async def test_poll_floor_holds_on_the_official_host_even_when_asked_for_less() -> None:
    clock, _server, faults = scripted(polls_to_finish=4)
    async with make_runner(faults, clock, poll_interval=0.1) as runner:
        assert runner.poll_interval == 5.0
        await runner.generate(text_request())
    assert clock.sleeps == [5.0, 5.0, 5.0]


async def test_poll_interval_from_the_environment_is_clamped_on_the_official_host() -> None:
    clock, _server, faults = scripted(polls_to_finish=3)
    env = {**ENV, "FRAMECAST_POLL_INTERVAL": "0.5"}
    async with make_runner(faults, clock, env=env) as runner:
        await runner.generate(text_request())
    assert clock.sleeps == [5.0, 5.0]


def rehosted(handler):
    """Serve the Acme API from a local emulator address."""

    def forward(request: httpx.Request) -> httpx.Response:
        if request.url.host == "127.0.0.1":
            url = request.url.copy_with(scheme="https", host="api.acme.test", port=None)
            request = httpx.Request(
                request.method, url, headers=request.headers, content=request.content
            )
        return handler(request)

    return forward


async def test_a_lower_poll_interval_is_allowed_on_a_non_official_base_url() -> None:
    clock, server, faults = scripted(polls_to_finish=4)
    env = {**ENV, "ACME_BASE_URL": "http://127.0.0.1:9", "FRAMECAST_POLL_INTERVAL": "0.5"}
    async with make_runner(rehosted(faults), clock, env=env) as runner:
        result = await runner.generate(text_request())
    assert result.handle.base_url == "http://127.0.0.1:9"
    assert clock.sleeps == [0.5, 0.5, 0.5]
    assert server.created == 1


async def test_explicit_poll_interval_applies_on_a_non_official_base_url() -> None:
    clock, _server, faults = scripted(polls_to_finish=3)
    env = {**ENV, "ACME_BASE_URL": "http://127.0.0.1:9"}
    async with make_runner(rehosted(faults), clock, env=env, poll_interval=0.25) as runner:
        await runner.generate(text_request())
    assert clock.sleeps == [0.25, 0.25]


async def test_polling_backs_off_while_throttled() -> None:
    clock, _server, faults = scripted(throttled_polls=5, polls_to_finish=2)
    async with make_runner(faults, clock) as runner:
        result = await runner.generate(text_request())
    assert result.status is TaskStatus.SUCCEEDED
    throttled, after = clock.sleeps[:5], clock.sleeps[5:]
    assert throttled == [10.0, 20.0, 40.0, 60.0, 60.0]  # doubling from the floor, capped
    assert after == [5.0]  # back to the floor once it runs


LONG_OUTAGE = 1_100  # failed or THROTTLED polls: past the 1,024 doublings a float holds


async def test_a_wait_outlives_more_than_a_thousand_failed_polls() -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    faults.on("GET", TASK, *[respond(503, {"message": "busy"})] * LONG_OUTAGE)
    async with make_runner(faults, clock, retry_policy=RetryPolicy(seed=2)) as runner:
        result = await runner.generate(text_request(), timeout=48 * 3_600)
    assert result.status is TaskStatus.SUCCEEDED
    assert polls(faults) > LONG_OUTAGE
    assert all(0 <= s <= 30.0 for s in clock.sleeps)  # the backoff's cap, every time
    assert clock.monotonic() > 3_600  # hours of outage, in virtual time


async def test_a_wait_outlives_more_than_a_thousand_throttled_polls() -> None:
    clock, _server, faults = scripted(throttled_polls=LONG_OUTAGE, polls_to_finish=2)
    async with make_runner(faults, clock, timeout=None) as runner:  # no limit at all
        result = await runner.generate(text_request())
    assert result.status is TaskStatus.SUCCEEDED
    assert clock.sleeps[:LONG_OUTAGE].count(60.0) == LONG_OUTAGE - 3  # 10, 20, 40, then 60
    assert clock.monotonic() > 18 * 3_600  # most of a day THROTTLED


async def test_progress_reaches_the_callback_in_order() -> None:
    clock, _server, faults = scripted(throttled_polls=1, polls_to_finish=3)
    seen: list[tuple[str, TaskStatus, float | None]] = []
    async with make_runner(faults, clock) as runner:
        await runner.generate(
            text_request(),
            on_progress=lambda handle, state: seen.append(
                (handle.task_id, state.status, state.progress)
            ),
        )
    assert seen == [
        ("task-1", TaskStatus.THROTTLED, None),
        ("task-1", TaskStatus.RUNNING, 0.5),
        ("task-1", TaskStatus.RUNNING, 0.5),
    ]


async def test_retry_policy_is_configurable() -> None:
    clock, _server, faults = scripted()
    faults.on("POST", "/v1/videos", *[respond(429)] * 2)
    policy = RetryPolicy(max_attempts=2, base=0.5, cap=0.5)
    async with make_runner(faults, clock, retry_policy=policy) as runner:
        with pytest.raises(RateLimited, match="rate-limited"):
            await runner.submit(text_request())
    assert creates(faults) == 2
    assert len(clock.sleeps) == 1 and clock.sleeps[0] <= 0.5


async def test_max_running_tasks_from_the_provider_suggestion() -> None:
    clock, server, faults = scripted()
    provider = acme_class(clock, suggested_max_running_tasks=3)
    async with make_runner(faults, clock, provider=provider) as runner:
        assert runner.max_running_tasks == 3
    async with make_runner(faults, clock, provider=provider, max_running_tasks=0) as runner:
        assert runner.max_running_tasks == 0
    assert server.created == 0


async def test_retry_after_on_a_poll_is_honoured() -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    faults.on("GET", TASK, respond(429, headers={"Retry-After": "20"}))
    async with make_runner(faults, clock) as runner:
        result = await runner.generate(text_request())
    assert result.status is TaskStatus.SUCCEEDED
    assert clock.sleeps == [20.0]


@pytest.mark.parametrize(
    "answers",
    [
        [respond(401, {"message": "revoked"})],
        [respond(403, {"message": "forbidden"})],
        [respond(401, {"code": 1004, "message": "expired"})] * 2,  # re-signed once, then given up
    ],
    ids=["401", "403", "1004-persistent"],
)
async def test_refused_credentials_while_polling_are_authentication_error(answers) -> None:
    clock, _server, faults = scripted()
    faults.on("GET", TASK, *answers)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        with pytest.raises(AuthenticationError) as caught:
            await runner.wait(handle)
    assert caught.value.handle == handle
    assert "ACME_SECRET" in caught.value.message
    assert polls(faults) == len(answers)
    assert clock.sleeps == []


async def test_an_expired_token_while_polling_is_re_signed_once() -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        clock.advance(500)  # the token expired while the task ran
        result = await runner.wait(handle)
        assert runner.provider._auth.signed == 2
    assert result.status is TaskStatus.SUCCEEDED
    assert polls(faults) == 2  # the refused read, then the re-signed one
    assert clock.sleeps == []
