"""Shipped code and docs state facts or link pages in this repository: no citation of a
design note, a spec folder or an issue number that a reader of the repository cannot open."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"DESIGN §|(?<![\w./-])specs/|\bissue [0-9]")
#: Recorded benchmark output is data, not prose.
SKIPPED = ("benchmarks/results/",)


def test_no_file_cites_what_is_not_in_the_repository() -> None:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in listed:
        if name.startswith(SKIPPED) or name == Path(__file__).relative_to(ROOT).as_posix():
            continue
        path = ROOT / name
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if CITATION.search(line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not found, "cite a page under docs/ or state the fact:\n" + "\n".join(found)
