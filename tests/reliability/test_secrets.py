"""No credential leaks: not into cassettes, log records, exception text, reprs or CLI output;
and requests to upload and output hosts carry none (signed output URLs are not credentials).

The suite-wide half is ``tests/_secret_audit.py`` (``FRAMECAST_SECRET_AUDIT=1``, run by
``scripts/test.sh``); this module holds its registry checks and the targeted runs.
"""

from __future__ import annotations

import inspect
import logging
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from framecast import FramecastError, GenerationRequest, TaskStatus
from framecast.cli import cli
from framecast.testing import VirtualClock, read_timeout_after
from framecast_google import testing as google
from framecast_kling import KlingProvider
from framecast_kling import testing as kling
from framecast_runway import testing as runway
from framecast_seedance.testing import SeedanceFake

from .._secret_audit import BEARER, JWT, KNOWN_SECRETS, RecordCollector, leaks_in
from ._sides import (
    GOOGLE_API_HOST,
    KLING_API_HOST,
    RUNWAY_API_HOST,
    SIDES,
    GoogleSide,
    KlingSide,
    RunwaySide,
    SeedanceSide,
    Side,
)

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"


# --------------------------------------------------------------------------- registry


def test_the_registry_holds_every_fake_credential() -> None:
    from ..cli import _scripted
    from ..core import acme

    fakes = [
        runway.RunwayFake().api_key,
        *kling.KlingFake.ENV.values(),
        kling.FAKE_ACCESS_KEY,
        kling.FAKE_SECRET_KEY,
        _scripted.API_KEY,
        inspect.signature(acme.AcmeServer).parameters["secret"].default,
        *RunwaySide.env.values(),
        *KlingSide.env.values(),
        SeedanceFake().api_key,
        *SeedanceSide.env.values(),
        google.GoogleFake().api_key,
        *GoogleSide.env.values(),
    ]
    missing = [value for value in fakes if value not in KNOWN_SECRETS]
    assert not missing, f"add these fake credentials to tests/_secret_audit.py: {missing}"


def test_the_audit_finds_keys_jwts_and_bearer_headers() -> None:
    provider = KlingProvider(_kling_settings())
    request = httpx.Request("GET", f"https://{KLING_API_HOST}/v1/videos/text2video/1")
    signed = next(provider.auth().auth_flow(request))
    token = signed.headers["authorization"]
    assert JWT.search(token) and BEARER.search(token)
    assert leaks_in([f"sent {token}"])
    assert leaks_in(["key=key_test_not_real"]) == ["key_test_not_real"]
    assert not leaks_in(["https://outputs.fake.test/a.mp4?_jwt=fake.signed.url"])

    # A whitespace-padded key, a token derived from the fake keys (whole, its signature
    # alone, its payload alone: base64 of the access key), however it is escaped.
    assert kling.FAKE_ACCESS_KEY in leaks_in([repr(f"  {kling.FAKE_ACCESS_KEY}\r\n")])
    jwt_token = token.partition(" ")[2]
    header_payload, _, signature = jwt_token.rpartition(".")
    assert any("signed with" in leak for leak in leaks_in([jwt_token]))
    payload = header_payload.split(".")[1]
    assert f"base64 of {kling.FAKE_ACCESS_KEY}" in leaks_in([f"payload={payload}"])
    assert leaks_in([f"sig {signature}"])  # the registry knows the token this process signed

    # A record made without framecast's redacting factory (a planted leak, kept from the
    # suite-wide audit): the collector still reads args, extra fields and exception text.
    collector = RecordCollector()
    try:
        raise RuntimeError(f"boom {kling.FAKE_SECRET_KEY}")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "framecast.audit-self-test", logging.DEBUG, __file__, 1, "failed", None,
            sys.exc_info(),
        )  # fmt: skip
    record.headers = {"x": "key_wrong_not_real"}
    collector.handle(record)
    assert {kling.FAKE_SECRET_KEY, "key_wrong_not_real"} <= set(leaks_in(collector.texts))


def _kling_settings() -> Any:
    from framecast import ProviderSettings

    return ProviderSettings(name="kling", env=dict(kling.KlingFake.ENV))


# --------------------------------------------------------------------------- cassettes


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_there_are_cassettes_to_scan() -> None:
    assert len(_cassettes()) >= 20


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_cassette_holds_a_credential(path: Path) -> None:
    text = path.read_text()
    assert not leaks_in([text]), f"{path.name}: {leaks_in([text])}"
    data = yaml.safe_load(text)
    for interaction in data["interactions"]:
        headers = {k.lower(): v for k, v in (interaction["request"].get("headers") or {}).items()}
        for name in ("authorization", "x-api-key", "cookie", "proxy-authorization"):
            assert name not in headers, f"{path.name}: a request keeps its {name} header"
        response_headers = interaction["response"].get("headers") or {}
        assert "set-cookie" not in {k.lower() for k in response_headers}


