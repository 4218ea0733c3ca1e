"""The click application: commands, their options, and the process entry point.

Only click is imported here; each command imports the rest of framecast when it runs, so
``framecast --help`` starts fast and ``framecast providers`` imports no provider module.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import __version__
from ._commands import CommandPluginGroup

if TYPE_CHECKING:
    from ._output import Output
    from ._tasks import TaskCommand

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = """\b
Exit codes:
  0   success
  1   generation failed, cancelled, or task not found
  2   usage, validation, configuration, or not supported
  3   authentication or account
  4   rate limited before any task existed (safe to try later)
  5   outcome unknown (check before retrying)
  6   timed out while the task runs (the handle is printed; `wait` resumes)
  7   the provider answered something framecast cannot read
  130 interrupted (143 for SIGTERM/SIGHUP); the task keeps running
"""


@click.group(
    cls=CommandPluginGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
    invoke_without_command=True,
)
@click.version_option(__version__, "--version", prog_name="framecast")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Turn an image and a prompt into a video through any provider plugin.

    \b
      framecast generate photo.png --prompt "She waves" --camera zoom_in --out wave.mp4
      framecast providers --check
      framecast cameras
    """
    if ctx.invoked_subcommand is not None:
        return
    click.echo(ctx.get_help())
    from .._plugins import list_providers
    from ._listing import nothing_listed

    if not list_providers():
        click.echo(f"\nframecast: {nothing_listed()[0]}", err=True)


