"""The faults that only a real socket shows, against the fakes served on loopback: the
library over framecast's real transport, and the CLI as a separate process.

Resets after the server acted, answers that never come (read timeout), bodies cut short of
their ``Content-Length`` and ``Retry-After`` as an HTTP date: still never two tasks, never
a lost one, never a credential where it does not belong.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from framecast import (
    FramecastError,
    GenerationRequest,
    OutcomeUnknown,
    ProviderError,
    ProviderSettings,
    RetryPolicy,
    Runner,
    TaskStatus,
)
from framecast.testing import read_timeout_after, remote_reset_after, respond
from framecast_kling import testing as kling
from framecast_runway import testing as runway

from .._secret_audit import leaks_in
from ._loopback import serve, wire_truncated
from ._sides import RUNWAY_CREATE, small_png

pytestmark = [pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]

REPO = Path(__file__).resolve().parents[2]
FAST = RetryPolicy(base=0.01, cap=0.05, dedupe_spacing=0.01, seed=3)
Fault = Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]], httpx.Response]


class Late:
    """A handler whose fake is made once the server's origin is known."""

    def __init__(self) -> None:
        self.fake: Any = None
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.fake(request)


@contextmanager
def runway_server() -> Iterator[tuple[runway.RunwayFake, str, Late]]:
    late = Late()
    with serve(late, stall=1.0) as origin:
        late.fake = runway.RunwayFake(
            base_url=origin,
            upload_url=f"{origin}/storage/upload",  # the API's own origin: still no key
            output_host=f"{origin}/cdn",
        )
        yield late.fake, origin, late


@contextmanager
def kling_server() -> Iterator[tuple[kling.KlingFake, str, Late]]:
    late = Late()
    with serve(late, stall=1.0) as origin:
        late.fake = kling.KlingFake()
        yield late.fake, origin, late


def runner(provider: str, origin: str) -> Runner:
    if provider == "runway":
        env = {"RUNWAYML_API_SECRET": runway.RunwayFake().api_key, "RUNWAYML_BASE_URL": origin}
    else:
        env = {**kling.KlingFake.ENV, "KLING_BASE_URL": origin}
    return Runner(
        provider,
        settings=ProviderSettings(name=provider, env=env),
        env={},
        poll_interval=0.01,
        read_timeout=0.3,
        retry_policy=FAST,
        timeout=30,
    )


def http_date(seconds_ahead: float) -> str:
    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


async def generate(provider: str, origin: str, image: Any) -> Any:
    async with runner(provider, origin) as r:
        try:
            return await r.generate(GenerationRequest(prompt="A wave", image=image))
        except FramecastError as exc:
            return exc


def carried(outcome: Any) -> set[str]:
    handle = getattr(outcome, "handle", None)
    return {handle.task_id} if handle is not None else set()


# --------------------------------------------------------------------------- Runway

RUNWAY_SUBMIT_LOST: list[tuple[str, Callable[[], Fault]]] = [
    ("reset after create", remote_reset_after),
    ("no answer (read timeout)", read_timeout_after),
    ("body cut short of its length", wire_truncated),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "fault"), RUNWAY_SUBMIT_LOST, ids=[n for n, _ in RUNWAY_SUBMIT_LOST]
)
async def test_runway_lost_create_answer_on_the_wire_is_outcome_unknown(
    name: str, fault: Callable[[], Fault]
) -> None:
    with runway_server() as (fake, origin, _):
        fake.inject("POST", RUNWAY_CREATE, fault())
        outcome = await generate("runway", origin, small_png())
    assert isinstance(outcome, OutcomeUnknown), outcome
    assert fake.tasks_created == 1
    assert outcome.details["fingerprint"] and outcome.details["window_start"]
    assert "before retrying" in outcome.message


@pytest.mark.anyio
async def test_runway_refusals_on_the_wire_are_waited_out() -> None:
    with runway_server() as (fake, origin, _):
        fake.inject(
            "POST",
            RUNWAY_CREATE,
            respond(429, {"error": "Too many requests."}, headers={"Retry-After": http_date(1)}),
            runway.unavailable(retry_after=1),
        )
        fake.inject("GET", "/v1/tasks/", remote_reset_after(), read_timeout_after(),
                    wire_truncated(), runway.unavailable())  # fmt: skip
        started = time.monotonic()
        outcome = await generate("runway", origin, small_png())
    assert not isinstance(outcome, FramecastError), outcome
    assert outcome.status is TaskStatus.SUCCEEDED
    assert fake.tasks_created == 1 and set(fake.tasks) == carried(outcome)
    assert time.monotonic() - started >= 1.0  # both Retry-After waits were honoured
    assert fake.pending_faults() == 0


