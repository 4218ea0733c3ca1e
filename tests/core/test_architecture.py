"""The core's shape, checked from its source (``ast``): small modules, short functions, and
no import cycle — the limits docs/architecture.md describes.

An exception is listed here by name with its reason, and should shrink to nothing; a new
one needs a reason as good.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core" / "src" / "framecast"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60

#: Modules over the limit, with why: none of them is the runner's.
LONG_MODULES: dict[str, str] = {
    "framecast.cli._tasks": "the CLI's task commands, being reworked for the task log",
    "framecast.cli._tasklog": "the CLI's task log, being reworked with its commands",
}
#: Functions over the limit, with why.
LONG_FUNCTIONS: dict[str, str] = {
    "framecast._images.validate_image": "one check per image property, being reworked "
    "with the input fetch policy",
    "framecast._validation.validate_request": "one check per request field, being reworked "
    "with the numeric range checks",
    "framecast.cli._listing._list_checks": "a table of provider checks, one row each",
    "framecast.cli._tasks._claim_key": "the task log's idempotency-key rules, being reworked",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(CORE.rglob("*.py")):
        parts = list(path.relative_to(CORE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(["framecast", *parts])] = path
    return found


MODULES = _modules()


def _functions(tree: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert node.end_lineno is not None
            yield f"{prefix}.{node.name}", node.end_lineno - node.lineno + 1
            yield from _functions(node, f"{prefix}.{node.name}")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}.{node.name}")
        else:
            yield from _functions(node, prefix)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs (module level or inside a function); an
    ``if TYPE_CHECKING:`` block is for annotations and never runs."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _runtime_imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _runtime_imports(node)


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in MODULES}
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base) + (f".{node.module}" if node.module else "")
    else:
        target = node.module or ""
    found = set()
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        found.add(sub if sub in MODULES else target)  # a submodule, or a name in the module
    return {name for name in found if name in MODULES}


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in _runtime_imports(tree):
            edges |= _targets(name, node, path.name == "__init__.py")
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_core_module_is_at_most_600_lines() -> None:
    long = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in MODULES.items()
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_MODULE_LINES
    }
    assert set(long) - set(LONG_MODULES) == set(), long
    assert set(LONG_MODULES) - set(long) == set(), "fixed: remove it from LONG_MODULES"


def test_every_function_is_at_most_about_60_lines() -> None:
    long = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for qualified, lines in _functions(tree, name):
            if lines > MAX_FUNCTION_LINES:
                long[qualified] = lines
    assert set(long) - set(LONG_FUNCTIONS) == set(), long
    assert set(LONG_FUNCTIONS) - set(long) == set(), "fixed: remove it from LONG_FUNCTIONS"


#: Modules that import each other on purpose, with why (each import is inside a function).
MUTUAL: dict[frozenset[str], str] = {
    frozenset({"framecast._failover", "framecast._runner"}): "Runner([...]) returns a "
    "Failover, which is made of one Runner per provider",
}


def test_the_core_has_no_import_cycle() -> None:
    found = [frozenset(c) for c in cycles(import_graph())]
    assert [sorted(c) for c in found if c not in MUTUAL] == []
    assert [sorted(c) for c in MUTUAL if c not in found] == [], "fixed: remove it from MUTUAL"


def test_the_download_step_does_not_reach_into_the_runner() -> None:
    graph = import_graph()
    assert "framecast._runner" not in graph["framecast._download"]
    source = MODULES["framecast._download"].read_text(encoding="utf-8")
    assert "runner._" not in source


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(
    graph: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert cycles(graph) == expected


def test_a_type_checking_import_is_not_a_runtime_import() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ._models import TaskHandle\n"
        "def f():\n    from ._errors import ValidationError\n"
    )
    names = [node.module for node in _runtime_imports(tree) if isinstance(node, ast.ImportFrom)]
    assert names == ["typing", "_errors"]
