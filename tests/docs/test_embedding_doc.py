"""docs/embedding.md's table of ``Runner`` arguments lists every argument ``Runner`` takes."""

from __future__ import annotations

import inspect
import re

from framecast import Runner

from ._blocks import DOCS


def test_every_runner_argument_is_in_the_table() -> None:
    text = (DOCS / "embedding.md").read_text(encoding="utf-8")
    table = text.split("| `Runner(...)` argument |", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)?", table, flags=re.M))
    names = {name for pair in documented for name in pair if name}
    parameters = set(inspect.signature(Runner.__init__).parameters) - {"self"}
    missing = sorted(parameters - names)
    assert not missing, f"docs/embedding.md's Runner table lacks {missing}"
