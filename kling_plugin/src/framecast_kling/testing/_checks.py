"""What the fake verifies: the JWT and create bodies against the
capability table and §2/§3/§4 -- strictly where the spec is unsure."""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from .._auth import bearer_token
from .._camera import AXIS_RANGE, CONFIG_KEYS
from .._capabilities import (
    ASPECT_RATIOS,
    CFG_SCALE_RANGE,
    IMAGE2VIDEO,
    MAX_IMAGE_LIST,
    MODES,
    MULTI_IMAGE2VIDEO,
    PROMPT_LIMIT,
    TEXT2VIDEO,
    combination_problem,
    lookup,
)
from .._declare import MAX_ASPECT, MAX_IMAGE_BYTES, MIN_ASPECT, MIN_SIDE
from ._common import DEFAULT_MODEL, Refusal, TokenRefusal

__all__ = ["FIELDS", "check_body", "verify_token"]

#: Documented body fields per endpoint; anything else is refused.
#: (Whether the real server ignores unknown fields is UNCONFIRMED: the fake is strict.)
FIELDS: Mapping[str, frozenset[str]] = {
    TEXT2VIDEO: frozenset(
        {
            "model_name", "prompt", "negative_prompt", "cfg_scale", "mode", "camera_control",
            "aspect_ratio", "duration", "sound", "watermark_info", "callback_url",
            "external_task_id",
        }
    ),
    IMAGE2VIDEO: frozenset(
        {
            "model_name", "image", "image_tail", "prompt", "negative_prompt", "cfg_scale",
            "mode", "static_mask", "dynamic_masks", "camera_control", "duration", "sound",
            "voice_list", "watermark_info", "callback_url", "external_task_id",
        }
    ),
    MULTI_IMAGE2VIDEO: frozenset(
        {
            "model_name", "image_list", "prompt", "negative_prompt", "mode", "duration",
            "aspect_ratio", "watermark_info", "callback_url", "external_task_id",
        }
    ),
}  # fmt: skip


def verify_token(request: httpx.Request, access_key: str, secret_key: str, now: float) -> str:
    """The request's JWT if the server would accept it at ``now``; else a ``Refusal``."""
    if "authorization" not in request.headers:
        raise Refusal(1001)
    token = bearer_token(request)
    if not token:
        raise Refusal(1002, "Authorization is invalid: expected 'Bearer <JWT>'")
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False, "require": ["iss", "exp", "nbf"]},
        )
    except jwt.InvalidSignatureError:
        raise TokenRefusal(1000, "Authentication failed: signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise TokenRefusal(1002, f"Authorization is invalid: {exc}") from None
    # The official sample's exact header and claims; whether the server insists on `typ` or
    # refuses extra claims is UNCONFIRMED (strict here).
    problems = []
    if header.get("alg") != "HS256" or header.get("typ") != "JWT":
        problems.append(f"header {header} is not {{'alg': 'HS256', 'typ': 'JWT'}}")
    if set(claims) != {"iss", "exp", "nbf"}:
        problems.append(f"claims {sorted(claims)} are not exactly iss, exp, nbf")
    if not all(isinstance(claims[k], int) for k in ("exp", "nbf")):
        problems.append("exp and nbf must be whole seconds")
    if problems:
        raise TokenRefusal(1002, "Authorization is invalid: " + "; ".join(problems))
    if claims["iss"] != access_key:
        raise TokenRefusal(1000, "Authentication failed: unknown access key")
    if claims["exp"] <= now:
        raise TokenRefusal(1004)
    if claims["nbf"] > now:
        raise TokenRefusal(1003)
    return token


def check_body(endpoint: str, body: Mapping[str, Any], *, verify_images: bool = True) -> None:
    """Refuse (400/1201) a create body outside the documented fields and capability map."""
    unknown = sorted(set(body) - FIELDS[endpoint])
    if unknown:
        raise Refusal(1201, f"{unknown[0]}: not a parameter of {endpoint}")
    name = body.get("model_name", DEFAULT_MODEL[endpoint])
    model = lookup(name) if isinstance(name, str) else None
    if model is None:
        raise Refusal(1201, f"model_name {name!r} is invalid")
    mode = body.get("mode")
    if mode is not None and (mode not in MODES or not model.has_modes):
        # Master models have no mode column; what the server does with one is UNCONFIRMED.
        raise Refusal(1201, f"mode {mode!r} is invalid for {name}")
    if mode is None and model.has_modes:
        mode = "std"
    duration = body.get("duration", "5")
    if not isinstance(duration, str) or not duration.isdigit():
        # A JSON number instead of the documented string: UNCONFIRMED; refused here.
        raise Refusal(1201, f'duration must be a string such as "5"; got {duration!r}')
    has_image = body.get("image") not in (None, "")
    has_tail = body.get("image_tail") not in (None, "")
    if endpoint == IMAGE2VIDEO and not (has_image or has_tail):
        raise Refusal(1201, "image can not be null")
    problem = combination_problem(model, endpoint, mode, int(duration), with_tail=has_tail)
    if problem is not None:
        raise Refusal(1201, problem.message)
    if has_tail and not has_image and not model.tail_only:
        raise Refusal(1201, f"{name} needs image together with image_tail")
    _check_text(body, endpoint)
    if "cfg_scale" in body:
        value = body["cfg_scale"]
        if not model.cfg_scale:
            raise Refusal(1201, f"cfg_scale is not supported by {name}")
        low, high = CFG_SCALE_RANGE
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low <= value <= high
        ):
            raise Refusal(1201, f"cfg_scale must be in [0, 1]; got {value!r}")
    if "aspect_ratio" in body and body["aspect_ratio"] not in ASPECT_RATIOS:
        raise Refusal(1201, f"aspect_ratio {body['aspect_ratio']!r} is invalid")
    if "camera_control" in body:
        _check_camera(body["camera_control"], model.name, endpoint, mode, int(duration), has_tail)
    if has_image:
        _check_image(body["image"], "image", aspect=True, decode=verify_images)
    if has_tail:
        _check_image(body["image_tail"], "image_tail", aspect=False, decode=verify_images)
    if endpoint == MULTI_IMAGE2VIDEO:
        items = body.get("image_list")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_IMAGE_LIST:
            raise Refusal(1201, f"image_list must hold 1 to {MAX_IMAGE_LIST} images")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or set(item) != {"image"}:
                raise Refusal(1201, f'image_list[{i}] must be {{"image": ...}}')
            _check_image(item["image"], f"image_list[{i}]", aspect=True, decode=verify_images)
    key = body.get("external_task_id")
    if key is not None and not isinstance(key, str):
        raise Refusal(1201, "external_task_id must be a string")


