"""HTTP plumbing: the FIFO gate, origin-restricted auth, the provider client, the retry
policy and the core's HTTP-status defaults."""

from __future__ import annotations

import asyncio
import email.utils

import httpx
import pytest
from framecast import Outcome, RetryPolicy
from framecast._http import FifoGate, GatedTransport, OriginAuth, ProviderClient, origin_of
from framecast._retry import default_classification, parse_retry_after

pytestmark = pytest.mark.anyio


# ---------------------------------------------------------------- FIFO gate


async def test_the_gate_admits_waiters_in_arrival_order() -> None:
    gate = FifoGate(2)
    admitted: list[int] = []

    async def worker(i: int) -> None:
        async with gate:
            admitted.append(i)
            await asyncio.sleep(0)
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(i) for i in range(50)))
    assert admitted == list(range(50))
    assert gate.in_use == 0 and gate.waiting == 0


async def test_the_gate_never_admits_more_than_its_size() -> None:
    gate = FifoGate(3)
    inside = peak = 0

    async def worker() -> None:
        nonlocal inside, peak
        async with gate:
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(worker() for _ in range(100)))
    assert peak == 3


async def test_a_cancelled_waiter_gives_up_its_place_without_leaking_a_slot() -> None:
    gate = FifoGate(1)
    await gate.acquire()
    waiter = asyncio.ensure_future(gate.acquire())
    await asyncio.sleep(0)
    assert gate.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    gate.release()
    assert gate.in_use == 0
    await asyncio.wait_for(gate.acquire(), timeout=1)


async def test_a_waiter_cancelled_as_it_is_handed_the_slot_passes_it_on() -> None:
    gate = FifoGate(1)
    await gate.acquire()
    first = asyncio.ensure_future(gate.acquire())
    second = asyncio.ensure_future(gate.acquire())
    await asyncio.sleep(0)
    gate.release()  # hands the slot to ``first``...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, timeout=1)  # the slot went on to the next waiter
    assert gate.in_use == 1


async def test_a_gate_of_size_zero_has_no_limit() -> None:
    gate = FifoGate(0)
    for _ in range(1000):
        await gate.acquire()
    assert gate.waiting == 0


async def test_the_gated_transport_releases_its_slot_when_the_request_fails() -> None:
    gate = FifoGate(1)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transport = GatedTransport(httpx.MockTransport(handler), gate)
    async with httpx.AsyncClient(transport=transport) as client:
        for _ in range(3):
            with pytest.raises(httpx.ConnectError):
                await client.get("https://api.acme.test/")
    assert gate.in_use == 0


# ---------------------------------------------------------------- auth and client


class Bearer(httpx.Auth):
    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = "Bearer fake-token"
        yield request


def test_origins_include_scheme_host_and_default_port() -> None:
    assert origin_of("https://api.acme.test/v1") == ("https", "api.acme.test", 443)
    assert origin_of("http://api.acme.test") == ("http", "api.acme.test", 80)
    assert origin_of("http://127.0.0.1:9/x") == ("http", "127.0.0.1", 9)


async def test_auth_is_applied_only_to_trusted_origins() -> None:
    seen: dict[str, str | None] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[str(request.url)] = request.headers.get("authorization")
        return httpx.Response(200)

    auth = OriginAuth(Bearer(), {origin_of("https://api.acme.test")})
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
        await client.get("https://api.acme.test/v1/x")
        await client.get("https://api.acme.test:8443/v1/x")
        await client.get("http://api.acme.test/v1/x")
        await client.get("https://api.acme.test.evil.example/v1/x")
        await client.get("https://cdn.acme.test/out.mp4")
    assert seen == {
        "https://api.acme.test/v1/x": "Bearer fake-token",
        "https://api.acme.test:8443/v1/x": None,
        "http://api.acme.test/v1/x": None,
        "https://api.acme.test.evil.example/v1/x": None,
        "https://cdn.acme.test/out.mp4": None,
    }
    assert "fake-token" not in repr(auth)


async def test_the_provider_client_raises_for_non_2xx_with_the_body_readable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"error": "bad ratio"})

    async with ProviderClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(httpx.HTTPStatusError) as caught:
            await client.post("https://api.acme.test/v1/videos", json={})
    assert caught.value.response.json() == {"error": "bad ratio"}


async def test_the_provider_client_lets_a_redirect_through_unfollowed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "https://elsewhere.test/"})

    async with ProviderClient(transport=httpx.MockTransport(handler)) as client:
        response = await client.get("https://api.acme.test/v1/videos/1")
    assert response.status_code == 302


# ---------------------------------------------------------------- retry policy


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    policy = RetryPolicy(seed=1)
    for attempt in range(1, 10):
        delays = [policy.delay(attempt) for _ in range(200)]
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # jitter spans the whole range
        assert min(delays) < ceiling * 0.2