@pytest.mark.anyio
async def test_runway_unknown_status_on_the_wire_keeps_the_handle() -> None:
    with runway_server() as (fake, origin, _):
        fake.inject("GET", "/v1/tasks/", runway.unknown_status("EXPLODED"))
        outcome = await generate("runway", origin, small_png())
    assert isinstance(outcome, ProviderError) and "EXPLODED" in outcome.message
    assert set(fake.tasks) == carried(outcome)


@pytest.mark.anyio
async def test_runway_upload_on_the_apis_own_origin_carries_no_key(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "noise.png"
    Image.frombytes("RGB", (1400, 1100), random.Random(5).randbytes(1400 * 1100 * 3)).save(path)
    with runway_server() as (fake, origin, late):
        outcome = await generate("runway", origin, path)
    assert not isinstance(outcome, FramecastError), outcome
    assert len(fake.uploads) == 1 and fake.violations == []
    uploads = [r for r in late.requests if r.url.path == "/storage/upload"]
    assert uploads and all("authorization" not in r.headers for r in uploads)


# --------------------------------------------------------------------------- Kling

KLING_SUBMIT_FAULTS: list[tuple[str, Callable[[], Fault], int]] = [
    ("reset after create", kling.reset_after, 1),
    ("no answer (read timeout)", kling.read_timeout_after, 1),
    ("body cut short of its length", wire_truncated, 1),
    ("502 without a task", lambda: kling.server_error(502), 2),
    ("503 with an HTTP-date Retry-After", lambda: respond(
        503, {"code": 5001, "message": "busy"}, headers={"Retry-After": http_date(1)}), 2),
]  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "fault", "creates"), KLING_SUBMIT_FAULTS, ids=[n for n, _, _ in KLING_SUBMIT_FAULTS]
)
async def test_kling_submit_faults_on_the_wire_make_exactly_one_task(
    name: str, fault: Callable[[], Fault], creates: int
) -> None:
    with kling_server() as (fake, origin, late):
        fake.inject("create", fault())
        outcome = await generate("kling", origin, small_png())
    assert not isinstance(outcome, FramecastError), outcome
    assert fake.tasks_created == 1 and set(fake.tasks) == carried(outcome)
    assert sum(1 for r in late.requests if r.method == "POST") == creates


@pytest.mark.anyio
async def test_kling_lookups_and_polls_failing_on_the_wire_still_make_one_task() -> None:
    with kling_server() as (fake, origin, late):
        fake.inject("create", kling.reset_after())
        # The two lookups by key fail too, so the runner resubmits with the same key; Kling
        # refuses the duplicate key, and the lookup after that refusal finds the task.
        fake.inject("query", kling.reset_after(), wire_truncated())
        outcome = await generate("kling", origin, small_png())
        fake.inject("query", kling.read_timeout_after(), wire_truncated(), kling.expired_token())
        resumed = await generate("kling", origin, small_png())
    assert not isinstance(outcome, FramecastError), outcome
    assert not isinstance(resumed, FramecastError), resumed
    assert fake.tasks_created == 2  # one per job
    assert set(fake.tasks) == carried(outcome) | carried(resumed)
    assert sum(1 for r in late.requests if r.method == "POST") == 3


# --------------------------------------------------------------------------- the CLI


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAY", "KLING"))}
    full.pop("FRAMECAST_PROVIDER", None)
    full.update(env, FRAMECAST_POLL_INTERVAL="0.05")
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "framecast", *args],
        cwd=cwd, env=full, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_cli_runway_lost_answer_on_the_wire_exits_5_and_says_what_to_check(
    tmp_path: Path,
) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    with runway_server() as (fake, origin, _):
        fake.inject("POST", RUNWAY_CREATE, remote_reset_after())
        env = {"RUNWAYML_API_SECRET": fake.api_key, "RUNWAYML_BASE_URL": origin}
        done = cli(["generate", str(image), "--provider", "runway", "--prompt", "A wave",
                    "--json"], env, tmp_path)  # fmt: skip
    assert done.returncode == 5, done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "OutcomeUnknown" and error["details"]["fingerprint"]
    assert "window_start" in done.stderr and fake.tasks_created == 1
    assert not leaks_in([done.stdout, done.stderr])


