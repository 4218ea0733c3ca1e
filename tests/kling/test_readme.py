"""The README's host-app example runs as written (so it cannot go stale)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "kling_plugin" / "README.md"

pytestmark = pytest.mark.anyio


async def test_readme_testing_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Testing your application", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict = {}
    exec(compile(code.group(1), str(README), "exec"), namespace)
    await namespace["test_my_video_job"]()
