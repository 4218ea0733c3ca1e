"""The provider contract says what is required and what is optional, and what the core
does without each optional hook: a provider of only the four required hooks works, and its
missing abilities are refused precisely (never guessed)."""

from __future__ import annotations

import inspect
import itertools
from typing import Any

import httpx
import pytest
from framecast import (
    GenerationRequest,
    Mode,
    ModelInfo,
    NotSupported,
    PluginLoadError,
    PreparedRequest,
    Provider,
    ProviderInfo,
    Runner,
    TaskHandle,
    TaskState,
    TaskStatus,
    UnsupportedOption,
    ValidationError,
    hookspecs,
    testing,
)
from framecast.testing import VirtualClock

pytestmark = pytest.mark.anyio

MODEL = ModelInfo(
    name="m-1", modes=(Mode.TEXT,), ratios=("16:9", "1:1"), default_ratio="16:9",
    durations=(5,), default_duration=5,
)  # fmt: skip


class Minimal(Provider):
    """Only the required hooks, no ``@hookimpl`` anywhere: the base class marks them."""

    def provider_info(self) -> ProviderInfo:
        return ProviderInfo(
            name="minimal",
            models=(MODEL,),
            default_models={Mode.TEXT: "m-1"},
            default_base_url="https://api.minimal.test",
        )

    def prepare(self, request, model, ratio_plan, camera_plan) -> PreparedRequest:
        body = {"prompt": camera_plan.prompt, "ratio": ratio_plan.wire_value}
        return PreparedRequest(method="POST", path="/tasks", body=body, model=model.name)

    async def submit(self, prepared, http) -> TaskHandle:
        response = await http.post("/tasks", json=prepared.body)
        return TaskHandle(provider="minimal", task_id=response.json()["id"])

    async def poll(self, handle, http) -> TaskState:
        await http.get(f"/tasks/{handle.task_id}")
        return TaskState(status=TaskStatus.SUCCEEDED, outputs=("https://cdn.test/v.mp4",))


class Server:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._ids = itertools.count(1)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            return httpx.Response(200, json={"id": f"t{next(self._ids)}"})
        return httpx.Response(200, json={})


def runner(server: Server, provider: Any = Minimal) -> Runner:
    return Runner(
        provider,
        transport=httpx.MockTransport(server),
        clock=VirtualClock(),
        env={},
    )


def test_every_provider_hook_is_required_or_optional_with_its_default() -> None:
    provider_hooks = {
        name
        for name, spec in vars(hookspecs).items()
        if callable(spec)
        and hasattr(spec, "framecast_spec")
        and name not in hookspecs.OBSERVER_HOOKS
    }
    assert provider_hooks == {*hookspecs.REQUIRED_HOOKS, *hookspecs.OPTIONAL_HOOKS}
    for name in provider_hooks:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        expected = "Required." if name in hookspecs.REQUIRED_HOOKS else "Optional; without it:"
        assert doc.startswith(expected), f"{name}'s docstring must start with {expected!r}"
    assert set(Provider.__abstractmethods__) == set(hookspecs.REQUIRED_HOOKS)


async def test_a_provider_of_the_required_hooks_alone_generates() -> None:
    server = Server()
    async with runner(server) as r:
        result = await r.generate(GenerationRequest(prompt="a cat", camera="zoom_in"))
    assert result.status is TaskStatus.SUCCEEDED
    create = server.requests[0]
    assert b"Camera: slow zoom in" in create.content or b"Camera:" in create.content
    assert r.info.supports_cancel is False and r.info.supports_dedupe is False


@pytest.mark.parametrize(
    ("ratio", "policy", "sent"),
    [(None, "exact", "16:9"), ("1:1", "exact", "1:1"), ("32:18", "exact", "16:9"),
     ("7:3", "nearest", "16:9")],
)  # fmt: skip
async def test_without_map_ratio_the_declared_ratios_decide(
    ratio: str | None, policy: str, sent: str
) -> None:
    async with runner(Server()) as r:
        prepared = r.prepare(GenerationRequest(prompt="x", ratio=ratio, ratio_policy=policy))
    assert prepared.body["ratio"] == sent


async def test_without_map_ratio_an_undeclared_ratio_is_refused_before_sending() -> None:
    server = Server()
    async with runner(server) as r:
        with pytest.raises(UnsupportedOption) as caught:
            await r.submit(GenerationRequest(prompt="x", ratio="7:3"))
        assert caught.value.field == "ratio" and caught.value.allowed == ["16:9", "1:1"]
        with pytest.raises(ValidationError) as malformed:
            await r.submit(GenerationRequest(prompt="x", ratio="banana"))
        assert not isinstance(malformed.value, UnsupportedOption)
    assert server.requests == []


async def test_without_cancel_cancel_is_not_supported_at_once() -> None:
    server = Server()
    async with runner(server) as r:
        handle = await r.submit(GenerationRequest(prompt="x"))
        sent = len(server.requests)
        with pytest.raises(NotSupported) as caught:
            await r.cancel(handle)
    assert caught.value.handle == handle
    assert len(server.requests) == sent  # no poll, no DELETE, no retries


def test_a_declaration_that_contradicts_the_hooks_is_refused() -> None:
    import attrs

    class Claims(Minimal):
        def provider_info(self) -> ProviderInfo:
            return attrs.evolve(super().provider_info(), supports_cancel=True)

    with pytest.raises(PluginLoadError, match="supports_cancel=True but does not implement"):
        runner(Server(), Claims)


def test_a_provider_for_an_unknown_contract_version_is_refused() -> None:
    import attrs

    class Future(Minimal):
        def provider_info(self) -> ProviderInfo:
            return attrs.evolve(super().provider_info(), contract_version=99)

    with pytest.raises(PluginLoadError, match="contract version 99") as caught:
        runner(Server(), Future)
    assert "drives versions 1, 2" in caught.value.message


def test_a_provider_subclass_missing_a_required_hook_is_refused_naming_it() -> None:
    class NoPoll(Provider):
        def provider_info(self) -> ProviderInfo:
            return Minimal.provider_info(self)  # type: ignore[arg-type]

        prepare = Minimal.prepare
        submit = Minimal.submit

    with pytest.raises(PluginLoadError, match="poll"):
        runner(Server(), NoPoll)


def test_implementing_cancel_and_find_submitted_declares_the_abilities() -> None:
    class Able(Minimal):
        async def cancel(self, handle, http, delete) -> None:
            return None

        async def find_submitted(self, prepared, idempotency_key, http) -> TaskHandle | None:
            return None

    info = testing.provider_info(Able(settings=None))  # type: ignore[arg-type]
    assert info.supports_cancel is True and info.supports_dedupe is True
