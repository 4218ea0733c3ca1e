"""The request hooks: ratios, camera by prompt, durations, models and the bodies they build."""

from __future__ import annotations

import pytest
from framecast import (
    IDENTITY_PREFIX,
    GenerationRequest,
    UnsupportedOption,
    ValidationError,
)

from .conftest import png_image, prepare, url_image

# ----------------------------------------------------------------------------- ratios


@pytest.mark.parametrize(
    ("model", "ratio", "wire"),
    [
        ("gen4_turbo", "9:16", "720:1280"),
        ("gen4_turbo", "21:9", "1584:672"),
        ("gen4_turbo", "16:9", "1280:720"),
        ("gen4_turbo", "1:1", "960:960"),
        ("gen4_turbo", "4:3", "1104:832"),
        ("gen4_turbo", "3:4", "832:1104"),
        ("gen4.5", "21:9", "1584:672"),
        ("veo3.1", "16:9", "1280:720"),  # smallest of 1280:720 and 1920:1080
        ("veo3.1", "9:16", "720:1280"),
        ("hailuo3", "1280:720", "16:9"),  # hailuo's wire values are aspect names
    ],
)
def test_canonical_ratio_maps_to_the_models_wire_value(provider, info, model, ratio, wire):
    body = prepare(provider, info, prompt="A cat", image=url_image(), model=model, ratio=ratio).body
    assert body["ratio"] == wire


def test_a_wire_value_is_sent_as_given_so_larger_sizes_stay_reachable(provider, info):
    body = prepare(
        provider, info, prompt="x", image=url_image(), model="veo3.1", ratio="1920:1080"
    ).body
    assert body["ratio"] == "1920:1080"


def test_no_ratio_means_the_declared_default(provider, info):
    body = prepare(provider, info, prompt="x", image=url_image(), model="gen4_turbo").body
    assert body["ratio"] == info.model("gen4_turbo").default_ratio == "1280:720"


def test_guide_ratios_that_current_models_do_not_take_are_refused_with_the_list(provider, info):
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, info, prompt="x", image=url_image(), model="gen4_turbo", ratio="1:2")
    error = caught.value
    assert error.field == "ratio" and error.value == "1:2"
    assert "1280:720 (16:9)" in error.message and "ratio_policy='nearest'" in error.message
    assert set(error.allowed) == {"1280:720", "720:1280", "1104:832", "832:1104", "960:960",
                                  "1584:672"}  # fmt: skip


def test_a_size_that_is_not_the_models_is_mapped_by_aspect_with_a_note(provider, info):
    prepared = prepare(
        provider, info, prompt="x", image=url_image(), model="gen4_turbo", ratio="1024:1024"
    )
    assert prepared.body["ratio"] == "960:960"
    assert any("1024:1024 is not a gen4_turbo size" in note for note in prepared.notes)


def test_nearest_policy_takes_the_closest_aspect_and_says_so(provider, info):
    prepared = prepare(
        provider, info, prompt="x", image=url_image(), model="gen4_turbo", ratio="1:2",
        ratio_policy="nearest",
    )  # fmt: skip
    assert prepared.body["ratio"] == "720:1280"
    assert any("nearest" in note and "720:1280" in note for note in prepared.notes)


def test_text_to_video_uses_that_endpoints_ratios(provider, info):
    # gen4.5 takes six ratios on image-to-video but only two on text-to-video.
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, info, prompt="x", model="gen4.5", ratio="1:1")
    assert caught.value.allowed == ["1280:720", "720:1280"]


def test_a_model_whose_video_follows_the_image_asks_for_a_fit(provider, info):
    request = GenerationRequest(prompt="x", image=url_image(), model="happyhorse_1_0", ratio="16:9")
    model = info.model("happyhorse_1_0")
    with pytest.raises(UnsupportedOption, match="image_fit"):
        provider.map_ratio(request=request, model=model)
    plan = provider.map_ratio(request=request.evolve(image_fit="crop"), model=model)
    assert (plan.fit, plan.fit_aspect, plan.wire_value) == ("crop", "16:9", None)


# ----------------------------------------------------------------------------- camera


def test_camera_is_phrased_in_the_prompt(provider, info):
    body = prepare(
        provider, info, prompt="A cat on a sofa", image=url_image(), camera="pan_left"
    ).body
    assert body["promptText"] == "A cat on a sofa. Camera: camera pans left across the scene."


