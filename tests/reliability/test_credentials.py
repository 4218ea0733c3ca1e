"""Credentials of any shape, and what is derived from them, never show.

A key read from a file keeps its trailing newline; a mounted secret ends in ``\\r\\n``; a
key need not look like ``key_...``; a server may echo the bearer token it was sent. Each
row of ``_matrix.SECRET_ROWS`` names one of these tests.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from framecast import (
    ConfigurationError,
    FramecastError,
    GenerationRequest,
    ProviderSettings,
    Runner,
    TaskStatus,
)
from framecast.cli import cli
from framecast.testing import VirtualClock
from framecast_kling.testing import KlingFake
from framecast_runway.testing import RunwayFake

from .._secret_audit import leaks_in
from ._sides import Recorder, small_png

PADDINGS = {"newline": "\n", "crlf": "\r\n", "spaces": "  ", "tab": "\t"}
#: Shapes a key may have that a ``key_...`` pattern would miss: regex and JSON specials.
ODD_KEYS = ['p4ss.w*rd+(x)[y]|z"q\\s', "AbC123xyz-no-prefix-at-all", "k=v&a%20b?c/d"]


def _image(tmp_path: Path) -> Path:
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    return image


def _clock_for(fake: Any) -> VirtualClock:
    """A virtual clock shared by the runner and the fake: Kling's tokens are signed on the
    runner's clock and checked on the fake's."""
    clock = VirtualClock()
    if isinstance(fake, KlingFake):
        fake.use_clock(clock.time)
    return clock


def _runner(provider: str, fake: Any, env: dict[str, str], recorder: Recorder) -> Runner:
    return Runner(
        provider,
        settings=ProviderSettings(name=provider, env=env),
        transport=httpx.MockTransport(recorder),
        clock=_clock_for(fake),
        env={},
    )


def _fake(provider: str, key: str | None = None) -> tuple[Any, dict[str, str]]:
    if provider == "runway":
        fake = RunwayFake(api_key=key or "key_test_not_real")
        return fake, {"RUNWAYML_API_SECRET": fake.api_key}
    if key is None:
        return KlingFake(), dict(KlingFake.ENV)
    return KlingFake(secret_key=key), {**KlingFake.ENV, "KLING_SECRET_KEY": key}


def _texts(error: BaseException | None, runner: Runner, caplog: pytest.LogCaptureFixture) -> str:
    parts = [repr(runner), repr(runner.provider), repr(runner.settings), caplog.text]
    parts += [r.getMessage() for r in caplog.records]
    if error is not None:
        parts += [str(error), repr(error)]
        if isinstance(error, FramecastError):
            parts.append(str(error.to_dict()))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 11.7


@pytest.mark.anyio
@pytest.mark.parametrize("padding", PADDINGS, ids=list(PADDINGS))
@pytest.mark.parametrize("provider", ["runway", "kling"])
async def test_a_credential_padded_with_whitespace_works(
    provider: str, padding: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, env = _fake(provider)
    pad = PADDINGS[padding]
    padded = {k: f"{' ' if pad != ' ' else ''}{v}{pad}" for k, v in env.items()}
    recorder = Recorder(fake)
    async with _runner(provider, fake, padded, recorder) as runner:
        result = await runner.generate(GenerationRequest(prompt="A wave", image=_image(tmp_path)))
        text = _texts(None, runner, caplog)
    assert result.status is TaskStatus.SUCCEEDED
    assert fake.tasks_created == 1
    assert not leaks_in([text])


@pytest.mark.anyio
@pytest.mark.parametrize("inside", ["\n", "\r", "\x00", "\x1b", "\x7f", "\u2028", "é"], ids=repr)
@pytest.mark.parametrize("provider", ["runway", "kling"])
async def test_a_control_character_inside_a_credential_is_refused_naming_the_variable(
    provider: str, inside: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, env = _fake(provider)
    variable = "RUNWAYML_API_SECRET" if provider == "runway" else "KLING_SECRET_KEY"
    value = env[variable]
    env[variable] = f"{value[:6]}{inside}{value[6:]}\n"
    recorder = Recorder(fake)
    error: BaseException | None = None
    async with _runner(provider, fake, env, recorder) as runner:
        try:
            await runner.generate(GenerationRequest(prompt="A wave", image=_image(tmp_path)))
        except ConfigurationError as exc:
            error = exc
        text = _texts(error, runner, caplog)
    assert isinstance(error, ConfigurationError), error
    assert variable in error.message and error.exit_code == 2
    assert error.details["variables"] == [variable]
    assert recorder.requests == []  # refused before anything was sent
    assert value not in text and value[6:] not in text and not leaks_in([text])


@pytest.mark.parametrize("provider", ["runway", "kling"])
def test_cli_with_a_control_character_in_a_credential_exits_2_and_shows_no_value(
    provider: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from framecast.cli import _tasks

    fake, env = _fake(provider)
    variable = "RUNWAYML_API_SECRET" if provider == "runway" else "KLING_SECRET_KEY"
    value = env[variable]
    recorder, clock = Recorder(fake), _clock_for(fake)
    monkeypatch.setattr(
        _tasks,
        "open_runner",
        lambda **o: Runner(transport=httpx.MockTransport(recorder), clock=clock, **o),
    )
    for name, v in env.items():
        monkeypatch.setenv(name, v)
    monkeypatch.setenv(variable, f"{value[:5]}\n{value[5:]}\r\n")
    monkeypatch.chdir(tmp_path)
    for mode in ("--json", "--debug"):
        result = CliRunner().invoke(
            cli,
            ["generate", str(_image(tmp_path)), "--provider", provider, "--prompt", "A", mode],
            catch_exceptions=False,
        )
        shown = result.stdout + result.stderr
        assert result.exit_code == 2, shown
        assert variable in shown and value[5:] not in shown and not leaks_in([shown])
    assert recorder.requests == []


def _echo(status: int, body: Any) -> Any:
    """A server that quotes the request's credentials back in its error body."""

    def fault(request: httpx.Request, handler: Any) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        token = auth.partition(" ")[2]
        fill = {"auth": auth, "token": token}
        if isinstance(body, str):
            return httpx.Response(status, text=body.format(**fill))
        return httpx.Response(status, json={k: (v.format(**fill) if isinstance(v, str) else v)
                                            for k, v in body.items()})  # fmt: skip

    return fault


