"""framecast.testing: the virtual clock and the fault injector that provider authors use."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from framecast.testing import (
    FaultInjector,
    VirtualClock,
    after,
    before,
    connect_error,
    corrupt_body,
    respond,
)

pytestmark = pytest.mark.anyio


async def test_virtual_sleeps_cost_no_real_time_and_wake_in_deadline_order() -> None:
    clock = VirtualClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    started = time.perf_counter()
    await asyncio.gather(sleeper("late", 3600), sleeper("early", 5), sleeper("mid", 60))
    assert time.perf_counter() - started < 1
    assert woke == [("early", 5), ("mid", 60), ("late", 3600)]
    assert sorted(clock.sleeps) == [5, 60, 3600]
    assert clock.time() == pytest.approx(1_767_225_600 + 3600)


async def test_virtual_time_waits_while_other_work_is_ready() -> None:
    clock = VirtualClock()
    steps = 0

    async def busy() -> None:
        nonlocal steps
        for _ in range(200):
            steps += 1
            await asyncio.sleep(0)

    async def sleeper() -> float:
        await clock.sleep(10)
        return steps

    seen, _ = await asyncio.gather(sleeper(), busy())
    assert seen == 200  # time moved only once the busy task was done


async def test_a_cancelled_virtual_sleep_does_not_hold_time_back() -> None:
    clock = VirtualClock()
    long = asyncio.ensure_future(clock.sleep(1000))
    await asyncio.sleep(0)
    long.cancel()
    await clock.sleep(1)
    assert clock.monotonic() == 1


def test_advance_moves_time_by_hand() -> None:
    clock = VirtualClock(start=10)
    clock.advance(5)
    assert clock.monotonic() == 15


def server(request: httpx.Request) -> httpx.Response:
    server.seen.append(request.url.path)  # type: ignore[attr-defined]
    return httpx.Response(200, json={"ok": True, "path": request.url.path})


def test_faults_are_consumed_in_order_then_requests_pass() -> None:
    server.seen = []  # type: ignore[attr-defined]
    injector = FaultInjector(server)
    injector.on("GET", "/a", respond(503), connect_error())
    client = httpx.Client(transport=httpx.MockTransport(injector), base_url="https://x.test")
    assert client.get("/a").status_code == 503
    with pytest.raises(httpx.ConnectError):
        client.get("/a")
    assert client.get("/a").json() == {"ok": True, "path": "/a"}
    assert client.post("/a").status_code == 200  # another method: no fault
    assert injector.pending() == 0
    assert [entry[2] for entry in injector.log] == ["respond(503)", "connect_error", "pass", "pass"]
    assert server.seen == ["/a", "/a"]  # type: ignore[attr-defined]


def test_before_and_after_differ_in_whether_the_server_acted() -> None:
    server.seen = []  # type: ignore[attr-defined]
    injector = FaultInjector(server)
    injector.on("POST", "/t", before(httpx.ReadError("x")), after(httpx.ReadError("y")))
    injector.on("POST", "/t", respond(500, create=True))
    client = httpx.Client(transport=httpx.MockTransport(injector), base_url="https://x.test")
    for _ in range(3):
        try:
            client.post("/t")
        except httpx.ReadError:
            pass
    assert server.seen == ["/t", "/t"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kind", "body"),
    [("garbage", b"<html>502 Bad Gateway</html>"), ("empty", b"")],
)
def test_corrupt_body_damages_a_2xx_answer(kind: str, body: bytes) -> None:
    injector = FaultInjector(server)
    injector.on("GET", "/", corrupt_body(kind))
    server.seen = []  # type: ignore[attr-defined]
    client = httpx.Client(transport=httpx.MockTransport(injector), base_url="https://x.test")
    response = client.get("/")
    assert response.status_code == 200
    assert response.content == body
