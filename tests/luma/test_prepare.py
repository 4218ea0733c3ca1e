"""What the plugin sends, before any request: routing by model, images per API, camera
concepts, the rules the declarations cannot say, estimates without a key."""

from __future__ import annotations

import base64

import httpx
import pytest
from framecast import (
    CameraMove,
    ConfigurationError,
    GenerationRequest,
    ImageRef,
    UnsupportedOption,
    ValidationError,
)
from framecast_luma._models import INLINE_IMAGE_LIMIT
from framecast_luma.testing import LumaFake

from .conftest import ENV, png_image, prepare, runner_for, url_image

pytestmark = pytest.mark.anyio


def test_ray_3_2_goes_to_the_agents_api_with_an_inline_image(provider, info):
    prepared = prepare(provider, info, prompt="A lighthouse", image=png_image(), ratio="9:16")
    assert (prepared.method, prepared.path) == ("POST", "/generations")
    assert prepared.body == {
        "prompt": "A lighthouse",
        "model": "ray-3.2",
        "type": "video",
        "aspect_ratio": "9:16",
        "video": {
            "duration": "5s",
            "resolution": "720p",
            "start_frame": {"data": png_image().base64(), "media_type": "image/png"},
        },
    }
    assert any("expires about an hour" in n for n in prepared.notes)
    assert any("no cancel" in n for n in prepared.notes)


def test_ray_2_goes_to_dream_machine_with_concepts(provider, info):
    prepared = prepare(
        provider, info, prompt="A car", model="ray-2", image=url_image("car.jpg"),
        camera="orbit_right", duration=9, options={"resolution": "1080p"},
    )  # fmt: skip
    assert prepared.path == "https://api.lumalabs.ai/dream-machine/v1/generations/video"
    assert prepared.body == {
        "model": "ray-2",
        "prompt": "A car",  # the move is the concept, not a prompt clause
        "duration": "9s",
        "resolution": "1080p",
        "aspect_ratio": "16:9",
        "keyframes": {"frame0": {"type": "image", "url": "https://example.com/car.jpg"}},
        "concepts": [{"key": "orbit_right"}],
    }


@pytest.mark.parametrize(
    ("move", "concept"),
    [("zoom_in", "zoom_in"), ("crane_up", "pedestal_up"), ("handheld", "handheld")],
)
def test_dream_machine_maps_moves_onto_luma_concepts(provider, info, move, concept):
    prepared = prepare(provider, info, prompt="x", model="ray-flash-2", camera=move)
    assert prepared.body["concepts"] == [{"key": concept}]
    assert "Camera:" not in prepared.body["prompt"]


@pytest.mark.parametrize("move", ["tilt_up", "dolly_in", "tracking"])
def test_moves_luma_has_no_concept_for_are_phrased(provider, info, move):
    prepared = prepare(provider, info, prompt="A car", model="ray-2", camera=move)
    assert "concepts" not in prepared.body
    assert prepared.body["prompt"].startswith("A car. Camera: ")


def test_ray_3_2_phrases_every_move(provider, info):
    for move in CameraMove:
        prepared = prepare(provider, info, prompt="A car", camera=move)
        assert prepared.body["prompt"].startswith("A car. Camera: "), move


def test_ten_seconds_and_hdr_use_keyframes(provider, info):
    prepared = prepare(
        provider, info, prompt="A door", image=url_image("a.jpg"), end_image=url_image("b.jpg"),
        duration=10,
    )  # fmt: skip
    video = prepared.body["video"]
    assert video["keyframes"] == [
        {"url": "https://example.com/a.jpg"},
        {"url": "https://example.com/b.jpg"},
    ]
    assert video["keyframe_indexes"] == [0, 240]
    assert "start_frame" not in video and "end_frame" not in video
    hdr = prepare(provider, info, prompt="x", image=url_image(), options={"hdr": True})
    assert hdr.body["video"]["keyframes"] == [{"url": "https://example.com/cat.jpg"}]
    assert hdr.body["video"]["keyframe_indexes"] == [0]
    assert hdr.body["video"]["hdr"] is True


def test_previous_generations_and_uploaded_files_are_referenced(provider, info):
    gen = "123e4567-e89b-12d3-a456-426614174000"
    prepared = prepare(
        provider, info, prompt="More", image=ImageRef(source="url", url=f"luma://generation/{gen}"),
        end_image=ImageRef(source="url", url="luma://file/f-1"),
    )  # fmt: skip
    assert prepared.body["video"]["start_frame"] == {"generation_id": gen}
    assert prepared.body["video"]["end_frame"] == {"file_id": "f-1"}
    dm = prepare(
        provider, info, prompt="More", model="ray-2",
        image=ImageRef(source="url", url=f"luma://generation/{gen}"),
    )  # fmt: skip
    assert dm.body["keyframes"] == {"frame0": {"type": "generation", "id": gen}}
    with pytest.raises(ValidationError) as caught:
        prepare(
            provider, info, prompt="x", model="ray-2",
            image=ImageRef(source="url", url="luma://file/f-1"),
        )  # fmt: skip
    assert caught.value.field == "image"


async def test_luma_references_pass_the_runners_image_checks():
    async with runner_for(LumaFake()) as runner:
        prepared = runner.prepare(
            GenerationRequest(prompt="More", image="luma://generation/abc-123")
        )
        with pytest.raises(ValidationError) as caught:
            runner.prepare(GenerationRequest(prompt="x", image="ftp://example.com/a.png"))
    assert prepared.body["video"]["start_frame"] == {"generation_id": "abc-123"}
    assert caught.value.field == "image"


