"""A price list in another currency than USD: the estimate and the reported charge say
which, and a USD budget never compares them with dollars."""

from __future__ import annotations

import httpx
import pytest
from framecast import (
    CostEstimate,
    GenerationRequest,
    Mode,
    ModelInfo,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    Runner,
    TaskHandle,
    TaskState,
    TaskStatus,
    ValidationError,
    hookimpl,
)
from framecast.testing import VirtualClock

pytestmark = pytest.mark.anyio

MODEL = ModelInfo(name="yuan-1", modes=(Mode.TEXT,), ratios=("16:9",), default_ratio="16:9")


class YuanProvider:
    """Prices in CNY, reports the charge in CNY."""

    currency = "CNY"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(
            name="yuan",
            models=(MODEL,),
            default_models={Mode.TEXT: "yuan-1"},
            default_base_url="https://api.yuan.example",
        )

    @hookimpl
    def prepare(self, request, model, ratio_plan, camera_plan) -> PreparedRequest:
        return PreparedRequest(method="POST", path="/tasks", body={"p": request.prompt})

    @hookimpl
    def estimate(self, request, model) -> CostEstimate:
        return CostEstimate(amount=0.87, currency=self.currency, confidence="unconfirmed")

    @hookimpl
    async def submit(self, prepared, http) -> TaskHandle:
        await http.post(prepared.path, json=dict(prepared.body))
        return TaskHandle(provider="yuan", task_id="t1")

    @hookimpl
    async def poll(self, handle, http) -> TaskState:
        await http.get(f"/tasks/{handle.task_id}")
        return TaskState(
            status=TaskStatus.SUCCEEDED,
            outputs=("https://cdn.yuan.example/t1.mp4",),
            cost=0.87,
            cost_currency=self.currency,
        )


def server(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    return httpx.MockTransport(handle)


def runner(seen: list[httpx.Request], provider: type = YuanProvider, **kwargs) -> Runner:
    return Runner(
        provider,
        settings=ProviderSettings(name="yuan"),
        transport=server(seen),
        clock=VirtualClock(),
        env={},
        **kwargs,
    )


async def test_a_usd_budget_refuses_a_price_in_another_currency() -> None:
    seen: list[httpx.Request] = []
    async with runner(seen, max_cost=100.0) as r:  # 0.87 CNY is "below" 100 only in numbers
        with pytest.raises(ValidationError) as caught:
            await r.generate(GenerationRequest(prompt="A kite"))
    assert caught.value.field == "max_cost"
    assert "CNY" in caught.value.message and "USD" in caught.value.message
    assert seen == [], "nothing may be sent"


async def test_a_usd_price_under_the_budget_still_goes_through() -> None:
    class DollarProvider(YuanProvider):
        currency = "USD"

    seen: list[httpx.Request] = []
    async with runner(seen, DollarProvider, max_cost=1.0) as r:
        result = await r.generate(GenerationRequest(prompt="A kite"))
    assert result.actual_cost_currency == "USD"


async def test_the_reported_charge_keeps_its_currency() -> None:
    seen: list[httpx.Request] = []
    async with runner(seen) as r:
        result = await r.generate(GenerationRequest(prompt="A kite"))
    assert (result.actual_cost, result.actual_cost_currency) == (0.87, "CNY")
    assert result.to_dict()["cost"]["actual_currency"] == "CNY"
    assert result.estimated_cost is not None and result.estimated_cost.currency == "CNY"


def test_a_charge_defaults_to_usd() -> None:
    assert TaskState(status=TaskStatus.SUCCEEDED, cost=1.0).cost_currency == "USD"
