"""The generated tables in ``docs/concepts.md`` match what the providers' code does now.

When this fails, a provider changed how it renders a camera move, maps a ratio or
declares a model: run ``python docs/_generate.py`` and commit the page.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from ._blocks import DOCS

pytest.importorskip("framecast_preview")
pytest.importorskip("framecast_runway")
pytest.importorskip("framecast_kling")
pytest.importorskip("framecast_seedance")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "_generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("docs_generate", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return _generator()


@pytest.fixture(scope="module")
def generated(generate: ModuleType) -> dict[str, str]:
    return generate.sections()


SECTIONS = ["camera-table", "ratio-table", "models-table", "settings-table", "options-table"]


@pytest.mark.parametrize("section", SECTIONS)
def test_committed_table_is_current(
    generate: ModuleType, generated: dict[str, str], section: str
) -> None:
    name = generate.SECTION_PAGES[section]
    page = (DOCS / name).read_text(encoding="utf-8")
    assert section in generated
    stale = generate.stale_sections(page, {section: generated[section]})
    assert not stale, (
        f"docs/{name}: the {section} is stale; run `python docs/_generate.py` and commit"
    )


def test_a_changed_rendering_is_detected(generate: ModuleType, generated: dict[str, str]) -> None:
    # The check must be able to fail: a page whose table differs by one cell is stale.
    page = (DOCS / "concepts.md").read_text(encoding="utf-8")
    tampered = page.replace("native: zoom=-5", "native: zoom=-4", 1)
    assert tampered != page, "the camera table no longer shows Kling's native zoom"
    concepts = {k: v for k, v in generated.items() if generate.SECTION_PAGES[k] == "concepts.md"}
    assert generate.stale_sections(tampered, concepts) == ["camera-table"]


def test_every_camera_move_has_a_row(generated: dict[str, str]) -> None:
    from framecast import CameraMove

    table = generated["camera-table"]
    for move in CameraMove:
        assert f"| `{move.value}` |" in table


def test_camera_cells_come_from_the_providers(generated: dict[str, str]) -> None:
    from framecast import CAMERA_PHRASES, CameraMove

    table = generated["camera-table"]
    row = next(line for line in table.splitlines() if line.startswith("| `zoom_in` |"))
    # Runway phrases the move in the prompt, the preview renders it, Kling has a native axis.
    assert f"prompt: {CAMERA_PHRASES[CameraMove.ZOOM_IN]}" in row
    assert "preview: window shrinks" in row
    assert "native: zoom=-5" in row


def test_ratio_table_shows_runway_wire_values(generated: dict[str, str]) -> None:
    row = next(line for line in generated["ratio-table"].splitlines() if "| `9:16` |" in line)
    assert "`720:1280`" in row


def test_settings_table_names_every_credential_variable(generated: dict[str, str]) -> None:
    table = generated["settings-table"]
    for variable in ("RUNWAYML_API_SECRET", "RUNWAY_API_KEY", "KLING_ACCESS_KEY", "KLING_BASE_URL"):
        assert f"`{variable}`" in table


def test_concepts_lists_every_request_field() -> None:
    import attrs
    from framecast import GenerationRequest

    page = (DOCS / "concepts.md").read_text(encoding="utf-8")
    missing = [f.name for f in attrs.fields(GenerationRequest) if f"| `{f.name}` |" not in page]
    assert not missing, f"docs/concepts.md's request table lacks {missing}"
