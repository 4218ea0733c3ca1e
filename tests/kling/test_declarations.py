"""provider_info(): what the core validates against, checked against the spec's capability
map written out independently here."""

from __future__ import annotations

import pytest
from framecast import Mode, testing

# model -> modes, from the §6 table (T2V, I2V, image_tail columns; multi-image row)
CAPABILITY_MAP = {
    "kling-v1": {Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST},
    "kling-v1-5": {Mode.IMAGE, Mode.FIRST_LAST},
    "kling-v1-6": {Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST, Mode.MULTI_IMAGE},
    "kling-v2-master": {Mode.TEXT, Mode.IMAGE},
    "kling-v2-1": {Mode.IMAGE, Mode.FIRST_LAST},
    "kling-v2-1-master": {Mode.TEXT, Mode.IMAGE},
    "kling-v2-5-turbo": {Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST},
    "kling-v2-6": {Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST},
    "kling-v3": {Mode.TEXT, Mode.IMAGE},
}
CFG_SCALE_MODELS = {"kling-v1", "kling-v1-5", "kling-v1-6"}
NO_MODE_MODELS = {"kling-v2-master", "kling-v2-1-master"}


def test_provider_level_declarations(provider) -> None:
    info = testing.provider_info(provider)  # with the abilities its hooks give it
    assert info.name == "kling"
    assert info.default_base_url == "https://api-singapore.klingai.com"
    assert set(info.official_hosts) == {
        "api-singapore.klingai.com", "api.klingai.com", "api-beijing.klingai.com",
    }  # fmt: skip
    assert info.base_url_variables == ("KLING_BASE_URL",)
    assert info.credential_variables == ("KLING_ACCESS_KEY", "KLING_SECRET_KEY")
    assert 2 <= info.poll_floor <= 5
    assert info.supports_dedupe is True and info.supports_cancel is False
    assert info.suggested_max_running_tasks and info.suggested_max_running_tasks <= 5
    assert info.output_follows_image is True
    assert info.output_url_lifetime == 30 * 24 * 3600
    assert info.default_models == {
        Mode.IMAGE: "kling-v2-5-turbo",
        Mode.TEXT: "kling-v2-5-turbo",
        Mode.MULTI_IMAGE: "kling-v1-6",
        Mode.FIRST_LAST: "kling-v2-5-turbo",
    }


def test_models_match_the_capability_map(provider) -> None:
    models = {m.name: m for m in provider.provider_info().models}
    assert set(models) == set(CAPABILITY_MAP)
    for name, modes in CAPABILITY_MAP.items():
        assert set(models[name].modes) == modes, name


@pytest.mark.parametrize("name", sorted(CAPABILITY_MAP))
def test_each_model_declaration(provider, name) -> None:
    model = provider.provider_info().model(name)
    assert model is not None
    assert model.durations == (5, 10) and model.default_duration == 5
    assert model.prompt_limit == 2500 and model.prompt_unit == "characters"
    assert model.supports_seed is False
    assert model.supports_negative_prompt is True
    options = {o.name: o for o in model.options}
    assert ("cfg_scale" in options) == (name in CFG_SCALE_MODELS)
    if "cfg_scale" in options:
        assert (options["cfg_scale"].minimum, options["cfg_scale"].maximum) == (0, 1)
    assert ("mode" in options) == (name not in NO_MODE_MODELS)
    if "mode" in options:
        assert options["mode"].choices == ("std", "pro") and options["mode"].default == "std"
    if model.modes & {Mode.TEXT, Mode.MULTI_IMAGE}:
        assert model.ratios == ("16:9", "9:16", "1:1")
    else:
        assert model.ratios == ()  # image2video follows the image
    image = model.image
    assert set(image.formats) == {"jpeg", "png"}
    assert image.max_raw_bytes is not None and image.max_raw_bytes <= 10 * 1024 * 1024
    assert image.min_side == 300
    assert image.min_aspect == pytest.approx(0.4) and image.max_aspect == pytest.approx(2.5)
    assert image.max_images == (4 if Mode.MULTI_IMAGE in model.modes else 1)


def test_entry_point_loads_the_provider() -> None:
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="framecast") if e.name == "kling"]
    from framecast_kling import KlingProvider

    assert entry.load() is KlingProvider


def test_construction_never_needs_credentials() -> None:
    from framecast import ProviderSettings
    from framecast_kling import KlingProvider

    provider = KlingProvider(ProviderSettings(name="kling"))
    assert provider.provider_info().name == "kling"
    assert provider.base_url == "https://api-singapore.klingai.com"
    assert (
        KlingProvider(
            ProviderSettings(name="kling", env={"KLING_BASE_URL": "http://127.0.0.1:9"})
        ).base_url
        == "http://127.0.0.1:9"
    )
