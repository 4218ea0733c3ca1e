"""Recorded exchanges (tests/cassettes/google/, each naming the documentation page and date it
reproduces) replayed through the hooks with a real ``httpx.AsyncClient`` (vcrpy intercepts
its default transport). Create bodies are matched; every cassette must be played to the end;
no cassette holds the key.

No protocol fake here: vcrpy intercepts ``MockTransport`` too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from framecast import Outcome, TaskHandle, TaskStatus

from .conftest import BASE_URL, FAKE_KEY, png, prepare

pytestmark = pytest.mark.anyio

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "google"
NOTRE = (
    "A captivating aerial drone shot of the Notre dame, during fireworks showcasing the "
    "majestic cathedral from a unique perspective. The camera slowly pans around the "
    "structure, revealing its intricate details and grandeur."
)
OPERATION = "models/veo-3.1-generate-preview/operations/321kvdcepmcg"


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    return {
        "record_mode": "none",
        "filter_headers": ["x-goog-api-key"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "allow_playback_repeats": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture
async def http(provider) -> AsyncIterator[httpx.AsyncClient]:
    # The core's own client on httpx's default transport: the cassette replaces the network.
    from framecast.testing import provider_client

    async with provider_client(provider, httpx.AsyncHTTPTransport(), base_url=BASE_URL) as client:
        yield client


def played(vcr) -> None:
    assert vcr.all_played, f"{vcr._path}: {vcr.play_count} of {len(vcr.data)} played"


def notre_dame(provider, info):
    return prepare(
        provider, info, prompt=NOTRE, negative_prompt="cars", options={"resolution": "1080p"}
    )


def test_every_cassette_names_its_source_and_holds_no_key() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 7
    for path in files:
        text = path.read_text()
        assert text.startswith("# "), f"{path.name}: no header naming its source"
        header = "".join(line for line in text.splitlines() if line.startswith("#"))
        assert "2026" in header, f"{path.name}: the header names no date"
        assert "ai.google.dev" in header or "google-genai" in header or "cookbook" in header
        assert FAKE_KEY not in text and "x-goog-api-key:" not in text.lower()


@pytest.mark.vcr
@pytest.mark.default_cassette("create_text_to_video.yaml")
async def test_create_is_the_documented_request(provider, info, http, vcr) -> None:
    handle = await provider.submit(prepared=notre_dame(provider, info), http=http)
    assert handle.task_id == OPERATION
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("create_first_last_frame.yaml")
async def test_create_with_first_and_last_frame(provider, info, http, vcr) -> None:
    prepared = prepare(
        provider, info, prompt="A cat", image=png(), end_image=png(), negative_prompt="blurry",
        options={"resolution": "1080p", "person_generation": "allow_adult",
                 "enhance_prompt": True},
    )  # fmt: skip
    handle = await provider.submit(prepared=prepared, http=http)
    assert handle.task_id.endswith("/operations/abc123xyz")
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("poll_running_then_done.yaml")
async def test_poll_until_done_gives_the_file_uri(provider, http, vcr) -> None:
    handle = TaskHandle(provider="google", task_id=OPERATION, base_url=BASE_URL)
    running = await provider.poll(handle=handle, http=http)
    done = await provider.poll(handle=handle, http=http)
    assert running.status is TaskStatus.RUNNING
    assert done.status is TaskStatus.SUCCEEDED
    assert done.outputs == (
        "https://generativelanguage.googleapis.com/v1beta/files/qu4d28uipuqh:download?alt=media",
    )
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("operation_safety_filtered.yaml")
async def test_a_filtered_operation_fails_naming_the_reason(provider, http, vcr) -> None:
    handle = TaskHandle(
        provider="google",
        task_id="models/veo-3.1-generate-preview/operations/abc123xyz",
        base_url=BASE_URL,
    )
    state = await provider.poll(handle=handle, http=http)
    assert state.status is TaskStatus.FAILED and state.retryable is False
    assert "person generation blocked this video" in (state.failure_message or "")
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("error_429_resource_exhausted.yaml")
async def test_quota_is_rate_limited_with_the_retry_delay(provider, info, http, vcr) -> None:
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.submit(prepared=notre_dame(provider, info), http=http)
    verdict = provider.classify(response=caught.value.response, phase="submit")
    assert verdict.outcome is Outcome.RATE_LIMITED and verdict.retry_after == 22
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("error_400_api_key_invalid.yaml")
async def test_a_bad_key_is_authentication(provider, info, http, vcr) -> None:
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.submit(prepared=notre_dame(provider, info), http=http)
    verdict = provider.classify(response=caught.value.response, phase="submit")
    assert verdict.outcome is Outcome.AUTHENTICATION
    assert "GOOGLE_API_KEY or GEMINI_API_KEY" in verdict.message
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("error_400_failed_precondition.yaml")
async def test_billing_not_enabled_is_the_account(provider, info, http, vcr) -> None:
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.submit(prepared=notre_dame(provider, info), http=http)
    verdict = provider.classify(response=caught.value.response, phase="submit")
    assert verdict.outcome is Outcome.ACCOUNT and "enable billing" in verdict.message
    played(vcr)
