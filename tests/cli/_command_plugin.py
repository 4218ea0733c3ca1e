"""A command plugin for tests/cli/test_cli_command_plugins.py: importing it is recorded."""

import click

IMPORTED = True


@click.command()
@click.argument("name")
def hello(name: str) -> None:
    """Greet NAME."""
    click.echo(f"hello {name}")


not_a_command = object()
