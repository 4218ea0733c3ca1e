"""``framecast cameras`` and ``framecast providers`` (with a broken provider installed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from framecast import CAMERA_PHRASES, CameraMove

from ._support import subprocess_env

PROBE_NAMES = "scripted,broken,probe"


def install_fake_distribution(site: Path) -> Path:
    """A distribution (metadata only, like an installed wheel) with three providers:
    the scripted one, one whose module fails to import, and one that leaves a mark
    when it is imported. Returns the mark's path."""
    site.mkdir(parents=True, exist_ok=True)
    info = site / "framecast_probe-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: framecast-probe\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(
        "[framecast]\n"
        "scripted = tests.cli._scripted:ScriptedProvider\n"
        "broken = framecast_probe_broken:Provider\n"
        "probe = framecast_probe_marker:Provider\n"
    )
    (site / "framecast_probe_broken.py").write_text(
        'raise ImportError("framecast_probe_broken needs libfoo, which is missing")\n'
    )
    mark = site / "imported.mark"
    (site / "framecast_probe_marker.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(mark)!r}).write_text('imported')\n"
        "class Provider:\n"
        "    pass\n"
    )
    return mark


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    mark = install_fake_distribution(site)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("FRAMECAST_PLUGINS", PROBE_NAMES)
    return mark


# ------------------------------------------------------------------------- cameras


def test_cameras_lists_the_fifteen_moves_with_their_phrase(invoke: Callable[..., Result]) -> None:
    result = invoke("cameras")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    for move, phrase in CAMERA_PHRASES.items():
        assert any(line.startswith(move.value) and line.endswith(phrase) for line in lines)
    assert "tracking_shot" in result.stderr