def test_no_doubled_full_stop_and_identity_prefix_first(provider, info):
    body = prepare(
        provider, info, prompt="A woman smiles.", image=url_image(), camera="tracking_shot",
        preserve_identity=True,
    ).body  # fmt: skip
    assert body["promptText"] == (
        IDENTITY_PREFIX + "A woman smiles. Camera: tracking shot following the subject."
    )


def test_ambiguous_camera_clause_is_refused_as_a_prompt_error(provider, info):
    with pytest.raises(ValidationError) as caught:
        prepare(
            provider, info, prompt="A cat. Camera: static.", image=url_image(), camera="orbit_left"
        )
    assert caught.value.field == "prompt"


def test_camera_strength_is_noted_as_ignored(provider, info):
    prepared = prepare(
        provider, info, prompt="x", image=url_image(), camera="zoom_in", camera_strength=9
    )
    assert any("camera_strength" in note for note in prepared.notes)


def test_finished_prompt_is_measured_in_utf16_units(provider, info):
    # 500 emoji are 500 code points but 1000 UTF-16 units: the camera clause tips it over.
    emoji = "\U0001f600" * 500
    with pytest.raises(ValidationError) as caught:
        prepare(provider, info, prompt=emoji, image=url_image(), camera="static")
    assert caught.value.field == "prompt" and "UTF-16" in caught.value.message
    body = prepare(provider, info, prompt="\U0001f600" * 480, image=url_image()).body
    assert len(body["promptText"]) == 480


# ----------------------------------------------------------------------------- durations, models


def test_default_duration_is_always_sent(provider, info):
    body = prepare(provider, info, prompt="x", image=url_image(), model="gen4_turbo").body
    assert body["duration"] == 5


def test_veo_takes_only_4_6_or_8_seconds(provider, info):
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, info, prompt="x", model="veo3.1", duration=5)
    assert caught.value.allowed == [4, 6, 8]


@pytest.mark.parametrize(
    ("model", "replacement"), [("gen3a_turbo", "gen4_turbo"), ("veo3", "veo3.1")]
)
def test_withdrawn_models_are_refused_naming_the_replacement(provider, info, model, replacement):
    declared = info.model(model)
    assert declared.withdrawn and declared.replacement == replacement
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, info, prompt="x", image=url_image(), model=model)
    assert caught.value.field == "model" and replacement in caught.value.message


def test_image_models_refuse_camera_and_duration(provider, info):
    with pytest.raises(ValidationError) as caught:
        prepare(provider, info, prompt="a logo", model="gen4_image", camera="zoom_in")
    assert caught.value.field == "camera"
    with pytest.raises(ValidationError) as caught:
        prepare(provider, info, prompt="a logo", model="gen4_image", duration=5)
    assert caught.value.field == "duration"


def test_image_model_sends_references_and_no_duration(provider, info):
    prepared = prepare(
        provider, info, prompt="@cat on a hat", model="gen4_image_turbo",
        images=[url_image("a.jpg"), url_image("b.jpg")], ratio="16:9",
    )  # fmt: skip
    assert prepared.path == "/v1/text_to_image"
    assert prepared.body == {
        "model": "gen4_image_turbo",
        "promptText": "@cat on a hat",
        "ratio": "1280:720",
        "referenceImages": [
            {"uri": "https://example.com/a.jpg"},
            {"uri": "https://example.com/b.jpg"},
        ],
    }


def test_gen4_image_turbo_needs_reference_images(provider, info):
    assert "text" not in {m.value for m in info.model("gen4_image_turbo").modes}
    with pytest.raises((ValidationError, UnsupportedOption)):
        prepare(provider, info, prompt="a logo", model="gen4_image_turbo")


def test_first_and_last_frame_on_veo(provider, info):
    body = prepare(
        provider, info, prompt="x", model="veo3.1", image=url_image("a.jpg"),
        end_image=url_image("b.jpg"),
    ).body  # fmt: skip
    assert body["promptImage"] == [
        {"uri": "https://example.com/a.jpg", "position": "first"},
        {"uri": "https://example.com/b.jpg", "position": "last"},
    ]


def test_a_last_frame_on_a_first_frame_only_model_is_refused(provider, info):
    with pytest.raises(UnsupportedOption) as caught:
        prepare(
            provider, info, prompt="x", model="gen4_turbo", image=url_image(),
            end_image=url_image("b.jpg"),
        )  # fmt: skip
    assert caught.value.field in ("end_image", "mode")


