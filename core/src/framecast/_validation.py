"""Generic validation from a provider's declarations, before any network call (docs/concepts.md).

Each failure is a ``ValidationError`` (or ``UnsupportedOption``) naming the field, the value
and what is allowed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ._camera import prompt_length
from ._checks import check_number
from ._errors import UnsupportedOption, ValidationError
from ._models import GenerationRequest, Mode, ModelInfo, OptionSpec, ProviderInfo

__all__ = ["resolve_model", "validate_options", "validate_prompt", "validate_request"]

logger = logging.getLogger("framecast")

_ALL_MODES = frozenset(Mode)


def resolve_model(request: GenerationRequest, info: ProviderInfo) -> ModelInfo:
    """The model a request names (or the provider's default for its mode), narrowed to the
    request's mode (``ModelInfo.for_mode``)."""
    name = request.model or info.default_model(request.mode)
    if not name:
        raise ValidationError(
            f"{info.name}: no model given and no default for {request.mode} requests",
            field="model",
            value=None,
            allowed=[m.name for m in info.models],
        )
    model = info.model(name)
    if model is None:
        if request.allow_unknown_model:
            logger.warning("model %r is not in %s's table: sending it unvalidated", name, info.name)
            return ModelInfo(
                name=name, modes=_ALL_MODES, validation="partial", supports_negative_prompt=True
            )
        raise UnsupportedOption(
            f"model {name!r} is not known to {info.name}; known models: "
            f"{', '.join(m.name for m in info.models if not m.withdrawn)} "
            "(allow_unknown_model / --allow-unknown-model sends it unvalidated)",
            field="model",
            value=name,
            allowed=[m.name for m in info.models if not m.withdrawn],
        )
    if model.withdrawn:
        instead = f"; use {model.replacement!r} instead" if model.replacement else ""
        raise UnsupportedOption(
            f"model {name!r} has been withdrawn by {info.name}{instead}",
            field="model",
            value=name,
            allowed=[model.replacement] if model.replacement else [],
        )
    # Validation and every hook see the model as it is in this mode (its ratios, durations).
    return model.for_mode(request.mode)


def validate_request(request: GenerationRequest, model: ModelInfo, info: ProviderInfo) -> None:
    """Everything the declarations can decide without looking at image bytes."""
    mode = request.mode
    if mode not in model.modes:
        others = [m.name for m in info.models if mode in m.modes and not m.withdrawn]
        raise UnsupportedOption(
            f"model {model.name!r} does not take {_mode_words(mode)} "
            f"(it takes: {', '.join(sorted(str(m) for m in model.modes))})"
            + (f"; models that do: {', '.join(others)}" if others else ""),
            field="mode",
            value=str(mode),
            allowed=sorted(str(m) for m in model.modes),
        )
    if model.kind == "image":
        if request.duration is not None:
            raise ValidationError(
                f"model {model.name!r} makes images: it takes no duration",
                field="duration",
                value=request.duration,
                allowed=None,
                details={"allowed": "no duration"},
            )
        if request.camera is not None:
            raise ValidationError(
                f"model {model.name!r} makes images: it takes no camera move",
                field="camera",
                value=str(request.camera),
                allowed=None,
                details={"allowed": "no camera"},
            )
    if request.duration is not None and model.durations:
        duration = request.duration
        if duration != int(duration) or int(duration) not in model.durations:
            raise UnsupportedOption(
                f"duration {duration!r} s is not offered by {model.name!r}; allowed: "
                f"{_durations(model.durations)} s",
                field="duration",
                value=duration,
                allowed=list(model.durations),
            )
    if request.camera is not None and not model.supports_camera:
        raise ValidationError(
            f"model {model.name!r} takes no camera move",
            field="camera",
            value=str(request.camera),
            allowed=None,
            details={"allowed": "no camera"},
        )
    if request.seed is not None and not model.supports_seed:
        raise ValidationError(
            f"{info.name} has no seed: model {model.name!r} cannot take seed={request.seed}",
            field="seed",
            value=request.seed,
            allowed=None,
            details={"allowed": "no seed"},
        )
    if request.negative_prompt and not model.supports_negative_prompt:
        raise ValidationError(
            f"model {model.name!r} takes no negative prompt",
            field="negative_prompt",
            value=request.negative_prompt,
            allowed=None,
            details={"allowed": "no negative prompt"},
        )
    if mode is Mode.MULTI_IMAGE:
        count = len(request.images)
        limit = model.image.max_images
        if count > limit:
            raise ValidationError(
                f"model {model.name!r} takes at most {limit} reference images; got {count}",
                field="images",
                value=count,
                allowed=f"1-{limit} images",
            )
    if model.prompt_required and not request.prompt.strip():
        raise ValidationError(
            f"model {model.name!r} needs a prompt",
            field="prompt",
            value=request.prompt,
            allowed="a non-empty prompt",
        )
    if info.model(model.name) is None:
        # allow_unknown_model: the table cannot know what this model takes; the server judges.
        return
    validate_options(request.options, (*info.options, *model.options), model.name)


def validate_options(
    options: Mapping[str, Any], declared: tuple[OptionSpec, ...], model_name: str
) -> None:
    specs = {spec.name: spec for spec in declared}
    for name, value in options.items():
        spec = specs.get(name)
        if spec is None:
            raise UnsupportedOption(
                f"option {name!r} is not offered for model {model_name!r}; declared options: "
                f"{', '.join(sorted(specs)) or 'none'}",
                field=f"options.{name}",
                value=value,
                allowed=sorted(specs),
            )
        _check_option(spec, value, model_name)


def _check_option(spec: OptionSpec, value: Any, model_name: str) -> None:
    field = f"options.{spec.name}"
    types: dict[str, tuple[type, ...]] = {
        "str": (str,),
        "int": (int,),
        "float": (int, float),
        "bool": (bool,),
    }
    expected = types.get(spec.type, (object,))
    if (isinstance(value, bool) and spec.type != "bool") or not isinstance(value, expected):
        raise ValidationError(
            f"option {spec.name!r} must be {spec.type}; got {value!r}",
            field=field,
            value=value,
            allowed=spec.type if spec.choices is None else list(spec.choices),
        )
    if spec.choices is not None and value not in spec.choices:
        raise UnsupportedOption(
            f"option {spec.name!r}={value!r} is not offered for {model_name!r}; allowed: "
            f"{', '.join(map(str, spec.choices))}",
            field=field,
            value=value,
            allowed=list(spec.choices),
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        check_number(value, field, minimum=spec.minimum, maximum=spec.maximum)


def validate_prompt(prompt: str, model: ModelInfo) -> None:
    """The finished prompt (identity prefix + prompt + camera clause) against the limit."""
    if model.prompt_limit is None:
        return
    length = prompt_length(prompt, model.prompt_unit)
    if length > model.prompt_limit:
        unit = "UTF-16 code units" if model.prompt_unit == "utf16" else "characters"
        raise ValidationError(
            f"prompt is {length} {unit} once camera phrasing and prefixes are added; "
            f"model {model.name!r} takes at most {model.prompt_limit}",
            field="prompt",
            value=f"{length} {unit}",
            allowed=f"at most {model.prompt_limit} {unit}",
        )


def _mode_words(mode: Mode) -> str:
    return {
        Mode.TEXT: "text-only requests (no image)",
        Mode.IMAGE: "an image",
        Mode.MULTI_IMAGE: "several reference images",
        Mode.FIRST_LAST: "a first and last frame",
    }[mode]


def _durations(values: tuple[int, ...]) -> str:
    ordered = sorted(values)
    if len(ordered) > 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return ", ".join(map(str, ordered))
