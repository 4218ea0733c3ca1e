"""The provider client's default transport: several small httpcore pools.

One wide pool walks all its connections on every request; the shards keep that walk short.
What a user relies on: no more connections than the gate allows (and no more than requests
in flight), no queueing inside a shard, warm connections reused, bodies read before a slot
frees; connections opened only while answers are slow (a few when they come back at once,
the full width when they do not), waiting requests served in arrival order, and a
cancelled or timed-out wait that leaves no slot behind.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from framecast._pool import (
    GROW_AFTER_SECONDS,
    SHARD_CONNECTIONS,
    WARM_CONNECTIONS,
    ShardedPool,
    default_transport,
)

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
    pool = ShardedPool(list(shards), [3, 3, 3, 3])  # no warm limit: all 12 may be in flight
    async with httpx.AsyncClient(transport=pool) as client:
        requests = [asyncio.ensure_future(client.get("http://emulator.test/x")) for _ in range(7)]
        await asyncio.sleep(0.01)
        assert [s.in_flight for s in shards] == [3, 3, 1, 0]
        release.set()
        answers = await asyncio.gather(*requests)
    assert all(a.status_code == 200 for a in answers)
    assert max(s.peak for s in shards) == 3
    assert pool._busy == [0, 0, 0, 0]


async def test_at_its_full_width_a_request_waits_its_turn_then_times_out_as_httpx_does() -> None:
    release = asyncio.Event()
    pool = ShardedPool([Recorder("a", release)], [1])
    async with httpx.AsyncClient(transport=pool, timeout=httpx.Timeout(5, pool=0.01)) as client:
        first = asyncio.ensure_future(client.get("http://emulator.test/x"))
        await asyncio.sleep(0)
        with pytest.raises(httpx.PoolTimeout):
            await client.get("http://emulator.test/y")
        assert pool.waiting == 0
        release.set()
        assert (await first).status_code == 200
        assert (await client.get("http://emulator.test/z")).status_code == 200
    assert pool._in_flight == 0


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


def test_the_default_transport_starts_with_one_shard_in_flight() -> None:
    transport = default_transport(100)
    assert isinstance(transport, ShardedPool)
    assert transport.allowed == WARM_CONNECTIONS == SHARD_CONNECTIONS
    assert transport._grow_after == GROW_AFTER_SECONDS


async def test_answers_that_come_back_promptly_never_widen_the_pool() -> None:
    # The client's CPU is the limit: more connections would cost memory and buy nothing.
    shards = [Recorder("a"), Recorder("b")]
    pool = ShardedPool(list(shards), [2, 10], warm=2, grow_after=60.0)
    async with httpx.AsyncClient(transport=pool) as client:
        answers = await asyncio.gather(*(client.get("http://emulator.test/x") for _ in range(50)))
    assert all(a.status_code == 200 for a in answers)
    assert pool.allowed == 2
    assert shards[0].served == 50 and shards[1].served == 0
    assert shards[0].peak <= 2


class Widening(ShardedPool):
    """Records the limit after each growth step."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.steps: list[int] = []

    def _grow(self, loop: asyncio.AbstractEventLoop) -> None:
        before = self.allowed
        super()._grow(loop)
        if self.allowed != before:
            self.steps.append(self.allowed)


async def test_answers_that_do_not_come_back_widen_it_by_half_up_to_the_full_width() -> None:
    # A distant API: nothing finishes, so waiting requests get connections of their own.
    release = asyncio.Event()
    shards = [Recorder(str(i), release) for i in range(3)]
    pool = Widening(list(shards), [10, 10, 10], warm=4, grow_after=0.001)
    async with httpx.AsyncClient(transport=pool) as client:
        requests = [asyncio.ensure_future(client.get("http://emulator.test/x")) for _ in range(40)]
        await asyncio.sleep(0)
        assert sum(s.in_flight for s in shards) == 4
        for _ in range(500):
            if sum(s.in_flight for s in shards) == 30:
                break
            await asyncio.sleep(0.001)
        assert [s.in_flight for s in shards] == [10, 10, 10]
        assert pool.steps == [6, 9, 13, 19, 28, 30]
        assert pool.waiting == 10
        release.set()
        answers = await asyncio.gather(*requests)
    assert all(a.status_code == 200 for a in answers)
    assert pool._in_flight == 0 and pool.waiting == 0


async def test_waiting_requests_are_served_in_arrival_order() -> None:
    seen: list[str] = []

    class Ordered(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.url.path)
            await asyncio.sleep(0)
            return httpx.Response(200, request=request)

    pool = ShardedPool([Ordered()], [5], warm=1, grow_after=60.0)
    async with httpx.AsyncClient(transport=pool) as client:
        await asyncio.gather(*(client.get(f"http://emulator.test/{i}") for i in range(8)))
    assert seen == [f"/{i}" for i in range(8)]