def test_cameras_json(invoke: Callable[..., Result]) -> None:
    result = invoke("cameras", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert isinstance(shown, dict), "--json prints exactly one JSON object"
    assert shown["aliases"] == {"tracking_shot": "tracking"}
    listed = shown["cameras"]
    assert [item["move"] for item in listed] == [move.value for move in CameraMove]
    assert len(listed) == 15
    assert all(item["phrase"] == CAMERA_PHRASES[CameraMove(item["move"])] for item in listed)


# ------------------------------------------------------------------------- providers


def test_providers_lists_metadata_without_importing(
    invoke: Callable[..., Result], fake_site: Path
) -> None:
    result = invoke("providers")
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert set(rows) == {"broken", "probe", "scripted"}
    assert rows["scripted"][1:3] == ["framecast-probe", "1.2.3"]
    assert not fake_site.exists(), "listing imported a provider module"
    assert "framecast_probe_broken" not in sys.modules


def test_providers_json_is_one_object(invoke: Callable[..., Result], fake_site: Path) -> None:
    result = invoke("providers", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)["providers"]
    assert listed == [
        {
            "name": "broken",
            "distribution": "framecast-probe",
            "version": "1.2.3",
            "entry_point": "framecast_probe_broken:Provider",
        },
        {
            "name": "probe",
            "distribution": "framecast-probe",
            "version": "1.2.3",
            "entry_point": "framecast_probe_marker:Provider",
        },
        {
            "name": "scripted",
            "distribution": "framecast-probe",
            "version": "1.2.3",
            "entry_point": "tests.cli._scripted:ScriptedProvider",
        },
    ]


def test_check_shows_models_and_reports_broken_providers_without_failing(
    invoke: Callable[..., Result], fake_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps tables to the width it is given
    result = invoke("providers", "--check")
    assert result.exit_code == 0
    out = result.stdout
    assert "clip-1 (default)" in out and "video" in out
    assert "clip-0 (withdrawn; use clip-1)" in out
    assert "16:9, 9:16, 1:1" in out
    assert "5*, 10" in out  # the default duration is starred
    assert "200 chars" in out  # the prompt limit
    style = next(line for line in out.splitlines() if line.strip().startswith("style"))
    assert style.split() == [
        "style:",
        "str;",
        "allowed",
        "plain,",
        "cinematic;",
        "default",
        "plain;",
        "models",
        "clip-1",
    ]
    assert "broken" in out and "libfoo" in out and "cannot load" in out
    assert fake_site.exists(), "--check must import the providers"


def test_check_json_carries_models_or_the_error(
    invoke: Callable[..., Result], fake_site: Path
) -> None:
    result = invoke("providers", "--check", "--json")
    assert result.exit_code == 0
    by_name = {item["name"]: item for item in json.loads(result.stdout)["providers"]}
    assert by_name["broken"]["models"] is None
    assert "libfoo" in by_name["broken"]["error"]
    assert "framecast-probe" in by_name["broken"]["error"]  # names the distribution
    scripted = by_name["scripted"]
    assert scripted["error"] is None
    clip = next(model for model in scripted["models"] if model["name"] == "clip-1")
    assert clip["modes"] == ["first-last", "image", "multi-image", "text"]
    assert clip["durations"] == [5, 10]
    assert clip["default_duration"] == 5
    assert clip["ratios"] == ["16:9", "9:16", "1:1"]
    assert (clip["prompt_limit"], clip["prompt_unit"]) == (200, "characters")
    [style] = clip["options"]
    assert style["name"] == "style" and style["choices"] == ["plain", "cinematic"]
    assert scripted["default_models"] == {"image": "clip-1", "text": "clip-1"}
    assert by_name["probe"]["error"] is not None  # a class that implements no hook


def test_providers_name_checks_only_that_one(
    invoke: Callable[..., Result], fake_site: Path
) -> None:
    result = invoke("providers", "scripted", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["name"] == "scripted"
    assert [model["name"] for model in shown["models"]] == ["clip-1", "clip-0"]
    assert not fake_site.exists(), "only the named provider is imported"


def test_providers_name_that_cannot_load_exits_2(
    invoke: Callable[..., Result], fake_site: Path
) -> None:
    result = invoke("providers", "broken")
    assert result.exit_code == 2
    assert "cannot load" in result.stdout
    assert invoke("providers", "broken", "--json").exit_code == 2


def test_providers_unknown_name_exits_2_listing_what_is_installed(
    invoke: Callable[..., Result], fake_site: Path
) -> None:
    result = invoke("providers", "nosuch")
    assert result.exit_code == 2
    assert "nosuch" in result.stderr
    assert "broken, probe, scripted" in result.stderr


@pytest.fixture
def nothing_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    real = metadata.entry_points

    def entry_points(**selection: Any) -> Any:
        if selection.get("group") == "framecast":
            return metadata.EntryPoints(())
        return real(**selection)

    monkeypatch.setattr(metadata, "entry_points", entry_points)


def test_no_provider_installed_says_how_to_add_one(
    invoke: Callable[..., Result], nothing_installed: None
) -> None:
    result = invoke("providers", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"providers": []}
    assert "pip install" in result.stderr


def test_framecast_plugins_naming_nothing_installed_is_a_setting_to_fix(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRAMECAST_PLUGINS", "nosuch")
    result = invoke("providers")
    assert result.exit_code == 2
    assert "FRAMECAST_PLUGINS=nosuch names no installed provider" in result.stderr
    assert "no provider is installed" not in result.stderr


def test_framecast_alone_shows_help_and_how_to_add_a_provider(
    invoke: Callable[..., Result], nothing_installed: None
) -> None:
    result = invoke()
    assert result.exit_code == 0
    assert "Commands:" in result.stdout and "generate" in result.stdout
    assert "no provider is installed" in result.stderr
    assert "./plugins/preview" in result.stderr


def test_framecast_alone_with_a_provider_installed_just_shows_help(
    invoke: Callable[..., Result], fake_site: Path
) -> None:
    result = invoke()
    assert result.exit_code == 0
    assert "Commands:" in result.stdout
    assert result.stderr == ""


# ------------------------------------------------------------------------- start-up


def _modules_after(args: list[str], env: dict[str, str]) -> set[str]:
    """The modules a real ``framecast ARGS`` process had imported when it exited."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.__stderr__.write('MODULES=' + ','.join(sys.modules)))\n"
        "from framecast._cli import main\n"
        f"main({args!r})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    listed = done.stderr.rsplit("MODULES=", 1)[1]
    return set(listed.split(","))


HEAVY = {"httpx", "rich", "PIL", "cattrs", "pluggy", "tests.cli._scripted"}


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    modules = _modules_after(["--help"], subprocess_env())
    assert not HEAVY & modules


def test_providers_imports_no_provider_module_in_a_real_process(tmp_path: Path) -> None:
    mark = install_fake_distribution(tmp_path / "site")
    env = subprocess_env(
        FRAMECAST_PLUGINS=PROBE_NAMES,
        PYTHONPATH=subprocess_env()["PYTHONPATH"] + ":" + str(tmp_path / "site"),
    )
    modules = _modules_after(["providers"], env)
    assert not {"tests.cli._scripted", "framecast_probe_broken", "framecast_probe_marker"} & modules
    assert not mark.exists()
    # The same process with --check does import them: the probe can see an import.
    modules = _modules_after(["providers", "--check"], env)
    assert {"tests.cli._scripted", "framecast_probe_marker"} <= modules
    assert mark.exists()


def test_python_dash_m_is_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "framecast", "--version"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("framecast, version ")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "framecast", "generate", "--fit", "stretch"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "stretch" in done.stderr and "Traceback" not in done.stderr


def test_a_default_model_per_mode_is_labelled_with_its_modes() -> None:
    # Runway defaults to one model for image input and another for text: two bare
    # "(default)" rows would contradict each other.
    import attrs
    from framecast import Mode, ProviderSettings
    from framecast.cli._listing import _default_labels

    from ._scripted import ScriptedProvider

    info = ScriptedProvider(ProviderSettings(name="scripted")).provider_info()
    assert _default_labels(info) == {"clip-1": "\n(default)"}
    split = attrs.evolve(
        info, default_models={Mode.IMAGE: "clip-1", Mode.FIRST_LAST: "clip-1", Mode.TEXT: "t-2"}
    )
    assert _default_labels(split) == {
        "clip-1": "\n(default for first-last, image requests)",
        "t-2": "\n(default for text requests)",
    }


def test_providers_flags_a_name_two_distributions_register(
    invoke: Callable[..., Result], fake_site: Path, tmp_path: Path
) -> None:
    rival = tmp_path / "rival"
    info = rival / "framecast_rival-0.2.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: framecast-rival\nVersion: 0.2\n")
    (info / "entry_points.txt").write_text("[framecast]\nprobe = framecast_rival:Provider\n")
    sys.path.append(str(rival))
    try:
        listed = invoke("providers")
        as_json = invoke("providers", "--json")
        refused = invoke("providers", "probe", "--json")
    finally:
        sys.path.remove(str(rival))
    assert listed.exit_code == 0
    assert "'probe' is registered more than once" in listed.stderr
    assert "framecast-rival 0.2" in listed.stderr
    probe = next(p for p in json.loads(as_json.stdout)["providers"] if p["name"] == "probe")
    assert probe["distribution"] == "framecast-probe"
    assert probe["conflicts"] == [
        "entry point 'probe' (framecast_rival:Provider) from framecast-rival 0.2"
    ]
    assert "registered more than once" in json.loads(refused.stdout)["error"]


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
@pytest.mark.parametrize("provider", ["runway", "kling"])
def test_model_names_are_never_cut_at_80_columns(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, provider: str, terminal: bool
) -> None:
    pytest.importorskip(f"framecast_{provider}")
    from framecast._plugins import check_provider

    monkeypatch.setenv("COLUMNS", "80")
    if terminal:
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
        monkeypatch.setenv("TTY_INTERACTIVE", "1")
        monkeypatch.setenv("FORCE_COLOR", "1")
    result = invoke("providers", provider)
    assert result.exit_code == 0
    assert "…" not in result.stdout
    info = check_provider(provider).info
    assert info is not None
    words = set(re.sub(r"\x1b\[[0-9;]*m", "", result.stdout).split())
    for model in info.models:
        assert model.name in words or f"{model.name}:" in words, f"{model.name} is cut"
    assert "(default for" in result.stdout or "(default)" in result.stdout
    assert ("durations (s)" in result.stdout) is terminal  # a table only on a terminal
