"""What the plugin sends and what it refuses offline — before any request, before any money.
Each refusal names the field, the value and what is allowed."""

from __future__ import annotations

import pytest
from framecast import (
    ConfigurationError,
    GenerationRequest,
    Mode,
    ProviderSettings,
    Runner,
    UnsupportedOption,
    ValidationError,
)
from framecast_google import GoogleProvider

from .conftest import ENV, png, prepare


def runner(env=None) -> Runner:
    return Runner("google", env=ENV if env is None else env)


def test_text_to_video_body(provider, info) -> None:
    prepared = prepare(provider, info, prompt="A lighthouse", negative_prompt="text")
    assert prepared.path == "/v1beta/models/veo-3.1-generate-preview:predictLongRunning"
    assert prepared.body == {
        "instances": [{"prompt": "A lighthouse"}],
        "parameters": {"sampleCount": 1, "durationSeconds": 8, "aspectRatio": "16:9",
                       "resolution": "720p", "negativePrompt": "text"},
    }  # fmt: skip


def test_image_and_last_frame_go_inline_as_base64(provider, info) -> None:
    body = prepare(provider, info, prompt="x", image=png(), end_image=png()).body
    instance = body["instances"][0]
    assert instance["image"] == {"bytesBase64Encoded": png().base64(), "mimeType": "image/png"}
    assert instance["lastFrame"] == instance["image"]
    assert body["parameters"]["durationSeconds"] == 8  # first+last defaults to 8 s


def test_reference_images_are_assets(provider, info) -> None:
    body = prepare(provider, info, prompt="x", images=[png(), png()]).body
    refs = body["instances"][0]["referenceImages"]
    assert [r["referenceType"] for r in refs] == ["ASSET", "ASSET"]


@pytest.mark.parametrize(
    ("fields", "field", "allowed"),
    [
        ({"model": "veo-3.1-lite-generate-preview", "options": {"resolution": "4k"}},
         "options.resolution", ["720p", "1080p"]),
        ({"options": {"resolution": "1080p"}, "duration": 6}, "duration", [8]),
        ({"options": {"resolution": "4k"}, "duration": 4}, "duration", [8]),
        ({"images": [png()], "duration": 4}, "duration", [8]),
        ({"images": [png()], "model": "veo-3.1-lite-generate-preview"}, "mode",
         ["first-last", "image", "text"]),
        ({"image": png(), "options": {"person_generation": "allow_all"}},
         "options.person_generation", ["allow_adult"]),
        ({"seed": 42}, "seed", [None]),
        ({"duration": 5}, "duration", [4, 6, 8]),
    ],
)  # fmt: skip
def test_offline_refusals_name_field_value_and_what_is_allowed(
    provider, info, fields, field, allowed
) -> None:
    fields.setdefault("prompt", "A fox")
    with pytest.raises(ValidationError) as caught:
        prepare(provider, info, **fields)
    assert caught.value.field == field
    assert caught.value.allowed == allowed


def test_too_many_reference_images_are_refused_before_the_network() -> None:
    with pytest.raises(ValidationError) as caught:
        runner().prepare(GenerationRequest(prompt="x", images=[png()] * 4))
    assert caught.value.field in ("images", "images[3]")


def test_a_text_request_needs_a_prompt(provider, info) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare(provider, info, prompt="", images=[png()])
    assert caught.value.field == "prompt"


@pytest.mark.parametrize(
    ("model", "replacement"),
    [("veo-3.0-generate-001", "veo-3.1-generate-preview"),
     ("veo-3.0-fast-generate-001", "veo-3.1-fast-generate-preview"),
     ("veo-2.0-generate-001", "veo-3.1-generate-preview")],
)  # fmt: skip
def test_shut_down_models_are_refused_offline_naming_the_replacement(model, replacement) -> None:
    with pytest.raises(UnsupportedOption) as caught:
        runner(env={}).prepare(GenerationRequest(prompt="x", model=model))
    assert replacement in str(caught.value)


def test_an_image_url_is_refused_offline_saying_what_to_pass() -> None:
    with pytest.raises(ValidationError) as caught:
        runner().prepare(GenerationRequest(prompt="x", image="https://example.com/cat.png"))
    assert caught.value.field == "image"
    assert "inline only" in caught.value.message and "pass the file" in caught.value.message


@pytest.mark.parametrize(
    ("model", "resolution", "duration", "amount"),
    [("veo-3.1-generate-preview", "720p", 8, 3.20),
     ("veo-3.1-generate-preview", "4k", 8, 4.80),
     ("veo-3.1-fast-generate-preview", "1080p", 8, 0.96),
     ("veo-3.1-fast-generate-preview", "720p", 4, 0.40),
     ("veo-3.1-lite-generate-preview", "720p", 6, 0.30),
     ("veo-3.1-lite-generate-preview", "1080p", 8, 0.64)],
)  # fmt: skip
def test_estimates_are_price_per_second_times_seconds(model, resolution, duration, amount):
    estimate = runner(env={}).estimate(
        GenerationRequest(prompt="x", model=model, duration=duration,
                          options={"resolution": resolution})
    )  # fmt: skip
    assert estimate is not None
    assert estimate.amount == pytest.approx(amount)
    assert estimate.currency == "USD" and estimate.units == duration
    assert "2026-09-24" in estimate.formula


def test_configured_options_are_defaults_a_request_overrides() -> None:
    provider = GoogleProvider(
        ProviderSettings(name="google", env=ENV, options={"resolution": "1080p"})
    )
    info = provider.provider_info()
    assert prepare(provider, info, prompt="x").body["parameters"]["resolution"] == "1080p"
    body = prepare(provider, info, prompt="x", duration=4, options={"resolution": "720p"}).body
    assert body["parameters"]["resolution"] == "720p"


def test_no_key_is_needed_to_prepare_or_estimate_but_auth_names_both_variables() -> None:
    provider = GoogleProvider(ProviderSettings(name="google", env={"GEMINI_API_KEY": "  "}))
    with pytest.raises(ConfigurationError) as caught:
        provider.auth()
    assert "GOOGLE_API_KEY or GEMINI_API_KEY" in caught.value.message


def test_declarations(info) -> None:
    assert info.supports_cancel is False and info.supports_dedupe is False
    assert info.output_needs_auth is True
    assert info.poll_floor == 10.0 and info.output_url_lifetime == 2 * 24 * 3600
    assert info.default_models[Mode.IMAGE] == "veo-3.1-generate-preview"
    lite = info.model("veo-3.1-lite-generate-preview")
    assert lite is not None and Mode.MULTI_IMAGE not in lite.modes
    assert all(m.ratios == ("16:9", "9:16") for m in info.models if not m.withdrawn)
