"""The official Luma SDKs as test oracles (pinned in requirements-dev.txt; never a runtime
dependency of the plugin).

- ``sdk_request(api, **kwargs)``: run the SDK's create call against an
  ``httpx.MockTransport`` and return the request it sent (method, URL, JSON body) — what
  the SDK puts on the wire for the same inputs the plugin is given.
- ``type_problems(api, body)``: check a body against the SDK's parameter ``TypedDict``s
  (keys, ``Required``, ``Literal`` values, nested dicts), read from the SDK's own hints.
"""

from __future__ import annotations

import collections.abc
import functools
import json
import typing
from typing import Any, Literal, Union, get_args, get_origin

import httpx
import typing_extensions

try:
    import luma_agents
    import lumaai
    from luma_agents.types import generation_create_params
    from lumaai.types.generations import video_create_params
except ImportError as exc:  # pragma: no cover - a setup problem, said plainly
    raise ImportError(
        "the Luma conformance tests need the official SDKs: pip install luma-agents==0.5.0 "
        "lumaai==1.21.0 (see requirements-dev.txt)"
    ) from exc

PINNED = {"luma-agents": "0.5.0", "lumaai": "1.21.0"}
PARAMS = {
    "agents": generation_create_params.GenerationCreateParams,
    "dream-machine": video_create_params.VideoCreateParams,
}

_REQUIRED = {typing_extensions.Required, getattr(typing, "Required", None)} - {None}
_NOT_REQUIRED = {typing_extensions.NotRequired, getattr(typing, "NotRequired", None)} - {None}


def installed_versions() -> dict[str, str]:
    return {"luma-agents": luma_agents.__version__, "lumaai": lumaai.__version__}


def sdk_request(api: str, **kwargs: Any) -> tuple[str, str, dict[str, Any]]:
    """(method, URL, JSON body) of the SDK's create call for ``kwargs``."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"id": "00000000-0000-4000-8000-000000000000", "state": "queued",
                "created_at": "2026-12-01T00:00:00Z", "model": "ray-2", "type": "video"}  # fmt: skip
        return httpx.Response(201, json=body)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    if api == "agents":
        agents = luma_agents.Luma(auth_token="luma-api-test", http_client=http, max_retries=0)
        agents.generations.create(**kwargs)
    else:
        dm = lumaai.LumaAI(auth_token="luma-test", http_client=http, max_retries=0)
        dm.generations.video.create(**kwargs)
    (request,) = seen
    return request.method, str(request.url), json.loads(request.content)


def _unwrap(hint: Any) -> tuple[Any, bool]:
    required = False
    while True:
        origin = get_origin(hint)
        if origin in _REQUIRED:
            required, hint = True, get_args(hint)[0]
        elif origin in _NOT_REQUIRED:
            hint = get_args(hint)[0]
        elif hasattr(hint, "__metadata__"):
            hint = get_args(hint)[0]
        else:
            return hint, required


@functools.cache
def _fields(cls: type) -> dict[str, tuple[Any, bool]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return {key: _unwrap(hint) for key, hint in hints.items()}


def _matches(value: Any, hint: Any, where: str) -> list[str]:
    hint, _ = _unwrap(hint)
    origin = get_origin(hint)
    if hint is Any or hint is object:
        return []
    if origin is Literal:
        ok = any(value == v and type(value) is type(v) for v in get_args(hint))
        return [] if ok else [f"{where}: {value!r} not in {get_args(hint)}"]
    if origin is Union or (origin is not None and str(origin) == "types.UnionType"):
        arms = [_matches(value, arm, where) for arm in get_args(hint)]
        if any(not a for a in arms):
            return []
        typed = [
            a
            for arm, a in zip(get_args(hint), arms, strict=True)
            if typing_extensions.is_typeddict(arm)
        ]
        if isinstance(value, dict) and len(typed) == 1:
            return typed[0]  # the one object type it could be: say what is wrong inside
        return [f"{where}: {value!r} matches no type"]
    if origin in (collections.abc.Iterable, collections.abc.Sequence, list, typing.Iterable):
        (item,) = get_args(hint) or (Any,)
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [p for i, v in enumerate(value) for p in _matches(v, item, f"{where}[{i}]")]
    if typing_extensions.is_typeddict(hint):
        return _check(value, hint, where)
    simple = {
        bool: (bool,),
        str: (str,),
        int: (int,),
        float: (int, float),
        type(None): (type(None),),
    }
    if hint in simple:
        ok = isinstance(value, simple[hint]) and (hint is bool or not isinstance(value, bool))
        return [] if ok else [f"{where}: {value!r} is not {hint.__name__}"]
    if hint in (typing.Union, dict) or origin in (dict, collections.abc.Mapping):
        return [] if isinstance(value, dict) else [f"{where}: expected an object"]
    if str(hint).endswith("datetime"):
        return [] if isinstance(value, str) else [f"{where}: expected a date"]
    raise AssertionError(f"the checker does not know the SDK type {hint!r}")


def _check(value: Any, cls: type, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where or 'body'}: expected an object"]
    fields = _fields(cls)
    found = [f"{where}.{k}: not an SDK field" for k in value if k not in fields]
    found += [f"{where}.{k}: required" for k, (_, req) in fields.items() if req and k not in value]
    for key, item in value.items():
        if key in fields:
            found += _matches(item, fields[key][0], f"{where}.{key}")
    return found


def type_problems(api: str, body: dict[str, Any]) -> list[str]:
    return _check(body, PARAMS[api], "")
