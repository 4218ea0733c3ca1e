"""Command plugins: click commands that other distributions add to ``framecast``.

A distribution declares them in the ``framecast.commands`` entry-point group
(``jobs = "framecast_jobs._cli:jobs"``). The CLI lists them from the installed metadata
alone and imports one only when it runs, so ``framecast --help`` stays fast and imports no
plugin. A command plugin is not a provider: ``framecast providers`` never lists one. A
built-in command's name always wins over a plugin's.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import click

ENTRY_POINT_GROUP = "framecast.commands"


def command_entry_points() -> dict[str, metadata.EntryPoint]:
    """The installed command plugins by name (the first of a name wins)."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def _summary(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    name = dist.metadata["Name"] if dist is not None else ep.value.split(":")[0]
    return f"(from {name}) {_plain_summary(dist)}".strip()


def _plain_summary(dist: Any) -> str:
    if dist is None:
        return ""
    summary = str(dist.metadata.get("Summary") or "")
    return summary.split(":")[0].rstrip(".")


class CommandPluginGroup(click.Group):
    """A click group that adds the ``framecast.commands`` entry points, lazily."""

    def _plugins(self) -> dict[str, metadata.EntryPoint]:
        return {n: ep for n, ep in command_entry_points().items() if n not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        ep = self._plugins().get(cmd_name)
        if ep is None:
            return None
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin must not break the CLI
            raise click.UsageError(
                f"the command plugin {cmd_name!r} ({ep.value}) cannot be imported: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(loaded, click.Command):
            raise click.UsageError(
                f"the command plugin {cmd_name!r} ({ep.value}) is not a click command"
            )
        return loaded

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Built-ins as click shows them; plugins from their metadata, without importing.
        rows: list[tuple[str, str]] = []
        plugins = self._plugins()
        for name in self.list_commands(ctx):
            if name in plugins:
                rows.append((name, _summary(plugins[name])))
                continue
            command = super().get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
