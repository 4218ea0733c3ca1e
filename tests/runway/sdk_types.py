"""A body checker built from the official ``runwayml`` SDK's own parameter types.

The SDK (pinned 5.24.0, a test dependency only) is generated from Runway's OpenAPI. Each
endpoint has a ``*CreateParams`` union of one ``TypedDict`` per model; fields are snake_case
with the JSON name in ``PropertyInfo(alias=...)``, and ``Required[...]`` marks required keys.
The SDK modules use ``from __future__ import annotations``, so ``__required_keys__`` is not
reliable: required-ness is read from the resolved hints instead.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import typing
from typing import Any, Literal, Union, get_args, get_origin

import typing_extensions

try:
    import runwayml
    from runwayml._utils import PropertyInfo
except ImportError as exc:  # pragma: no cover - a setup problem, said plainly
    raise ImportError(
        "the Runway conformance tests need the official SDK: pip install runwayml==5.24.0 "
        "(see requirements-dev.txt)"
    ) from exc

#: The SDK version the table and these checks were built against (runway.md §0).
PINNED_SDK = "5.24.0"

__all__ = ["ENDPOINT_MODULES", "PINNED_SDK", "problems", "runwayml", "sdk_models"]

ENDPOINT_MODULES = {
    "image_to_video": ("runwayml.types.image_to_video_create_params", "ImageToVideoCreateParams"),
    "text_to_video": ("runwayml.types.text_to_video_create_params", "TextToVideoCreateParams"),
    "text_to_image": ("runwayml.types.text_to_image_create_params", "TextToImageCreateParams"),
}

_REQUIRED = {typing_extensions.Required, getattr(typing, "Required", None)} - {None}
_NOT_REQUIRED = {typing_extensions.NotRequired, getattr(typing, "NotRequired", None)} - {None}
_ANNOTATED = {typing_extensions.Annotated, typing.Annotated}


def _unwrap(hint: Any) -> tuple[Any, bool, str | None]:
    """(bare type, required, JSON alias) of a TypedDict field hint."""
    required = False
    alias = None
    while True:
        origin = get_origin(hint)
        if origin in _REQUIRED:
            required = True
            hint = get_args(hint)[0]
        elif origin in _NOT_REQUIRED:
            hint = get_args(hint)[0]
        elif origin in _ANNOTATED or hasattr(hint, "__metadata__"):
            for meta in getattr(hint, "__metadata__", ()):
                if isinstance(meta, PropertyInfo) and meta.alias:
                    alias = meta.alias
            hint = get_args(hint)[0]
        else:
            return hint, required, alias


@functools.cache
def _fields(cls: type) -> dict[str, tuple[Any, bool]]:
    """JSON name -> (type, required) for one SDK TypedDict."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out: dict[str, tuple[Any, bool]] = {}
    for key, hint in hints.items():
        bare, required, alias = _unwrap(hint)
        out[alias or key] = (bare, required)
    return out


@functools.cache
def sdk_models(endpoint: str) -> dict[str, type]:
    """Model name -> the SDK's TypedDict for it, on one endpoint."""
    module_name, union_name = ENDPOINT_MODULES[endpoint]
    union = getattr(importlib.import_module(module_name), union_name)
    models: dict[str, type] = {}
    for cls in get_args(union):
        model_type, _ = _fields(cls)["model"]
        (name,) = get_args(model_type)
        models[name] = cls
    return models


def _matches(value: Any, hint: Any) -> bool:
    hint, _, _ = _unwrap(hint)
    origin = get_origin(hint)
    if hint is Any or hint is object:
        return True
    if origin is Literal:
        return any(value == v and type(value) is type(v) for v in get_args(hint))
    if origin is Union or (origin is not None and str(origin) == "types.UnionType"):
        return any(_matches(value, arm) for arm in get_args(hint))
    if origin in (collections.abc.Iterable, collections.abc.Sequence, list, typing.Iterable):
        (item,) = get_args(hint) or (Any,)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if origin in (dict, collections.abc.Mapping):
        return isinstance(value, dict)
    if typing_extensions.is_typeddict(hint):
        return isinstance(value, dict) and not _check_dict(value, hint, "")
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if hint is type(None):
        return value is None
    raise AssertionError(f"checker does not know the SDK type {hint!r}")


def _check_dict(body: dict[str, Any], cls: type, where: str) -> list[str]:
    found: list[str] = []
    fields = _fields(cls)
    for key in body:
        if key not in fields:
            found.append(f"{where}{key}: not a field of the SDK's {cls.__name__}")
    for key, (hint, required) in fields.items():
        if key not in body:
            if required:
                found.append(f"{where}{key}: required by the SDK's {cls.__name__}")
            continue
        if not _matches(body[key], hint):
            found.append(f"{where}{key}: {body[key]!r} does not match {hint!r}")
    return found


def problems(endpoint: str, body: dict[str, Any]) -> list[str]:
    """Why ``body`` would not type-check as the SDK's params for ``endpoint`` ([] if it does)."""
    cls = sdk_models(endpoint).get(body.get("model"))  # type: ignore[arg-type]
    if cls is None:
        return [f"model {body.get('model')!r} is not in the SDK's {endpoint} union"]
    return _check_dict(body, cls, "")