# --------------------------------------------------------------------------- runs


def _noise_png(tmp_path: Path) -> Path:
    """Over Runway's inline limit: it goes through the upload host."""
    from PIL import Image

    path = tmp_path / "noise.png"
    data = random.Random(11).randbytes(1400 * 1100 * 3)
    Image.frombytes("RGB", (1400, 1100), data).save(path)
    return path


def _foreign_requests(side: Side) -> list[httpx.Request]:
    return [r for r in side.recorder.requests if r.url.host != side.api_host]


def _credential_headers(request: httpx.Request) -> list[str]:
    return [
        name
        for name in ("authorization", "x-runway-version", "cookie", "x-api-key", "x-goog-api-key")
        if name in request.headers
    ]


def _texts_of(error: FramecastError | None, runner: Any) -> list[str]:
    texts = [repr(runner), repr(runner.provider), repr(runner.settings)]
    texts += [repr(runner.provider.auth()), repr(runner._http()._auth), str(runner.info)]
    if error is not None:
        texts += [str(error), repr(error), str(error.to_dict())]
    return texts


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["runway", "kling", "google"])
async def test_a_faulty_run_with_upload_and_download_leaks_nothing(
    provider: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    side = SIDES[provider]()
    if isinstance(side, RunwaySide):
        image: Any = _noise_png(tmp_path)
        side.inject("submit", runway.rate_limited(retry_after=2))
        side.inject("poll", runway.unavailable(), read_timeout_after())
    elif isinstance(side, GoogleSide):
        from ._sides import small_png

        image = tmp_path / "frame.png"
        image.write_bytes(small_png())
        side.inject("submit", google.rate_limited(retry_delay=2))
        side.inject("poll", google.server_error(503), read_timeout_after())
    else:
        image = tmp_path / "frame.png"
        from ._sides import small_png

        image.write_bytes(small_png())
        side.inject("submit", kling.reset_after())
        side.inject("poll", kling.expired_token(), kling.business_error(5001))
    clock = VirtualClock()
    error: FramecastError | None = None
    async with side.runner(clock) as runner:
        try:
            result = await runner.generate(GenerationRequest(prompt="A wave", image=image))
            assert result.status is TaskStatus.SUCCEEDED
            await runner.download(result, tmp_path / "out.mp4")
        except FramecastError as exc:
            error = exc
        texts = _texts_of(error, runner)
    assert error is None and (tmp_path / "out.mp4").exists()
    if provider == "runway":
        assert len(side.fake.uploads) == 1 and side.fake.violations == []
    foreign = _foreign_requests(side)
    hosts = {r.url.host for r in foreign}
    assert (
        hosts
        == {
            "runway": {"runway-uploads.fake.test", "outputs.fake.test"},
            "kling": {kling.CDN_HOST},
            "google": {"video-storage.fake.test"},  # the output's redirect target
        }[provider]
    ), hosts
    for request in foreign:
        assert not _credential_headers(request), f"{request.url.host}: {request.headers}"
    api = [r for r in side.recorder.requests if r.url.host == side.api_host]
    header = "x-goog-api-key" if provider == "google" else "authorization"
    assert api and all(header in r.headers for r in api)  # the check can fail
    logged = [r.getMessage() for r in caplog.records] + [caplog.text]
    assert any(r.name.startswith("framecast") for r in caplog.records)  # DEBUG was on
    assert not leaks_in(logged + texts)


@pytest.mark.parametrize("provider", ["runway", "kling", "google"])
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_cli_output_never_shows_a_credential(
    provider: str, debug: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ._sides import small_png

    side = SIDES[provider]()
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    if isinstance(side, RunwaySide):
        side.inject("poll", runway.unauthorized())  # an error after the task exists
    elif isinstance(side, GoogleSide):
        side.inject("poll", google.bad_key())
    else:
        side.inject("poll", *[kling.business_error(1004)] * 2)  # expired twice: refused
    monkeypatch.chdir(tmp_path)
    side.wire_cli(monkeypatch, VirtualClock())
    args = ["generate", str(image), "--provider", provider, "--prompt", "A wave"]
    args += ["--debug"] if debug else ["--json"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 3, result.stderr
    shown = result.stdout + result.stderr
    assert "authentication failed" in shown
    assert not leaks_in([shown])
    for request in _foreign_requests(side):
        assert not _credential_headers(request)
    hosts = {r.url.host for r in side.recorder.requests}
    assert hosts <= {RUNWAY_API_HOST, KLING_API_HOST, GOOGLE_API_HOST}