async def test_a_cancelled_wait_leaves_no_slot_behind() -> None:
    release = asyncio.Event()
    shard = Recorder("a", release)
    pool = ShardedPool([shard], [5], warm=1, grow_after=60.0)
    async with httpx.AsyncClient(transport=pool) as client:
        first = asyncio.ensure_future(client.get("http://emulator.test/1"))
        second = asyncio.ensure_future(client.get("http://emulator.test/2"))
        third = asyncio.ensure_future(client.get("http://emulator.test/3"))
        await asyncio.sleep(0.01)
        assert pool.waiting == 2
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        assert pool.waiting == 1
        release.set()
        assert (await first).status_code == 200
        # A leaked slot would leave it waiting for ever.
        assert (await asyncio.wait_for(third, 5)).status_code == 200
    assert shard.served == 2
    assert pool._in_flight == 0 and pool.waiting == 0


async def test_a_slot_handed_over_as_the_waiter_is_cancelled_passes_to_the_next() -> None:
    waiting: list[asyncio.Future[object]] = []

    class CancelOnHandover(ShardedPool):
        def _release(self) -> None:
            super()._release()  # hands the slot to the first waiter ...
            if waiting:
                waiting.pop().cancel()  # ... which is cancelled before it ever runs

    release = asyncio.Event()
    shard = Recorder("a", release)
    pool = CancelOnHandover([shard], [5], warm=1, grow_after=60.0)
    async with httpx.AsyncClient(transport=pool) as client:
        first = asyncio.ensure_future(client.get("http://emulator.test/1"))
        second = asyncio.ensure_future(client.get("http://emulator.test/2"))
        third = asyncio.ensure_future(client.get("http://emulator.test/3"))
        await asyncio.sleep(0.01)
        waiting.append(second)
        release.set()
        assert (await first).status_code == 200
        with pytest.raises(asyncio.CancelledError):
            await second
        # A leaked slot would leave it waiting for ever.
        assert (await asyncio.wait_for(third, 5)).status_code == 200
    assert shard.served == 2
    assert pool._in_flight == 0 and pool.waiting == 0


def test_the_pool_still_widens_after_a_loop_ended_with_requests_waiting() -> None:
    # A SyncRunner or asyncio.run per call: a growth timer armed on an ended loop never
    # fires, and the next loop must arm its own.
    shard = Recorder("a", None)
    pool = ShardedPool([shard], [10], warm=1, grow_after=0.001)

    async def stranded() -> None:
        shard.release = asyncio.Event()  # never set: the first request holds the slot
        first = asyncio.ensure_future(
            pool.handle_async_request(httpx.Request("GET", "http://e.test/1"))
        )
        await asyncio.sleep(0)
        waiting = asyncio.ensure_future(
            pool.handle_async_request(httpx.Request("GET", "http://e.test/2"))
        )
        await asyncio.sleep(0)
        assert pool.waiting == 1
        for job in (first, waiting):
            job.cancel()
        await asyncio.gather(first, waiting, return_exceptions=True)

    async def later() -> None:
        gate = asyncio.Event()
        shard.release = gate
        jobs = [
            asyncio.ensure_future(
                pool.handle_async_request(httpx.Request("GET", f"http://e.test/{i}"))
            )
            for i in range(3)
        ]
        for _ in range(200):
            if shard.in_flight == 3:
                break
            await asyncio.sleep(0.001)
        assert shard.in_flight == 3  # widened on this loop although nothing finished
        gate.set()
        await asyncio.gather(*jobs)

    asyncio.run(stranded())
    assert pool._in_flight == 0 and pool.waiting == 0
    asyncio.run(later())


async def test_a_queue_whose_head_waits_too_long_widens_the_pool_though_answers_flow() -> None:
    # A steady load the connections cannot carry: answers keep coming (never a quiet
    # interval), but the first in line waits longer and longer.
    class Steady(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(0.002)
            return httpx.Response(200, request=request)

    pool = Widening([Steady()], [40], warm=2, grow_after=60.0, max_wait=0.01)
    async with httpx.AsyncClient(transport=pool) as client:
        answers = await asyncio.gather(*(client.get("http://e.test/x") for _ in range(60)))
    assert all(a.status_code == 200 for a in answers)
    assert pool.steps and pool.steps[0] == 3  # 2 -> 3: half as many again, at least one
    assert pool.allowed > 2
