"""``docs/cli.md`` documents every command and every flag of the real ``framecast`` CLI.

Read from the click command objects (what ``framecast COMMAND --help`` prints), so a flag
added to the CLI without a line in the page fails here.
"""

from __future__ import annotations

import re

import click
import pytest
from framecast.cli import cli

from ._blocks import DOCS

PAGE = (DOCS / "cli.md").read_text(encoding="utf-8")


def section(command: str) -> str:
    match = re.search(rf"^## `framecast {command}\b.*?(?=^## |\Z)", PAGE, re.S | re.M)
    assert match is not None, f"docs/cli.md has no '## `framecast {command} ...`' section"
    return match.group(0)


def options(command: click.Command) -> list[str]:
    return [
        max(param.opts, key=len)
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
    ]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_flag_is_documented_in_its_section(name: str) -> None:
    text = section(name)
    missing = [flag for flag in options(cli.commands[name]) if f"`{flag}" not in text]
    assert not missing, f"docs/cli.md, framecast {name}: undocumented flags {missing}"


def test_no_section_for_a_command_that_does_not_exist() -> None:
    documented = set(re.findall(r"^## `framecast (\w+)", PAGE, re.M))
    assert documented == set(cli.commands), (
        f"documented {sorted(documented)}, the CLI has {sorted(cli.commands)}"
    )


def test_every_command_has_an_example() -> None:
    examples = "\n".join(re.findall(r"```bash\n(.*?)```", PAGE, re.S))
    for name in cli.commands:
        assert f"framecast {name}" in examples, f"docs/cli.md has no example of {name}"
