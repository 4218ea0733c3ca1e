"""The README's host-app test examples run as written (so they cannot go stale)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "plugins" / "google" / "README.md"

pytestmark = pytest.mark.anyio


def readme_tests() -> dict[str, object]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    code = next((b for b in blocks if "GoogleFake" in b), None)
    assert code is not None, "the README lost its GoogleFake example"
    namespace: dict[str, object] = {}
    exec(compile(code, str(README), "exec"), namespace)
    return {name: value for name, value in namespace.items() if name.startswith("test_")}


@pytest.mark.parametrize("name", ["test_my_video_job", "test_lost_answer_is_never_resubmitted"])
async def test_readme_example_runs(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "examples" / "astronaut.png", tmp_path / "cat.png")
    monkeypatch.chdir(tmp_path)
    example = readme_tests()[name]
    await example()  # type: ignore[operator]
    if name == "test_my_video_job":
        assert (tmp_path / "cat.mp4").read_bytes()[4:8] == b"ftyp"


def test_the_readme_states_each_declared_fact() -> None:
    from framecast_google import GoogleProvider

    text = README.read_text(encoding="utf-8")
    info = GoogleProvider().provider_info()
    for variable in (*info.credential_variables, *info.base_url_variables):
        assert f"`{variable}`" in text
    for model in info.models:
        assert f"`{model.name}`" in text
    assert f"| poll floor | {info.poll_floor:g} s |" in text
    assert f"| suggested `max_running_tasks` | {info.suggested_max_running_tasks} |" in text
