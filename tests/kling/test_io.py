"""submit / poll / find_submitted / cancel against the protocol fake, one attempt each."""

from __future__ import annotations

import httpx
import pytest
from framecast import (
    GenerationRequest,
    NotSupported,
    ProviderError,
    Runner,
    TaskHandle,
    TaskStatus,
    testing,
)
from framecast_kling._wire import MalformedAnswer
from framecast_kling.testing import KlingFake, malformed, unknown_status

from .support import make_client, prepare

pytestmark = pytest.mark.anyio


async def test_submit_then_poll_to_success(provider, fake, http, portrait) -> None:
    prepared = prepare(
        provider, GenerationRequest(prompt="wave", image=portrait, idempotency_key="k-1")
    )
    handle = await provider.submit(prepared=prepared, http=http)
    assert handle.provider == "kling"
    assert handle.provider_data == {"endpoint": "image2video", "external_task_id": "k-1"}
    assert fake.tasks[handle.task_id].body == dict(prepared.body)
    states = [await provider.poll(handle=handle, http=http) for _ in range(2)]
    assert [s.status for s in states] == [TaskStatus.RUNNING, TaskStatus.SUCCEEDED]
    done = states[-1]
    assert done.outputs[0].startswith("https://v16-kling-fdl.klingai.com/")
    assert done.cost_units == 1.5 and done.cost == pytest.approx(0.21)  # v2-5-turbo std 5 s


@pytest.mark.parametrize(
    ("request_kwargs", "endpoint"),
    [({}, "text2video"), ({"images": "portrait"}, "multi-image2video")],
)
async def test_each_endpoint_polls_its_own_path(
    provider, fake, http, portrait, request_kwargs, endpoint
) -> None:
    kwargs = {k: [portrait] for k in request_kwargs}
    handle = await provider.submit(
        prepared=prepare(provider, GenerationRequest(prompt="x", **kwargs)), http=http
    )
    assert handle.provider_data["endpoint"] == endpoint
    await provider.poll(handle=handle, http=http)
    assert fake.log[-1][1] == f"/v1/videos/{endpoint}/{handle.task_id}"


async def test_poll_uses_the_handles_base_url(provider, fake, portrait) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.host))
        return fake(request)

    async with make_client(handler, provider) as http:
        handle = await provider.submit(
            prepared=prepare(provider, GenerationRequest(prompt="x")), http=http
        )
        moved = TaskHandle(provider="kling", task_id=handle.task_id, base_url="https://api.klingai.com",
                           provider_data=handle.provider_data)  # fmt: skip
        await provider.poll(handle=moved, http=http)
    assert seen == ["api-singapore.klingai.com", "api.klingai.com"]


async def test_failed_task(provider, clock, portrait) -> None:
    fake = KlingFake(clock=clock, fail_with="Failure to pass the risk control system")
    async with make_client(fake, provider) as http:
        handle = await provider.submit(
            prepared=prepare(provider, GenerationRequest(prompt="x")), http=http
        )
        await provider.poll(handle=handle, http=http)
        state = await provider.poll(handle=handle, http=http)
    assert state.status is TaskStatus.FAILED
    assert state.failure_message == "Failure to pass the risk control system"
    assert state.retryable is False
    assert state.cost_units == 0


async def test_unknown_status_word(provider, fake, http) -> None:
    handle = await provider.submit(
        prepared=prepare(provider, GenerationRequest(prompt="x")), http=http
    )
    fake.inject("query", unknown_status("paused"))
    with pytest.raises(ProviderError, match="paused"):
        await provider.poll(handle=handle, http=http)


async def test_malformed_create_answer_is_not_a_framecast_error(provider, fake, http) -> None:
    # The core counts it as the ambiguous row (the task was created behind it).
    fake.inject("create", malformed(created=True))
    with pytest.raises(MalformedAnswer):
        await provider.submit(prepared=prepare(provider, GenerationRequest(prompt="x")), http=http)
    assert fake.tasks_created == 1


