"""A ``GenerationRequest`` as plain JSON data, images included, so any worker on any host
can send it: a local file is read once, at submit, and stored as bytes (base64)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import attrs
from framecast import GenerationRequest, ImageRef, ValidationError

_IMAGE_FIELDS = ("image", "end_image")


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://", "data:", "file://"))


def freeze_image(value: Any, field: str) -> Any:
    """An image input as its bytes (URLs stay URLs); the runner checks both as usual."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, ImageRef):
        return value.data if value.data is not None else value.url
    if isinstance(value, str) and _is_url(value):
        return value
    if isinstance(value, (str, os.PathLike)):
        path = Path(value).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                f"{field}: cannot read {str(path)!r}: {exc.strerror or exc}",
                field=field,
                value=str(path),
                allowed="a readable image file, bytes or an https:// URL",
            ) from None
        return data
    return value


def freeze(request: GenerationRequest) -> GenerationRequest:
    """The request with every local image read into memory."""
    changes: dict[str, Any] = {f: freeze_image(getattr(request, f), f) for f in _IMAGE_FIELDS}
    changes["images"] = tuple(freeze_image(v, f"images[{i}]") for i, v in enumerate(request.images))
    return request.evolve(**changes)


def _image_to_data(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    assert isinstance(value, bytes)
    return {"data": base64.b64encode(value).decode("ascii")}


def _image_from_data(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return base64.b64decode(value["data"])


def to_data(request: GenerationRequest) -> dict[str, Any]:
    """Plain JSON data of a frozen request."""
    data: dict[str, Any] = {}
    for field in attrs.fields(GenerationRequest):
        value = getattr(request, field.name)
        if field.name in _IMAGE_FIELDS:
            value = _image_to_data(value)
        elif field.name == "images":
            value = [_image_to_data(v) for v in value]
        elif field.name == "camera":
            value = value.value if value is not None else None
        elif field.name == "options":
            value = dict(value)
        data[field.name] = value
    return data


def from_data(data: dict[str, Any]) -> GenerationRequest:
    values = dict(data)
    for name in _IMAGE_FIELDS:
        values[name] = _image_from_data(values.get(name))
    values["images"] = tuple(_image_from_data(v) for v in values.get("images") or ())
    known = {f.name for f in attrs.fields(GenerationRequest)}
    return GenerationRequest(**{k: v for k, v in values.items() if k in known})
