"""The provider client's default transport: several small httpcore pools (issue 7).

One wide pool walks all its connections on every request; the shards keep that walk short.
What a user relies on: no more connections than the gate allows (and no more than requests
in flight), no queueing inside a shard, warm connections reused, bodies read before a slot
frees.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from framecast._http import SHARD_CONNECTIONS, ShardedPool, default_transport

pytestmark = pytest.mark.anyio


class Recorder(httpx.AsyncBaseTransport):
    """A shard that records what it carries and can hold requests open."""

    def __init__(self, name: str, release: asyncio.Event | None = None) -> None:
        self.name = name
        self.release = release
        self.in_flight = 0
        self.peak = 0
        self.served = 0
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.release is not None:
                await self.release.wait()
            self.served += 1
            return httpx.Response(200, json={"shard": self.name}, request=request)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        self.closed = True


def test_default_transport_splits_a_wide_gate_into_bounded_shards() -> None:
    transport = default_transport(100)
    assert isinstance(transport, ShardedPool)
    sizes = [shard._pool._max_connections for shard in transport._shards]  # type: ignore[attr-defined]
    assert sum(sizes) == 100
    assert max(sizes) == SHARD_CONNECTIONS


def test_default_transport_rounds_up_an_uneven_width() -> None:
    transport = default_transport(25)
    assert isinstance(transport, ShardedPool)
    sizes = [shard._pool._max_connections for shard in transport._shards]  # type: ignore[attr-defined]
    assert sizes == [10, 10, 5]


@pytest.mark.parametrize("width", [None, 0, 1, SHARD_CONNECTIONS])
def test_no_gate_or_a_narrow_one_keeps_a_single_httpx_pool(width: int | None) -> None:
    # With no gate nothing bounds the requests in flight, so shards could overflow.
    transport = default_transport(width)
    assert type(transport) is httpx.AsyncHTTPTransport


async def test_an_idle_client_keeps_reusing_the_first_shard() -> None:
    shards = [Recorder("a"), Recorder("b"), Recorder("c")]
    async with httpx.AsyncClient(transport=ShardedPool(list(shards), [2, 2, 2])) as client:
        for _ in range(5):
            assert (await client.get("http://emulator.test/x")).json() == {"shard": "a"}
    assert [s.served for s in shards] == [5, 0, 0]


async def test_a_shard_is_used_only_when_those_before_it_are_full() -> None:
    # A new shard means new connections: one pool would reuse its idle ones first.
    release = asyncio.Event()
    shards = [Recorder(str(i), release) for i in range(4)]
    pool = ShardedPool(list(shards), [3, 3, 3, 3])
    async with httpx.AsyncClient(transport=pool) as client:
        requests = [asyncio.ensure_future(client.get("http://emulator.test/x")) for _ in range(7)]
        await asyncio.sleep(0.01)
        assert [s.in_flight for s in shards] == [3, 3, 1, 0]
        release.set()
        answers = await asyncio.gather(*requests)
    assert all(a.status_code == 200 for a in answers)
    assert max(s.peak for s in shards) == 3
    assert pool._busy == [0, 0, 0, 0]


async def test_without_a_gate_an_overflow_goes_to_the_least_busy_shard() -> None:
    release = asyncio.Event()
    shards = [Recorder(str(i), release) for i in range(2)]
    pool = ShardedPool(list(shards), [1, 2])
    async with httpx.AsyncClient(transport=pool) as client:
        requests = [asyncio.ensure_future(client.get("http://emulator.test/x")) for _ in range(5)]
        await asyncio.sleep(0.01)
        # Three fill the capacities (1 + 2); the overflow alternates, ties to the first.
        assert [s.in_flight for s in shards] == [3, 2]
        release.set()
        await asyncio.gather(*requests)


async def test_a_failing_request_frees_its_shard() -> None:
    class Failing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

    pool = ShardedPool([Failing(), Recorder("b")], [1, 1])
    async with httpx.AsyncClient(transport=pool) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://emulator.test/x")
        assert pool._busy == [0, 0]
        with pytest.raises(httpx.ConnectError):
            await client.get("http://emulator.test/x")  # the first shard is free again


async def test_the_body_is_read_before_the_response_comes_back() -> None:
    pool = ShardedPool([Recorder("a")], [1])
    request = httpx.Request("GET", "http://emulator.test/x")
    response = await pool.handle_async_request(request)
    assert response.content == b'{"shard":"a"}'
    await pool.aclose()


async def test_closing_the_pool_closes_every_shard() -> None:
    shards = [Recorder("a"), Recorder("b")]
    await ShardedPool(list(shards), [1, 1]).aclose()
    assert all(s.closed for s in shards)


def test_a_pool_needs_a_shard_and_a_capacity_for_each() -> None:
    with pytest.raises(ValueError, match="at least one shard"):
        ShardedPool([], [])
    with pytest.raises(ValueError, match="one capacity per shard"):
        ShardedPool([Recorder("a")], [1, 2])


def test_shards_share_one_tls_context() -> None:
    # Each would otherwise load the CA bundle: ~0.7 MB apiece.
    transport = default_transport(30)
    assert isinstance(transport, ShardedPool)
    contexts = {id(shard._pool._ssl_context) for shard in transport._shards}  # type: ignore[attr-defined]
    assert len(contexts) == 1