@pytest.mark.anyio
@pytest.mark.parametrize("key", ODD_KEYS)
@pytest.mark.parametrize("provider", ["runway", "kling"])
async def test_a_credential_of_any_shape_echoed_by_the_server_is_redacted(
    provider: str, key: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, env = _fake(provider, key)
    env = {k: f"{v}\n" for k, v in env.items()}  # read from files, newline and all
    if provider == "runway":
        fake.inject("POST", "/v1/image_to_video", _echo(400, {"error": "bad key {token}"}))
    else:
        fake.inject("create", _echo(400, {"code": 1200, "message": f"bad secret {key} {{auth}}",
                                          "request_id": "r1"}))  # fmt: skip
    recorder = Recorder(fake)
    error: BaseException | None = None
    async with _runner(provider, fake, env, recorder) as runner:
        try:
            await runner.generate(GenerationRequest(prompt="A wave", image=_image(tmp_path)))
        except FramecastError as exc:
            error = exc
        text = _texts(error, runner, caplog)
    assert error is not None and "refused" in error.message
    assert recorder.requests  # the server did see it (and echoed it)
    assert key not in text and repr(key)[1:-1] not in text and not leaks_in([text])


# --------------------------------------------------------------------------- 11.8


@pytest.mark.anyio
@pytest.mark.parametrize("phase", ["submit", "poll"])
async def test_a_kling_jwt_echoed_by_the_server_is_redacted_everywhere(
    phase: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = KlingFake()
    echo = _echo(400, {"code": 1201, "message": "token {token} invalid (sent {auth})",
                       "request_id": "r1"})  # fmt: skip
    fake.inject("create" if phase == "submit" else "query", echo)
    recorder = Recorder(fake)
    error: BaseException | None = None
    async with _runner("kling", fake, dict(KlingFake.ENV), recorder) as runner:
        try:
            await runner.generate(GenerationRequest(prompt="A wave", image=_image(tmp_path)))
        except FramecastError as exc:
            error = exc
        text = _texts(error, runner, caplog)
        tokens = {r.headers["authorization"].partition(" ")[2] for r in recorder.requests}
    assert error is not None and "refused the request" in error.message
    assert "<Kling token>" in error.message
    assert tokens and not any(t in text or t.split(".")[2] in text for t in tokens)
    assert not leaks_in([text])


def test_cli_shows_no_jwt_a_server_echoed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from framecast.cli import _tasks

    fake = KlingFake()
    for _ in range(2):
        fake.inject(
            "create", _echo(400, {"code": 1201, "message": "bad {auth}", "request_id": "r"})
        )
    recorder, clock = Recorder(fake), _clock_for(fake)
    monkeypatch.setattr(
        _tasks,
        "open_runner",
        lambda **o: Runner(transport=httpx.MockTransport(recorder), clock=clock, **o),
    )
    for name, v in KlingFake.ENV.items():
        monkeypatch.setenv(name, v)
    monkeypatch.chdir(tmp_path)
    for mode in ("--json", "--debug"):
        result = CliRunner().invoke(
            cli,
            ["generate", str(_image(tmp_path)), "--provider", "kling", "--prompt", "A", mode],
            catch_exceptions=False,
        )
        shown = result.stdout + result.stderr
        assert result.exit_code == 2, shown
        assert "<Kling token>" in shown and not leaks_in([shown])


def test_a_cassette_records_no_credential_in_any_shape() -> None:
    from framecast import register_secret
    from framecast.testing import cassette_config
    from vcr.request import Request

    token = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJjYXNzZXR0ZS10ZXN0In0.c2lnbmF0dXJlLWNhc3NldHRl"
    register_secret(token, "Kling token", derived=True)
    register_secret('odd key "with" quotes\n', "ODD_KEY")
    config = cassette_config(record_mode="none")
    request = Request(
        "POST",
        f"https://api.example.test/v1?t={token}",
        json.dumps({"echo": 'odd key "with" quotes'}).encode(),
        {"Authorization": f"Bearer {token}", "X-Api-Key": "odd key", "Accept": "*/*"},
    )
    recorded = config["before_record_request"](request)
    response = config["before_record_response"](
        {"status": {"code": 400}, "headers": {"Set-Cookie": ["s=1"], "X-Echo": [token]},
         "body": {"string": f'{{"message": "bad token {token}"}}'.encode()}}
    )  # fmt: skip
    text = f"{recorded.uri} {recorded.body!r} {recorded.headers} {response}"
    assert set(recorded.headers) == {"Accept"}
    assert token not in text and "quotes" not in text and "Set-Cookie" not in text
    assert "<Kling token>" in text and "<ODD_KEY>" in text
