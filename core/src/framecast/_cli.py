"""The ``framecast`` console script (docs/cli.md). The commands live in ``framecast.cli``;
this module is the entry point ``pyproject.toml`` names, kept so that it never moves."""

from __future__ import annotations

from .cli import main

__all__ = ["main"]
