"""The provider written out in ``docs/plugins.md`` passes framecast's provider contract
suite — the guide shows a plugin that would be accepted, not a sketch."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
from framecast.testing.contract import ProviderContract

from ._blocks import blocks


def _guide_namespace() -> dict[str, Any]:
    runnable = [b for b in blocks("python") if b.page == "plugins.md" and b.runnable]
    guide = next(b for b in runnable if "class AcmeProvider" in b.code)
    # The block ends by running its demo; the contract suite runs the provider itself.
    code = guide.code.replace("asyncio.run(main())", "")
    namespace: dict[str, Any] = {"__name__": "plugin_guide"}
    exec(compile(code, guide.id, "exec"), namespace)
    return namespace


GUIDE = _guide_namespace()


class TestPluginGuideProvider(ProviderContract):
    provider_class = GUIDE["AcmeProvider"]
    env = {"ACME_API_KEY": "test-key-not-real"}

    def make_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.MockTransport(GUIDE["AcmeServer"]())


def test_the_guides_pyproject_builds_an_installable_distribution(tmp_path: Path) -> None:
    """The pyproject.toml the guide shows is complete: with the package beside it, it builds
    a wheel (no index needed) whose entry point names the provider."""
    snippet = next(
        b for b in blocks("toml") if b.page == "plugins.md" and "framecast-acme" in b.code
    )
    (tmp_path / "pyproject.toml").write_text(snippet.code, encoding="utf-8")
    package = tmp_path / "src" / "framecast_acme"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("class AcmeProvider: ...\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("framecast_acme-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        assert "acme = framecast_acme:AcmeProvider" in archive.read(entry_points).decode()
