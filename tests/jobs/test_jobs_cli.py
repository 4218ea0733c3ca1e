"""``framecast jobs …`` and ``framecast worker`` end to end: a job submitted on the command
line, run by a ``framecast worker`` process, shown, listed, refused a retry, pruned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from framecast.cli import cli

from ._processes import REPO, provider_env, served, stop, wait_until
from ._support import small_png

pytestmark = [pytest.mark.block_network(allowed_hosts=["127.0.0.1"])]


def test_submit_worker_show_list_retry_prune(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(small_png())
    database = f"sqlite:///{tmp_path / 'jobs.db'}"
    run = CliRunner().invoke
    with served("runway") as (wire, origin):
        env = provider_env("runway", wire, origin)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("FRAMECAST_JOBS_DATABASE", database)
        bad = run(cli, ["jobs", "submit", str(image), "--provider", "runway", "--duration",
                        "60", "--json"])  # fmt: skip
        assert bad.exit_code == 2, bad.output
        assert json.loads(bad.stdout)["error"]["details"]["field"] == "duration"
        result = run(cli, ["jobs", "submit", str(image), "--prompt", "A wave", "--provider",
                           "runway", "--key", "cli-1", "--out", str(tmp_path / "out")])  # fmt: skip
        assert result.exit_code == 0, result.output
        job_id = result.stdout.strip()
        assert job_id.startswith("job_")
        listed = run(cli, ["jobs", "list"]).stdout
        assert job_id[:12] in listed and "queued" in listed
        full = {k: v for k, v in os.environ.items()}
        full.update(FRAMECAST_POLL_INTERVAL="0.05", PYTHONPATH=str(REPO))
        worker = subprocess.Popen(
            [sys.executable, "-m", "framecast", "worker", "--provider", "runway",
             "--worker-id", "cli-worker", "--stale-after", "1.5"],
            env=full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:

            def state() -> str:
                shown = run(cli, ["jobs", "show", job_id[:12], "--json"])
                return str(json.loads(shown.stdout)["state"])

            wait_until(lambda: state() == "succeeded", "the job to succeed")
        finally:
            err = stop(worker)
        assert worker.returncode == 0, err
        shown = run(cli, ["jobs", "show", job_id]).stdout
        assert "succeeded" in shown and "attempt_started" in shown
        assert str(tmp_path / "out") in shown
        refused = run(cli, ["jobs", "retry", job_id, "--json"])
        assert refused.exit_code == 2
        assert json.loads(refused.stdout)["error"]["type"] == "RetryRefused"
        assert run(cli, ["jobs", "prune", "--older-than", "0"]).stdout == "pruned 1 jobs\n"
        assert run(cli, ["jobs", "list", "--json"]).stdout.strip() == '{"jobs": []}'
    assert wire.fake.tasks_created == 1