def test_backoff_stays_at_its_cap_however_many_attempts_failed() -> None:
    # base * 2**n overflows a float near n = 1024: a wait may fail that often over days.
    policy = RetryPolicy(seed=1)
    for attempt in (1_025, 1_100, 10**6):
        assert 0 <= policy.delay(attempt) <= 30.0
    assert RetryPolicy(base=1e-300, cap=1e300).delay(10**6) >= 0  # no OverflowError


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy()
    assert policy.delay(1, retry_after=12.0) == 12.0
    assert policy.delay(1, retry_after=600.0) == 60.0
    assert RetryPolicy(retry_after_cap=5.0).delay(3, retry_after=30.0) == 5.0


def test_retry_after_parses_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(30.0)
    assert parse_retry_after(date, now=2_000_000) == 0.0


def response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "https://api.acme.test/v1/videos")
    return httpx.Response(
        status, json={"message": f"status {status}"}, headers=headers, request=request
    )


@pytest.mark.parametrize(
    ("status", "headers", "phase", "outcome"),
    [
        (401, None, "submit", Outcome.AUTHENTICATION),
        (403, None, "poll", Outcome.AUTHENTICATION),
        (429, None, "submit", Outcome.RATE_LIMITED),
        (503, {"Retry-After": "3"}, "submit", Outcome.RETRY),
        (503, None, "submit", Outcome.AMBIGUOUS),
        (500, None, "submit", Outcome.AMBIGUOUS),
        (502, None, "submit", Outcome.AMBIGUOUS),
        (504, None, "submit", Outcome.AMBIGUOUS),
        (500, None, "poll", Outcome.TRANSIENT),
        (503, {"Retry-After": "3"}, "poll", Outcome.TRANSIENT),
        (404, None, "poll", Outcome.NOT_FOUND),
        (404, None, "cancel", Outcome.NOT_FOUND),
        (400, None, "submit", Outcome.INVALID),
        (422, None, "submit", Outcome.INVALID),
    ],
)
def test_http_status_defaults_follow_the_outcome_table(status, headers, phase, outcome) -> None:
    classification = default_classification(response(status, headers), phase)
    assert classification.outcome is outcome
    assert classification.code == str(status)
    assert classification.message == f"status {status}"


def test_the_default_classification_reads_retry_after() -> None:
    classification = default_classification(response(429, {"Retry-After": "9"}), "submit")
    assert classification.retry_after == 9.0


# ---------------------------------------------------------------- gate tickets


async def test_a_request_uses_the_slot_its_runner_took_for_it_once() -> None:
    from framecast._http import GateTicket, current_ticket

    gate = FifoGate(1)
    in_use_seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        in_use_seen.append(gate.in_use)
        return httpx.Response(200)

    async with httpx.AsyncClient(
        transport=GatedTransport(httpx.MockTransport(handler), gate)
    ) as client:
        await gate.acquire()
        ticket = GateTicket(gate)
        token = current_ticket.set(ticket)
        try:
            await client.get("https://api.acme.test/first")  # the ticket's slot: no wait
            assert not ticket.held and gate.in_use == 0
            await client.get("https://api.acme.test/second")  # queues like any request
        finally:
            current_ticket.reset(token)
            ticket.hand_back()
    assert in_use_seen == [1, 1]
    assert gate.in_use == 0 and gate.waiting == 0


async def test_an_unused_ticket_is_handed_back_once() -> None:
    from framecast._http import GateTicket

    gate = FifoGate(2)
    await gate.acquire()
    ticket = GateTicket(gate)
    ticket.hand_back()
    ticket.hand_back()
    assert gate.in_use == 0


async def test_a_ticket_for_another_gate_is_not_used() -> None:
    from framecast._http import GateTicket, current_ticket

    ours, theirs = FifoGate(1), FifoGate(1)
    await theirs.acquire()
    ticket = GateTicket(theirs)
    token = current_ticket.set(ticket)
    try:
        transport = GatedTransport(httpx.MockTransport(lambda r: httpx.Response(200)), ours)
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get("https://api.acme.test/")
    finally:
        current_ticket.reset(token)
    assert ticket.held and ours.in_use == 0
    ticket.hand_back()
    assert theirs.in_use == 0


def test_the_create_is_recognised_when_prepare_names_an_absolute_url() -> None:
    # A provider with two APIs points prepare at the second one by its full URL; a failure
    # after that create was sent must count as sent (ambiguous), never as "not sent".
    from framecast._http import SubmitTrack

    track = SubmitTrack("POST", "https://api.other.test/v2/videos")
    assert track.matches(httpx.Request("POST", "https://api.other.test/v2/videos"))
    assert not track.matches(httpx.Request("POST", "https://api.other.test/v2/uploads"))
    relative = SubmitTrack("post", "/v1/tasks")
    assert relative.matches(httpx.Request("POST", "https://api.acme.test/v1/tasks"))
