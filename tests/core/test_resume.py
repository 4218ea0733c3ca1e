"""A handle serialized in one process resumes the task in another."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .support import SECRET, make_runner, scripted, text_request

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]

RESUME = textwrap.dedent(
    """
    import asyncio, json, sys

    import httpx
    from framecast import Runner
    from framecast.testing import VirtualClock
    from tests.core.acme import AcmeProvider, AcmeServer

    handle_json, state_file, secret = sys.argv[1], sys.argv[2], sys.argv[3]

    async def main() -> None:
        clock = VirtualClock()
        server = AcmeServer(clock=clock, polls_to_finish=2, secret=secret)
        server.tasks = json.loads(open(state_file).read())
        AcmeProvider.clock = clock
        async with Runner(
            AcmeProvider,
            transport=httpx.MockTransport(server),
            clock=clock,
            env={"ACME_SECRET": secret},
        ) as runner:
            result = await runner.wait(handle_json)
        print(json.dumps(result.to_dict()))

    asyncio.run(main())
    """
)


async def test_wait_resumes_a_serialized_handle_in_a_new_process(tmp_path: Path) -> None:
    clock, server, faults = scripted(polls_to_finish=2)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        state = await runner.poll(handle)  # it is running when this process goes away
    assert state.progress == 0.5
    state_file = tmp_path / "server.json"
    state_file.write_text(json.dumps(server.tasks))
    script = tmp_path / "resume.py"
    script.write_text(RESUME)
    done = subprocess.run(
        [sys.executable, str(script), handle.to_json(), str(state_file), SECRET],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "SUCCEEDED"
    assert result["task_id"] == handle.task_id == "task-1"
    assert result["handle"]["idempotency_key"] == handle.idempotency_key
    assert result["outputs"][0]["url"].startswith("https://cdn.acme.test/task-1.mp4")
    assert result["polls"] == 1
