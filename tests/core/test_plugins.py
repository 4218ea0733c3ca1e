"""Discovery and loading of providers (docs/plugins.md): entry points, contract checks at load,
errors that name the entry point, distribution and hook."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from framecast import ConfigurationError, Runner, TaskHandle, TaskState, hookimpl
from framecast._plugins import (
    PluginLoadError,
    check_provider,
    find_entry,
    list_providers,
)

from .support import ENV

REAL = {"runway", "kling", "preview"}
PROVIDER_MODULES = ("framecast_runway", "framecast_kling", "framecast_preview")

BROKEN_MODULE = textwrap.dedent(
    """
    import httpx
    from framecast import hookimpl
    from tests.core.acme import AcmeProvider


    class Fine(AcmeProvider):
        pass


    class Misspelt(AcmeProvider):
        @hookimpl
        def translate_camra(self, request, model):
            return None


    class SyncSubmit(AcmeProvider):
        @hookimpl
        def submit(self, prepared, http):
            return None


    class AsyncPrepare(AcmeProvider):
        @hookimpl
        async def prepare(self, request, model, ratio_plan, camera_plan):
            return None


    class Crashes(AcmeProvider):
        def __init__(self, settings):
            raise RuntimeError("constructor exploded")


    class NoPoll:
        def __init__(self, settings):
            self.settings = settings

        @hookimpl
        def provider_info(self):
            return AcmeProvider.provider_info(self)

        submit = AcmeProvider.submit
        prepare = AcmeProvider.prepare


    not_a_class = 42
    """
)

ENTRY_POINTS = textwrap.dedent(
    """
    [framecast]
    fine = fc_broken:Fine
    misspelt = fc_broken:Misspelt
    syncsubmit = fc_broken:SyncSubmit
    asyncprepare = fc_broken:AsyncPrepare
    crashes = fc_broken:Crashes
    notaclass = fc_broken:not_a_class
    nopoll = fc_broken:NoPoll
    ghost = fc_ghost_module_missing:Provider
    """
)


@pytest.fixture
def broken_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A distribution ``framecast-broken 0.1`` on ``sys.path`` (nothing is installed)."""
    (tmp_path / "fc_broken.py").write_text(BROKEN_MODULE)
    info = tmp_path / "framecast_broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: framecast-broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "fc_broken", raising=False)
    yield tmp_path
    sys.modules.pop("fc_broken", None)


def load_error(name: str, **kwargs) -> PluginLoadError:
    with pytest.raises(PluginLoadError) as caught:
        Runner(name, env=ENV, **kwargs)
    return caught.value


# ---------------------------------------------------------------- refused at load


def test_a_misspelt_hook_is_refused_naming_entry_point_distribution_and_hook(broken_dist) -> None:
    error = load_error("misspelt")
    assert "'misspelt'" in error.message
    assert "framecast-broken 0.1" in error.message
    assert "translate_camra" in error.message
    assert " object at 0x" not in error.message  # pluggy's repr of the instance


def test_a_sync_hook_written_as_async_def_is_refused_at_load(broken_dist) -> None:
    error = load_error("asyncprepare")
    assert "'prepare'" in error.message and "plain 'def'" in error.message
    assert "'asyncprepare'" in error.message and "framecast-broken" in error.message


def test_plugin_load_error_is_public() -> None:
    import framecast

    assert framecast.PluginLoadError is PluginLoadError
    assert issubclass(framecast.PluginLoadError, framecast.ConfigurationError)


def test_a_sync_submit_is_refused_naming_the_hook(broken_dist) -> None:
    error = load_error("syncsubmit")
    assert "'submit'" in error.message and "async def" in error.message
    assert "framecast-broken" in error.message and "'syncsubmit'" in error.message


def test_a_constructor_that_raises_is_a_load_error_naming_the_entry_point(broken_dist) -> None:
    error = load_error("crashes")
    assert "constructor exploded" in error.message
    assert "'crashes'" in error.message and "framecast-broken" in error.message


