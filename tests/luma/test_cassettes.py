"""Documented exchanges (tests/cassettes/luma/, each naming the page or SDK file and the
date it reproduces) replayed through the hooks with a real ``httpx.AsyncClient`` (vcrpy
intercepts its default transport; ``record_mode`` none: nothing is ever recorded). Create
bodies are matched; every cassette must be played to the end.

No protocol fake here: vcrpy intercepts ``MockTransport`` too.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from framecast import ImageRef, Outcome, PendingUpload, PreparedRequest, TaskHandle, TaskStatus

from .conftest import prepare, url_image

pytestmark = pytest.mark.anyio

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "luma"
AG = "https://agents.lumalabs.ai/v1"
GEN_DM = "d1f2a3b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
GEN_AG = "7b0e1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d"
FILE = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    return {
        "record_mode": "none",
        "filter_headers": ["authorization"],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "allow_playback_repeats": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


async def _raise_for_status(response: httpx.Response) -> None:
    await response.aread()
    response.raise_for_status()


@pytest.fixture
async def http(provider) -> AsyncIterator[httpx.AsyncClient]:
    # The core's own client on httpx's default transport: the cassette replaces the network.
    from framecast.testing import provider_client

    async with provider_client(provider, httpx.AsyncHTTPTransport(), base_url=AG) as client:
        yield client


def dm_handle() -> TaskHandle:
    return TaskHandle(provider="luma", task_id=GEN_DM, model="ray-2", base_url=AG,
                      provider_data={"api": "dream-machine"})  # fmt: skip


def ag_handle() -> TaskHandle:
    return TaskHandle(provider="luma", task_id=GEN_AG, model="ray-3.2", base_url=AG,
                      provider_data={"api": "agents"})  # fmt: skip


def played(vcr) -> None:
    assert vcr.all_played, f"{vcr._path}: {vcr.play_count} of {len(vcr.data)} played"


def test_every_cassette_is_scrubbed_and_names_its_source_and_date() -> None:
    import re

    import yaml

    cassettes = sorted(CASSETTES.glob("*.yaml"))
    assert len(cassettes) >= 7
    for cassette in cassettes:
        text = cassette.read_text()
        header = " ".join(
            line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")
        )
        assert re.search(r"read 2026-\d\d-\d\d", header), f"{cassette.name} names no date"
        assert re.search(r"luma-agents 0\.5\.0|lumaai 1\.21\.0|lumalabs|docs\.", header)
        for interaction in yaml.safe_load(text)["interactions"]:
            headers = {k.lower() for k in interaction["request"]["headers"]}
            assert "authorization" not in headers, cassette.name
        assert "bearer" not in text.lower() and "luma-api-" not in text


@pytest.mark.vcr
@pytest.mark.default_cassette("dm_create_camera_concept.yaml")
async def test_dream_machine_create_with_a_camera_concept(provider, info, http, vcr):
    prepared = prepare(provider, info, prompt="a car", model="ray-2", camera="zoom_in")
    handle = await provider.submit(prepared=prepared, http=http)
    assert handle.task_id == GEN_DM
    assert handle.provider_data == {"api": "dream-machine"}
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("dm_lifecycle_then_delete.yaml")
async def test_dream_machine_states_then_delete(provider, http, vcr):
    states = [(await provider.poll(handle=dm_handle(), http=http)) for _ in range(3)]
    assert [s.status for s in states] == [
        TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.SUCCEEDED,
    ]  # fmt: skip
    assert states[-1].outputs == ("https://storage.cdn-luma.com/dream_machine/example/video.mp4",)
    await provider.cancel(handle=dm_handle(), http=http, delete=True)
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("dm_failed_generation.yaml")
async def test_dream_machine_failure_reason(provider, http, vcr):
    state = await provider.poll(handle=dm_handle(), http=http)
    assert state.status is TaskStatus.FAILED
    assert "moderation" in (state.failure_message or "")
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("dm_error_401.yaml")
async def test_dream_machine_refused_key_is_classified(provider, info, http, vcr):
    prepared = prepare(provider, info, prompt="a car", model="ray-2")
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await provider.submit(prepared=prepared, http=http)
    c = provider.classify(response=caught.value.response, phase="submit")
    assert c.outcome is Outcome.AUTHENTICATION
    assert "Invalid API key provided" in c.message and "LUMAAI_API_KEY" in c.message
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("ag_create_then_complete.yaml")
async def test_agents_create_then_complete(provider, info, http, vcr):
    first = ImageRef(source="file", data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 24,
                     media_type="image/png", width=1280, height=720)  # fmt: skip
    prepared = prepare(
        provider, info, prompt="A lighthouse at dusk", image=first,
        end_image=url_image("last.jpg"), options={"resolution": "1080p"},
    )  # fmt: skip
    handle = await provider.submit(prepared=prepared, http=http)
    assert handle.task_id == GEN_AG
    running = await provider.poll(handle=ag_handle(), http=http)
    done = await provider.poll(handle=ag_handle(), http=http)
    assert running.status is TaskStatus.RUNNING
    assert done.status is TaskStatus.SUCCEEDED
    assert done.outputs[0].startswith("https://luma-agents-outputs.s3.amazonaws.com/")
    assert "hour" in (done.message or "")
    played(vcr)


@pytest.mark.vcr
@pytest.mark.default_cassette("ag_failed_content_moderated.yaml")
async def test_agents_failure_code(provider, http, vcr):
    state = await provider.poll(handle=ag_handle(), http=http)
    assert (state.status, state.failure_code, state.retryable) == (
        TaskStatus.FAILED, "content_moderated", False,
    )  # fmt: skip
    played(vcr)


@pytest.mark.vcr(match_on=["method", "scheme", "host", "port", "path"])
@pytest.mark.default_cassette("ag_file_upload_then_create.yaml")
async def test_agents_file_upload_then_create(provider, info, http, vcr):
    image = ImageRef(source="file", data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
                     media_type="image/png", width=1280, height=720)  # fmt: skip
    base = prepare(provider, info, prompt="A lighthouse at dusk")
    prepared = PreparedRequest(
        method="POST",
        path=base.path,
        body={**base.body, "video": {**base.body["video"], "start_frame": "<upload:start_frame>"}},
        model="ray-3.2",
        uploads=(PendingUpload(placeholder="<upload:start_frame>", image=image),),
        provider_data={"api": "agents"},
    )
    handle = await provider.submit(prepared=prepared, http=http)
    assert handle.task_id == GEN_AG
    create = vcr.requests[-1]
    import json

    assert json.loads(create.body)["video"]["start_frame"] == {"file_id": FILE}
    storage = [r for r in vcr.requests if r.method == "PUT"]
    assert storage and "authorization" not in {k.lower() for k in storage[0].headers}
    assert base64.b64encode(image.data or b"")  # the bytes went to the presigned URL
    played(vcr)
