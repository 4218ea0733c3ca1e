"""Replays of documented Seedance exchanges (tests/cassettes/seedance, each naming the page
or log and the date it reproduces): record_mode none, authorization filtered, create bodies
matched as JSON. No fake in here: vcrpy intercepts MockTransport too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from framecast import (
    GenerationFailed,
    GenerationRequest,
    Outcome,
    ProviderSettings,
    Runner,
    TaskHandle,
    TaskStatus,
)
from framecast.testing import VirtualClock
from framecast_seedance import SeedanceProvider

from .conftest import CN_ENV, ENV, prepare, provider_for

pytestmark = pytest.mark.anyio

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "seedance"
TASK_ID = "cgt-20260514183217-t8rzv"
CN_BASE = "https://ark.cn-beijing.volces.com/api/v3"


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    return {
        "record_mode": "none",
        "filter_headers": ["authorization"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }


async def _raise_for_status(response: httpx.Response) -> None:
    await response.aread()
    response.raise_for_status()


@pytest.fixture
async def cn_api() -> AsyncIterator[httpx.AsyncClient]:
    # The core's own client on httpx's default transport: the cassette replaces the network.
    from framecast.testing import provider_client

    provider = provider_for(CN_ENV)
    async with provider_client(provider, httpx.AsyncHTTPTransport(), base_url=CN_BASE) as client:
        yield client


def played_all(vcr) -> None:
    assert vcr.all_played, f"{vcr._path}: {vcr.play_count} of {len(vcr.data)} played"


def cn_runner() -> Runner:
    return Runner(
        SeedanceProvider,
        settings=ProviderSettings(name="seedance", env=dict(CN_ENV)),
        env=dict(CN_ENV),
        clock=VirtualClock(),
    )


@pytest.mark.vcr("create_first_last_frame.yaml")
async def test_the_sdk_probe_s_create_is_what_the_plugin_sends(cn_api, vcr) -> None:
    from .conftest import url_image

    provider = provider_for(CN_ENV)
    prepared = prepare(provider, prompt="The camera slowly pushes in on a lighthouse at dusk",
                       model="doubao-seedance-1-5-pro-251215", image=url_image("first.png"),
                       end_image=url_image("last.png"), ratio="adaptive", seed=42,
                       options={"callback_url": "https://example.com/cb"})  # fmt: skip
    handle = await provider.submit(prepared=prepared, http=cn_api)
    assert handle.task_id == TASK_ID
    played_all(vcr)


@pytest.mark.vcr("task_lifecycle_seedance_2_0.yaml")
async def test_a_live_task_runs_to_its_video_and_its_tokens_are_the_cost(vcr) -> None:
    async with cn_runner() as runner:
        result = await runner.generate(
            GenerationRequest(prompt="A girl walks down a street at night", ratio="16:9")
        )
    assert result.status is TaskStatus.SUCCEEDED and result.url == "https://...mp4?..."
    assert result.state.cost_units == 108_900
    assert result.actual_cost_currency == "CNY"
    # The estimate's token arithmetic matches what the live task was billed.
    assert result.estimated_cost.units == 108_900
    played_all(vcr)


@pytest.mark.vcr("get_official_example.yaml")
async def test_the_official_example_with_string_timestamps_reads(cn_api, vcr) -> None:
    provider = provider_for(CN_ENV)
    state = await provider.poll(
        handle=TaskHandle(provider="seedance", task_id=TASK_ID), http=cn_api
    )
    assert state.status is TaskStatus.SUCCEEDED and state.outputs == ("https://xxx",)
    assert state.cost_units == 35_800
    assert state.cost is None  # "doubao-****-**" names no model of the price table
    played_all(vcr)


@pytest.mark.vcr("task_failed_policy_violation.yaml")
async def test_a_failed_task_carries_its_code_and_is_not_retryable(cn_api, vcr) -> None:
    provider = provider_for(CN_ENV)
    state = await provider.poll(
        handle=TaskHandle(provider="seedance", task_id=TASK_ID), http=cn_api
    )
    assert state.status is TaskStatus.FAILED
    assert state.failure_code == "OutputVideoSensitiveContentDetected.PolicyViolation"
    assert "copyright" in state.failure_message and state.retryable is False
    played_all(vcr)


@pytest.mark.vcr("error_400_real_person.yaml")
async def test_the_live_real_person_refusal_is_explained(vcr) -> None:
    runner = Runner(
        SeedanceProvider,
        settings=ProviderSettings(name="seedance", env=dict(ENV)),
        env=dict(ENV),
        clock=VirtualClock(),
    )
    async with runner:
        with pytest.raises(GenerationFailed) as caught:
            await runner.generate(GenerationRequest(
                prompt="She smiles at the camera", images=["https://example.com/portrait.png"]))  # fmt: skip
    assert "may contain real person" in caught.value.message
    assert "asset review" in caught.value.message and caught.value.retryable is False
    played_all(vcr)
    provider = provider_for(ENV)
    response = httpx.Response(400, json={"error": {
        "code": "InputImageSensitiveContentDetected.PrivacyInformation", "message": "m"}})  # fmt: skip
    assert provider.classify(response=response, phase="submit").outcome is Outcome.CONTENT_REJECTED


@pytest.mark.vcr("delete_queued_task.yaml")
async def test_a_queued_task_is_cancelled_with_delete(vcr) -> None:
    handle = TaskHandle(provider="seedance", task_id=TASK_ID, base_url=CN_BASE)
    async with cn_runner() as runner:
        state = await runner.cancel(handle)
    assert state.status is TaskStatus.CANCELLED
    played_all(vcr)
