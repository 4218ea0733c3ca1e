"""Every relative link in ``docs/*.md`` points at a file that exists and, for ``page.md#x``,
at a heading of that page (GitHub's anchor rules)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ._blocks import DOCS, pages

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
#: Pages other people write; index.md links to them before they land.
OWNED_ELSEWHERE = {"performance.md", "reliability.md"}


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(m) for m in re.findall(r"^#{1,6} (.+?)\s*$", text, re.M)}


def slug(heading: str) -> str:
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def links() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for page in pages():
        if page.parent != DOCS:
            continue  # the README's links are relative to the repository root
        text = FENCE.sub("", page.read_text(encoding="utf-8"))
        found.extend((page.name, target) for target in LINK.findall(text))
    return [(p, t) for p, t in found if not re.match(r"^[a-z]+:", t)]


def test_slug_follows_github() -> None:
    assert slug("Metrics with an observer") == "metrics-with-an-observer"
    assert slug("`framecast generate [IMAGE]`") == "framecast-generate-image"


@pytest.mark.parametrize(("page", "target"), links(), ids=lambda v: str(v))
def test_relative_link_resolves(page: str, target: str) -> None:
    path, _, anchor = target.partition("#")
    resolved = (DOCS / path).resolve() if path else DOCS / page
    if path in OWNED_ELSEWHERE and not resolved.exists():
        pytest.skip(f"{path} is written by its owner and has not landed yet")
    assert resolved.exists(), f"{page}: link to {target!r}, which does not exist"
    if anchor and resolved.suffix == ".md":
        assert anchor in anchors(resolved), f"{page}: no heading #{anchor} in {path or page}"
