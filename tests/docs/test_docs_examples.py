"""The examples in ``docs/*.md`` work as written.

Every ```python block must compile (top-level ``await`` is allowed, as in a notebook or
an async REPL: those snippets are fragments of an async function); every toml and json
block must parse and every bash block must be valid shell. Blocks marked
``<!-- run -->`` are run for real — python blocks as a script, bash blocks with
``bash -e`` — each in a fresh temporary working folder holding a copy of ``examples/``,
with no credentials, in a fresh venv that holds only what the page says to install: the
quick start's ``framecast`` and ``framecast-preview``, plus the distributions of the page's
``<!-- needs: ... -->`` marker (installed offline from ``FRAMECAST_WHEELHOUSE``, which
``scripts/test.sh`` builds). A ``framecast.toml`` there sets the preview's ``short_side``
to 144 px so every render takes about a second; nothing else about the examples is changed.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import CREDENTIAL_VARIABLES

from ._blocks import DOCS, Block, blocks, needs, pages
from ._venvs import WHEELHOUSE_VARIABLE, Venvs, distributions, wheelhouse

ROOT = DOCS.parent
PYTHON_BLOCKS = blocks("python")
RUNNABLE = [b for b in blocks() if b.runnable]
TIMEOUT = 180

FAST_PREVIEW = """\
# Written by tests/docs: small renders keep the documentation tests fast.
[preview]
options = { short_side = 144 }
"""


def test_the_docs_have_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 10, "the pages lost their Python examples"
    pages = {b.page for b in RUNNABLE}
    for page in (
        "index.md",
        "quickstart.md",
        "concepts.md",
        "configuration.md",
        "embedding.md",
        "cli.md",
        "errors.md",
        "migrating.md",
        "plugins.md",
    ):
        assert page in pages, f"{page} has no runnable example"


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.id)
def test_python_block_compiles(block: Block) -> None:
    try:
        compile(block.code, block.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as exc:
        pytest.fail(f"{block.id}: {exc.msg} (block line {exc.lineno}): {exc.text!r}")


@pytest.mark.parametrize("block", blocks("toml"), ids=lambda b: b.id)
def test_toml_block_parses(block: Block) -> None:
    tomllib.loads(block.code)


@pytest.mark.parametrize("block", blocks("json"), ids=lambda b: b.id)
def test_json_block_parses(block: Block) -> None:
    json.loads(block.code)


@pytest.mark.parametrize("block", blocks("bash"), ids=lambda b: b.id)
def test_bash_block_is_valid_shell(block: Block) -> None:
    done = subprocess.run(
        ["bash", "-n"], input=block.code, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{block.id}: {done.stderr}"


SCRIPTS = [b for b in blocks() if b.language in ("python", "bash", "sh", "console")]


@pytest.mark.parametrize("block", SCRIPTS, ids=lambda b: b.id)
def test_every_script_block_runs_or_says_why_not(block: Block) -> None:
    assert block.runnable or block.fragment, (
        f"{block.id}: mark it <!-- run --> (the docs test runs it) or "
        "<!-- fragment: why it cannot run as written -->"
    )


def test_runnable_blocks_are_python_or_bash() -> None:
    odd = [b.id for b in RUNNABLE if b.language not in ("python", "bash")]
    assert not odd, f"only python and bash blocks can be run: {odd}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_a_page_that_needs_a_plugin_says_how_to_install_it(page: Path) -> None:
    known = distributions()
    text = page.read_text(encoding="utf-8")
    head = text.split("\n## ", 1)[0]  # before the first section: where a reader starts
    installs = [
        line.split("pip install", 1)[1].split()
        for line in head.splitlines()
        if "pip install" in line
    ]
    shown = {word.strip("`").rstrip("/") for words in installs for word in words}
    for dist in needs(page):
        assert dist in known, f"{page.name} needs {dist!r}, which is no distribution here"
        folder = "./" + known[dist].relative_to(ROOT).as_posix()
        assert folder in shown or dist in shown, (
            f"{page.name} needs {dist} but its top shows no 'pip install ... {folder}'"
        )


@pytest.fixture(scope="session")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> Venvs:
    wheels = wheelhouse()
    if wheels is None:
        message = (
            f"{WHEELHOUSE_VARIABLE} is not set: run the suite through scripts/test.sh, which "
            "builds the wheelhouse the docs examples install from"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return Venvs(tmp_path_factory.mktemp("docs-venvs"), wheels)


def _workdir(tmp_path: Path, venvs: Venvs, block: Block) -> tuple[Path, dict[str, str], Path]:
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    (work / "framecast.toml").write_text(FAST_PREVIEW, encoding="utf-8")
    python = venvs.python(block.needs)
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    env = {k: v for k, v in env.items() if not k.startswith("FRAMECAST_")}
    env["FRAMECAST_PREVIEW_DIR"] = str(tmp_path / "preview-cache")
    env["FRAMECAST_LOG"] = str(tmp_path / "tasks.db")
    env.update(venvs.offline_pip_environment())
    # Like a user's script: the venv's packages only, and `python` is the venv's.
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    return work, env, python


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: b.id)
def test_runnable_block_runs(block: Block, tmp_path: Path, venvs: Venvs) -> None:
    work, env, python = _workdir(tmp_path, venvs, block)
    if block.language == "python":
        script = work / "example.py"
        script.write_text(block.code, encoding="utf-8")
        command = [str(python), str(script)]
    else:
        script = work / "example.sh"
        script.write_text(block.code, encoding="utf-8")
        command = ["bash", "-e", "-o", "pipefail", str(script)]
    done = subprocess.run(
        command,
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, (
        f"{block.id} failed (exit {done.returncode}):\n--- stdout\n{done.stdout[-3000:]}"
        f"\n--- stderr\n{done.stderr[-3000:]}"
    )


def test_quickstart_repeats_the_readme_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    commands = [
        line.strip()
        for line in section.split("```bash", 1)[1].split("```", 1)[0].splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(commands) == 2, f"the README's quick start has {len(commands)} commands"
    for command in commands:
        assert command in quickstart, f"docs/quickstart.md lacks the README command {command!r}"
