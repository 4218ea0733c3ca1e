"""The create body: content items and roles, ratios, the camera, options, and refusals
before the network."""

from __future__ import annotations

import pytest
from framecast import CameraMove, UnsupportedOption, ValidationError

from .conftest import CN_ENV, png_image, prepare, provider_for, url_image

V2 = "dreamina-seedance-2-0-260128"
PRO15 = "seedance-1-5-pro-251215"


def test_first_and_last_frame_become_role_tagged_image_items(provider) -> None:
    body = prepare(provider, prompt="A door opens", image=url_image(), end_image=png_image()).body
    assert body["content"][0] == {"type": "text", "text": "A door opens"}
    first, last = body["content"][1:]
    assert first == {"type": "image_url", "image_url": {"url": "https://example.com/first.png"},
                     "role": "first_frame"}  # fmt: skip
    assert last["role"] == "last_frame"
    assert last["image_url"]["url"].startswith("data:image/png;base64,")


def test_reference_images_are_reference_items(provider) -> None:
    body = prepare(
        provider, prompt="Two friends", images=[url_image("a.png"), url_image("b.png")]
    ).body
    assert [item.get("role") for item in body["content"]] == [
        None,
        "reference_image",
        "reference_image",
    ]


def test_no_ratio_asked_text_gets_16_9_and_an_image_job_follows_the_image(provider) -> None:
    assert prepare(provider, prompt="A kite").body["ratio"] == "16:9"
    assert prepare(provider, prompt="A kite", image=url_image()).body["ratio"] == "adaptive"


def test_a_canonical_ratio_is_sent_and_an_unknown_one_refused(provider) -> None:
    assert prepare(provider, prompt="A kite", ratio="21:9").body["ratio"] == "21:9"
    assert prepare(provider, prompt="A kite", ratio="adaptive").body["ratio"] == "adaptive"
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, prompt="A kite", ratio="2:1")
    assert caught.value.field == "ratio" and "adaptive" in caught.value.details["allowed"]


def test_static_is_camera_fixed_on_models_that_honour_it(provider) -> None:
    body = prepare(provider, prompt="A lake", model=PRO15, image=url_image(), camera="static").body
    assert body["camera_fixed"] is True
    assert body["content"][0]["text"] == "A lake"  # no phrase on top of the native control


def test_static_is_phrased_on_seedance_2(provider) -> None:
    body = prepare(provider, prompt="A lake", model=V2, image=url_image(), camera="static").body
    assert "camera_fixed" not in body
    assert "Camera:" in body["content"][0]["text"]


def test_static_with_reference_images_is_phrased_even_on_1_x() -> None:
    provider = provider_for(CN_ENV)
    body = prepare(provider, prompt="A lake", model="doubao-seedance-1-0-lite-i2v-250428",
                   images=[url_image()], camera="static").body  # fmt: skip
    assert "camera_fixed" not in body


@pytest.mark.parametrize("move", [m for m in CameraMove if m is not CameraMove.STATIC])
def test_every_other_move_goes_into_the_prompt(provider, move) -> None:
    body = prepare(provider, prompt="A lake", model=PRO15, image=url_image(), camera=move).body
    assert "camera_fixed" not in body
    assert body["content"][0]["text"].startswith("A lake. Camera: ")


def test_options_reach_the_body(provider) -> None:
    body = prepare(provider, prompt="A kite", model=PRO15, seed=7, options={
        "resolution": "1080p", "generate_audio": False, "service_tier": "flex",
        "watermark": True, "callback_url": "https://example.com/cb",
        "execution_expires_after": 7200}).body  # fmt: skip
    assert body["resolution"] == "1080p" and body["generate_audio"] is False
    assert body["service_tier"] == "flex" and body["watermark"] is True and body["seed"] == 7
    assert body["callback_url"] == "https://example.com/cb"
    assert body["execution_expires_after"] == 7200


def test_a_model_without_audio_gets_no_audio_field() -> None:
    body = prepare(
        provider_for(CN_ENV), prompt="A kite", model="doubao-seedance-1-0-pro-250528"
    ).body
    assert "generate_audio" not in body


def test_lite_refuses_1080p_with_reference_images() -> None:
    with pytest.raises(ValidationError) as caught:
        prepare(provider_for(CN_ENV), prompt="A kite", model="doubao-seedance-1-0-lite-i2v-250428",
                images=[url_image()], options={"resolution": "1080p"})  # fmt: skip
    assert caught.value.field == "options.resolution"
    assert caught.value.details["allowed"] == ["480p", "720p"]


def test_references_and_a_first_frame_together_are_refused(provider) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare(provider, prompt="A kite", image=url_image(), images=[url_image("b.png")])
    assert caught.value.field == "images"


def test_inline_images_past_the_64_mb_body_are_refused(provider) -> None:
    big = png_image(raw_bytes=25_000_000)
    with pytest.raises(ValidationError) as caught:
        prepare(provider, prompt="A kite", images=[big, big])
    assert caught.value.field == "images" and "64,000,000" in caught.value.message


async def test_a_bad_option_value_is_refused_before_the_network(fake) -> None:
    from framecast import GenerationRequest

    from .conftest import runner_for

    async with runner_for(fake) as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.submit(GenerationRequest(prompt="A kite", options={"resolution": "1080p"},
                                                  model="dreamina-seedance-2-0-fast-260128"))  # fmt: skip
    assert caught.value.field == "options.resolution"
    assert fake.requests == 0


async def test_a_duration_outside_the_model_range_is_refused(fake) -> None:
    from framecast import GenerationRequest

    from .conftest import runner_for

    async with runner_for(fake) as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.submit(GenerationRequest(prompt="A kite", duration=3))
    assert caught.value.field == "duration"
    assert fake.requests == 0


pytestmark = pytest.mark.anyio
