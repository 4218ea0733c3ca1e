"""What the provider declares, per region: base URL, model ids, currency, capabilities
derived from the hooks (never declared), and a clear error for an unknown region."""

from __future__ import annotations

import pytest
from framecast import ConfigurationError, Mode, ProviderSettings, Runner, testing
from framecast_seedance import SeedanceProvider

from .conftest import CN_ENV, ENV, provider_for


def test_international_is_the_default_region() -> None:
    info = provider_for(ENV).provider_info()
    assert info.default_base_url == "https://ark.ap-southeast.bytepluses.com/api/v3"
    assert info.default_model(Mode.IMAGE) == "dreamina-seedance-2-0-260128"
    assert info.credential_variables == ("ARK_API_KEY",)


def test_the_region_variable_selects_volcengine_and_its_model_ids() -> None:
    info = provider_for(CN_ENV).provider_info()
    assert info.default_base_url == "https://ark.cn-beijing.volces.com/api/v3"
    assert info.default_model(Mode.TEXT) == "doubao-seedance-2-0-260128"
    assert all(m.name.startswith("doubao-") for m in info.models)


def test_the_config_file_region_key_works_and_the_variable_beats_it() -> None:
    by_file = SeedanceProvider(ProviderSettings(name="seedance", config={"region": "cn"}))
    assert by_file.region.name == "cn"
    both = SeedanceProvider(
        ProviderSettings(name="seedance", env={"SEEDANCE_REGION": "intl"}, config={"region": "cn"})
    )
    assert both.region.name == "intl"


def test_an_unknown_region_names_the_variable_and_the_choices() -> None:
    with pytest.raises(ConfigurationError) as caught:
        provider_for({"SEEDANCE_REGION": "mars"}).provider_info()
    assert "SEEDANCE_REGION" in caught.value.message
    assert "intl" in caught.value.message and "cn" in caught.value.message


def test_both_clouds_are_official_hosts_so_a_handle_from_either_is_trusted() -> None:
    info = provider_for(ENV).provider_info()
    assert set(info.official_hosts) == {
        "ark.ap-southeast.bytepluses.com",
        "ark.cn-beijing.volces.com",
    }


def test_capabilities_follow_from_the_hooks_not_from_flags() -> None:
    raw = provider_for(ENV).provider_info()
    assert raw.supports_cancel is None and raw.supports_dedupe is None  # not declared
    seen = testing.provider_info(provider_for(ENV))
    assert seen.supports_cancel is True  # it implements cancel
    assert seen.supports_dedupe is False  # no idempotency key, no find_submitted
    assert not hasattr(SeedanceProvider, "find_submitted")


def test_camera_fixed_is_declared_per_model() -> None:
    from framecast_seedance._models import FAMILIES

    flags = {f.key: f.camera_fixed for f in FAMILIES}
    assert flags["2.0"] is False and flags["2.0-fast"] is False  # not on Seedance 2.0
    assert flags["1.5-pro"] is True


def test_options_are_declared_where_the_model_has_them() -> None:
    info = provider_for(ENV).provider_info()
    names = {m.name: {o.name for o in m.options} for m in info.models}
    assert names["dreamina-seedance-2-0-260128"] == {"resolution", "generate_audio"}
    assert names["seedance-1-5-pro-251215"] == {"resolution", "generate_audio", "service_tier"}
    assert names["seedance-1-0-pro-250528"] == {"resolution", "service_tier"}
    fast = info.model("dreamina-seedance-2-0-fast-260128")
    assert fast is not None
    resolution = next(o for o in fast.options if o.name == "resolution")
    assert resolution.choices == ("480p", "720p")  # no 1080p on 2.0 fast


async def test_providers_and_estimate_work_without_a_key() -> None:
    async with Runner("seedance", env={}) as runner:
        assert runner.info.name == "seedance"
        from framecast import GenerationRequest

        assert runner.estimate(GenerationRequest(prompt="A kite")) is not None


pytestmark = pytest.mark.anyio


def test_a_missing_key_names_ark_api_key_and_says_a_key_pair_will_not_do() -> None:
    plain = provider_for({})
    with pytest.raises(ConfigurationError) as caught:
        plain.auth()
    assert "ARK_API_KEY" in caught.value.message
    paired = provider_for({"VOLC_ACCESSKEY": "ak-not-real", "VOLC_SECRETKEY": "sk-not-real"})
    with pytest.raises(ConfigurationError) as caught:
        paired.auth()
    message = caught.value.message
    assert "ARK_API_KEY" in message and "refused for video tasks" in message
    assert "ak-not-real" not in message and "sk-not-real" not in message


def test_the_key_is_sent_as_bearer_and_never_shown() -> None:
    import httpx

    auth = provider_for().auth()
    request = next(auth.auth_flow(httpx.Request("GET", "https://ark.example/x")))
    assert request.headers["Authorization"] == "Bearer ark-test-key-not-real"
    assert "ark-test-key-not-real" not in repr(auth)
