"""What the CLI prints reads as one fact in the user's words: no doubled names, no Python
API in shell messages, the right kind of error for the mistake made."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

ASTRONAUT = Path(__file__).resolve().parents[2] / "examples" / "astronaut.png"


@pytest.fixture
def preview(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FRAMECAST_PROVIDER", "preview")
    monkeypatch.setenv("FRAMECAST_PREVIEW_DIR", str(tmp_path / "cache"))
    (tmp_path / "framecast.toml").write_text("[preview]\noptions = { short_side = 144 }\n")


def test_a_provider_whose_model_bears_its_name_is_named_once(
    invoke: Callable[..., Result], preview: None, tmp_path: Path
) -> None:
    result = invoke(
        "generate", str(ASTRONAUT), "--prompt", "hi", "--duration", "1", "--out", "a.mp4"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("SUCCEEDED: preview task ")
    estimate = invoke("estimate", str(ASTRONAUT), "--prompt", "hi")
    assert estimate.stdout.startswith("preview: 0.00 USD")


def test_a_ratio_that_is_no_ratio_is_an_invalid_request_not_an_unoffered_one(
    invoke: Callable[..., Result], preview: None
) -> None:
    result = invoke("generate", str(ASTRONAUT), "--prompt", "hi", "--ratio", "banana")
    assert result.exit_code == 2
    assert "invalid request: ratio: 'banana' is not W:H" in result.stderr


def test_a_budget_refusal_says_what_the_estimate_is(invoke: Callable[..., Result]) -> None:
    pytest.importorskip("framecast_runway")
    result = invoke(
        "generate", str(ASTRONAUT), "--prompt", "hi", "--provider", "runway",
        "--max-cost", "0.1",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "allowed: max_cost of at least $0.25 (the estimate)" in result.stderr
    assert ">= 0.25" not in result.stderr


def test_a_path_that_names_no_class_says_what_it_names(invoke: Callable[..., Result]) -> None:
    result = invoke("generate", "--prompt", "hi", "--provider", "os:path")
    assert result.exit_code == 2
    assert "'os:path' is a module, not a provider class" in result.stderr
    assert "from no distribution" not in result.stderr


def test_kling_without_keys_names_both_variables(invoke: Callable[..., Result]) -> None:
    pytest.importorskip("framecast_kling")
    result = invoke("generate", str(ASTRONAUT), "--prompt", "hi", "--provider", "kling")
    assert result.exit_code == 2
    assert "set KLING_ACCESS_KEY and KLING_SECRET_KEY" in result.stderr


def test_a_short_kling_secret_key_prints_no_pyjwt_warning() -> None:
    pytest.importorskip("framecast_kling")
    from framecast_kling._auth import KlingAuth

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the test
        KlingAuth("access", "short").token()


def test_shell_messages_use_no_python_api_words() -> None:
    """The runner's messages reach the shell as they are: no ``wait(handle)`` there."""
    import importlib
    import inspect

    # The runner's words live in its steps since the split: read every one of them.
    steps = ("_runner", "_submit", "_outcomes", "_waiting", "_polling", "_cancel", "_download")
    for step in steps:
        source = inspect.getsource(importlib.import_module(f"framecast.{step}"))
        for phrase in ("resume with wait(handle)", "Pass delete=True"):
            assert phrase not in source, step
