"""prepare(): the create bodies Kling documents, and every capability-table rule refused
before any request."""

from __future__ import annotations

import base64

import pytest
from framecast import GenerationRequest, UnsupportedOption, ValidationError
from framecast_kling import KlingProvider

from .support import image_ref, prepare, url_ref


def test_image2video_body_sends_raw_base64_and_no_aspect_ratio(provider, portrait) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="An astronaut waves", image=portrait))
    assert prepared.method == "POST"
    assert prepared.path == "/v1/videos/image2video"
    assert prepared.provider_data == {"endpoint": "image2video"}
    body = prepared.body
    assert body["model_name"] == "kling-v2-5-turbo"
    assert body["mode"] == "std"
    assert body["duration"] == "5"  # a string, as Kling documents
    assert body["prompt"] == "An astronaut waves"
    assert body["external_task_id"] == "key-0001"
    assert not body["image"].startswith("data:")
    assert base64.b64decode(body["image"]) == portrait.data
    assert "aspect_ratio" not in body
    assert "cfg_scale" not in body and "seed" not in body and "camera_control" not in body


def test_url_image_is_sent_as_is(provider) -> None:
    url = "https://cdn.example.com/astronaut.png?sig=1"
    prepared = prepare(provider, GenerationRequest(prompt="x", image=url_ref(url)))
    assert prepared.body["image"] == url


def test_text2video_body_has_aspect_ratio_and_string_duration(provider) -> None:
    prepared = prepare(
        provider, GenerationRequest(prompt="A calm sunrise", duration=10, ratio="9:16")
    )
    assert prepared.path == "/v1/videos/text2video"
    assert prepared.body == {
        "model_name": "kling-v2-5-turbo",
        "mode": "std",
        "duration": "10",
        "prompt": "A calm sunrise",
        "aspect_ratio": "9:16",
        "external_task_id": "key-0001",
    }


def test_text2video_default_ratio_is_sent_explicitly(provider) -> None:
    prepared = prepare(provider, GenerationRequest(prompt="A calm sunrise"))
    assert prepared.body["aspect_ratio"] == "16:9"


def test_multi_image_body_uses_image_list(provider, portrait, landscape) -> None:
    prepared = prepare(
        provider, GenerationRequest(prompt="Two friends meet", images=[portrait, landscape])
    )
    assert prepared.path == "/v1/videos/multi-image2video"
    body = prepared.body
    assert body["model_name"] == "kling-v1-6"
    assert [base64.b64decode(item["image"]) for item in body["image_list"]] == [
        portrait.data,
        landscape.data,
    ]
    assert set(body) == {
        "model_name", "mode", "duration", "image_list", "prompt", "aspect_ratio",
        "external_task_id",
    }  # fmt: skip


def test_end_frame_goes_to_image_tail_and_picks_the_only_mode(provider, portrait) -> None:
    tail = image_ref(size=(512, 512))
    prepared = prepare(provider, GenerationRequest(prompt="x", image=portrait, end_image=tail))
    assert prepared.body["model_name"] == "kling-v2-5-turbo"
    assert prepared.body["mode"] == "pro"  # the only mode v2-5-turbo offers with image_tail
    assert base64.b64decode(prepared.body["image_tail"]) == tail.data
    assert any("mode pro" in note for note in prepared.notes)


def test_explicit_std_with_an_end_frame_where_only_pro_is_allowed_is_refused(
    provider, portrait
) -> None:
    request = GenerationRequest(
        prompt="x", image=portrait, end_image=image_ref(size=(512, 512)), options={"mode": "std"}
    )
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, request, model="kling-v1-6")
    assert caught.value.field == "options.mode"
    assert caught.value.allowed == ["pro"]


def test_kling_v1_end_frame_is_5_seconds_only(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, end_image=image_ref(size=(400, 400)),
                                duration=10)  # fmt: skip
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, request, model="kling-v1")
    assert caught.value.field == "duration"
    assert caught.value.allowed == [5]


@pytest.mark.parametrize("model", ["kling-v1-5", "kling-v2-1"])
def test_image_only_models_refuse_text2video(provider, model) -> None:
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, GenerationRequest(prompt="x"), model=model)
    # The core refuses it from the declared modes, naming the models that do take text.
    assert (caught.value.field, caught.value.value, caught.value.allowed) == (
        "mode", "text", ["first-last", "image"]
    )  # fmt: skip
    assert "kling-v2-5-turbo" in caught.value.message


@pytest.mark.parametrize("model", ["kling-v2-master", "kling-v2-1-master", "kling-v3"])
def test_models_without_end_frame_refuse_it(provider, portrait, model) -> None:
    request = GenerationRequest(prompt="x", image=portrait, end_image=image_ref(size=(512, 512)))
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, request, model=model)
    # The core refuses it from the declared modes, before Kling's capability map.
    assert (caught.value.field, caught.value.value) == ("mode", "first-last")


def test_multi_image_only_on_kling_v1_6(provider, portrait) -> None:
    with pytest.raises(UnsupportedOption):
        prepare(provider, GenerationRequest(prompt="x", images=[portrait]), model="kling-v2-6")


def test_master_models_send_no_mode(provider, portrait) -> None:
    prepared = prepare(
        provider, GenerationRequest(prompt="x", image=portrait), model="kling-v2-master"
    )
    assert "mode" not in prepared.body


