"""This provider's own facts, beyond the contract: wire body, headers, classification,
dedupe. TEMPLATE: one test per documented behaviour of your API."""

from __future__ import annotations

import json

import httpx
import pytest
from framecast import (
    AccountError,
    GenerationFailed,
    GenerationRequest,
    ProviderSettings,
    Runner,
    UnsupportedOption,
)
from framecast.testing import VirtualClock
from framecast_myprovider import MyProvider  # TEMPLATE: rename
from framecast_myprovider.testing import MyProviderFake  # TEMPLATE: rename

pytestmark = pytest.mark.anyio

KEY = "test-key-not-real"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def runner_for(fake: MyProviderFake) -> Runner:
    return Runner(
        MyProvider,
        transport=httpx.MockTransport(fake),
        env={"MYPROVIDER_API_KEY": KEY},
        clock=VirtualClock(),
    )


async def test_submit_sends_the_body_the_key_and_the_idempotency_key() -> None:
    fake = MyProviderFake(api_key=KEY)
    request = GenerationRequest(
        prompt="A lighthouse",
        camera="pan_left",
        ratio="9:16",
        duration=10,
        seed=7,
        idempotency_key="my-key-1",
    )
    async with runner_for(fake) as runner:
        result = await runner.generate(request)
    create = fake.requests[0]
    assert create.headers["authorization"] == f"Bearer {KEY}"
    assert create.headers["idempotency-key"] == "my-key-1"
    assert json.loads(create.content) == {
        "model": "my-model-1",
        "prompt": "A lighthouse. Camera: camera pans left across the scene.",
        "ratio": "9:16",
        "duration": 10,
        "seed": 7,
    }
    assert result.url == "https://cdn.myprovider.example/task_0001.mp4?sig=fake"


async def test_a_ratio_not_offered_is_refused_or_mapped_to_the_nearest() -> None:
    async with runner_for(MyProviderFake()) as runner:
        with pytest.raises(UnsupportedOption) as caught:
            runner.prepare(GenerationRequest(prompt="x", ratio="5:4"))
        assert caught.value.field == "ratio"
        prepared = runner.prepare(
            GenerationRequest(prompt="x", ratio="5:4", ratio_policy="nearest")
        )
    assert prepared.body["ratio"] == "1:1"


async def test_out_of_credits_is_an_account_error_never_retried() -> None:
    def no_credits(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            402, json={"error": {"code": "insufficient_credits", "message": "top up"}}
        )

    async with Runner(
        MyProvider,
        transport=httpx.MockTransport(no_credits),
        env={"MYPROVIDER_API_KEY": KEY},
        clock=VirtualClock(),
    ) as runner:
        with pytest.raises(AccountError):
            await runner.generate(GenerationRequest(prompt="x"))


async def test_a_failed_task_carries_the_providers_reason() -> None:
    fake = MyProviderFake(fail_with={"code": "render_error", "message": "the GPU caught fire"})
    async with runner_for(fake) as runner:
        with pytest.raises(GenerationFailed, match="GPU caught fire"):
            await runner.generate(GenerationRequest(prompt="x"))


async def test_find_submitted_finds_the_task_by_its_key() -> None:
    fake = MyProviderFake()
    async with runner_for(fake) as runner:
        handle = await runner.submit(GenerationRequest(prompt="x", idempotency_key="k-9"))
        prepared = runner.prepare(GenerationRequest(prompt="x", idempotency_key="k-9"))
    # The hook on its own, with a client like the core's (base URL set, auth applied).
    provider = MyProvider(ProviderSettings(name="myprovider", env={"MYPROVIDER_API_KEY": KEY}))
    async with httpx.AsyncClient(
        base_url="https://api.myprovider.example",
        transport=httpx.MockTransport(fake),
        auth=provider.auth(),
    ) as http:
        found = await provider.find_submitted(prepared=prepared, idempotency_key="k-9", http=http)
        missing = await provider.find_submitted(
            prepared=prepared, idempotency_key="other", http=http
        )
    assert found is not None and found.task_id == handle.task_id
    assert missing is None
