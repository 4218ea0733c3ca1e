"""framecast.compare: one request quoted on every provider and model, offline."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from framecast import (
    CostEstimate,
    FramecastError,
    GenerationRequest,
    Mode,
    ModelInfo,
    PreparedRequest,
    ProviderInfo,
    Runner,
    compare,
    hookimpl,
)
from framecast._plugins import list_providers

HERE = __name__


class _Priced:
    """A provider whose price per second and currency are class attributes."""

    NAME = "priced"
    CURRENCY = "USD"
    PER_SECOND = {"cheap": 0.01, "dear": 0.10}
    OFFLINE = False

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        models = tuple(
            ModelInfo(
                name=name,
                modes=(Mode.TEXT,),
                ratios=("16:9", "9:16"),
                default_ratio="16:9",
                durations=(5, 10),
                default_duration=5,
            )
            for name in self.PER_SECOND
        )
        return ProviderInfo(name=self.NAME, models=models, offline=self.OFFLINE, contract_version=2)

    @hookimpl
    def prepare(self, request: GenerationRequest, model: ModelInfo, ratio_plan: Any) -> Any:
        body = {"model": model.name, "ratio": ratio_plan.wire_value}
        return PreparedRequest(method="POST", path="/tasks", body=body)

    @hookimpl
    async def submit(self, prepared: Any, http: Any) -> Any:
        raise AssertionError("compare must never submit")

    @hookimpl
    async def poll(self, handle: Any, http: Any) -> Any:
        raise AssertionError("compare must never poll")

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate | None:
        rate = self.PER_SECOND.get(model.name)
        if rate is None:
            return None
        seconds = request.duration or model.default_duration or 0
        return CostEstimate(
            amount=round(rate * seconds, 4),
            currency=self.CURRENCY,
            source="https://example.test/prices",
            as_of="2026-11-30",
        )


class Dollars(_Priced):
    NAME = "dollars"


class Yuan(_Priced):
    NAME = "yuan"
    CURRENCY = "CNY"
    PER_SECOND = {"cheap": 0.001, "dear": 0.5, "secret": None}  # type: ignore[dict-item]


class Local(_Priced):
    NAME = "local"
    CURRENCY = "USD"
    PER_SECOND = {"render": 0.0}
    OFFLINE = True


PROVIDERS = [f"{HERE}:{cls.__name__}" for cls in (Dollars, Yuan, Local)]


def quote_table(quotes: list[Any]) -> list[tuple[str, str, float | None, str | None]]:
    return [(q.provider, q.model, q.amount, q.currency) for q in quotes]


def test_prices_group_by_currency_cheapest_first_unknown_then_offline_last() -> None:
    quotes = compare(GenerationRequest(prompt="a cat", duration=10), providers=PROVIDERS)

    assert quote_table(quotes) == [
        ("yuan", "cheap", 0.01, "CNY"),
        ("yuan", "dear", 5.0, "CNY"),
        ("dollars", "cheap", 0.1, "USD"),
        ("dollars", "dear", 1.0, "USD"),
        ("yuan", "secret", None, None),
        ("local", "render", 0.0, "USD"),
    ]
    assert [q.offline for q in quotes] == [False] * 5 + [True]
    assert quotes[0].estimate is not None
    assert quotes[0].estimate.source == "https://example.test/prices"
    assert quotes[0].estimate.as_of == "2026-11-30"


def test_a_ratio_a_model_lacks_is_matched_to_its_nearest_and_marked() -> None:
    quotes = compare(GenerationRequest(prompt="a cat", ratio="2:1"), providers=PROVIDERS[:1])

    assert {(q.model, q.ratio, q.nearest_ratio) for q in quotes} == {
        ("cheap", "16:9", True),
        ("dear", "16:9", True),
    }
    exact = compare(GenerationRequest(prompt="a cat", ratio="9:16"), providers=PROVIDERS[:1])
    assert {(q.ratio, q.nearest_ratio) for q in exact} == {("9:16", False)}


def test_models_that_cannot_serve_are_left_out_and_all_says_why() -> None:
    request = GenerationRequest(prompt="a cat", duration=7)

    assert compare(request, providers=PROVIDERS[:1]) == []
    left_out = compare(request, providers=PROVIDERS[:1], include_excluded=True)
    assert [(q.model, q.amount) for q in left_out] == [("cheap", None), ("dear", None)]
    for quote in left_out:
        assert quote.excluded is not None
        assert "duration" in quote.excluded and "7" in quote.excluded


def test_a_provider_that_cannot_load_is_a_left_out_row_not_a_crash() -> None:
    quotes = compare(
        GenerationRequest(prompt="a cat"),
        providers=[f"{HERE}:Missing", PROVIDERS[0]],
        include_excluded=True,
    )

    broken = [q for q in quotes if q.excluded is not None]
    assert len(broken) == 1 and broken[0].model == ""
    assert "Missing" in (broken[0].excluded or "")
    assert {q.model for q in quotes if q.excluded is None} == {"cheap", "dear"}


def test_a_named_model_limits_the_quotes_to_it() -> None:
    quotes = compare(GenerationRequest(prompt="a cat", model="dear"), providers=PROVIDERS)

    assert {(q.provider, q.model) for q in quotes} == {("dollars", "dear"), ("yuan", "dear")}


@pytest.mark.parametrize("entry", [e.name for e in list_providers()])
def test_each_installed_provider_is_quoted_as_its_own_estimate_for_every_combination(
    entry: str,
) -> None:
    """Every declared model x ratio x duration of every installed plugin: the quote is the
    price that plugin's own ``estimate`` gives for the same request."""
    runner = Runner(entry, env={})
    checked = 0
    for model in runner.info.models:
        if model.kind != "video" or model.withdrawn or Mode.TEXT not in model.modes:
            continue
        ratios = model.ratios or (None,)
        durations = model.durations or (None,)
        for ratio, duration in itertools.product(ratios, durations):
            request = GenerationRequest(
                prompt="a lighthouse at dusk", ratio=ratio, duration=duration, model=model.name
            )
            quotes = compare(request, providers=[entry], include_excluded=True)
            assert len(quotes) == 1, (model.name, ratio, duration, quotes)
            # compare takes the nearest ratio where a mode lacks the one asked for.
            try:
                own = runner.estimate(request.evolve(ratio_policy="nearest"))
            except FramecastError as refused:
                assert quotes[0].excluded == refused.message
                continue
            assert quotes[0].excluded is None, quotes[0].excluded
            assert quotes[0].estimate == own, (model.name, ratio, duration)
            checked += 1
    assert checked > 0


def test_a_quote_serialises_to_plain_json() -> None:
    import json

    (quote, *_) = compare(GenerationRequest(prompt="a cat"), providers=PROVIDERS[:1])
    shown = json.loads(json.dumps(quote.to_dict()))

    assert shown["provider"] == "dollars" and shown["model"] == "cheap"
    assert shown["amount"] == 0.05 and shown["currency"] == "USD"
    assert shown["price_source"] == "https://example.test/prices"
    assert shown["price_as_of"] == "2026-11-30"
    assert shown["ratio"] == "16:9" and shown["duration"] == 5
    assert "excluded" not in shown
