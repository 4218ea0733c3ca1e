"""From a framecast request to Kling's terms: which endpoint, model row, mode and duration.

``map_ratio``, ``translate_camera``, ``prepare`` and ``estimate`` all resolve a request the
same way through ``resolve`` so that they never disagree (a camera plan made for mode pro
sent as std, say).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from framecast import GenerationRequest, Mode, ModelInfo, UnsupportedOption, ValidationError

from ._capabilities import (
    DEFAULT_MODE,
    IMAGE2VIDEO,
    MULTI_IMAGE2VIDEO,
    TEXT2VIDEO,
    KlingModel,
    combination_problem,
    lookup,
)

__all__ = ["Plan", "resolve"]

ENDPOINT_FOR_MODE: Mapping[Mode, str] = {
    Mode.TEXT: TEXT2VIDEO,
    Mode.IMAGE: IMAGE2VIDEO,
    Mode.FIRST_LAST: IMAGE2VIDEO,
    Mode.MULTI_IMAGE: MULTI_IMAGE2VIDEO,
}


@dataclass(frozen=True)
class Plan:
    endpoint: str
    model: KlingModel | None  # None: a model missing from the table (allow_unknown_model)
    model_name: str
    mode: str | None  # None: the model has no mode parameter
    duration: int
    with_tail: bool
    notes: tuple[str, ...] = ()


def options_of(request: GenerationRequest, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The request's options over the configured defaults (``[kling]`` table)."""
    return {**defaults, **request.options}


def asked_explicitly(request: GenerationRequest, defaults: Mapping[str, Any], name: str) -> bool:
    """Whether the request itself set option ``name``. The runner merges the configured
    defaults into ``request.options``, so a value equal to the configured one counts as
    configured: a default yields where the model does not take it, an explicit ask is
    refused."""
    if name not in request.options:
        return False
    return name not in defaults or request.options[name] != defaults[name]


def _duration(request: GenerationRequest, model: ModelInfo) -> int:
    value = request.duration if request.duration is not None else model.default_duration or 5
    if float(value) != int(value):
        raise UnsupportedOption(
            f"duration: Kling takes whole seconds ({', '.join(map(str, model.durations))}); "
            f"got {value}",
            field="duration",
            value=value,
            allowed=list(model.durations),
        )
    return int(value)


def _mode(
    kling: KlingModel | None,
    endpoint: str,
    with_tail: bool,
    options: Mapping[str, Any],
    explicit: bool,
) -> tuple[str | None, tuple[str, ...]]:
    asked = options.get("mode")  # its OptionSpec's choices: the core has checked it
    if kling is None:
        return (asked or DEFAULT_MODE), ()
    offer = kling.offer(endpoint, with_tail=with_tail)
    if offer is None:
        return asked, ()  # combination_problem names the real problem
    if asked is not None and explicit:
        return asked, ()
    if asked is not None and asked in offer:
        return asked, ()
    if DEFAULT_MODE in offer:
        return DEFAULT_MODE, ()
    if None in offer:
        return None, ()
    only = next(m for m in offer if m is not None)
    what = "an end frame" if with_tail else endpoint
    return only, (f"mode {only}: the only mode {kling.name} offers for {what}",)


def resolve(
    request: GenerationRequest,
    model: ModelInfo,
    defaults: Mapping[str, Any],
    *,
    check: bool = True,
) -> Plan:
    """Resolve ``request`` for ``model``; with ``check``, raise ``UnsupportedOption`` for a
    combination outside the capability map (before any network call)."""
    endpoint = ENDPOINT_FOR_MODE[request.mode]
    with_tail = request.mode is Mode.FIRST_LAST
    kling = lookup(model.name)
    # A mode asked in the request itself is kept as asked (and refused if not offered); a
    # configured default yields to the only mode a combination offers.
    explicit = asked_explicitly(request, defaults, "mode")
    mode, notes = _mode(kling, endpoint, with_tail, options_of(request, defaults), explicit)
    duration = _duration(request, model)
    if check and kling is not None:
        problem = combination_problem(kling, endpoint, mode, duration, with_tail=with_tail)
        if problem is not None:
            raise UnsupportedOption(
                f"kling: {problem.message}",
                field=problem.field,
                value=problem.value,
                allowed=problem.allowed,
            )
        if with_tail and request.image is None and not kling.tail_only:
            raise ValidationError(
                f"kling: {kling.name} needs a start image with the end frame "
                "(an end frame alone is offered by kling-v1-5 and kling-v1-6, mode pro)",
                field="image",
                value=None,
                allowed="an image with end_image",
            )
    return Plan(
        endpoint=endpoint,
        model=kling,
        model_name=model.name,
        mode=mode,
        duration=duration,
        with_tail=with_tail,
        notes=notes,
    )
