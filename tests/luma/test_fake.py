"""LumaFake refuses what Luma's SDK types refuse, and records what a client does wrong: a
fake that accepted anything would prove nothing about the plugin."""

from __future__ import annotations

import httpx
import pytest
from framecast_luma.testing import LumaFake

from .conftest import AGENTS_KEY, DM_KEY

AG = "https://agents.lumalabs.ai/v1/generations"
DM = "https://api.lumalabs.ai/dream-machine/v1/generations/video"
GOOD_AG = {"prompt": "x", "model": "ray-3.2", "type": "video",
           "video": {"duration": "5s", "resolution": "720p"}}  # fmt: skip
GOOD_DM = {"model": "ray-2", "prompt": "x", "duration": "5s", "resolution": "720p"}


def send(fake: LumaFake, url: str, body: dict, key: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return fake(httpx.Request("POST", url, json=body, headers=headers))


def test_good_bodies_are_accepted():
    fake = LumaFake()
    assert send(fake, AG, GOOD_AG, AGENTS_KEY).status_code == 201
    assert send(fake, DM, GOOD_DM, DM_KEY).status_code == 201
    assert fake.tasks_created == 2


@pytest.mark.parametrize(
    "video",
    [
        {"duration": "10s", "loop": True},
        {"duration": "5s", "start_frame": {"data": "aGVsbG8="}},  # no media_type
        {"duration": "5s", "start_frame": {"url": "https://e.test/a.png", "file_id": "f"}},
        {"duration": "10s", "start_frame": {"url": "https://e.test/a.png"}},
        {"duration": "5s", "keyframes": [{"url": "https://e.test/a.png"}], "keyframe_indexes": [0],
         "start_frame": {"url": "https://e.test/b.png"}},
        {"duration": "5s", "keyframes": [{"url": "https://e.test/a.png"}], "keyframe_indexes": [121]},
        {"duration": "5s", "resolution": "360p", "hdr": True},
        {"duration": "5s", "start_frame": {"file_id": "not-uploaded"}},
    ],
)  # fmt: skip
def test_agents_bodies_the_sdk_rules_refuse_are_refused(video):
    fake = LumaFake()
    assert send(fake, AG, {**GOOD_AG, "video": video}, AGENTS_KEY).status_code == 400
    assert fake.tasks_created == 0


@pytest.mark.parametrize(
    "change",
    [
        {"duration": "10s"},
        {"resolution": "360p"},
        {"keyframes": {"frame0": {"type": "image", "url": "http://e.test/a.png"}}},
        {"concepts": [{"key": "tilt_up"}]},
        {"callback_url": "http://e.test/cb"},
    ],
)
def test_dream_machine_bodies_the_sdk_rules_refuse_are_refused(change):
    fake = LumaFake()
    assert send(fake, DM, {**GOOD_DM, **change}, DM_KEY).status_code == 422
    assert fake.tasks_created == 0


def test_each_api_takes_only_its_own_key_and_a_missing_one_is_recorded():
    fake = LumaFake()
    assert send(fake, AG, GOOD_AG, DM_KEY).status_code == 401
    assert send(fake, DM, GOOD_DM, AGENTS_KEY).status_code == 401
    assert send(fake, DM, GOOD_DM, None).status_code == 401
    assert fake.violations == ["no Authorization on POST /dream-machine/v1/generations/video"]


def test_a_key_sent_to_an_output_url_is_a_violation():
    fake = LumaFake()
    url = "https://storage.luma-outputs.fake.test/x/video.mp4"
    fake(httpx.Request("GET", url, headers={"authorization": "Bearer leak"}))
    assert fake.violations == [
        "authorization sent to an output URL (storage.luma-outputs.fake.test)"
    ]
