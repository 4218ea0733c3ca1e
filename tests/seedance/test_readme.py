"""The README's host-app example runs as written, and the README names what it promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "plugins" / "seedance" / "README.md"

pytestmark = pytest.mark.anyio


async def test_readme_testing_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Testing your application", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict = {}
    exec(compile(code.group(1), str(README), "exec"), namespace)
    await namespace["test_my_video_job"]()


def test_readme_lists_every_model_id_and_the_unconfirmed_prices() -> None:
    from framecast_seedance._models import FAMILIES

    text = README.read_text(encoding="utf-8")
    for family in FAMILIES:
        for wire_id in family.ids.values():
            stem = wire_id.replace("-t2v-250428", "").replace("-i2v-250428", "")
            assert stem in text, wire_id
    assert "unconfirmed" in text.lower() and "2026-09-28" in text
