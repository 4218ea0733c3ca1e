"""The provider contract suite: the behaviour every framecast provider must have.

Subclass ``ProviderContract`` in your provider's tests (pytest collects the subclass)::

    import httpx
    from framecast.testing.contract import ProviderContract
    from framecast_acme import AcmeProvider
    from framecast_acme.testing import AcmeFake

    class TestAcmeContract(ProviderContract):
        provider_class = AcmeProvider
        env = {"ACME_API_KEY": "test-key-not-real"}   # fake credentials only

        def make_transport(self):
            return httpx.MockTransport(AcmeFake())    # your protocol fake

Override ``sample_requests()`` when your default models need other inputs. Every test runs
offline (your fake answers every request) and in virtual time: ``self.clock``, the test's
``VirtualClock``, is the runner's clock, for a fake that checks token times. The suite
needs pytest and anyio (which httpx brings); it contains no provider code.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
import pytest

from .. import _plugins
from .._camera import CameraMove
from .._defaults import prompt_camera_plan
from .._errors import ConfigurationError, UnsupportedOption, ValidationError
from .._models import (
    CameraPlan,
    CostEstimate,
    GenerationRequest,
    Mode,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    TaskHandle,
    TaskStatus,
)
from .._runner import Runner
from ._clock import VirtualClock

__all__ = ["ProviderContract", "sample_png"]


@functools.cache
def sample_png(width: int = 1280, height: int = 720) -> bytes:
    """A small real PNG (a gradient) for requests that need an image."""
    from PIL import Image

    img = Image.new("RGB", (width, height))
    img.putdata(
        [
            ((x * 255) // width, (y * 255) // height, 128)
            for y in range(height)
            for x in range(width)
        ]
    )
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class _CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.mark.anyio
class ProviderContract:
    """Base class of the contract suite; see the module docstring."""

    provider_class: ClassVar[type]
    env: ClassVar[Mapping[str, str]] = {}
    clock: VirtualClock
    #: Seconds a generate() may take in virtual time.
    timeout: ClassVar[float] = 3600.0

    # -------------------------------------------------------------- hooks to override

    def make_transport(self) -> httpx.AsyncBaseTransport:
        """The protocol fake every request goes to. Must complete tasks on its own."""
        raise NotImplementedError("override make_transport() to return your protocol fake")

    def sample_requests(self) -> list[GenerationRequest]:
        """Valid requests for the provider's default models (image and/or text)."""
        info = self.info()
        requests: list[GenerationRequest] = []
        if info.default_models.get(Mode.IMAGE):
            requests.append(
                GenerationRequest(
                    prompt="A lighthouse at dusk", image=sample_png(), camera=CameraMove.ZOOM_IN
                )
            )
        if info.default_models.get(Mode.TEXT):
            requests.append(GenerationRequest(prompt="A lighthouse at dusk, waves"))
        return requests

    # -------------------------------------------------------------- helpers

    @pytest.fixture
    def anyio_backend(self) -> str:
        return "asyncio"

    @pytest.fixture(autouse=True)
    def _fresh_clock(self) -> None:
        #: This test's virtual clock: every runner the suite makes uses it, so a fake that
        #: checks time (token expiry) can share it: ``YourFake(clock=self.clock.time)``.
        self.clock = VirtualClock()

    def settings(self, env: Mapping[str, str] | None = None) -> ProviderSettings:
        return ProviderSettings(name="contract", env=dict(self.env if env is None else env))

    def provider(self, env: Mapping[str, str] | None = None) -> Any:
        return self.provider_class(self.settings(env))

    def info(self) -> ProviderInfo:
        return self.make_runner().info

    def make_runner(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Runner:
        chosen = dict(self.env if env is None else env)
        return Runner(
            self.provider_class,
            settings=self.settings(chosen),
            transport=transport if transport is not None else self.make_transport(),
            clock=kwargs.pop("clock", None) or self.clock,
            env=chosen,
            timeout=self.timeout,
            **kwargs,
        )

    # -------------------------------------------------------------- the contract

    def test_provider_info_is_complete(self) -> None:
        info = self.provider().provider_info()
        assert isinstance(info, ProviderInfo), "provider_info() must return a ProviderInfo"
        assert info.name, "ProviderInfo.name must be set"
        assert info.models, "ProviderInfo.models must list at least one model"
        names = [m.name for m in info.models]
        assert len(names) == len(set(names)), f"duplicate model names: {names}"
        for mode, model_name in info.default_models.items():
            model = info.model(model_name)
            assert model is not None, f"default model {model_name!r} for {mode} is not in models"
            assert not model.withdrawn, f"default model {model_name!r} is withdrawn"
            assert Mode(mode) in model.modes, f"default model {model_name!r} does not take {mode}"
        for model in info.models:
            if model.withdrawn:
                assert model.replacement is None or info.model(model.replacement) is not None, (
                    f"{model.name}: replacement {model.replacement!r} is not a known model"
                )
                continue
            assert model.modes, f"{model.name}: no modes"
            if model.default_ratio is not None and model.ratios:
                assert model.default_ratio in model.ratios, (
                    f"{model.name}: default ratio {model.default_ratio!r} not in its ratios"
                )
            if model.default_duration is not None and model.durations:
                assert model.default_duration in model.durations, (
                    f"{model.name}: default duration {model.default_duration} not in durations"
                )
            if model.prompt_limit is not None:
                assert model.prompt_limit > 0
        assert info.poll_floor >= 0

    def test_constructs_and_prepares_without_credentials(self) -> None:
        provider = self.provider(env={})
        assert isinstance(provider.provider_info(), ProviderInfo)
        runner = self.make_runner(env={})
        for request in self.sample_requests():
            prepared = runner.prepare(request)
            assert isinstance(prepared, PreparedRequest)
            estimate = runner.estimate(request)
            assert estimate is None or isinstance(estimate, CostEstimate)

    def test_estimates_name_their_price_source_and_date(self) -> None:
        """From contract version 2 on, a price says where it was read and when."""
        info = self.info()
        if info.contract_version < 2:
            pytest.skip("contract version 1: estimates need not name their source")
        runner = self.make_runner(env={})
        for request in self.sample_requests():
            estimate = runner.estimate(request)
            if estimate is None:
                continue
            assert estimate.source, f"{request.model}: the estimate names no price source"
            assert _is_iso_date(estimate.as_of), (
                f"{request.model}: as_of must be a YYYY-MM-DD date, got {estimate.as_of!r}"
            )

    async def test_missing_credentials_name_the_variable(self) -> None:
        info = self.info()
        if not info.credential_variables:
            pytest.skip("the provider needs no credentials")
        counting = _CountingTransport(self.make_transport())
        async with self.make_runner(transport=counting, env={}) as runner:
            with pytest.raises(ConfigurationError) as caught:
                await runner.submit(self.sample_requests()[0])
        assert any(v in caught.value.message for v in info.credential_variables), (
            f"the error must name one of {info.credential_variables}: {caught.value.message}"
        )
        assert not counting.requests, "no request may be sent without credentials"

    def test_hooks_load_through_the_plugin_manager(self) -> None:
        entry = _plugins.ProviderEntry(name="contract", value="contract:Provider")
        _plugins.make_plugin_manager(self.provider(), entry)

    def test_prepare_is_pure_and_deterministic(self) -> None:
        counting = _CountingTransport(self.make_transport())
        runner = self.make_runner(transport=counting)
        for request in self.sample_requests():
            fixed = request.evolve(idempotency_key="contract-key-1")
            first = runner.prepare(fixed)
            second = runner.prepare(fixed)
            assert first.to_dict(full=True) == second.to_dict(full=True), (
                "prepare() must give the same wire request for the same input"
            )
            assert first.fingerprint() == second.fingerprint()
            json.dumps(first.to_dict())  # the dry run must be JSON
            assert first.path.startswith("/") or "://" in first.path
        assert not counting.requests, "prepare() must not do I/O"

    def test_every_camera_move_is_rendered_or_refused_clearly(self) -> None:
        runner = self.make_runner()
        for request in self.sample_requests():
            model = runner.resolve_model(request)
            if not model.supports_camera:
                continue
            for move in CameraMove:
                req = request.evolve(camera=move, idempotency_key="k")
                try:
                    prepared = runner.prepare(req)
                except ValidationError as exc:
                    assert exc.field, f"{move}: a refusal must name its field"
                    continue
                model = runner.resolve_model(req)
                plan = runner._hook.translate_camera(
                    request=req, model=model
                ) or prompt_camera_plan(req, model)
                assert isinstance(plan, CameraPlan)
                assert plan.method in ("prompt", "native", "none")
                if plan.method == "native":
                    assert plan.native, f"{move}: method native needs native parameters"
                assert isinstance(prepared, PreparedRequest)

    async def test_unknown_model_is_refused_before_the_network(self) -> None:
        counting = _CountingTransport(self.make_transport())
        async with self.make_runner(transport=counting) as runner:
            request = self.sample_requests()[0].evolve(model="no-such-model-xyz")
            with pytest.raises(UnsupportedOption) as caught:
                await runner.submit(request)
        assert caught.value.field == "model"
        assert not counting.requests

    async def test_generate_end_to_end(self) -> None:
        for request in self.sample_requests():
            async with self.make_runner() as runner:
                result = await runner.generate(request)
            assert result.status is TaskStatus.SUCCEEDED
            assert result.outputs, "a SUCCEEDED result must have outputs"
            assert result.handle.task_id
            assert result.handle.provider == runner.provider_name
            assert TaskHandle.from_json(result.handle.to_json()) == result.handle

    async def test_wait_resumes_from_a_serialized_handle(self) -> None:
        transport = self.make_transport()
        request = self.sample_requests()[0]
        async with self.make_runner(transport=transport) as first:
            handle = await first.submit(request)
        text = handle.to_json()
        async with self.make_runner(transport=transport) as second:
            result = await second.wait(text)
        assert result.status is TaskStatus.SUCCEEDED
        assert result.handle.task_id == handle.task_id

    def test_no_secret_in_reprs(self) -> None:
        secrets = [v for v in self.env.values() if len(v) >= 6]
        runner = self.make_runner()
        texts = [repr(runner), repr(runner.provider), repr(runner.settings), str(runner.info)]
        try:
            texts.append(repr(runner._hook.auth()))
        except ConfigurationError as exc:
            texts.append(exc.message)
        for text in texts:
            for secret in secrets:
                assert secret not in text, "a credential appears in a repr"


def _is_iso_date(value: str) -> bool:
    import datetime

    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return len(value) == 10