def test_cli_kling_lost_answer_on_the_wire_is_found_not_paid_twice(tmp_path: Path) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    with kling_server() as (fake, origin, _):
        fake.inject("create", kling.reset_after())
        fake.inject("query", wire_truncated())
        env = {**kling.KlingFake.ENV, "KLING_BASE_URL": origin}
        done = cli(["generate", str(image), "--provider", "kling", "--prompt", "A wave",
                    "--json"], env, tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["status"] == "SUCCEEDED" and set(fake.tasks) == {shown["task_id"]}
    assert not leaks_in([done.stdout, done.stderr])


@pytest.mark.anyio
async def test_runway_output_on_the_apis_own_origin_is_downloaded_without_the_key(
    tmp_path: Path,
) -> None:
    with runway_server() as (fake, origin, late):
        fake.inject("GET", "/cdn/", remote_reset_after())  # one broken download, retried
        async with runner("runway", origin) as r:
            result = await r.generate(GenerationRequest(prompt="A wave", image=small_png()))
            saved = await r.download(result, tmp_path / "out.mp4")
    assert saved.read_bytes()[4:8] == b"ftyp"
    downloads = [q for q in late.requests if q.url.path.startswith("/cdn/")]
    assert downloads and all("authorization" not in q.headers for q in downloads)
    assert fake.violations == []


# --------------------------------------------------------------------------- event loops


@pytest.mark.parametrize("provider", ["runway", "kling"])
def test_one_runner_driven_by_asyncio_run_twice_makes_two_tasks_and_two_handles(
    provider: str,
) -> None:
    """A runner built once (a sync web app's module-level one) and driven by one
    ``asyncio.run()`` per request: the second create must not go out on a kept-alive
    connection of the first, closed loop (the task made, its answer lost)."""
    import asyncio

    server = runway_server() if provider == "runway" else kling_server()
    with server as (fake, origin, late):
        r = runner(provider, origin)

        async def submit() -> Any:
            return await r.submit(GenerationRequest(prompt="A wave", image=small_png()))

        handles = [asyncio.run(submit()), asyncio.run(submit())]
        fake = late.fake
    assert len({h.task_id for h in handles}) == 2
    assert fake.tasks_created == 2
    creates = [q for q in late.requests if q.method == "POST" and "/upload" not in q.url.path]
    assert len(creates) == 2


# --------------------------------------------------------------------------- local faults


@pytest.mark.parametrize("provider", ["runway", "kling"])
def test_a_base_url_without_a_scheme_is_refused_before_anything_is_sent(provider: str) -> None:
    """``RUNWAYML_BASE_URL=127.0.0.1:8080`` cannot reach any server: a
    ``ConfigurationError`` naming the variable (exit 2), never "may have created the task"."""
    from framecast import ConfigurationError, exit_code_for

    server = runway_server() if provider == "runway" else kling_server()
    with server as (_fake, origin, late):
        bare = origin.removeprefix("http://")
        with pytest.raises(ConfigurationError) as caught:
            runner(provider, bare)
    variable = "RUNWAYML_BASE_URL" if provider == "runway" else "KLING_BASE_URL"
    assert variable in caught.value.message and "nothing was sent" in caught.value.message
    assert exit_code_for(caught.value) == 2
    assert late.requests == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "error", "sent"),
    [
        ({"authorization": "Bearer key\n"}, httpx.LocalProtocolError, False),  # h11 refuses
        ({}, None, True),
    ],
    ids=["header h11 refuses: not sent", "headers written: sent"],
)
async def test_a_create_counts_as_sent_once_httpcore_starts_writing_its_headers(
    headers: dict[str, str], error: type[Exception] | None, sent: bool
) -> None:
    """Sent is observable: httpcore's ``send_request_headers`` began (and h11 did not
    refuse to build them). A refused connection or an illegal header is never sent."""
    from framecast._gate import FifoGate
    from framecast._http import GatedTransport, SubmitTrack, current_submit
    from framecast._pool import default_transport

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})

    with serve(answer) as origin:
        for url, expect_error, expect_sent in (
            (f"{origin}/v1/create", error, sent),
            ("http://127.0.0.1:1/v1/create", httpx.ConnectError, False),
        ):
            track = SubmitTrack("POST", "/v1/create")
            token = current_submit.set(track)
            transport = GatedTransport(default_transport(100), FifoGate(10))
            try:
                async with httpx.AsyncClient(transport=transport) as client:
                    if expect_error is None:
                        await client.post(url, headers=headers)
                    else:
                        with pytest.raises(expect_error):
                            await client.post(url, headers=headers)
            finally:
                current_submit.reset(token)
            assert track.sent is expect_sent, url
