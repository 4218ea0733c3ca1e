"""cattrs converters, built on first use (cattrs is not imported by ``import framecast``)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ._errors import ValidationError

if TYPE_CHECKING:
    import cattrs

    from ._models import TaskHandle


@functools.cache
def handle_converter() -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=False)
    return converter


def structure_handle(data: Any, cls: type[TaskHandle], version_read: int) -> TaskHandle:
    """``data`` (a handle's JSON object) as ``cls``, checked; ``version_read``: the handle
    version this framecast reads. (The class comes from the caller: ``_convert`` does not
    import ``_models`` at run time, which imports it.)"""
    import cattrs

    if not isinstance(data, dict):
        raise ValidationError(
            "handle: expected a JSON object with provider and task_id",
            field="handle",
            value=type(data).__name__,
            allowed="the JSON object a submit printed",
        )
    version = data.get("version", version_read)
    if version != version_read:
        raise ValidationError(
            f"handle: version {version!r} is not supported by this framecast "
            f"(it reads version {version_read})",
            field="handle.version",
            value=version,
            allowed=[version_read],
        )
    for key in ("provider", "task_id"):
        if not isinstance(data.get(key), str) or not data.get(key):
            raise ValidationError(
                f"handle: missing or invalid {key!r}",
                field=f"handle.{key}",
                value=data.get(key),
                allowed="a non-empty string",
            )
    try:
        return handle_converter().structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        messages = (
            "; ".join(cattrs.transform_error(exc))
            if isinstance(exc, cattrs.BaseValidationError)
            else str(exc)
        )
        raise ValidationError(
            f"handle: {messages}",
            field="handle",
            value=None,
            allowed="the JSON object a submit printed",
        ) from None
