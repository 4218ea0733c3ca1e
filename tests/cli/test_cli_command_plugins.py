"""Command plugins (the ``framecast.commands`` entry points): listed in ``--help`` from
metadata alone, imported only when run, never shadowing a built-in, never a provider."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest
from click.testing import CliRunner
from framecast.cli import _commands, cli

MODULE = "tests.cli._command_plugin"


def entry(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group=_commands.ENTRY_POINT_GROUP)


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> dict[str, metadata.EntryPoint]:
    found = {
        "hello": entry("hello", f"{MODULE}:hello"),
        "generate": entry("generate", f"{MODULE}:hello"),  # a built-in's name
        "broken": entry("broken", "tests.cli._no_such_module:x"),
        "odd": entry("odd", f"{MODULE}:not_a_command"),
    }
    monkeypatch.setattr(_commands, "command_entry_points", lambda: dict(found))
    sys.modules.pop(MODULE, None)
    return found


def test_help_lists_plugin_commands_without_importing_them(plugins: object) -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "hello" in result.output and "broken" in result.output
    assert MODULE not in sys.modules


def test_a_plugin_command_runs_when_named(plugins: object) -> None:
    result = CliRunner().invoke(cli, ["hello", "world"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello world\n"


def test_a_builtin_name_is_never_taken_over(plugins: object) -> None:
    result = CliRunner().invoke(cli, ["generate", "--help"])
    assert "hello" not in result.output.splitlines()[0]
    assert "--prompt" in result.output


def test_a_broken_plugin_is_a_usage_error_naming_it(plugins: object) -> None:
    for name, words in (("broken", "cannot be imported"), ("odd", "not a click command")):
        result = CliRunner().invoke(cli, [name])
        assert result.exit_code == 2
        assert name in result.output and words in result.output


def test_installed_command_plugins_stay_out_of_help_and_providers() -> None:
    code = (
        "import sys; from framecast.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED', sorted(m for m in sys.modules if m.startswith(('dbos', "
        "'framecast_jobs', 'framecast_runway', 'framecast_kling'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert out.splitlines()[-1] == "IMPORTED []"
    listed = CliRunner().invoke(cli, ["providers", "--json"]).output
    for name in _commands.command_entry_points():
        assert f'"{name}"' not in listed
