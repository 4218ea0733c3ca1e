"""Estimates: token arithmetic, the region's currency, and the options that change the price."""

from __future__ import annotations

from framecast import GenerationRequest, ModelInfo

from .conftest import CN_ENV, ENV, provider_for


def estimate(env, **fields):
    provider = provider_for(env)
    info = provider.provider_info()
    request = GenerationRequest(**fields)
    model: ModelInfo | None = info.model(request.model or info.default_model(request.mode) or "")
    assert model is not None
    return provider.estimate(request=request, model=model)


def test_a_5_s_720p_16_9_video_is_the_live_token_count_at_the_published_price() -> None:
    cost = estimate(ENV, prompt="A kite", ratio="16:9")
    assert cost.units == 108_900  # what a live 5 s 720p task reported in usage
    assert cost.currency == "USD" and cost.amount == round(108_900 * 7.0 / 1e6, 4)
    assert cost.confidence == "secondary" and cost.as_of == "2026-09-28"
    assert cost.source == "https://docs.byteplus.com/en/docs/ModelArk/1544106"


def test_mainland_prices_are_in_yuan_and_say_they_are_unconfirmed() -> None:
    cost = estimate(CN_ENV, prompt="A kite")
    assert cost.currency == "CNY" and cost.confidence == "unconfirmed"


def test_resolution_and_duration_scale_the_tokens() -> None:
    base = estimate(ENV, prompt="A kite", ratio="16:9")
    longer = estimate(ENV, prompt="A kite", ratio="16:9", duration=10)
    sharper = estimate(ENV, prompt="A kite", ratio="16:9", options={"resolution": "1080p"})
    assert longer.units == 1280 * 720 * 241 // 1024
    assert sharper.units == 1920 * 1080 * 121 // 1024
    assert longer.amount > base.amount and sharper.amount > base.amount


def test_audio_and_flex_change_the_price_where_the_model_prices_them() -> None:
    model = "doubao-seedance-1-5-pro-251215"
    loud = estimate(CN_ENV, prompt="A kite", model=model)
    silent = estimate(CN_ENV, prompt="A kite", model=model, options={"generate_audio": False})
    flex = estimate(CN_ENV, prompt="A kite", model=model, options={"service_tier": "flex"})
    assert silent.amount < loud.amount and "silent" in silent.formula
    assert flex.amount < loud.amount and "flex" in flex.formula


def test_a_model_without_a_price_has_no_estimate() -> None:
    # Not in the table (an endpoint id, say): unknown, never guessed.
    provider = provider_for(ENV)
    model = ModelInfo(name="ep-20251209175451-tctqz")
    assert provider.estimate(request=GenerationRequest(prompt="A kite"), model=model) is None
