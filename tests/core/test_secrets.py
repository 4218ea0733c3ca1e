"""Credentials never appear in an error, a repr or a log line, and never leave the
provider's own origin."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Generator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from framecast import (
    AuthenticationError,
    FramecastError,
    GenerationRequest,
    ProviderSettings,
    TaskHandle,
    TaskStatus,
    hookimpl,
)
from framecast.testing import FaultInjector, VirtualClock, read_timeout_after, respond

from .acme import AcmeProvider, AcmeServer
from .support import acme_class, make_runner, text_request

pytestmark = pytest.mark.anyio

SECRET = "sk-FAKE-acme-0123456789abcdef"
ENV = {"ACME_SECRET": SECRET}


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


async def test_a_full_generate_with_faults_logs_no_credential_at_debug(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret=SECRET, throttled_polls=1)
    faults = FaultInjector(server)
    faults.on("POST", "/v1/videos", respond(429), read_timeout_after())
    faults.on("GET", "/v1/videos/", respond(503), respond(401, {"code": 1004, "message": "exp"}))

    class Broken:
        @hookimpl
        def on_progress(self, handle: TaskHandle, state: object) -> None:
            raise RuntimeError("observer failure")

    async with make_runner(faults, clock, env=ENV, plugins=[Broken()]) as runner:
        result = await runner.generate(text_request())
        await runner.download(result, tmp_path / "out.mp4")
    assert result.status is TaskStatus.SUCCEEDED
    logged = everything_logged(caplog)
    assert "framecast.http" in {r.name for r in caplog.records}  # DEBUG really was on
    assert SECRET not in logged
    assert "Token " not in logged
    assert "authorization" not in logged.lower()


async def test_errors_reprs_and_details_hold_no_credential() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret="a-different-secret")  # refuses ours
    async with make_runner(server, clock, env=ENV) as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.submit(text_request())
        auth = runner.provider.auth()
        texts = [
            str(caught.value),
            repr(caught.value),
            str(caught.value.to_dict()),
            repr(runner),
            repr(runner.provider),
            repr(runner.settings),
            repr(auth),
            repr(runner._http()._auth),
        ]
    for text in texts:
        assert SECRET not in text, text


def test_settings_repr_and_dry_run_hold_no_credential() -> None:
    settings = ProviderSettings(name="acme", env=ENV, config={"token": SECRET})
    assert SECRET not in repr(settings)
    runner = make_runner(AcmeServer(), VirtualClock(), env=ENV)
    assert SECRET not in str(runner.prepare(GenerationRequest(prompt="x")).to_dict(full=True))


async def test_the_output_download_carries_no_authorization(tmp_path: Path) -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret=SECRET, polls_to_finish=1)
    async with make_runner(server, clock, env=ENV) as runner:
        result = await runner.generate(text_request())
        await runner.download(result, tmp_path / "out.mp4")
    cdn = [r for r in server.requests if r.url.host == "cdn.acme.test"]
    assert len(cdn) == 1
    assert "authorization" not in cdn[0].headers
    api = [r for r in server.requests if r.url.host == "api.acme.test"]
    assert api and all(SECRET in r.headers["authorization"] for r in api)


class UploadingAcme(AcmeProvider):
    """Uploads the image to a presigned URL on another host before creating the task."""

    @hookimpl
    async def submit(self, prepared, http: httpx.AsyncClient) -> TaskHandle:
        await http.put("https://uploads.acme-storage.test/put/123?sig=xyz", content=b"image")
        await http.put("http://api.acme.test/v1/plain-http", content=b"other scheme")
        return await AcmeProvider.submit(self, prepared=prepared, http=http)


async def test_a_presigned_upload_through_the_provider_client_carries_no_authorization() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret=SECRET)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "PUT":
            return httpx.Response(200)
        return server(request)

    UploadingAcme.clock = clock
    async with make_runner(handler, clock, env=ENV, provider=UploadingAcme) as runner:
        await runner.submit(text_request())
    upload, other_scheme, create = seen[:3]
    assert upload.url.host == "uploads.acme-storage.test"
    assert "authorization" not in upload.headers
    assert "authorization" not in other_scheme.headers  # same host, another origin
    assert SECRET in create.headers["authorization"]


async def test_polling_a_handle_on_another_official_origin_keeps_auth_on_official_hosts() -> None:
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret=SECRET, polls_to_finish=1)
    provider = acme_class(clock, official_hosts=("api.acme.test", "api-eu.acme.test"))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api-eu.acme.test":
            assert SECRET in request.headers.get("authorization", "")
            request = httpx.Request(
                request.method,
                request.url.copy_with(host="api.acme.test"),
                headers=request.headers,
            )
        return server(request)

    async with make_runner(handler, clock, env=ENV, provider=provider) as runner:
        handle = await runner.submit(text_request())
        eu = TaskHandle.from_dict({**handle.to_dict(), "base_url": "https://api-eu.acme.test"})
        result = await runner.wait(eu)
    assert result.status is TaskStatus.SUCCEEDED


def test_every_framecast_error_repr_is_its_message_only() -> None:
    error = FramecastError("boom", details={"hint": "x"})
    assert repr(error) == "FramecastError('boom')"


@pytest.mark.parametrize("phase", ["submit", "poll"])
async def test_a_server_echoing_the_credential_never_puts_it_in_an_error_or_log(
    phase: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret=SECRET)
    faults = FaultInjector(server)
    echo = respond(401, {"message": f"invalid token {SECRET}.1.1767225600"})
    echo_5xx = respond(503, {"message": f"upstream rejected key {SECRET}"})
    if phase == "submit":
        faults.on("POST", "/v1/videos", echo)
    else:
        faults.on("GET", "/v1/videos/", echo_5xx, echo)
    async with make_runner(faults, clock, env=ENV) as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.generate(text_request())
    error = caught.value
    for text in (error.message, str(error), repr(error), str(error.to_dict())):
        assert SECRET not in text
    assert "invalid token" in error.message  # the provider's words are kept
    assert SECRET not in everything_logged(caplog)


async def test_debug_logs_say_method_path_status_and_retry_decisions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret=SECRET, polls_to_finish=1)
    faults = FaultInjector(server)
    faults.on("POST", "/v1/videos", respond(429, {"message": "slow down"}))
    async with make_runner(faults, clock, env=ENV) as runner:
        await runner.generate(text_request())
    http_lines = [r.getMessage() for r in caplog.records if r.name == "framecast.http"]
    assert any(line.startswith("POST /v1/videos -> 429") for line in http_lines), http_lines
    assert any(line.startswith("POST /v1/videos -> 200") for line in http_lines)
    assert any(line.startswith("GET /v1/videos/task-1 -> 200") for line in http_lines)
    assert all(line.endswith(" ms)") for line in http_lines)
    decisions = [r.getMessage() for r in caplog.records if r.name == "framecast"]
    assert any("submit attempt 1" in line and "rate_limited" in line for line in decisions)


# --------------------------------------------------------------------------- the registry


class DerivingAuth(httpx.Auth):
    """An auth deriving a value the plugin never registers: an HMAC in ``x-api-key``."""

    def __init__(self, inner: httpx.Auth, secret: str) -> None:
        self._inner = inner
        self.derived = hashlib.sha256(f"derived:{secret}".encode()).hexdigest()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["x-api-key"] = self.derived
        yield from self._inner.auth_flow(request)


class DerivingAcme(AcmeProvider):
    @hookimpl
    def auth(self) -> httpx.Auth:
        self._deriving = DerivingAuth(AcmeProvider.auth(self), SECRET)
        return self._deriving


async def test_a_header_value_derived_by_any_auth_is_redacted_when_echoed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = VirtualClock()
    server = AcmeServer(clock=clock, secret=SECRET)
    derived: list[str] = []

    def echo(request: httpx.Request, handler: object) -> httpx.Response:
        derived.append(request.headers["x-api-key"])
        return httpx.Response(
            401, json={"message": f"bad x-api-key {request.headers['x-api-key']}"}
        )

    faults = FaultInjector(server)
    faults.on("POST", "/v1/videos", echo)
    DerivingAcme.clock = clock
    async with make_runner(faults, clock, env=ENV, provider=DerivingAcme) as runner:
        with pytest.raises(AuthenticationError) as caught:
            await runner.submit(text_request())
    (value,) = derived
    error = caught.value
    for text in (error.message, str(error), repr(error), str(error.to_dict())):
        assert value not in text and "<x-api-key credential>" in text
    assert value not in everything_logged(caplog) and value not in caplog.text


def test_redaction_finds_a_secret_in_any_shape_and_any_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from framecast import redact, register_secret

    odd = 'o"dd\\ké€y.with*regex+chars'
    register_secret(f"  {odd}\n", "ODD_KEY")
    shapes = [odd, repr(odd), json.dumps(odd), repr(odd.encode()), quote(odd, safe="")]
    for shape in shapes:
        assert "ODD_KEY" in redact(f"x {shape} y") and odd not in redact(shape), shape
    # A record of a dependency (h11 quoting an illegal header, via httpcore's logger).
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpcore.http11").debug("failed exception=%r", ValueError(odd.encode()))
    try:
        raise RuntimeError(f"Illegal header value b'Bearer {odd}\\n'")
    except RuntimeError:
        logging.getLogger("some.app").exception("boom")
    assert odd not in caplog.text and repr(odd.encode())[2:-1] not in caplog.text
    assert caplog.text.count("<ODD_KEY>") >= 2


def test_an_error_made_before_a_token_was_signed_is_redacted_when_shown() -> None:
    from framecast import register_secret

    token = "eyJhbGciOi.later-signed-token-abcdefghijkl.c2lnbmF0dXJlLXNlZ21lbnQ"
    error = FramecastError("x")
    error.message = f"provider said: {token}"
    register_secret(token, "late token", derived=True)
    for text in (str(error), repr(error), str(error.to_dict())):
        assert token not in text and "c2lnbmF0dXJlLXNlZ21lbnQ" not in text
