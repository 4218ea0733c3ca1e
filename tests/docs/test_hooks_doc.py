"""``docs/hooks.md`` has exactly one section per hook of ``framecast/hookspecs.py``, headed
by the hook's exact signature.

A section heading looks like ``### `prepare(request, model, ratio_plan, camera_plan) ->
PreparedRequest` `` (an ``async`` prefix for the async hooks). The signature is rebuilt
from the hookspec function itself: parameter names, defaults and the return annotation.
"""

from __future__ import annotations

import inspect
import re

import pytest
from framecast import hookspecs

from ._blocks import DOCS

HEADING = re.compile(r"^### `(?P<signature>(?:async )?(?P<name>\w+)\(.*\).*)`\s*$")


def hookspec_functions() -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "framecast_spec")
    }


def expected_signature(function: object) -> str:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    parameters = []
    for parameter in signature.parameters.values():
        text = parameter.name
        if parameter.default is not inspect.Parameter.empty:
            text += f"={parameter.default!r}"
        parameters.append(text)
    result = signature.return_annotation
    text = f"{function.__name__}({', '.join(parameters)}) -> {result}"  # type: ignore[attr-defined]
    return f"async {text}" if inspect.iscoroutinefunction(function) else text


def documented() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    for line in (DOCS / "hooks.md").read_text(encoding="utf-8").splitlines():
        match = HEADING.match(line)
        if match:
            sections.setdefault(match.group("name"), []).append(match.group("signature"))
    return sections


def test_the_contract_has_hooks() -> None:
    names = set(hookspec_functions())
    assert {"provider_info", "prepare", "submit", "on_finished"} <= names


@pytest.mark.parametrize("name", sorted(hookspec_functions()))
def test_every_hook_has_one_section_with_its_signature(name: str) -> None:
    sections = documented()
    assert name in sections, f"docs/hooks.md has no section for hook {name!r}"
    assert len(sections[name]) == 1, f"docs/hooks.md has {len(sections[name])} {name} sections"
    expected = expected_signature(hookspec_functions()[name])
    assert sections[name][0] == expected, (
        f"docs/hooks.md heading for {name!r} is `{sections[name][0]}`, "
        f"hookspecs.py says `{expected}`"
    )


def test_no_section_without_a_hook() -> None:
    extra = sorted(set(documented()) - set(hookspec_functions()))
    assert not extra, f"docs/hooks.md documents hooks that do not exist: {extra}"


def test_signature_check_can_fail() -> None:
    # A heading with a renamed parameter must not match: the comparison is exact.
    expected = expected_signature(hookspecs.prepare)
    assert expected == ("prepare(request, model, ratio_plan, camera_plan) -> PreparedRequest")
    assert expected.replace("ratio_plan", "ratio") != expected


def test_the_contract_version_is_stated() -> None:
    page = (DOCS / "hooks.md").read_text(encoding="utf-8")
    assert f"`framecast.HOOKSPEC_VERSION` = {hookspecs.HOOKSPEC_VERSION})" in page


def section_bodies() -> dict[str, str]:
    """Hook name -> the text of its section (up to the next heading)."""
    bodies: dict[str, str] = {}
    current: str | None = None
    for line in (DOCS / "hooks.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            match = HEADING.match(line)
            current = match.group("name") if match else None
            continue
        if current is not None:
            bodies[current] = bodies.get(current, "") + line + "\n"
    return bodies


@pytest.mark.parametrize("name", sorted(hookspec_functions()))
def test_every_hook_section_has_an_example_implementing_it(name: str) -> None:
    body = section_bodies().get(name, "")
    assert "```python" in body, f"the {name} section has no example"
    assert re.search(rf"def {name}\(", body), f"the {name} example does not implement {name}"


@pytest.mark.parametrize(
    "name", sorted(n for n in hookspec_functions() if n not in hookspecs.OBSERVER_HOOKS)
)
def test_every_provider_hook_section_says_required_or_what_happens_without_it(name: str) -> None:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    section = re.split(rf"^### `(?:async )?{name}\(.*$", text, flags=re.M)[1]
    first = section.strip().split("\n\n", 1)[0]
    if name in hookspecs.REQUIRED_HOOKS:
        assert first == "**Required.**", f"docs/hooks.md: {name} must say **Required.**"
    else:
        assert first == f"**Optional.** Without it: {hookspecs.OPTIONAL_HOOKS[name]}.", (
            f"docs/hooks.md: {name} must say what the core does without it"
        )
