"""Kling's JWT: HS256 with the secret key, iss/exp/nbf, reused until a
minute before expiry, re-signed once on 1004 and on 1003 with a wider back-dating."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from framecast import ConfigurationError, ProviderSettings, TaskStatus
from framecast_kling import KlingAuth, KlingProvider
from framecast_kling.testing import (
    FAKE_ACCESS_KEY,
    FAKE_SECRET_KEY,
    KlingFake,
    expired_token,
    not_yet_valid,
)

from .support import NOW, FixedClock, make_client

pytestmark = pytest.mark.anyio


def test_token_decodes_with_pyjwt() -> None:
    auth = KlingAuth(FAKE_ACCESS_KEY, FAKE_SECRET_KEY)  # real clock: PyJWT checks exp/nbf
    token = auth.token()
    claims = jwt.decode(
        token, FAKE_SECRET_KEY, algorithms=["HS256"], options={"require": ["iss", "exp", "nbf"]}
    )
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    assert set(claims) == {"iss", "exp", "nbf"}
    assert claims["iss"] == FAKE_ACCESS_KEY
    now = int(time.time())
    assert claims["exp"] - now in (1799, 1800)
    assert now - claims["nbf"] in (5, 6)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-at-least-32-bytes!!", algorithms=["HS256"])


def test_claims_follow_the_injected_clock() -> None:
    auth = KlingAuth("ak", FAKE_SECRET_KEY, clock=FixedClock(NOW + 0.9))
    claims = jwt.decode(
        auth.token(), FAKE_SECRET_KEY, algorithms=["HS256"],
        options={"verify_exp": False, "verify_nbf": False},
    )  # fmt: skip
    assert claims == {"iss": "ak", "exp": int(NOW) + 1800, "nbf": int(NOW) - 5}


def test_token_reused_until_a_minute_before_expiry() -> None:
    clock = FixedClock()
    auth = KlingAuth("ak", FAKE_SECRET_KEY, clock=clock)
    first = auth.token()
    clock.advance(1739)
    assert auth.token() == first
    assert auth.tokens_signed == 1
    clock.advance(1)  # 60 s before exp
    second = auth.token()
    assert second != first
    assert auth.tokens_signed == 2
    claims = jwt.decode(second, FAKE_SECRET_KEY, algorithms=["HS256"],
                        options={"verify_exp": False, "verify_nbf": False})  # fmt: skip
    assert claims["exp"] == int(NOW) + 1740 + 1800


def test_secrets_never_in_reprs_or_errors(provider) -> None:
    auth = provider.auth()
    token = auth.token()
    for text in (repr(auth), repr(provider), str(provider.settings)):
        assert FAKE_SECRET_KEY not in text and token not in text
    with pytest.raises(ConfigurationError, match="KLING_ACCESS_KEY") as caught:
        KlingProvider(ProviderSettings(name="kling")).auth()
    assert caught.value.details["variables"] == [
        "KLING_ACCESS_KEY",
        "KLING_SECRET_KEY",
    ]  # both missing: both named
    with pytest.raises(ConfigurationError, match="KLING_SECRET_KEY"):
        KlingProvider(ProviderSettings(name="kling", env={"KLING_ACCESS_KEY": "ak"})).auth()


_keys = iter(range(1_000_000))


async def _create_and_poll(provider, client) -> TaskStatus:
    from framecast import PreparedRequest

    prepared = PreparedRequest(
        method="POST",
        path="/v1/videos/text2video",
        body={"model_name": "kling-v1", "prompt": "x", "duration": "5", "mode": "std",
              "external_task_id": f"auth-test-{next(_keys)}"},
        provider_data={"endpoint": "text2video"},
    )  # fmt: skip
    handle = await provider.submit(prepared=prepared, http=client)
    state = await provider.poll(handle=handle, http=client)
    return state.status


async def test_resigned_once_on_a_real_1004() -> None:
    # The server's clock runs 120 s ahead: a cached token the client still trusts (61+ s
    # left) is already expired for the server.
    clock = FixedClock()
    fake = KlingFake(clock=clock, server_offset=120)
    provider = KlingProvider(ProviderSettings(name="kling", env=dict(KlingFake.ENV)), clock=clock)
    async with make_client(fake, provider) as client:
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
        clock.advance(1710)
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
    statuses = [outcome for _, _, outcome in fake.log]
    assert statuses == ["200", "200", "401", "200", "200"]
    assert fake.distinct_tokens == 2
    assert provider._auth is not None and provider._auth.tokens_signed == 2


async def test_1003_clock_skew_resigns_with_wider_backdating() -> None:
    clock = FixedClock()
    fake = KlingFake(clock=clock, server_offset=-30)  # the client clock runs 30 s ahead
    provider = KlingProvider(ProviderSettings(name="kling", env=dict(KlingFake.ENV)), clock=clock)
    async with make_client(fake, provider) as client:
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
    assert [outcome for _, _, outcome in fake.log] == ["401", "200", "200", "200", "200"]
    auth = provider._auth
    assert auth is not None and auth.backdate == 300
    claims = jwt.decode(auth.token(), FAKE_SECRET_KEY, algorithms=["HS256"],
                        options={"verify_exp": False, "verify_nbf": False})  # fmt: skip
    assert claims["nbf"] == int(NOW) - 300
    assert fake.distinct_tokens == 1  # the widened token is reused afterwards


async def test_a_server_clock_far_ahead_is_caught_up_on_1004() -> None:
    # The server runs an hour ahead: every token signed on our clock is already expired.
    clock = FixedClock()
    fake = KlingFake(clock=clock, server_offset=3600)
    provider = KlingProvider(ProviderSettings(name="kling", env=dict(KlingFake.ENV)), clock=clock)
    async with make_client(fake, provider) as client:
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
    assert [outcome for _, _, outcome in fake.log] == ["401", "200", "200", "200", "200"]
    assert fake.distinct_tokens == 1  # one accepted token, signed on the server's time
    claims = jwt.decode(provider._auth.token(), FAKE_SECRET_KEY, algorithms=["HS256"],
                        options={"verify_exp": False, "verify_nbf": False})  # fmt: skip
    assert claims["exp"] == int(NOW) + 3600 + 1800


async def test_large_skew_backdates_by_the_servers_date_header() -> None:
    clock = FixedClock()
    fake = KlingFake(clock=clock, server_offset=-1000)
    provider = KlingProvider(ProviderSettings(name="kling", env=dict(KlingFake.ENV)), clock=clock)
    async with make_client(fake, provider) as client:
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
    assert provider._auth is not None and provider._auth.backdate == 1060


async def test_resign_happens_only_once(clock, provider) -> None:
    fake = KlingFake(clock=clock)
    fake.inject("create", expired_token(), expired_token())
    async with make_client(fake, provider) as client:
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await _create_and_poll(provider, client)
        assert caught.value.response.status_code == 401
    assert fake.requests == 2
    assert fake.tasks_created == 0


async def test_scripted_1003_then_success(clock, provider) -> None:
    fake = KlingFake(clock=clock)
    fake.inject("create", not_yet_valid())
    async with make_client(fake, provider) as client:
        assert await _create_and_poll(provider, client) is TaskStatus.RUNNING
    assert fake.tasks_created == 1
    assert provider._auth is not None and provider._auth.backdate >= 300


async def test_token_is_not_sent_to_other_hosts_by_the_core() -> None:
    # The provider's auth() is origin-agnostic; the core's OriginAuth restricts it. This pins
    # that the output CDN of the fake refuses any Authorization header it is sent.
    fake = KlingFake()
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake)) as plain:
        response = await plain.get(
            "https://v16-kling-fdl.klingai.com/fake/1.mp4", headers={"Authorization": "Bearer x"}
        )
    assert response.status_code == 400
