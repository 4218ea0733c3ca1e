"""``framecast jobs …`` and ``framecast worker``: a command plugin (``framecast.commands``).

The core CLI imports this module only when one of these commands runs; DBOS is imported
only by the commands that need the engine (submit, retry, cancel, worker).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from ._jobs import DATABASE_VARIABLE

EXIT_TIMEOUT = 6


def resolve_database(explicit: str | None) -> str | None:
    """``--database``, ``FRAMECAST_JOBS_DATABASE``, ``[jobs] database`` in framecast.toml,
    else None (the default SQLite file in the user data directory)."""
    if explicit:
        return explicit
    if os.environ.get(DATABASE_VARIABLE):
        return os.environ[DATABASE_VARIABLE]
    try:
        from framecast._config import load_config

        configured = load_config().table("jobs").get("database")
    except Exception:  # noqa: BLE001 - no readable config: the default
        configured = None
    return str(configured) if configured else None


def database_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--database",
        help=f"sqlite:///path or postgresql://… (default: ${DATABASE_VARIABLE}, "
        "[jobs] database in framecast.toml, else a SQLite file in the user data folder).",
    )(function)


def json_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json", "json_mode", is_flag=True, help="Print exactly one JSON object on stdout."
    )(function)


def _run(json_mode: bool, body: Callable[[], Any]) -> None:
    from framecast import FramecastError

    try:
        body()
    except FramecastError as exc:
        if json_mode:
            click.echo(json.dumps({"error": exc.to_dict()}, indent=2, default=str))
        click.echo(f"framecast: {exc.message}", err=True)
        sys.exit(exc.exit_code)


def _open(database: str | None) -> Any:
    from ._jobs import Jobs

    return Jobs(resolve_database(database))


def _line(job: Any) -> str:
    task = job.handle.task_id if job.handle else "-"
    why = f"  ({job.reason})" if job.reason and not job.done else ""
    return f"{job.short_id}  {job.state:<15} {job.provider:<8} {task}{why}"


def _show(job: Any, json_mode: bool) -> None:
    if json_mode:
        click.echo(json.dumps(job.to_dict(), indent=2, default=str))
        return
    data = job.to_dict()
    click.echo(f"{job.id}  {job.state}  ({job.provider}, {job.model or 'default model'})")
    click.echo(f"  key          {job.idempotency_key}")
    click.echo(f"  fingerprint  {job.fingerprint}")
    if job.handle:
        click.echo(f"  task         {job.handle.task_id}")
    if job.estimate:
        click.echo(f"  estimate     ${job.estimate.get('amount', 0):.2f}")
    if job.cost is not None:
        click.echo(f"  cost         {job.cost}")
    for output in job.outputs:
        click.echo(f"  output       {output.get('path') or output.get('url')}")
    if job.error:
        click.echo(f"  error        {job.error.get('message')}")
    click.echo("  timeline")
    for event in data["events"]:
        detail = f"  {json.dumps(event['detail'], default=str)}" if event["detail"] else ""
        click.echo(f"    {event['at']}  {event['kind']}{detail}")


@click.group()
def jobs() -> None:
    """Durable jobs: record a request, let any worker run it, survive crashes.

    \b
      framecast jobs submit photo.png --prompt "She waves" --provider runway --key order-1
      framecast worker            # in another terminal, or on another host
      framecast jobs list
      framecast jobs show job_1a2b3c4d
    """


@jobs.command("submit")
@click.argument("image", required=False)
@click.option("--prompt", default="", help="The text prompt.")
@click.option("--provider", help="Provider plugin (default: $FRAMECAST_PROVIDER, else preview).")
@click.option("--model")
@click.option("--duration", type=int)
@click.option("--ratio")
@click.option("--camera")
@click.option("--seed", type=int)
@click.option("--negative-prompt")
@click.option("--key", help="Idempotency key: the same key again is the same job.")
@click.option("--max-cost", type=float, help="Refuse requests estimated above this (USD).")
@click.option("--out", type=click.Path(), help="Folder (or .mp4 file) the worker saves to.")
@click.option("--wait", "wait_for", is_flag=True, help="Follow the job until it ends.")
@click.option("--timeout", type=float, help="With --wait: give up after this many seconds.")
@database_option
@json_option
def submit(
    image: str | None,
    prompt: str,
    provider: str | None,
    model: str | None,
    duration: int | None,
    ratio: str | None,
    camera: str | None,
    seed: int | None,
    negative_prompt: str | None,
    key: str | None,
    max_cost: float | None,
    out: str | None,
    wait_for: bool,
    timeout: float | None,
    database: str | None,
    json_mode: bool,
) -> None:
    """Record a job for IMAGE and PROMPT; prints the job id."""

    def body() -> None:
        from framecast import GenerationRequest

        request = GenerationRequest(
            prompt=prompt,
            image=image,
            model=model,
            duration=duration,
            ratio=ratio,
            camera=camera,
            seed=seed,
            negative_prompt=negative_prompt,
        )
        with _open(database) as j:
            job = j.sync.submit(request, provider=provider, key=key, max_cost=max_cost, out=out)
            if wait_for:
                click.echo(f"{job.id} {job.state}", err=True)
                job = j.sync.wait(job.id, timeout=timeout)
            if json_mode:
                click.echo(json.dumps(job.to_dict(), indent=2, default=str))
            else:
                click.echo(job.id if not wait_for else _line(job))
            if wait_for and job.state != "succeeded":
                sys.exit(5 if job.state == "outcome_unknown" else 1)

    _run(json_mode, body)


@jobs.command("list")
@click.option("--state", type=click.Choice(
    ["queued", "submitting", "running", "succeeded", "failed", "cancelled", "outcome_unknown"]
))  # fmt: skip
@click.option("--provider")
@click.option("--since", type=float, help="Only jobs created in the last N hours.")
@database_option
@json_option
def list_jobs(
    state: str | None, provider: str | None, since: float | None, database: str | None,
    json_mode: bool,
) -> None:  # fmt: skip
    """Jobs, oldest first: short id, state, provider, task id (and why one waits)."""

    def body() -> None:
        with _open(database) as j:
            after = time.time() - since * 3600 if since is not None else None
            found = j.sync.list(state=state, provider=provider, since=after)
        if json_mode:
            click.echo(json.dumps({"jobs": [job.to_dict() for job in found]}, default=str))
            return
        for job in found:
            click.echo(_line(job))

    _run(json_mode, body)


@jobs.command("show")
@click.argument("job_id")
@database_option
@json_option
def show(job_id: str, database: str | None, json_mode: bool) -> None:
    """A job's state, task, cost, outputs and timeline."""

    def body() -> None:
        with _open(database) as j:
            _show(j.sync.get(job_id), json_mode)

    _run(json_mode, body)


