"""What the plugin declares: provider facts, the model table, and the cost estimates."""

from __future__ import annotations

import importlib.metadata

import pytest
from framecast import (
    ConfigurationError,
    GenerationRequest,
    Mode,
    ProviderSettings,
)
from framecast_runway import RunwayProvider

from .conftest import url_image

RUNWAY_OWN = ("gen4.5", "gen4_turbo", "veo3.1", "veo3.1_fast", "gen4_image", "gen4_image_turbo")
PARTNERS_OAS = (
    "hailuo3", "happyhorse_1_0", "seedance2", "seedance2_fast", "seedance2_mini", "seedance2_5",
    "gemini_omni_flash",
)  # fmt: skip


def test_entry_point_names_the_provider_class():
    points = importlib.metadata.entry_points(group="framecast")
    runway = [p for p in points if p.name == "runway"]
    assert runway and runway[0].value == "framecast_runway:RunwayProvider"
    assert runway[0].load() is RunwayProvider


def test_provider_facts(info):
    assert info.name == "runway"
    assert info.default_base_url == "https://api.dev.runwayml.com"
    assert "api.dev.runwayml.com" in info.official_hosts
    assert info.credential_variables == ("RUNWAYML_API_SECRET", "RUNWAY_API_KEY")
    assert info.base_url_variables == ("RUNWAYML_BASE_URL", "RUNWAY_BASE_URL")
    assert info.poll_floor == 5.0
    assert info.output_url_lifetime == 24 * 3600
    assert info.supports_dedupe is False and info.supports_cancel is True
    assert info.default_models[Mode.IMAGE] == "gen4_turbo"
    assert info.default_models[Mode.TEXT] == "veo3.1"
    assert Mode.FIRST_LAST in info.model(info.default_models[Mode.FIRST_LAST]).modes


def test_construction_never_needs_a_key_and_auth_names_the_variable():
    provider = RunwayProvider(ProviderSettings(name="runway", env={}))
    assert provider.provider_info().models  # works without a key
    with pytest.raises(ConfigurationError, match="RUNWAYML_API_SECRET or RUNWAY_API_KEY"):
        provider.auth()


def test_the_second_key_variable_and_base_url_variables_are_read():
    provider = RunwayProvider(
        ProviderSettings(
            name="runway",
            env={"RUNWAY_API_KEY": "key_second_not_real", "RUNWAY_BASE_URL": "http://127.0.0.1:9"},
        )
    )
    assert provider.base_url == "http://127.0.0.1:9"
    assert "key_second_not_real" not in repr(provider.auth())
    assert "key_second_not_real" not in repr(provider)


@pytest.mark.parametrize("name", RUNWAY_OWN + PARTNERS_OAS)
def test_runway_and_oas_models_are_fully_validated(info, name):
    model = info.model(name)
    assert model is not None and model.validation == "full"
    assert model.prompt_unit == "utf16" and model.prompt_limit
    assert model.ratios or name == "happyhorse_1_0"


def test_sdk_only_models_are_marked_partial(info):
    partial = {m.name for m in info.models if m.validation == "partial"}
    assert {"kling3.0_pro", "wan3", "h3_max", "grok_imagine_1_5_lite", "kling_4"} <= partial
    assert partial.isdisjoint(RUNWAY_OWN + PARTNERS_OAS)
    assert all(info.model(n).ratios for n in ("wan3", "kling3.0_pro"))


def test_image_models_have_no_duration_and_no_camera(info):
    for name in ("gen4_image", "gen4_image_turbo"):
        model = info.model(name)
        assert model.kind == "image" and model.durations == () and not model.supports_camera


def test_declared_defaults_are_values_the_model_takes(info):
    for model in info.models:
        if model.default_ratio is not None:
            assert model.default_ratio in model.ratios, model.name
        if model.default_duration is not None:
            assert model.default_duration in model.durations, model.name


def test_gen4_family_declares_the_third_party_aspect_limits(info):
    image = info.model("gen4_turbo").image
    assert (image.min_aspect, image.max_aspect) == (0.5, 2.0)
    assert image.formats == ("jpeg", "png", "webp") and image.max_url_length == 2048


# ----------------------------------------------------------------------------- estimates


@pytest.mark.parametrize(
    ("fields", "amount", "credits"),
    [
        ({"model": "gen4_turbo", "image": "u", "duration": 10}, 0.50, 50),
        ({"model": "gen4.5", "image": "u", "duration": 10}, 1.20, 120),
        ({"model": "gen4.5", "image": "u", "duration": 4, "options": {"output_format": "prores"}},
         0.68, 68),
        ({"model": "veo3.1", "duration": 8}, 3.20, 320),  # audio on by default
        ({"model": "veo3.1", "duration": 8, "options": {"audio": False}}, 1.60, 160),
        ({"model": "veo3.1_fast", "duration": 4}, 0.60, 60),
        ({"model": "gen4_image", "ratio": "1920:1080"}, 0.08, 8),
        ({"model": "gen4_image", "ratio": "1280:720"}, 0.05, 5),
        ({"model": "seedance2_mini", "image": "u", "duration": 4}, 0.64, 64),  # minimum
    ],
)  # fmt: skip
def test_estimates_follow_the_spec_prices(provider, info, fields, amount, credits):
    if fields.get("image") == "u":
        fields = {**fields, "image": url_image()}
    request = GenerationRequest(prompt="x", **fields)
    estimate = provider.estimate(request=request, model=info.model(fields["model"]))
    assert estimate is not None
    assert estimate.amount == pytest.approx(amount)
    assert estimate.units == credits and estimate.unit_name == "credits"
    assert estimate.currency == "USD" and estimate.confidence == "secondary"
    assert "$0.01" in estimate.formula


def test_default_duration_is_what_is_priced(provider, info):
    estimate = provider.estimate(
        request=GenerationRequest(prompt="x", image=url_image()), model=info.model("gen4_turbo")
    )
    assert estimate.formula.startswith("5 s x 5 credits/s")


def test_unknown_prices_estimate_none(provider, info):
    for name in ("happyhorse_1_0", "gemini_omni_flash", "wan3"):
        request = GenerationRequest(prompt="x", image=url_image(), model=name)
        assert provider.estimate(request=request, model=info.model(name)) is None


def test_hdr_formats_cost_20_credits_a_second_more(provider, info):
    request = GenerationRequest(prompt="x", image=url_image(), model="gen4.5", duration=5,
                                options={"output_format": "hdr10"})  # fmt: skip
    estimate = provider.estimate(request=request, model=info.model("gen4.5"))
    assert estimate.units == 5 * (12 + 20) and "hdr10" in estimate.formula


def test_sizes_without_a_known_price_estimate_none(provider, info):
    model = info.model("seedance2_5")
    known = GenerationRequest(prompt="x", model="seedance2_5", ratio="1280:720", duration=4)
    assert provider.estimate(request=known, model=model).units == 120
    unknown = known.evolve(ratio="1920:1080")
    assert provider.estimate(request=unknown, model=model) is None