async def test_a_handle_of_provider_and_task_id_alone_is_found_under_its_endpoint(
    provider, fake, http
) -> None:
    # What a user types after losing the rest: Kling queries a task under the endpoint
    # that created it, so each is asked in turn, and the one that answered is kept.
    created = await provider.submit(
        prepared=prepare(provider, GenerationRequest(prompt="x")), http=http
    )
    bare = TaskHandle(provider="kling", task_id=created.task_id)
    state = await provider.poll(handle=bare, http=http)
    assert state.status is TaskStatus.RUNNING
    paths = [path for _, path, _ in fake.log[1:]]
    assert paths == [
        f"/v1/videos/image2video/{created.task_id}",
        f"/v1/videos/text2video/{created.task_id}",
    ]
    await provider.poll(handle=bare, http=http)
    assert fake.log[-1][1] == f"/v1/videos/text2video/{created.task_id}"  # asked once


async def test_a_bare_handle_no_endpoint_knows_is_not_found(provider, fake, http) -> None:
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.poll(handle=TaskHandle(provider="kling", task_id="1"), http=http)
    assert caught.value.response.json()["code"] == 1203  # the runner's TaskNotFound
    assert len(fake.log) == 3  # each endpoint once


async def test_poll_with_a_handle_naming_an_unknown_endpoint(provider, http) -> None:
    handle = TaskHandle(provider="kling", task_id="1", provider_data={"endpoint": "video"})
    with pytest.raises(ProviderError, match="endpoint"):
        await provider.poll(handle=handle, http=http)


async def test_find_submitted_by_path(provider, fake, http) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="x", idempotency_key="lost-1"))
    handle = await provider.submit(prepared=prepared, http=http)
    found = await provider.find_submitted(prepared=prepared, idempotency_key="lost-1", http=http)
    assert found is not None and found.task_id == handle.task_id
    assert found.provider_data == {"endpoint": "text2video", "external_task_id": "lost-1"}
    assert fake.log[-1][1] == "/v1/videos/text2video/lost-1"


async def test_find_submitted_not_found(provider, fake, http) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="x", idempotency_key="never-sent"))
    assert (
        await provider.find_submitted(prepared=prepared, idempotency_key="never-sent", http=http)
        is None
    )
    # the path form answered 404/1203, then one short list page was scanned
    assert [entry[2] for entry in fake.log] == ["404", "200"]


async def test_find_submitted_falls_back_to_the_list(provider, fake, http) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="x", idempotency_key="k-list"))
    handle = await provider.submit(prepared=prepared, http=http)

    def path_form_unsupported(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/k-list"):
            return httpx.Response(400, json={"code": 1201, "message": "task_id is invalid"})
        return fake(request)

    async with make_client(path_form_unsupported, provider) as other:
        found = await provider.find_submitted(
            prepared=prepared, idempotency_key="k-list", http=other
        )
    assert found is not None and found.task_id == handle.task_id
    assert fake.log[-1][1] == "/v1/videos/text2video"


async def test_find_submitted_ignores_a_path_answer_for_another_key(provider, fake, http) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="x", idempotency_key="mine"))

    def wrong_task(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/mine"):
            return httpx.Response(
                200,
                json={
                    "code": 0,
                    "message": "SUCCEED",
                    "data": {
                        "task_id": "1",
                        "task_status": "succeed",
                        "task_info": {"external_task_id": "theirs"},
                    },
                },
            )
        return fake(request)

    async with make_client(wrong_task, provider) as other:
        assert (
            await provider.find_submitted(prepared=prepared, idempotency_key="mine", http=other)
            is None
        )


async def test_find_submitted_propagates_auth_errors(provider, clock) -> None:
    fake = KlingFake(clock=clock, access_key="someone-else")
    async with make_client(fake, provider) as http:
        prepared = prepare(provider, GenerationRequest(prompt="x"))
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await provider.find_submitted(prepared=prepared, idempotency_key="key-0001", http=http)
    assert caught.value.response.json()["code"] == 1000


async def test_cancel_is_not_supported_and_sends_nothing() -> None:
    handle = TaskHandle(
        provider="kling", task_id="822953089408827433", provider_data={"endpoint": "image2video"}
    )
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))
    async with Runner("kling", env=dict(KlingFake.ENV), transport=transport) as runner:
        with pytest.raises(NotSupported, match="no way to cancel") as caught:
            await runner.cancel(handle)
    assert "charged" in str(caught.value)
    assert caught.value.handle == handle
    assert sent == []


def test_provider_info_declares_no_cancel_and_dedupe(provider) -> None:
    info = testing.provider_info(provider)  # no cancel hook, a find_submitted hook
    assert info.supports_cancel is False
    assert info.supports_dedupe is True