@jobs.command("cancel")
@click.argument("job_id")
@click.option("--delete", is_flag=True, help="Also delete the provider's output, where it can.")
@database_option
@json_option
def cancel(job_id: str, delete: bool, database: str | None, json_mode: bool) -> None:
    """Cancel a job (and its provider task, if it has one)."""

    def body() -> None:
        with _open(database) as j:
            _show(j.sync.cancel(job_id, delete=delete), json_mode)

    _run(json_mode, body)


@jobs.command("retry")
@click.argument("job_id")
@click.option("--may-pay-twice", is_flag=True,
              help="Allow retrying an outcome-unknown job (its first task may exist).")  # fmt: skip
@database_option
@json_option
def retry(job_id: str, may_pay_twice: bool, database: str | None, json_mode: bool) -> None:
    """Run a failed job again."""

    def body() -> None:
        with _open(database) as j:
            _show(j.sync.retry(job_id, may_pay_twice=may_pay_twice), json_mode)

    _run(json_mode, body)


@jobs.command("prune")
@click.option("--older-than", type=float, default=30.0, show_default=True,
              help="Days since a finished job last changed.")  # fmt: skip
@database_option
@json_option
def prune(older_than: float, database: str | None, json_mode: bool) -> None:
    """Delete finished jobs older than --older-than days."""

    def body() -> None:
        with _open(database) as j:
            removed = j.sync.prune(before=time.time() - older_than * 86400)
        if json_mode:
            click.echo(json.dumps({"pruned": removed}))
        else:
            click.echo(f"pruned {len(removed)} jobs")

    _run(json_mode, body)


@click.command()
@click.option("--concurrency", type=int, default=16, show_default=True,
              help="Jobs run at once by this worker.")  # fmt: skip
@click.option("--provider", "providers", multiple=True,
              help="Serve only this provider's jobs (repeatable; default: all).")  # fmt: skip
@click.option("--worker-id", help="This worker's id, unique and stable across restarts "
              "(default: $FRAMECAST_WORKER_ID, else <hostname>-worker).")  # fmt: skip
@click.option("--stale-after", type=float, default=3.0, show_default=True,
              help="Seconds of silence before another worker takes this one over.")  # fmt: skip
@database_option
def worker(
    concurrency: int,
    providers: tuple[str, ...],
    worker_id: str | None,
    stale_after: float,
    database: str | None,
) -> None:
    """Run jobs from the database until SIGTERM (which drains: in-flight jobs are handed
    back to the next worker)."""
    import asyncio

    from framecast import FramecastError

    from ._serve import serve

    def announce(w: Any) -> None:
        click.echo(f"worker {w.worker_id} serving {', '.join(w.providers)}", err=True)

    try:
        code = asyncio.run(
            serve(
                resolve_database(database),
                worker_id=worker_id,
                providers=list(providers) or None,
                concurrency=concurrency,
                heartbeat=max(0.2, stale_after / 3),
                stale_after=stale_after,
                announce=announce,
            )
        )
    except FramecastError as exc:
        click.echo(f"framecast: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(code)


__all__ = ["jobs", "worker", "resolve_database"]
