"""Replays of documented Kling exchanges (tests/cassettes/kling, one per spec example or
error body): authorization filtered, create bodies matched as JSON. No fake in here:
vcrpy intercepts MockTransport too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from framecast import (
    GenerationRequest,
    Outcome,
    ProviderSettings,
    Runner,
    TaskStatus,
    testing,
)
from framecast.testing import VirtualClock, cassette_config
from framecast_kling import KlingProvider
from framecast_kling.testing import KlingFake

from .support import prepare, url_ref

pytestmark = pytest.mark.anyio

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "kling"
REAL1_IMAGE = (
    "https://h2.inkwai.com/bs2/upload-ylab-stunt/se/ai_portal_queue_mmu_image_upscale_aiweb/"
    "3214b798-e1b4-4b00-b7af-72b5b0417420_raw_image_0.jpg"
)
I2V = GenerationRequest(
    prompt="The astronaut stood up and walked away",
    image=url_ref(REAL1_IMAGE),
    model="kling-v2-5-turbo",
)


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    return cassette_config(
        **{
            "record_mode": "none",
            "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        }
    )


@pytest.fixture
async def api(provider: KlingProvider) -> AsyncIterator[httpx.AsyncClient]:
    # The runner's own client (non-2xx raises once the auth flow has seen the answer).
    transport = httpx.AsyncHTTPTransport()
    base_url = "https://api-singapore.klingai.com"
    async with testing.provider_client(provider, transport, base_url=base_url) as client:
        yield client


def assert_all_played(vcr) -> None:
    assert vcr.all_played, f"{vcr._path}: {vcr.play_count} of {len(vcr.data)} played"


@pytest.mark.vcr("image2video_real_lifecycle.yaml")
async def test_image2video_live_lifecycle(provider, vcr) -> None:
    prepared = prepare(provider, I2V.evolve(idempotency_key="framecast-cassette-i2v"))
    async with httpx.AsyncClient(base_url="https://api.klingai.com", auth=provider.auth()) as http:
        handle = await provider.submit(prepared=prepared, http=http)
        assert handle.task_id == "822953089408827433"
        assert handle.provider_data["endpoint"] == "image2video"
        running = await provider.poll(handle=handle, http=http)
        done = await provider.poll(handle=handle, http=http)
    assert running.status is TaskStatus.RUNNING
    assert done.status is TaskStatus.SUCCEEDED
    assert done.outputs[0].startswith("https://v16-kling-fdl.klingai.com/")
    assert "ksSecret=" in done.outputs[0]
    assert done.cost is None  # REAL-1 reports no final_unit_deduction
    assert_all_played(vcr)


@pytest.mark.vcr("text2video_real_create.yaml")
async def test_text2video_live_create_with_external_task_id(provider, api, vcr) -> None:
    request = GenerationRequest(
        prompt="A calm sunrise over the ocean, cinematic, realistic",
        model="kling-v1",
        idempotency_key="text_probe_1",
    )
    prepared = prepare(provider, request)
    handle = await provider.submit(prepared=prepared, http=api)
    assert handle.task_id == "866889456698785798"
    assert handle.provider_data == {"endpoint": "text2video", "external_task_id": "text_probe_1"}
    assert_all_played(vcr)


@pytest.mark.vcr("text2video_find_by_external_task_id.yaml")
async def test_find_submitted_by_path(provider, api, vcr) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="x", model="kling-v1"))
    found = await provider.find_submitted(
        prepared=prepared, idempotency_key="text_probe_1", http=api
    )
    assert found is not None and found.task_id == "866889456698785798"
    assert_all_played(vcr)


@pytest.mark.vcr("text2video_find_list_fallback.yaml")
async def test_find_submitted_list_fallback(provider, api, vcr) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="x", model="kling-v1"))
    found = await provider.find_submitted(
        prepared=prepared, idempotency_key="text_probe_2", http=api
    )
    assert found is not None and found.task_id == "866889456698785799"
    assert_all_played(vcr)


@pytest.mark.vcr("image2video_start_end_frame.yaml")
async def test_start_and_end_frame(provider, api, vcr) -> None:
    request = GenerationRequest(
        prompt="Camera zooms out, the girl smiles",
        image=url_ref("https://p2-kling.klingai.com/kcdn/cdn-kcdn112452/kling-qa-test/multi-2.png"),
        end_image=url_ref(
            "https://p2-kling.klingai.com/kcdn/cdn-kcdn112452/kling-qa-test/multi-1.png"
        ),
        model="kling-v2-6",
        idempotency_key="framecast-cassette-tail",
    )
    handle = await provider.submit(prepared=prepare(provider, request), http=api)
    assert handle.task_id == "866889456698785810"
    assert_all_played(vcr)


@pytest.mark.vcr("multi_image2video_create_and_fail.yaml")
async def test_multi_image_then_failed_task(provider, api, vcr) -> None:
    request = GenerationRequest(
        prompt="Two friends hug in the park",
        images=[
            url_ref(
                "https://p2-kling.klingai.com/bs2/upload-ylab-stunt/c54e463c95816d959602f1f2541c62b2.png"
            ),
            url_ref(
                "https://p2-kling.klingai.com/bs2/upload-ylab-stunt/5eef15e03a70e1fa80732808a2f50f3f.png"
            ),
        ],
        idempotency_key="framecast-cassette-multi",
    )
    handle = await provider.submit(prepared=prepare(provider, request), http=api)
    state = await provider.poll(handle=handle, http=api)
    assert state.status is TaskStatus.FAILED
    assert state.failure_message == "Failure to pass the risk control system"
    assert state.retryable is False
    assert state.cost == 0
    assert_all_played(vcr)


def _error_case(cassette: str, outcome: Outcome, code: str, message: str) -> object:
    return pytest.param(outcome, code, message, marks=pytest.mark.vcr(cassette), id=cassette[:-5])


@pytest.mark.parametrize(
    ("outcome", "code", "message"),
    [
        _error_case("error_1303_parallel_task_limit.yaml", Outcome.RATE_LIMITED, "1303",
                    "parallel task over resource pack limit"),
        _error_case("error_1102_balance.yaml", Outcome.ACCOUNT, "1102", "Account balance not enough"),
        _error_case("error_1201_base64.yaml", Outcome.INVALID, "1201",
                    "File is not in a valid base64 format"),
        _error_case("error_1201_image_null.yaml", Outcome.INVALID, "1201", "image can not be null"),
        _error_case("error_1004_expired_twice.yaml", Outcome.AUTHENTICATION, "1004",
                    "Authorization has expired"),
    ],
)  # fmt: skip
async def test_documented_error_bodies(provider, api, vcr, outcome, code, message) -> None:
    prepared = prepare(provider, I2V.evolve(idempotency_key="framecast-cassette-error"))
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.submit(prepared=prepared, http=api)
    classification = provider.classify(response=caught.value.response, phase="submit")
    assert (classification.outcome, classification.code, classification.message) == (
        outcome,
        code,
        message,
    )
    assert_all_played(vcr)


@pytest.mark.vcr("runner_text2video_lifecycle.yaml")
async def test_runner_replays_a_text2video_lifecycle(vcr) -> None:
    settings = ProviderSettings(name="kling", env=dict(KlingFake.ENV))
    async with Runner("kling", settings=settings, clock=VirtualClock()) as runner:
        result = await runner.generate(
            GenerationRequest(
                prompt="A calm sunrise over the ocean, cinematic, realistic",
                model="kling-v1",
                idempotency_key="text_probe_1",
            )
        )
    assert result.status is TaskStatus.SUCCEEDED
    assert result.polls == 2
    assert result.actual_cost == pytest.approx(0.14)
    assert result.estimated_cost is not None and result.estimated_cost.units == 1
    assert_all_played(vcr)


def test_cassettes_quote_their_spec_section_and_hold_no_credentials() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# spec kling.md §") or text.startswith("# SYNTHETIC, from spec"), (
            path.name
        )
        lowered = text.lower()
        assert "authorization:" not in lowered and "bearer " not in lowered, path.name
        assert KlingFake.ENV["KLING_SECRET_KEY"] not in text
