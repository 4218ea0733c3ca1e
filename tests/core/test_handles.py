"""Task handles: JSON round trip, checks on load, and the trusted-host rule."""

from __future__ import annotations

import json

import pytest
from framecast import ConfigurationError, TaskHandle, TaskStatus, ValidationError

from .support import make_runner, scripted, text_request

pytestmark = pytest.mark.anyio


async def submitted() -> tuple[TaskHandle, object, object, object]:
    clock, server, faults = scripted(polls_to_finish=1)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request(idempotency_key="key-7"))
    return handle, clock, server, faults


async def test_a_submitted_handle_is_complete_and_round_trips() -> None:
    handle, *_ = await submitted()
    assert handle.provider == "acme"
    assert handle.base_url == "https://api.acme.test"
    assert handle.model == "acme-1"
    assert handle.idempotency_key == "key-7"
    assert handle.submitted_at is not None and handle.submitted_at.startswith("2026-01-01T")
    assert handle.fingerprint is not None and len(handle.fingerprint) == 64
    assert TaskHandle.from_json(handle.to_json()) == handle
    assert TaskHandle.from_dict(json.loads(handle.to_json())) == handle


def test_provider_data_survives_the_round_trip() -> None:
    handle = TaskHandle(
        provider="acme", task_id="t", provider_data={"endpoint": "/v1/videos/image2video"}
    )
    assert TaskHandle.from_json(handle.to_json()).provider_data == handle.provider_data


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{not json", "handle"),
        ("[1, 2]", "handle"),
        ('{"provider": "acme"}', "handle.task_id"),
        ('{"provider": "", "task_id": "t"}', "handle.provider"),
        ('{"provider": "acme", "task_id": "t", "version": 99}', "handle.version"),
    ],
)
def test_bad_handles_are_refused_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TaskHandle.from_json(text)
    assert caught.value.field == field


async def test_a_handle_of_another_provider_is_refused() -> None:
    clock, _server, faults = scripted()
    other = TaskHandle(provider="runway", task_id="abc", base_url="https://api.dev.runwayml.com")
    async with make_runner(faults, clock) as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.wait(other.to_json())
    assert caught.value.field == "handle.provider"
    assert "runway" in caught.value.message
    assert faults.log == []


async def test_a_handle_naming_an_untrusted_host_never_gets_the_credentials() -> None:
    clock, _server, faults = scripted()
    requests = []

    def handler(request):
        requests.append(request)
        return faults(request)

    pasted = TaskHandle(provider="acme", task_id="task-1", base_url="https://evil.example")
    async with make_runner(handler, clock) as runner:
        for action in (runner.wait, runner.poll, runner.cancel):
            with pytest.raises(ConfigurationError) as caught:
                await action(pasted.to_json())
            assert "ACME_BASE_URL" in caught.value.message
            assert caught.value.handle == pasted
    assert requests == []


async def test_a_handle_on_an_official_host_is_trusted_with_another_configured_url() -> None:
    handle, clock, _server, faults = await submitted()
    env = {"ACME_SECRET": "acme-test-secret", "ACME_BASE_URL": "http://127.0.0.1:9"}
    async with make_runner(faults, clock, env=env) as runner:
        result = await runner.wait(handle)
    assert result.status is TaskStatus.SUCCEEDED


async def test_a_handle_on_the_configured_emulator_is_trusted() -> None:
    clock, _server, faults = scripted()
    env = {"ACME_SECRET": "acme-test-secret", "ACME_BASE_URL": "http://127.0.0.1:9/"}
    handle = TaskHandle(provider="acme", task_id="x", base_url="http://127.0.0.1:9")
    async with make_runner(faults, clock, env=env) as runner:
        assert runner.load_handle(handle.to_dict()) == handle


def test_a_handle_from_a_newer_framecast_with_extra_keys_still_loads() -> None:
    data = {"provider": "acme", "task_id": "t", "version": 1, "added_later": {"x": 1}}
    assert TaskHandle.from_dict(data).task_id == "t"


def test_a_handle_with_a_wrongly_typed_field_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        TaskHandle.from_json('{"provider": "acme", "task_id": "t", "provider_data": [1, 2]}')
    assert caught.value.field == "handle"