def test_a_provider_missing_a_required_hook_is_refused_at_load(broken_dist) -> None:
    error = load_error("nopoll")
    assert "implements no poll hook" in error.message and "'nopoll'" in error.message
    assert "framecast-broken" in error.message
    assert check_provider("nopoll", env={}).error


def test_an_entry_point_naming_a_non_class_is_refused(broken_dist) -> None:
    error = load_error("notaclass")
    assert "not a provider class" in error.message and "'notaclass'" in error.message


def test_an_entry_point_whose_module_is_missing_is_a_load_error(broken_dist) -> None:
    error = load_error("ghost")
    assert "fc_ghost_module_missing" in error.message and "framecast-broken" in error.message


class HostPoll:
    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        raise AssertionError("never called")


class HostClassify:
    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> None:
        return None


class HostMisspelt:
    @hookimpl
    def on_progres(self, handle: TaskHandle, state: TaskState) -> None:
        return None


@pytest.mark.parametrize(("plugin", "hook"), [(HostPoll(), "poll"), (HostClassify(), "classify")])
def test_a_host_plugin_implementing_a_provider_only_hook_is_refused(plugin, hook: str) -> None:
    error = load_error("tests.core.acme:AcmeProvider", plugins=[plugin])
    assert hook in error.message
    assert type(plugin).__name__ in error.message
    assert "only the provider" in error.message


def test_a_host_plugin_with_a_misspelt_hook_is_refused_naming_it() -> None:
    error = load_error("tests.core.acme:AcmeProvider", plugins=[HostMisspelt()])
    assert "on_progres" in error.message and "HostMisspelt" in error.message


def test_a_tryfirst_host_plugin_may_answer_a_sync_hook_first() -> None:
    from framecast import CameraPlan

    class HouseStyle:
        @hookimpl(tryfirst=True)
        def translate_camera(self, request, model) -> CameraPlan:
            return CameraPlan(prompt=f"[house] {request.prompt}", method="prompt")

    from framecast import GenerationRequest

    runner = Runner("tests.core.acme:AcmeProvider", env=ENV, plugins=[HouseStyle()])
    prepared = runner.prepare(GenerationRequest(prompt="a cat", camera="zoom_in"))
    assert prepared.body["prompt"] == "[house] a cat"


# ---------------------------------------------------------------- discovery


def test_list_providers_reads_names_distributions_and_versions(broken_dist) -> None:
    entries = {e.name: e for e in list_providers(env={})}
    assert REAL <= set(entries)
    assert entries["misspelt"].distribution == "framecast-broken"
    assert entries["misspelt"].version == "0.1"
    assert entries["runway"].value == "framecast_runway:RunwayProvider"
    assert "fc_broken" not in sys.modules  # listing imported nothing


def test_framecast_plugins_limits_what_is_listed_and_loaded() -> None:
    env = {"FRAMECAST_PLUGINS": "runway, preview"}
    assert [e.name for e in list_providers(env)] == ["preview", "runway"]
    with pytest.raises(ConfigurationError) as caught:
        Runner("kling", env=env)
    assert "FRAMECAST_PLUGINS" in caught.value.message
    assert "runway" in caught.value.message


def test_an_unknown_provider_name_lists_the_installed_ones() -> None:
    with pytest.raises(ConfigurationError) as caught:
        find_entry("runwya", env={})
    assert "'runwya'" in caught.value.message
    for name in REAL:
        assert name in caught.value.message
    assert set(caught.value.details["installed"]) >= REAL


def test_a_shipped_provider_that_is_not_installed_names_its_install_command() -> None:
    env = {"FRAMECAST_PLUGINS": "preview"}  # as after the quick start's install
    with pytest.raises(ConfigurationError) as caught:
        Runner("kling", env=env)
    message = caught.value.message
    assert "unknown provider 'kling'; installed: preview" in message
    assert "framecast-kling" in message and "pip install ./kling_plugin" in message


def test_a_misspelt_provider_name_is_told_to_check_the_spelling() -> None:
    with pytest.raises(ConfigurationError) as caught:
        find_entry("klnig", env={})
    assert "spelling" in caught.value.message and "pip install ./" not in caught.value.message