def test_a_large_local_image_becomes_a_files_api_upload(provider, info):
    big = png_image(INLINE_IMAGE_LIMIT + 1)
    prepared = prepare(provider, info, prompt="x", image=big)
    (upload,) = prepared.uploads
    assert prepared.body["video"]["start_frame"] == upload.placeholder
    small = prepare(provider, info, prompt="x", image=png_image(INLINE_IMAGE_LIMIT))
    assert not small.uploads
    assert (
        base64.b64decode(small.body["video"]["start_frame"]["data"])
        == png_image(INLINE_IMAGE_LIMIT).data
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"duration": 10, "options": {"loop": True}}, "options.loop"),
        ({"options": {"loop": True, "hdr": True}}, "options.loop"),
        ({"options": {"hdr": True, "resolution": "360p"}}, "options.resolution"),
        (
            {"model": "ray-2", "options": {"callback_url": "http://x.test/cb"}},
            "options.callback_url",
        ),
    ],
)
def test_combinations_luma_refuses_are_refused_first(provider, info, fields, field):
    with pytest.raises(ValidationError) as caught:
        prepare(provider, info, prompt="x", **fields)
    assert caught.value.field == field


async def test_a_local_file_for_dream_machine_is_refused_before_any_request(tmp_path):
    photo = tmp_path / "photo.png"
    from framecast.testing.contract import sample_png

    photo.write_bytes(sample_png(640, 360))
    fake = LumaFake()
    async with runner_for(fake) as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.generate(GenerationRequest(prompt="x", model="ray-2", image=photo))
    assert caught.value.field == "image"
    assert "only as URLs" in caught.value.message and "no upload" in caught.value.message
    assert "use ray-3.2, which takes local files" in caught.value.message
    assert fake.requests == []


@pytest.mark.parametrize(
    ("model", "missing", "env_left"),
    [
        ("ray-3.2", "LUMA_AGENTS_API_KEY", "LUMAAI_API_KEY"),
        ("ray-2", "LUMAAI_API_KEY", "LUMA_AGENTS_API_KEY"),
    ],
)
async def test_a_model_whose_key_is_missing_names_its_variable(model, missing, env_left):
    fake = LumaFake()
    env = {env_left: ENV[env_left]}
    async with runner_for(fake, env=env) as runner:
        with pytest.raises(ConfigurationError) as caught:
            await runner.submit(GenerationRequest(prompt="x", model=model))
    assert missing in caught.value.message
    assert env_left not in caught.value.message
    assert fake.requests == []


async def test_no_key_at_all_names_both_variables():
    fake = LumaFake()
    async with runner_for(fake, env={}) as runner:
        with pytest.raises(ConfigurationError) as caught:
            await runner.submit(GenerationRequest(prompt="x"))
    assert "LUMA_AGENTS_API_KEY" in caught.value.message
    assert "LUMAAI_API_KEY" in caught.value.message
    assert fake.requests == []


def test_unknown_resolution_is_refused(provider, info):
    with pytest.raises(UnsupportedOption):
        prepare(provider, info, prompt="x", model="ray-2", options={"resolution": "360p"})


@pytest.mark.parametrize(
    ("fields", "amount"),
    [
        ({}, 0.30),
        ({"duration": 10, "options": {"resolution": "1080p"}}, 3.60),
        ({"model": "ray-2", "duration": 9, "options": {"resolution": "1080p"}}, 2.87),
        ({"model": "ray-flash-2", "options": {"resolution": "4k"}}, 2.19),
    ],
)
async def test_estimates_work_without_a_key(fields, amount):
    async with runner_for(LumaFake(), env={}) as runner:
        estimate = runner.estimate(GenerationRequest(prompt="x", **fields))
    assert estimate is not None
    assert estimate.amount == pytest.approx(amount)
    assert estimate.confidence == "secondary" and estimate.source and estimate.as_of


@pytest.mark.parametrize(
    "fields",
    [
        {"options": {"resolution": "360p"}},
        {"options": {"hdr": True}},
        {"model": "ray-flash-2", "options": {"resolution": "720p"}},
    ],
)
async def test_unknown_prices_are_unknown_not_guessed(fields):
    async with runner_for(LumaFake(), env={}) as runner:
        assert runner.estimate(GenerationRequest(prompt="x", **fields)) is None


def test_auth_repr_hides_the_keys(provider):
    auth = provider.auth()
    assert ENV["LUMA_AGENTS_API_KEY"] not in repr(auth)
    assert ENV["LUMAAI_API_KEY"] not in repr(auth)


def test_each_api_gets_its_own_key(provider):
    auth = provider.auth()
    agents = next(
        auth.auth_flow(httpx.Request("GET", "https://agents.lumalabs.ai/v1/generations/x"))
    )
    dm = next(
        auth.auth_flow(
            httpx.Request("GET", "https://api.lumalabs.ai/dream-machine/v1/generations/x")
        )
    )
    assert agents.headers["authorization"] == f"Bearer {ENV['LUMA_AGENTS_API_KEY']}"
    assert dm.headers["authorization"] == f"Bearer {ENV['LUMAAI_API_KEY']}"
