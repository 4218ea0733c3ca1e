"""Reading the code blocks of ``docs/*.md``: which are runnable, where each one starts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

#: An HTML comment on the line(s) before a fence marks the block runnable; it is invisible
#: when the page is rendered.
RUN_MARKER = "<!-- run -->"
#: Every other python or shell block says why it cannot run as written:
#: ``<!-- fragment: a hook implementation, part of a provider class -->``. A python fragment
#: must still compile.
_FRAGMENT = re.compile(r"^<!--\s*fragment:\s*\S.*-->$")
#: A page whose examples need more than the quick start's install (``pip install ./core
#: ./plugins/preview``) says so at its top, for readers in words and for the docs test in
#: this comment: ``<!-- needs: framecast-kling framecast-runway -->``.
_NEEDS = re.compile(r"^<!--\s*needs:\s*(?P<dists>[\w\s.-]*?)\s*-->\s*$")
_FENCE = re.compile(r"^```(\w+)?\s*$")


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    runnable: bool
    fragment: bool
    needs: tuple[str, ...] = ()  # distributions beyond the quick start's, from the page

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    """docs/*.md and the README, whose examples are held to the same rules."""
    return [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]


def blocks(language: str | None = None) -> list[Block]:
    found: list[Block] = []
    for page in pages():
        found.extend(_page_blocks(page))
    return [b for b in found if language is None or b.language == language]


def needs(page: Path) -> tuple[str, ...]:
    """The distributions a page's ``needs`` marker names (sorted), ``()`` without one."""
    found: set[str] = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        match = _NEEDS.match(line.strip())
        if match:
            found.update(match.group("dists").split())
    return tuple(sorted(found))


def _page_blocks(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    page_needs = needs(page)
    result: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            raise AssertionError(f"{page.name}:{start + 1}: code block never closed")
        result.append(
            Block(
                page=page.name,
                line=start + 1,
                language=match.group(1) or "",
                code="\n".join(lines[start + 1 : j]) + "\n",
                runnable=_marked(lines, start) == RUN_MARKER,
                fragment=_FRAGMENT.match(_marked(lines, start)) is not None,
                needs=page_needs,
            )
        )
        i = j + 1
    return result


def _marked(lines: list[str], fence: int) -> str:
    """The line before a fence (blank lines skipped): where its marker stands."""
    k = fence - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    return lines[k].strip() if k >= 0 else ""