def _check_text(body: Mapping[str, Any], endpoint: str) -> None:
    for name in ("prompt", "negative_prompt"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > PROMPT_LIMIT:
            raise Refusal(1201, f"{name} must be a string of at most {PROMPT_LIMIT} chars")
    if endpoint in (TEXT2VIDEO, MULTI_IMAGE2VIDEO) and not body.get("prompt"):
        raise Refusal(1201, "prompt can not be null")


def _check_camera(
    control: Any, model: str, endpoint: str, mode: str | None, duration: int, tail: bool
) -> None:
    # The capability map is enforced strictly; the server's own enforcement (sync 1201 or an
    # async failure) is UNCONFIRMED.
    kling = lookup(model)
    offer = kling.camera_offer(endpoint, mode, duration) if kling else None
    if offer is None:
        raise Refusal(
            1201, f"camera_control is not supported by {model} {endpoint} {mode} {duration}s"
        )
    if tail:
        raise Refusal(1201, "image+image_tail and camera_control cannot be used together")
    if not isinstance(control, dict) or control.get("type") not in offer.types:
        raise Refusal(1201, f"camera_control.type must be one of {', '.join(offer.types)}")
    config = control.get("config")
    if control["type"] != "simple":
        if config is not None:
            raise Refusal(1201, "camera_control.config must be empty for preset types")
        return
    if not isinstance(config, dict) or not set(config) <= set(CONFIG_KEYS):
        raise Refusal(1201, f"camera_control.config takes {', '.join(CONFIG_KEYS)}")
    values = [config.get(k, 0) for k in CONFIG_KEYS]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise Refusal(1201, "camera_control.config values must be numbers")
    if any(not AXIS_RANGE[0] <= v <= AXIS_RANGE[1] for v in values):
        raise Refusal(1201, "camera_control.config values must be in [-10, 10]")
    if sum(1 for v in values if v) != 1:
        raise Refusal(1201, "camera_control simple takes exactly one non-zero parameter")


def _check_image(value: Any, name: str, *, aspect: bool, decode: bool) -> None:
    if not isinstance(value, str) or not value:
        raise Refusal(1201, f"{name} can not be null")
    if value.startswith("https://"):
        return  # fetched by Kling later; a URL's content is not judged here
    if value.startswith("data:"):
        raise Refusal(1201, "File is not in a valid base64 format")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Refusal(1201, "File is not in a valid base64 format") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise Refusal(1201, f"{name} is larger than 10MB")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise Refusal(1201, f"{name} must be jpg/jpeg/png")
    if not decode:
        return
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except Exception:  # noqa: BLE001 - any undecodable image is the client's error
        raise Refusal(1201, f"{name} cannot be decoded") from None
    if min(width, height) < MIN_SIDE:
        raise Refusal(1201, f"{name} must be at least {MIN_SIDE}px a side; is {width}x{height}")
    if aspect and not MIN_ASPECT - 1e-9 <= width / height <= MAX_ASPECT + 1e-9:
        raise Refusal(1201, f"{name} aspect ratio must be between 1:2.5 and 2.5:1")