def test_seed_negative_prompt_and_options_reach_the_wire_names(provider, info):
    body = prepare(
        provider, info, prompt="x", model="veo3.1", seed=42, negative_prompt="blur",
        options={"audio": False},
    ).body  # fmt: skip
    assert body == {
        "model": "veo3.1",
        "promptText": "x",
        "ratio": "1280:720",
        "duration": 8,
        "seed": 42,
        "negativePrompt": "blur",
        "audio": False,
    }
    body = prepare(
        provider, info, prompt="x", image=url_image(), model="gen4.5",
        options={"public_figure_threshold": "low", "output_format": "prores",
                 "prores_profile": "422 HQ"},
    ).body  # fmt: skip
    assert body["contentModeration"] == {"publicFigureThreshold": "low"}
    assert (body["outputFormat"], body["proresProfile"]) == ("prores", "422 HQ")


def test_negative_prompt_on_a_model_without_one_is_refused(provider, info):
    with pytest.raises(ValidationError) as caught:  # the core's check, from the declarations
        prepare(provider, info, prompt="x", image=url_image(), negative_prompt="blur")
    assert caught.value.field == "negative_prompt"


def test_unknown_option_is_refused_naming_the_models_options(provider, info):
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, info, prompt="x", image=url_image(), options={"audio": True})
    assert caught.value.field == "options.audio"


# ----------------------------------------------------------------------------- images


def test_small_local_images_are_inlined_as_data_uris(provider, info):
    prepared = prepare(provider, info, prompt="x", image=png_image(4096))
    assert prepared.body["promptImage"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert prepared.uploads == ()


def test_images_over_the_5mb_data_uri_limit_become_upload_placeholders(provider, info):
    big = png_image(4 * 1024 * 1024)  # 4 MiB raw is about 5.6 MB as a data URI
    assert big.data_uri_length > 5 * 1024 * 1024
    prepared = prepare(provider, info, prompt="x", image=big)
    assert prepared.body["promptImage"] == "<upload:promptImage>"
    assert [u.placeholder for u in prepared.uploads] == ["<upload:promptImage>"]
    assert prepared.uploads[0].image is big
    # The dry run never carries the bytes.
    assert "AAAA" not in str(prepared.to_dict())


def test_just_under_the_limit_stays_inline(provider, info):
    prefix = len("data:image/png;base64,")
    raw = (5 * 1024 * 1024 - prefix) // 4 * 3
    image = png_image(raw)
    assert image.data_uri_length <= 5 * 1024 * 1024
    assert prepare(provider, info, prompt="x", image=image).uploads == ()


def test_prepare_is_pure_and_repeatable(provider, info):
    first = prepare(provider, info, prompt="x", image=url_image(), camera="zoom_out")
    second = prepare(provider, info, prompt="x", image=url_image(), camera="zoom_out")
    assert first.fingerprint() == second.fingerprint()
    assert first.path == "/v1/image_to_video" and first.method == "POST"


def test_unknown_model_is_sent_unvalidated_only_when_allowed(provider, info):
    fields = dict(prompt="x", image=url_image(), model="gen5_preview", ratio="16:9")
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, info, **fields)
    assert caught.value.field == "model"
    prepared = prepare(provider, info, **fields, allow_unknown_model=True)
    assert prepared.body == {
        "model": "gen5_preview",
        "promptImage": "https://example.com/cat.jpg",
        "promptText": "x",
        "ratio": "16:9",
    }
    assert any("unvalidated" in note for note in prepared.notes)
    # It is in no table at all: the SDK-types note would claim knowledge framecast lacks.
    assert not any("SDK" in note for note in prepared.notes)


def test_a_model_known_only_from_the_sdk_says_so(provider, info):
    model = next(m for m in info.models if m.name == "wan3")
    mode = sorted(model.modes, key=lambda m: m.value)[0]
    fields = {"image": url_image()} if mode.value == "image" else {}
    prepared = prepare(provider, info, prompt="x", model="wan3", **fields)
    assert any("known only from the SDK's types" in note for note in prepared.notes)


def test_prores_profile_follows_the_output_format(provider, info):
    def body(**options):
        return prepare(provider, info, prompt="x", image=url_image(), model="gen4.5",
                       options=options).body  # fmt: skip

    assert body(output_format="hdr_prores", prores_profile="422 HQ")["proresProfile"] == "422 HQ"
    with pytest.raises(UnsupportedOption):
        body(output_format="hdr_prores", prores_profile="4444 XQ")
    with pytest.raises(ValidationError) as caught:
        body(prores_profile="422")
    assert caught.value.field == "options.prores_profile"
