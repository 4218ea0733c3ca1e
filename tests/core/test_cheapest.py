"""``provider = "cheapest"``: the installed online provider with a credential that quotes
the request lowest, in one currency, within max_cost; against the protocol fakes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from framecast import (
    Cheapest,
    ConfigurationError,
    Failover,
    PluginLoadError,
    Runner,
    ValidationError,
    compare,
)
from framecast._config import Config
from framecast_kling.testing import KlingFake, business_error

from .test_compare import Dollars
from .test_failover import Fakes, outcomes, request

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


def cheapest(fakes: Fakes, **options: Any) -> Any:
    return Runner(
        "cheapest",
        env=fakes.env,
        clock=fakes.clock,
        transport=httpx.MockTransport(fakes.handler),
        **options,
    )


async def test_the_cheapest_provider_runs_the_request_and_the_result_says_why(
    fakes: Fakes,
) -> None:
    async with cheapest(fakes) as runner:
        assert isinstance(runner, Cheapest)
        result = await runner.generate(request())

    assert result.handle.provider == "kling"  # 0.21 USD against Runway's 0.25
    assert fakes.created == (1, 0)
    assert outcomes(result.attempts)[-1] == ("kling", "succeeded")
    (note,) = [n for n in result.notes if n.startswith("cheapest:")]
    assert "kling" in note and "runway 0.25 USD" in note
    assert result.to_dict()["attempts"][-1]["provider"] == "kling"


def test_the_choice_is_the_lowest_of_compare_s_quotes(fakes: Fakes) -> None:
    runner = cheapest(fakes)
    ranking = runner.rank(request())
    quotes = {
        (q.provider, q.model): q.estimate
        for q in compare(request(), providers=["kling", "runway"], env=fakes.env)
    }

    assert [q.provider for q in ranking.ranked] == ["kling", "runway"]
    for quote in ranking.ranked:
        assert quotes[(quote.provider, quote.model)] == quote.estimate
    assert ranking.chosen is not None
    assert ranking.chosen.amount == min(q.amount for q in ranking.ranked if q.amount is not None)


def test_only_providers_with_a_credential_are_candidates(fakes: Fakes) -> None:
    for variable in KlingFake.ENV:
        fakes.env.pop(variable)

    ranking = cheapest(fakes).rank(request())

    assert [q.provider for q in ranking.ranked] == ["runway"]
    why = dict((provider, why) for provider, _, why in ranking.left_out)
    assert "KLING_ACCESS_KEY" in why["kling"]
    assert "preview" in why  # offline previews are never the paid choice


def test_max_cost_leaves_out_the_dearer_and_refuses_when_none_fits(fakes: Fakes) -> None:
    ranking = cheapest(fakes, max_cost=0.22).rank(request())
    assert [q.provider for q in ranking.ranked] == ["kling"]
    assert any("above max_cost" in why for p, _, why in ranking.left_out if p == "runway")

    with pytest.raises(ValidationError) as caught:
        cheapest(fakes, max_cost=0.1).prepare(request())
    assert caught.value.details["field"] == "provider"
    assert "kling:" in caught.value.message and "runway:" in caught.value.message
    assert fakes.kling.requests == 0 and fakes.runway.requests == 0


def test_prices_in_another_currency_are_never_ranked_against_dollars(fakes: Fakes) -> None:
    fakes.env.update({"ARK_API_KEY": "ark-test-not-real", "SEEDANCE_REGION": "cn"})

    dollars = cheapest(fakes).rank(request())
    assert "seedance" not in [q.provider for q in dollars.ranked]
    assert any("CNY" in why for p, _, why in dollars.left_out if p == "seedance")

    yuan = cheapest(fakes, currency="CNY").rank(request())
    assert [q.provider for q in yuan.ranked] == ["seedance"]
    with pytest.raises(ValidationError, match="max_cost is in USD"):
        cheapest(fakes, currency="CNY", max_cost=1)


async def test_when_the_cheapest_refuses_the_next_cheapest_takes_over(fakes: Fakes) -> None:
    fakes.kling.inject("create", business_error(1102))

    async with cheapest(fakes) as runner:
        result = await runner.generate(request())

    assert outcomes(result.attempts)[-2:] == [("kling", "refused"), ("runway", "succeeded")]
    assert fakes.created == (0, 1)


def test_the_policy_is_chosen_from_the_environment_or_the_config_file(fakes: Fakes) -> None:
    assert isinstance(Runner(env={**fakes.env, "FRAMECAST_PROVIDER": "cheapest"}), Cheapest)
    assert isinstance(Runner(env=fakes.env, config=Config(provider="cheapest")), Cheapest)


def test_cheapest_is_not_a_member_of_a_provider_list(fakes: Fakes) -> None:
    with pytest.raises(ConfigurationError, match="policy"):
        Failover(["cheapest", "kling"], env=fakes.env)


class Impostor(Dollars):
    NAME = "cheapest"


def test_a_plugin_may_not_take_the_reserved_name() -> None:
    with pytest.raises(PluginLoadError, match="reserved"):
        Runner(Impostor, env={})


def test_a_plugin_registering_the_reserved_name_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib import metadata

    from framecast import _plugins

    real = metadata.entry_points

    def entry_points(**selection: Any) -> Any:
        found = list(real(**selection))
        if selection.get("group") == _plugins.ENTRY_POINT_GROUP:
            found.append(
                metadata.EntryPoint(
                    name="cheapest", value=f"{__name__}:Impostor", group="framecast"
                )
            )
        return found

    monkeypatch.setattr(_plugins.metadata, "entry_points", entry_points)

    check = _plugins.check_provider("cheapest")
    assert check.error is not None and "reserved" in check.error
    rows = compare(request(), providers=["cheapest"], include_excluded=True)
    assert rows and rows[0].excluded is not None and "reserved" in rows[0].excluded