def main(args: Sequence[str] | None = None, prog_name: str = "framecast") -> None:
    """The console script: click's usage errors exit 2, Ctrl-C outside a task exits 130."""
    argv = list(sys.argv[1:] if args is None else args)
    try:
        code = cli.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
        if "--json" in argv:
            # A usage error happens before the command runs; --json still promises a
            # script one object on stdout, the same shape as every other error.
            _emit_usage_error(exc)
    except (click.Abort, KeyboardInterrupt):
        click.echo("framecast: interrupted", err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


def _emit_usage_error(exc: click.ClickException) -> None:
    import json

    error: dict[str, object] = {
        # One name for every command-line mistake, not click's internal class names.
        "type": "UsageError" if isinstance(exc, click.UsageError) else type(exc).__name__,
        "message": exc.format_message(),
        "handle": None,
        "details": {},
    }
    click.echo(json.dumps({"error": error}, indent=2, ensure_ascii=False))


# -------------------------------------------------------------------------- options


def output_options(function: F) -> F:
    function = click.option(
        "--debug",
        is_flag=True,
        help="Log framecast's DEBUG messages to stderr and show tracebacks.",
    )(function)
    function = click.option(
        "--json",
        "json_mode",
        is_flag=True,
        help="Print exactly one JSON object on stdout (messages and progress go to stderr).",
    )(function)
    return function


def provider_option(function: F) -> F:
    return click.option(
        "--provider",
        metavar="P",
        help="Provider entry-point name or module:attr; several, comma-separated, to fail "
        "over; 'cheapest' to choose by price "
        "(default: FRAMECAST_PROVIDER, framecast.toml, then 'preview').",
    )(function)


def handle_provider_option(function: F) -> F:
    return click.option(
        "--provider",
        metavar="P",
        help="Provider entry-point name or module:attr (default: the handle's provider).",
    )(function)


_REQUEST_OPTIONS: list[Callable[[F], F]] = [
    click.argument("image", required=False, metavar="[IMAGE]"),
    click.option(
        "--prompt",
        required=True,
        metavar="TEXT",
        help="What happens in the video ('' for none, where the model allows it).",
    ),
    click.option("--camera", metavar="MOVE", help="One camera move (see `framecast cameras`)."),
    click.option(
        "--camera-strength",
        type=int,
        default=5,
        show_default=True,
        metavar="N",
        help="1-10, for native camera controls.",
    ),
    click.option("--ratio", metavar="W:H", help="Aspect ratio, e.g. 16:9 (or a wire value)."),
    click.option("--duration", type=float, metavar="S", help="Seconds (model default if omitted)."),
    click.option("--model", metavar="M", help="Model name (provider default if omitted)."),
    click.option("--seed", type=int, metavar="N", help="Seed, where the model takes one."),
    click.option("--negative-prompt", metavar="TEXT", help="What to avoid, where supported."),
    click.option("--end-image", metavar="PATH|URL", help="Last frame (first+last frame mode)."),
    click.option(
        "--image",
        "images",
        multiple=True,
        metavar="PATH|URL",
        help="Reference image for multi-image models (repeat it).",
    ),
    click.option(
        "--fit",
        type=click.Choice(["error", "crop", "pad"]),
        default="error",
        show_default=True,
        help="What to do when the image does not have the requested ratio.",
    ),
    click.option("--nearest-ratio", is_flag=True, help="Take the model's nearest ratio."),
    click.option(
        "--preserve-identity", is_flag=True, help="Ask the model to keep the subject's identity."
    ),
    click.option(
        "--idempotency-key",
        metavar="KEY",
        help="One task per key on this machine (the task log returns the logged task); "
        "across machines only where the provider dedupes by key (Kling, preview).",
    ),
    click.option(
        "--allow-unknown-model",
        is_flag=True,
        help="Send a model missing from the provider's table, unvalidated.",
    ),
    click.option(
        "-o",
        "--option",
        "options",
        nargs=2,
        multiple=True,
        metavar="NAME VALUE",
        help="Provider option; VALUE is read as JSON when it is (5, true), else as text.",
    ),
]


def request_options(function: F) -> F:
    for decorator in reversed(_REQUEST_OPTIONS):
        function = decorator(function)
    return function


# -------------------------------------------------------------------------- shared


def _start(json_mode: bool, debug: bool) -> Output:
    from ._output import Output

    _route_logging(click.get_current_context(), debug)
    return Output(json_mode=json_mode, debug=debug)


def _route_logging(ctx: click.Context, debug: bool) -> None:
    """framecast's warnings (always) or DEBUG records (``--debug``) to stderr, for this
    command only; without it Python would print bare warning text."""
    import logging  # here, not at module level: ``framecast --help`` never logs

    from .._secrets import RedactingFilter
    from ._output import text_stream

    handler = logging.StreamHandler(text_stream("stderr"))
    handler.addFilter(RedactingFilter())  # also if the host replaced the record factory
    if debug:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        names = _logger_names()
    else:
        handler.setFormatter(logging.Formatter("framecast: %(levelname)s: %(message)s"))
        handler.setLevel(logging.WARNING)
        names = ["framecast"]
    loggers = [logging.getLogger(name) for name in names]
    previous = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        if debug:
            logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        logger.propagate = False  # one line per record, whatever the host configured

    def restore() -> None:
        for logger, (level, propagate) in zip(loggers, previous, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate

    ctx.call_on_close(restore)


def _logger_names() -> list[str]:
    """``framecast`` and each provider's package (providers log under their own name)."""
    import os

    from .._plugins import list_providers

    specs = [entry.value for entry in list_providers()]
    specs.append(os.environ.get("FRAMECAST_PROVIDER", ""))
    packages = {spec.partition(":")[0].split(".")[0].strip() for spec in specs if ":" in spec}
    return ["framecast", *sorted(packages - {"framecast", ""})]


def _command(
    out: Output,
    *,
    provider: str | None = None,
    runner_options: dict[str, Any] | None = None,
    resume_extra: Sequence[str] = (),
) -> TaskCommand:
    from ._tasks import TaskCommand

    return TaskCommand(
        out, provider=provider, runner_options=runner_options, resume_extra=resume_extra
    )


def _request_factory(values: dict[str, Any]) -> Callable[[], Any]:
    from ._request import build_request

    return functools.partial(build_request, **values)


def _resume_extra(provider: str | None, out_path: Path | None) -> list[str]:
    extra: list[str] = []
    if out_path is not None:
        extra += ["--out", str(out_path)]
    if provider:
        extra += ["--provider", provider]
    return extra


def _read_handle(command: TaskCommand, argument: str) -> dict[str, Any] | None:
    from .._errors import ValidationError
    from ._handles import read_handle_argument
    from ._output import text_stream

    out = command.out
    try:
        return read_handle_argument(argument, text_stream("stdin"), lambda: command.log)
    except ValidationError as exc:
        out.error(exc)
        return None


# -------------------------------------------------------------------------- commands


@cli.command()
@click.argument("name", required=False)
@click.option("--check", is_flag=True, help="Import each provider and show its models.")
@output_options
@click.pass_context
def providers(
    ctx: click.Context, name: str | None, check: bool, json_mode: bool, debug: bool
) -> None:
    """List installed providers; with --check or NAME, load them and show their models."""
    out = _start(json_mode, debug)
    from ._listing import show_providers

    try:
        code = show_providers(out, name=name, check=check)
    except Exception as exc:  # noqa: BLE001 - the listing reports, never crashes
        code = out.unexpected(exc)
    ctx.exit(code)


@cli.command()
@output_options
@click.pass_context
def cameras(ctx: click.Context, json_mode: bool, debug: bool) -> None:
    """List the camera moves and the prompt phrase each becomes."""
    from ._listing import show_cameras

    ctx.exit(show_cameras(_start(json_mode, debug)))


@cli.command(epilog=EXIT_CODES_HELP)
@request_options
@provider_option
@click.option(
    "--retry-ambiguous-submit",
    is_flag=True,
    help="Resubmit after a submit whose outcome is unknown (may pay twice).",
)
@click.option("--timeout", type=float, metavar="S", help="Give up waiting after S seconds.")
@click.option("--max-cost", type=float, metavar="USD", help="Refuse a request estimated above.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Download the video to FILE.",
)
@click.option("--no-wait", is_flag=True, help="Submit, print the handle and return.")
@click.option("--dry-run", is_flag=True, help="Print the request that would be sent; send nothing.")
@output_options
@click.pass_context
def generate(
    ctx: click.Context,
    provider: str | None,
    retry_ambiguous_submit: bool,
    timeout: float | None,
    max_cost: float | None,
    out_path: Path | None,
    no_wait: bool,
    dry_run: bool,
    json_mode: bool,
    debug: bool,
    **request_values: Any,
) -> None:
    """Generate a video from IMAGE (a path or https URL; omit it for text-to-video)."""
    from . import _tasks

    out = _start(json_mode, debug)
    runner_options: dict[str, Any] = {"retry_ambiguous_submit": retry_ambiguous_submit}
    if max_cost is not None:
        runner_options["max_cost"] = max_cost
    command = _command(
        out,
        provider=provider,
        runner_options=runner_options,
        resume_extra=_resume_extra(provider, out_path),
    )
    factory = _request_factory(request_values)
    ctx.exit(
        command.run(
            lambda: _tasks.generate(
                command,
                factory,
                timeout=timeout,
                out_path=out_path,
                no_wait=no_wait,
                dry_run=dry_run,
            )
        )
    )


@cli.command()
@request_options
@provider_option
@output_options
@click.pass_context
def estimate(
    ctx: click.Context,
    provider: str | None,
    json_mode: bool,
    debug: bool,
    **request_values: Any,
) -> None:
    """Estimate what a generation would cost (no network call, no credentials needed)."""
    from . import _tasks

    out = _start(json_mode, debug)
    command = _command(out, provider=provider)
    factory = _request_factory(request_values)
    ctx.exit(command.run(lambda: _tasks.estimate(command, factory)))


@cli.command()
@request_options
@click.option(
    "--provider",
    "providers",
    metavar="P[,P...]",
    help="Only these providers (comma-separated); default: every installed one.",
)
@click.option("--all", "include_excluded", is_flag=True, help="Also list models left out, and why.")
@output_options
@click.pass_context
def compare(
    ctx: click.Context,
    providers: str | None,
    include_excluded: bool,
    json_mode: bool,
    debug: bool,
    **request_values: Any,
) -> None:
    """Price IMAGE + prompt on every installed provider and model (offline, no keys)."""
    from ._compare import show_quotes

    out = _start(json_mode, debug)
    names = [p.strip() for p in providers.split(",") if p.strip()] if providers else None
    factory = _request_factory(request_values)
    ctx.exit(show_quotes(out, factory, providers=names, include_excluded=include_excluded))


@cli.command()
@click.argument("handle")
@handle_provider_option
@output_options
@click.pass_context
def status(
    ctx: click.Context, handle: str, provider: str | None, json_mode: bool, debug: bool
) -> None:
    """Read a task's status once. HANDLE: a task id or its prefix (see `framecast tasks`), the
    handle JSON, @FILE, or - for stdin.

    Exits 0 whenever the status was read, whatever it is (FAILED included).
    """
    from . import _tasks

    out = _start(json_mode, debug)
    command = _command(out, provider=provider, resume_extra=_resume_extra(provider, None))
    raw = _read_handle(command, handle)
    if raw is None:
        ctx.exit(2)
    ctx.exit(command.run(lambda: _tasks.status(command, raw)))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("handle")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Download the video to FILE.",
)
@click.option("--timeout", type=float, metavar="S", help="Give up waiting after S seconds.")
@handle_provider_option
@output_options
@click.pass_context
def wait(
    ctx: click.Context,
    handle: str,
    out_path: Path | None,
    timeout: float | None,
    provider: str | None,
    json_mode: bool,
    debug: bool,
) -> None:
    """Wait for a submitted task (again).

    HANDLE: a task id or its prefix (see `framecast tasks`), the handle JSON, @FILE, or -
    for stdin.
    """
    from . import _tasks

    out = _start(json_mode, debug)
    command = _command(out, provider=provider, resume_extra=_resume_extra(provider, out_path))
    raw = _read_handle(command, handle)
    if raw is None:
        ctx.exit(2)
    ctx.exit(command.run(lambda: _tasks.wait(command, raw, timeout=timeout, out_path=out_path)))


@cli.command()
@click.argument("handle")
@click.option(
    "--delete",
    is_flag=True,
    help="Also delete a finished task's output (Runway: the paid video is gone).",
)
@handle_provider_option
@output_options
@click.pass_context
def cancel(
    ctx: click.Context,
    handle: str,
    delete: bool,
    provider: str | None,
    json_mode: bool,
    debug: bool,
) -> None:
    """Stop an unfinished task. HANDLE: a task id or its prefix (see `framecast tasks`), the
    handle JSON, @FILE, or - for stdin."""
    from . import _tasks

    out = _start(json_mode, debug)
    command = _command(out, provider=provider)
    raw = _read_handle(command, handle)
    if raw is None:
        ctx.exit(2)
    ctx.exit(command.run(lambda: _tasks.cancel(command, raw, delete=delete)))


@cli.command()
@click.option("--provider", metavar="P", help="Only this provider's tasks.")
@click.option(
    "--state",
    "states",
    multiple=True,
    metavar="STATE",
    help="Only tasks in STATE (repeat it): SUCCEEDED, FAILED, RUNNING... or unfinished.",
)
@click.option("--since", metavar="WHEN", help="Submitted at or after WHEN (2026-05-01, 12h, 7d).")
@click.option("--until", metavar="WHEN", help="Submitted before WHEN.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, metavar="N")
@click.option(
    "--prune",
    is_flag=True,
    help="Delete the finished tasks the filters select (unfinished ones are kept).",
)
@output_options
@click.pass_context
def tasks(
    ctx: click.Context,
    provider: str | None,
    states: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int,
    prune: bool,
    json_mode: bool,
    debug: bool,
) -> None:
    """List the tasks `generate` submitted from this machine, newest first.

    \b
    The task log is FRAMECAST_LOG, else [cli] task_log in framecast.toml, else tasks.db
    in the user data folder. The id column is what wait, status and cancel accept.
    """
    from .._errors import FramecastError
    from ._tasklist import STATES, UNFINISHED, show_tasks

    out = _start(json_mode, debug)
    allowed = {*STATES, UNFINISHED.upper()}
    for state in states:
        if state.upper() not in allowed:
            raise click.BadParameter(
                f"{state!r}; allowed: {', '.join(STATES)}, {UNFINISHED}", param_hint="--state"
            )
    try:
        code = show_tasks(
            out,
            provider=provider,
            states=states,
            since=since,
            until=until,
            limit=limit,
            prune=prune,
        )
    except FramecastError as exc:
        code = out.error(exc)
    ctx.exit(code)
