"""Recorded exchanges (tests/cassettes/runway/, written from the spec's verbatim examples)
replayed through the hooks with a real ``httpx.AsyncClient`` (vcrpy intercepts its default
transport). Create bodies are matched; every cassette must be played to the end.

No protocol fake here: vcrpy intercepts ``MockTransport`` too.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from framecast import (
    GenerationRequest,
    ImageRef,
    Outcome,
    PendingUpload,
    PreparedRequest,
    TaskHandle,
    TaskStatus,
)
from framecast.testing import cassette_config, provider_client

from .conftest import FAKE_KEY, prepare, url_image

pytestmark = pytest.mark.anyio

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "runway"
BASE_URL = "https://api.dev.runwayml.com"


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    return cassette_config(
        **{
            "record_mode": "none",
            "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
            "allow_playback_repeats": False,
        }
    )


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


@pytest.fixture
async def http(provider) -> AsyncIterator[httpx.AsyncClient]:
    # The core's own client on httpx's default transport: the cassette replaces the network.
    async with provider_client(provider, httpx.AsyncHTTPTransport(), base_url=BASE_URL) as client:
        yield client


def handle(task_id: str) -> TaskHandle:
    return TaskHandle(provider="runway", task_id=task_id, base_url=BASE_URL)


def bunny(provider, info, **extra) -> PreparedRequest:
    return prepare(
        provider, info, prompt="A cute bunny hopping in a meadow",
        image=url_image("bunny.jpg"), model="gen4_turbo", **extra,
    )  # fmt: skip


def played(vcr) -> None:
    assert vcr.all_played, f"{vcr._path}: {vcr.play_count} of {len(vcr.data)} played"


# ----------------------------------------------------------------------------- creates


@pytest.mark.vcr
@pytest.mark.default_cassette("create_image_to_video_gen4_turbo.yaml")
async def test_create_image_to_video(provider, info, http, vcr):
    prepared = bunny(provider, info, duration=10)
    task = await provider.submit(prepared=prepared, http=http)
    assert task.task_id == "17f20503-6c24-4c16-946b-35dbbce2af2f"
    assert task.provider_data["estimated_credits"] == 50
    request = GenerationRequest(prompt="x", image=url_image(), model="gen4_turbo", duration=10)
    assert provider.estimate(request=request, model=info.model("gen4_turbo")).units == 50
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("create_image_to_video_gen4_5.yaml")
async def test_create_matches_the_sdk_test_suite_request(provider, info, http, vcr):
    prepared = prepare(
        provider, info, prompt="x", image=url_image("image.jpg"), model="gen4.5", duration=2,
        ratio="16:9",
    )  # fmt: skip
    task = await provider.submit(prepared=prepared, http=http)
    assert task.task_id == "355e42da-b3f9-4b65-9be2-fb10bda026fc"
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("create_text_to_video_gen4_5.yaml")
async def test_create_text_to_video(provider, info, http, vcr):
    prepared = prepare(
        provider, info, prompt="x", model="gen4.5", duration=2, seed=0,
        options={"public_figure_threshold": "auto"},
    )  # fmt: skip
    assert prepared.path == "/v1/text_to_video"
    task = await provider.submit(prepared=prepared, http=http)
    assert task.task_id == "08388106-1b46-4f5c-bd46-1c1d7ee86892"
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("create_text_to_image_gen4_image.yaml")
async def test_create_text_to_image(provider, info, http, vcr):
    prepared = prepare(
        provider, info, prompt="A red fox in the snow", model="gen4_image",
        image=url_image("fox.jpg"), ratio="1920:1080",
    )  # fmt: skip
    assert prepared.path == "/v1/text_to_image"
    task = await provider.submit(prepared=prepared, http=http)
    assert task.task_id == "d2e3d1f4-1b3c-4b5c-8d46-1c1d7ee86892"
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("upload_then_create.yaml")
async def test_upload_then_create_sends_the_runway_uri(provider, info, http, vcr):
    image = ImageRef(source="file", data=b"fake image bytes", media_type="image/png",
                     width=1280, height=720, name="test.png")  # fmt: skip
    base = bunny(provider, info)
    prepared = PreparedRequest(
        method="POST",
        path=base.path,
        body={**base.body, "promptImage": "<upload:promptImage>"},
        model="gen4_turbo",
        uploads=(PendingUpload(placeholder="<upload:promptImage>", image=image),),
    )
    task = await provider.submit(prepared=prepared, http=http)
    assert task.task_id == "17f20503-6c24-4c16-946b-35dbbce2af2f"
    storage = [r for r in vcr.requests if r.host == "storage.example.com"]
    assert storage and "authorization" not in {k.lower() for k in storage[0].headers}
    played(vcr)


# ----------------------------------------------------------------------------- tasks


@pytest.mark.vcr
@pytest.mark.default_cassette("task_statuses.yaml")
async def test_each_documented_status_maps(provider, http, vcr):
    pending = await provider.poll(handle=handle("17f20503-6c24-4c16-946b-35dbbce2af2f"), http=http)
    throttled = await provider.poll(
        handle=handle("355e42da-b3f9-4b65-9be2-fb10bda026fc"), http=http
    )
    running = await provider.poll(handle=handle("08388106-1b46-4f5c-bd46-1c1d7ee86892"), http=http)
    done = await provider.poll(handle=handle("d2e3d1f4-1b3c-4b5c-8d46-1c1d7ee86892"), http=http)
    failed = await provider.poll(handle=handle("6da960dd-ef88-40fc-9628-02e9b6a6a008"), http=http)
    assert pending.status is TaskStatus.QUEUED and pending.cost is None
    assert throttled.status is TaskStatus.THROTTLED
    assert running.status is TaskStatus.RUNNING and running.progress == 0.2
    assert done.status is TaskStatus.SUCCEEDED
    assert done.outputs == ("https://example.com/output1.jpg", "https://example.com/output2.jpg")
    assert (done.cost_units, done.cost) == (25, 0.25)
    assert failed.status is TaskStatus.FAILED
    assert failed.failure_code == "SAFETY.INPUT.IMAGE" and failed.retryable is False
    assert failed.failure_message == "The provided image was flagged by content moderation."
    assert failed.raw["id"] == "6da960dd-ef88-40fc-9628-02e9b6a6a008"
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("task_cancelled_synthetic.yaml")
async def test_cancelled_status_maps(provider, http, vcr):
    state = await provider.poll(handle=handle("9b7f4a2e-3c1d-4e5f-8a6b-7c8d9e0f1a2b"), http=http)
    assert state.status is TaskStatus.CANCELLED and state.cost_units == 0
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("task_lifecycle_then_delete.yaml")
async def test_live_lifecycle_then_delete_then_404(provider, http, vcr):
    task = handle("acf9ba3d-a513-42c9-a646-96e8bc97c691")
    states = [await provider.poll(handle=task, http=http) for _ in range(3)]
    assert [s.status for s in states] == [
        TaskStatus.QUEUED,
        TaskStatus.RUNNING,
        TaskStatus.SUCCEEDED,
    ]
    assert states[1].progress == 0.02 and "_jwt=" in states[2].outputs[0]
    await provider.cancel(handle=task, http=http, delete=True)
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.poll(handle=task, http=http)
    assert caught.value.response.status_code == 404
    # The core's default (TaskNotFound, or CANCELLED for a task this runner cancelled).
    assert provider.classify(response=caught.value.response, phase="poll") is None
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("cancel_unfinished_task.yaml")
async def test_cancel_is_a_delete_and_a_second_404_is_ignored(provider, http, vcr):
    task = handle("08388106-1b46-4f5c-bd46-1c1d7ee86892")
    assert await provider.cancel(handle=task, http=http, delete=False) is None
    assert await provider.cancel(handle=task, http=http, delete=False) is None
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("error_404_task.yaml")
async def test_unknown_task_is_a_404(provider, http, vcr):
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.poll(handle=handle("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"), http=http)
    assert caught.value.response.json()["error"].startswith("The task does not exist")
    played(vcr)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("cassette", "outcome", "fragment"),
    [
        ("error_400_validation_issues.yaml", Outcome.INVALID,
         'videoUri: Failed to fetch asset. Received HTTP response code "404".'),
        ("error_400_out_of_credits.yaml", Outcome.ACCOUNT, "enough credits"),
        ("error_401.yaml", Outcome.AUTHENTICATION, "No API key was provided"),
        ("error_429_daily_limit.yaml", Outcome.RATE_LIMITED, "daily task limit"),
    ],
)  # fmt: skip
async def test_documented_error_bodies_are_classified(provider, info, cassette, outcome, fragment):
    import vcr as vcrpy

    recorder = vcrpy.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                         match_on=["method", "scheme", "host", "port", "path", "query", "body"],
                         filter_headers=["authorization"])  # fmt: skip
    with recorder.use_cassette(cassette, allow_playback_repeats=False) as tape:
        async with provider_client(
            provider, httpx.AsyncHTTPTransport(), base_url=BASE_URL
        ) as client:
            with pytest.raises(httpx.HTTPStatusError) as caught:
                await provider.submit(prepared=bunny(provider, info, duration=10), http=client)
        assert tape.all_played
    classification = provider.classify(response=caught.value.response, phase="submit")
    assert classification.outcome is outcome
    assert fragment in classification.message


# ----------------------------------------------------------------------------- hygiene


def test_no_cassette_holds_a_credential_and_each_quotes_its_spec_section():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) >= 12
    for path in files:
        text = path.read_text()
        assert "Bearer" not in text and FAKE_KEY not in text
        assert not re.search(r"^\s+authorization:", text, re.IGNORECASE | re.MULTILINE), path
        first = text.splitlines()[0]
        assert first.startswith("# ") and ("runway.md §" in first or "SYNTHETIC" in first), path
    synthetic = [p.name for p in files if p.read_text().startswith("# SYNTHETIC")]
    assert synthetic == ["task_cancelled_synthetic.yaml"]
