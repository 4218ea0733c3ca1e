"""The README's host-app test examples run as written (so they cannot go stale)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "runway_plugin" / "README.md"

pytestmark = pytest.mark.anyio


def readme_tests() -> dict[str, object]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    code = next((b for b in blocks if "RunwayFake" in b), None)
    assert code is not None, "the README lost its RunwayFake example"
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)
    return {name: value for name, value in namespace.items() if name.startswith("test_")}


@pytest.mark.parametrize("name", ["test_my_video_job", "test_lost_answer_is_never_resubmitted"])
async def test_readme_example_runs(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The examples name "cat.png" in the working folder, as a host app's test would.
    shutil.copy(ROOT / "examples" / "astronaut.png", tmp_path / "cat.png")
    monkeypatch.chdir(tmp_path)
    example = readme_tests()[name]
    await example()  # type: ignore[operator]
