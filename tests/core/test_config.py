"""Configuration (docs/configuration.md): argument > environment > framecast.toml > pyproject."""

from __future__ import annotations

from pathlib import Path

import pytest
from framecast import ConfigurationError, GenerationRequest, ProviderSettings, Runner
from framecast._config import Config, load_config, resolve_provider_name

from .support import ENV, acme_class, make_runner, scripted, text_request

pytestmark = pytest.mark.anyio


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- precedence


def test_provider_name_precedence(folder: Path) -> None:
    write(folder, "pyproject.toml", '[tool.framecast]\nprovider = "kling"\n')
    assert resolve_provider_name(None, {}, load_config()) == "kling"
    write(folder, "framecast.toml", 'provider = "preview"\n')
    assert resolve_provider_name(None, {}, load_config()) == "preview"
    env = {"FRAMECAST_PROVIDER": "runway"}
    assert resolve_provider_name(None, env, load_config()) == "runway"
    assert resolve_provider_name("tests.core.acme:AcmeProvider", env, load_config()) == (
        "tests.core.acme:AcmeProvider"
    )


def test_pyproject_without_a_framecast_table_is_no_configuration(folder: Path) -> None:
    write(folder, "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config() == Config()


def test_framecast_toml_wins_over_pyproject(folder: Path) -> None:
    write(folder, "pyproject.toml", "[tool.framecast]\ntimeout = 10\n")
    write(folder, "framecast.toml", "timeout = 20\n")
    assert load_config().timeout == 20
    assert load_config().source == str(folder / "framecast.toml")


def test_a_broken_config_file_is_a_configuration_error_naming_it(folder: Path) -> None:
    write(folder, "framecast.toml", "timeout = [\n")
    with pytest.raises(ConfigurationError) as caught:
        load_config()
    assert "framecast.toml" in caught.value.message
    write(folder, "framecast.toml", 'timeout = "soon"\n')
    with pytest.raises(ConfigurationError, match="timeout"):
        load_config()


def test_the_provider_is_taken_from_the_environment_by_the_runner(folder: Path) -> None:
    runner = Runner(env={**ENV, "FRAMECAST_PROVIDER": "tests.core.acme:AcmeProvider"})
    assert runner.provider_name == "acme"


def test_timeout_from_the_config_file_applies_unless_given(folder: Path) -> None:
    write(folder, "framecast.toml", "timeout = 42\n")
    provider = acme_class()
    assert Runner(provider, env=ENV).timeout == 42
    assert Runner(provider, env=ENV, timeout=7).timeout == 7
    write(folder, "framecast.toml", "")
    assert Runner(provider, env=ENV).timeout == 600


# ---------------------------------------------------------------- per-provider table

ACME_TABLE = """
model = "acme-0"

[acme]
base_url = "http://127.0.0.1:9/"
model = "acme-follow"
max_running_tasks = 3
options = { quality = "final" }
"""


def test_the_provider_table_sets_base_url_model_cap_and_options(folder: Path) -> None:
    write(folder, "framecast.toml", ACME_TABLE.replace('model = "acme-follow"', 'model = "acme-1"'))
    runner = Runner(acme_class(), env=ENV)
    assert runner.base_url == "http://127.0.0.1:9"
    assert runner.max_running_tasks == 3
    assert runner.settings.options == {"quality": "final"}
    prepared = runner.prepare(GenerationRequest(prompt="a cat"))
    assert prepared.model == "acme-1"
    assert prepared.body["options"] == {"quality": "final"}
    explicit = runner.prepare(GenerationRequest(prompt="a cat", options={"quality": "draft"}))
    assert explicit.body["options"] == {"quality": "draft"}  # the request wins


def test_the_table_model_wins_over_the_top_level_model(folder: Path) -> None:
    write(folder, "framecast.toml", ACME_TABLE.replace("options = ", "# "))
    from .support import png

    runner = Runner(acme_class(), env=ENV)
    prepared = runner.prepare(GenerationRequest(prompt="a cat", image=png(64, 64)))
    assert prepared.model == "acme-follow"
    assert runner.prepare(GenerationRequest(prompt="x", model="acme-1")).model == "acme-1"


def test_arguments_win_over_the_provider_table(folder: Path) -> None:
    write(folder, "framecast.toml", ACME_TABLE)
    runner = Runner(
        acme_class(),
        env=ENV,
        max_running_tasks=9,
        settings=ProviderSettings(name="acme", base_url="https://api.acme.test", env=ENV),
    )
    assert runner.max_running_tasks == 9
    assert runner.base_url == "https://api.acme.test"


def test_the_environment_wins_over_the_provider_table_for_the_base_url(folder: Path) -> None:
    write(folder, "framecast.toml", ACME_TABLE)
    runner = Runner(acme_class(), env={**ENV, "ACME_BASE_URL": "http://localhost:8080"})
    assert runner.base_url == "http://localhost:8080"


def test_the_base_url_defaults_to_the_provider_default(folder: Path) -> None:
    assert Runner(acme_class(), env=ENV).base_url == "https://api.acme.test"
    env = {**ENV, "ACME_BASE_URL": "http://localhost:8080/"}
    assert Runner(acme_class(), env=env).base_url == "http://localhost:8080"


def test_a_bad_poll_interval_variable_is_a_configuration_error(folder: Path) -> None:
    with pytest.raises(ConfigurationError, match="FRAMECAST_POLL_INTERVAL"):
        Runner(acme_class(), env={**ENV, "FRAMECAST_POLL_INTERVAL": "fast"})


# ---------------------------------------------------------------- credentials


async def test_construction_and_dry_run_work_without_credentials(folder: Path) -> None:
    clock, server, faults = scripted()
    async with make_runner(faults, clock, env={}) as runner:
        assert runner.info.name == "acme"
        prepared = runner.prepare(text_request(camera="zoom_in"))
        assert prepared.body["prompt"].startswith("a lighthouse at dusk")
        estimate = runner.estimate(text_request(duration=10))
        assert estimate is not None and estimate.amount == pytest.approx(1.0)
        with pytest.raises(ConfigurationError) as caught:
            await runner.generate(text_request())
    assert "ACME_SECRET" in caught.value.message
    assert caught.value.details["variables"] == ["ACME_SECRET"]
    assert faults.log == []
    assert server.created == 0


async def test_missing_credential_on_poll_names_the_variable(folder: Path) -> None:
    clock, _server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
    async with make_runner(faults, clock, env={}) as runner:
        with pytest.raises(ConfigurationError, match="ACME_SECRET"):
            await runner.wait(handle)


def test_settings_never_show_the_environment() -> None:
    settings = ProviderSettings(name="acme", env={"ACME_SECRET": "sk-live-do-not-print"})
    assert "sk-live-do-not-print" not in repr(settings)
    assert settings.require("ACME_SECRET") == "sk-live-do-not-print"
    assert settings.get("NOPE", "ACME_SECRET") == "sk-live-do-not-print"
    assert settings.get("NOPE") is None
    with pytest.raises(ConfigurationError, match="NOPE or ALSO_NOPE"):
        settings.require("NOPE", "ALSO_NOPE")


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_a_poll_interval_variable_that_is_not_a_finite_positive_number_is_refused(
    folder: Path, value: str
) -> None:
    # NaN compares false with everything: it would slip under the official poll floor.
    with pytest.raises(ConfigurationError, match="FRAMECAST_POLL_INTERVAL"):
        Runner(acme_class(), env={**ENV, "FRAMECAST_POLL_INTERVAL": value})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.5])