@pytest.mark.parametrize(
    "model", ["kling-v2-master", "kling-v2-1", "kling-v2-5-turbo", "kling-v2-6", "kling-v3"]
)
def test_cfg_scale_refused_on_v2_and_later(provider, portrait, model) -> None:
    request = GenerationRequest(prompt="x", image=portrait, options={"cfg_scale": 0.7})
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, request, model=model)
    # The core refuses it from the model's declared options (the message lists them).
    assert caught.value.field == "options.cfg_scale"
    assert "cfg_scale" not in caught.value.allowed


def test_cfg_scale_sent_where_supported(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, options={"cfg_scale": 0.7})
    assert prepare(provider, request, model="kling-v1-6").body["cfg_scale"] == 0.7


def test_cfg_scale_out_of_range_refused(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, options={"cfg_scale": 1.5})
    with pytest.raises(ValidationError) as caught:  # the OptionSpec's maximum, by the core
        prepare(provider, request, model="kling-v1")
    assert (caught.value.field, caught.value.value) == ("options.cfg_scale", 1.5)


def test_cfg_scale_refused_on_multi_image(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", images=[portrait], options={"cfg_scale": 0.5})
    with pytest.raises(UnsupportedOption, match="multi-image2video has no cfg_scale"):
        prepare(provider, request)


def test_seed_is_refused_naming_that_kling_has_none(provider, portrait) -> None:
    with pytest.raises(ValidationError, match="kling has no seed") as caught:
        prepare(provider, GenerationRequest(prompt="x", image=portrait, seed=42))
    assert caught.value.field == "seed"


def test_declared_models_take_no_seed(provider) -> None:
    assert all(not m.supports_seed for m in provider.provider_info().models)


def test_negative_prompt_is_sent_and_limited(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, negative_prompt="blur")
    assert prepare(provider, request).body["negative_prompt"] == "blur"
    with pytest.raises(ValidationError) as caught:
        prepare(provider, request.evolve(negative_prompt="n" * 2501))
    assert caught.value.field == "negative_prompt"


def test_prompt_over_2500_characters_refused(provider, portrait) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare(provider, GenerationRequest(prompt="p" * 2501, image=portrait))
    assert caught.value.field == "prompt"


def test_text2video_requires_a_prompt(provider) -> None:
    with pytest.raises(ValidationError, match="requires a prompt"):
        prepare(provider, GenerationRequest(prompt=""))


def test_image2video_prompt_is_optional(provider, portrait) -> None:
    assert "prompt" not in prepare(provider, GenerationRequest(image=portrait)).body


def test_unknown_option_refused(provider, portrait) -> None:
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, GenerationRequest(prompt="x", image=portrait, options={"sound": "on"}))
    assert caught.value.field == "options.sound"


def test_unknown_mode_refused(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, options={"mode": "professional"})
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, request)
    assert caught.value.allowed == ["std", "pro"]


def test_configured_default_mode_is_used(portrait, clock) -> None:
    from framecast import ProviderSettings

    provider = KlingProvider(ProviderSettings(name="kling", options={"mode": "pro"}), clock=clock)
    assert prepare(provider, GenerationRequest(prompt="x", image=portrait)).body["mode"] == "pro"


def test_tail_only_allowed_where_the_map_says(provider) -> None:
    tail = image_ref(size=(512, 512))
    request = GenerationRequest(prompt="x", end_image=tail, options={"mode": "pro"})
    body = prepare(provider, request, model="kling-v1-5").body
    assert "image" not in body and body["image_tail"]
    with pytest.raises(ValidationError) as caught:
        prepare(provider, request, model="kling-v2-5-turbo")
    assert caught.value.field == "image"


def test_multi_image_refuses_a_start_image_too(provider, portrait) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare(provider, GenerationRequest(prompt="x", image=portrait, images=[portrait]))
    assert caught.value.field == "image"


def test_multi_image_at_most_four(provider, portrait) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare(provider, GenerationRequest(prompt="x", images=[portrait] * 5))
    assert caught.value.field == "images"


def test_prepare_is_pure_and_repeatable(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, idempotency_key="k-1")
    first, second = prepare(provider, request), prepare(provider, request)
    assert first.body == second.body
    assert first.fingerprint() == second.fingerprint()


def test_kling_v3_durations_are_the_documented_enum(provider) -> None:
    model = provider.provider_info().model("kling-v3")
    assert model is not None
    assert model.durations == (5, 10)
    assert "unconfirmed" in model.notes


def test_configured_mode_merged_by_the_runner_yields_where_only_pro_exists(portrait, clock) -> None:
    from framecast import ProviderSettings

    # The runner merges the [kling] table's options into request.options.
    provider = KlingProvider(ProviderSettings(name="kling", options={"mode": "std"}), clock=clock)
    request = GenerationRequest(
        prompt="x", image=portrait, end_image=image_ref(size=(512, 512)), options={"mode": "std"}
    )
    assert prepare(provider, request, model="kling-v2-5-turbo").body["mode"] == "pro"
    with pytest.raises(UnsupportedOption):  # asked in the request itself: refused
        prepare(KlingProvider(clock=clock), request, model="kling-v2-5-turbo")


def test_explicit_mode_on_a_master_model_is_refused(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, options={"mode": "pro"})
    with pytest.raises(UnsupportedOption, match="option 'mode' is not offered") as caught:
        prepare(provider, request, model="kling-v2-master")
    assert caught.value.field == "options.mode"