def test_module_attribute_names_a_provider_class() -> None:
    runner = Runner("tests.core.acme:AcmeProvider", env=ENV)
    assert runner.provider_name == "acme"
    runner = Runner(env={**ENV, "FRAMECAST_PROVIDER": "tests.core.acme:AcmeProvider"})
    assert runner.provider_name == "acme"
    with pytest.raises(PluginLoadError) as caught:
        Runner("tests.core.acme:NoSuchProvider", env=ENV)
    assert "NoSuchProvider" in caught.value.message


def test_listing_providers_imports_no_provider_module() -> None:
    code = textwrap.dedent(
        f"""
        import json, sys
        from framecast._plugins import list_providers
        names = [e.name for e in list_providers()]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in {PROVIDER_MODULES!r})
        print(json.dumps([names, loaded]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    names, loaded = json.loads(done.stdout)
    assert REAL <= set(names)
    assert loaded == []


def test_the_providers_command_imports_no_provider_module(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "framecast", "providers", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert REAL <= {entry["name"] for entry in json.loads(done.stdout)["providers"]}
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert not [m for m in imported if m.split(".")[0] in PROVIDER_MODULES]


def test_check_provider_reports_a_broken_provider_without_raising(broken_dist) -> None:
    for name in ("misspelt", "syncsubmit", "crashes", "ghost", "notaclass"):
        check = check_provider(name, env={})
        assert check.info is None
        assert check.error, name
        assert check.entry.name == name
    assert "translate_camra" in check_provider("misspelt", env={}).error
    fine = check_provider("fine", env={})
    assert fine.error is None and fine.info.name == "acme"


def test_check_provider_loads_a_real_provider_without_credentials() -> None:
    check = check_provider("runway", env={})
    assert check.error is None
    assert check.info is not None and check.info.models
    assert check.entry.distribution == "framecast-runway"


def test_check_provider_of_an_unknown_name_is_reported() -> None:
    check = check_provider("nosuch", env={})
    assert check.info is None and "nosuch" in check.error


def test_a_host_plugin_returning_none_falls_through_to_the_provider() -> None:
    from framecast import GenerationRequest

    calls: list[str] = []

    class Undecided:
        @hookimpl(tryfirst=True)
        def translate_camera(self, request, model) -> None:
            calls.append(request.prompt)
            return None

    runner = Runner("tests.core.acme:AcmeProvider", env=ENV, plugins=[Undecided()])
    prepared = runner.prepare(GenerationRequest(prompt="a cat", camera="pan_left"))
    assert calls == ["a cat"]
    assert prepared.body["prompt"] == "a cat. Camera: camera pans left across the scene."


# ---------------------------------------------------------------- one name, two distributions


@pytest.fixture
def rival_runway(broken_dist: Path) -> Path:
    """``framecast-runway-fork 9.9`` registering ``runway`` again (and ``fine`` twice over:
    the same registration found twice is no conflict)."""
    info = broken_dist / "framecast_runway_fork-9.9.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: framecast-runway-fork\nVersion: 9.9\n"
    )
    (info / "entry_points.txt").write_text("[framecast]\nrunway = fc_broken:Fine\n")
    return broken_dist


def test_a_name_two_distributions_register_is_refused_naming_both(rival_runway) -> None:
    entries = {e.name: e for e in list_providers({})}
    assert entries["runway"].conflicts  # listed once, with the rival noted
    assert not entries["fine"].conflicts
    error = load_error("runway")
    assert "registered more than once" in error.message
    assert "framecast-runway-fork 9.9" in error.message
    assert "framecast-runway 0.1.0" in error.message
    assert "module:attribute" in error.message
    assert check_provider("runway", env={}).error == error.message


def test_an_ambiguous_name_can_still_be_used_by_its_path(rival_runway) -> None:
    runner = Runner("framecast_runway:RunwayProvider", env=ENV)
    assert runner.provider_name == "runway"