def test_an_explicit_poll_interval_that_is_not_a_finite_positive_number_is_refused(
    folder: Path, value: float
) -> None:
    with pytest.raises(ConfigurationError, match="poll_interval"):
        Runner(acme_class(), env=ENV, poll_interval=value)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('max_running_tasks = "many"', "max_running_tasks"),
        ("max_running_tasks = -2", "max_running_tasks"),
        ("base_url = 42", "base_url"),
        ("model = 7", "model"),
        ('options = "quality=final"', "options"),
    ],
)
def test_a_provider_table_with_a_wrong_type_is_a_configuration_error_naming_key_and_file(
    folder: Path, line: str, key: str
) -> None:
    write(folder, "framecast.toml", f"[acme]\n{line}\n")
    with pytest.raises(ConfigurationError) as caught:
        Runner(acme_class(), env=ENV)
    assert f"acme.{key}" in caught.value.message
    assert "framecast.toml" in caught.value.message


def test_a_top_level_model_that_is_not_a_name_is_refused(folder: Path) -> None:
    write(folder, "framecast.toml", "model = 3\n")
    with pytest.raises(ConfigurationError, match="model"):
        load_config()


def test_with_nothing_configured_the_default_is_preview_when_installed(folder: Path) -> None:
    assert Runner(env={}).provider_name == "preview"


def test_with_one_provider_allowed_it_is_the_default(folder: Path) -> None:
    assert Runner(env={"FRAMECAST_PLUGINS": "runway"}).provider_name == "runway"


def test_several_providers_without_preview_ask_to_choose(folder: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Runner(env={"FRAMECAST_PLUGINS": "runway,kling"})
    assert "FRAMECAST_PROVIDER" in caught.value.message


def test_http_timeouts_are_configurable(folder: Path) -> None:
    runner = Runner(acme_class(), env=ENV, connect_timeout=2.0, read_timeout=9.0)
    timeout = runner._http().timeout
    assert (timeout.connect, timeout.read) == (2.0, 9.0)
    default = Runner(acme_class(), env=ENV)._http().timeout
    assert (default.connect, default.read) == (5.0, 60.0)


KLING_TABLE = '[kling]\nmax_running_tasks = 2\nbase_url = "http://127.0.0.1:9"\n'


def test_the_provider_table_applies_however_an_installed_provider_is_named(folder: Path) -> None:
    from framecast_kling import KlingProvider

    write(folder, "framecast.toml", KLING_TABLE)
    by_name = Runner("kling", env={})
    by_path = Runner("framecast_kling:KlingProvider", env={})
    by_class = Runner(KlingProvider, env={})
    by_instance = Runner(KlingProvider(ProviderSettings(name="kling")), env={})
    for runner in (by_name, by_path, by_class, by_instance):
        assert runner.provider_name == "kling"
        assert runner.max_running_tasks == 2
        assert runner.base_url == "http://127.0.0.1:9"


def test_an_installed_provider_by_its_inner_module_path_keeps_its_name(folder: Path) -> None:
    write(folder, "framecast.toml", KLING_TABLE)
    runner = Runner("framecast_kling._provider:KlingProvider", env={})
    assert runner.max_running_tasks == 2


def test_provider_tables_nest_under_tool_framecast_in_pyproject(folder: Path) -> None:
    write(
        folder,
        "pyproject.toml",
        "[tool.framecast]\ntimeout = 90\n\n[tool.framecast.acme]\nmax_running_tasks = 4\n",
    )
    runner = Runner(acme_class(), env=ENV)
    assert runner.max_running_tasks == 4
    assert runner.timeout == 90
