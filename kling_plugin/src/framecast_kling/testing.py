"""``KlingFake``: Kling's video API in memory, for this plugin's tests and for host apps.

An instance is an ``httpx.MockTransport`` handler. It verifies every JWT (HS256, ``iss``,
``exp``, ``nbf``, with PyJWT) and every create body against the capability table
(strictly: a field or combination the docs do not show is refused with 400/1201), creates
and counts tasks, walks them ``submitted -> processing -> succeed`` over a number of
queries, answers queries by task id or ``external_task_id`` and task lists, serves the output
video from a CDN host that must see no credentials, and injects scripted faults::

    import httpx
    from framecast import ProviderSettings, Runner
    from framecast.testing import VirtualClock
    from framecast_kling.testing import KlingFake, business_error, reset_after

    clock = VirtualClock()
    fake = KlingFake(clock=clock.time)
    fake.inject("create", business_error(1303), reset_after())   # throttled, then lost answer
    settings = ProviderSettings(name="kling", env=KlingFake.ENV)
    async with Runner("kling", settings=settings, clock=clock,
                      transport=httpx.MockTransport(fake)) as runner:
        result = await runner.generate(request)
    assert fake.tasks_created == 1          # the lost answer was found, not paid twice

Faults (each consumed by one matching request, in order; targets ``"create"``, ``"query"``,
``"list"``, ``"download"`` or ``"any"``): ``business_error(code)`` for any documented code
with its HTTP status (``created=True`` for a 5xxx behind which the task exists),
``expired_token()`` (1004), ``not_yet_valid()`` (1003), ``server_error(500|502|504,
created=...)``, ``connection_refused()``, ``reset_after()`` / ``read_timeout_after()`` (the
server acts, the answer is lost), ``malformed(created=...)``, ``truncated(created=...)`` and
``unknown_status("paused")``. Clock skew is a constructor argument: ``server_offset=-30``
makes the server's clock run 30 s behind the client's, so a token back-dated only 5 s is
refused with 1003 until the client back-dates further.

Public counters: ``tasks_created``, ``distinct_tokens``, ``requests`` (every request the
transport was asked to send), ``rejected_tokens``; ``log`` records each request's fate and
``tasks`` the tasks by id. Deterministic: ids, request ids and times come from counters and
the injected clock. Choices where Kling's behaviour is UNCONFIRMED are marked in the code.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import io
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
from framecast.testing import (
    connect_error,
    corrupt_body,
    read_timeout_after,
    remote_reset_after,
)

from ._auth import bearer_token
from ._camera import AXIS_RANGE, CONFIG_KEYS
from ._capabilities import (
    ASPECT_RATIOS,
    CFG_SCALE_RANGE,
    ENDPOINTS,
    IMAGE2VIDEO,
    MAX_IMAGE_LIST,
    MODES,
    MULTI_IMAGE2VIDEO,
    PROMPT_LIMIT,
    TEXT2VIDEO,
    combination_problem,
    lookup,
)
from ._codes import CODES
from ._declare import MAX_ASPECT, MAX_IMAGE_BYTES, MIN_ASPECT, MIN_SIDE
from ._pricing import units_for

__all__ = [
    "CDN_HOST",
    "FAKE_ACCESS_KEY",
    "FAKE_SECRET_KEY",
    "FakeTask",
    "KlingFake",
    "business_error",
    "connection_refused",
    "expired_token",
    "malformed",
    "not_yet_valid",
    "read_timeout_after",
    "reset_after",
    "server_error",
    "truncated",
    "unknown_status",
]

Handler = Callable[[httpx.Request], httpx.Response]
Fault = Callable[[httpx.Request, Handler], httpx.Response]

FAKE_ACCESS_KEY = "fake-access-key-not-a-real-one"
FAKE_SECRET_KEY = "fake-secret-key-0123456789abcdef-not-real"  # >= 32 bytes: PyJWT's HS256 floor
CDN_HOST = "v16-kling-fdl.klingai.com"
#: The smallest thing the core's download check takes for an MP4 (``ftyp`` at offset 4).
FAKE_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64

DEFAULT_MODEL = {TEXT2VIDEO: "kling-v1", IMAGE2VIDEO: "kling-v1", MULTI_IMAGE2VIDEO: "kling-v1-6"}
#: Documented body fields per endpoint (specs/kling.md §2.1-2.3); anything else is refused.
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

_PATH = re.compile(r"^/v1/videos/(?P<endpoint>[a-z0-9-]+)(?:/(?P<id>[^/]+))?/?$")


class Refusal(Exception):
    """An error answer of the fake: business code, message, HTTP status."""

    def __init__(self, code: int, message: str | None = None, status: int | None = None):
        super().__init__(message or CODES[code][1])
        self.code = code
        self.message = message or CODES[code][1]
        self.status = status or CODES[code][0]


@dataclass
class FakeTask:
    task_id: str
    endpoint: str
    body: Mapping[str, Any]
    external_task_id: str | None
    created_at: int  # ms
    updated_at: int
    queries: int = 0
    status: str = "submitted"
    failure: str | None = None
    units: float | None = None
    history: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- faults


def _named(name: str, fault: Fault) -> Fault:
    fault.__name__ = name  # type: ignore[attr-defined]
    return fault


def business_error(
    code: int, message: str | None = None, *, status: int | None = None, created: bool = False
) -> Fault:
    """Answer Kling's error envelope for ``code`` (HTTP status per the docs' table). With
    ``created=True`` the server creates the task first (a 5xxx whose task exists)."""
    if code not in CODES:
        raise ValueError(f"{code} is not a documented Kling code: {sorted(CODES)}")

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        refusal = Refusal(code, message, status)
        return _error_response(refusal, request_id=f"fault-{code}")

    return _named(f"business_error({code}{', created' if created else ''})", fault)


def expired_token() -> Fault:
    """401/1004 once, as if the token had expired in flight."""
    return _named("expired_token", business_error(1004))


def not_yet_valid() -> Fault:
    """401/1003 once, as if the server's clock ran behind the token's ``nbf``."""
    return _named("not_yet_valid", business_error(1003))


def server_error(status: int = 500, *, created: bool = False) -> Fault:
    """A 500 (5000 envelope), 502 (a gateway's HTML page) or 504 (5002 envelope)."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        if created:
            handler(request)
        if status == 502:
            return httpx.Response(502, text="<html><body>502 Bad Gateway</body></html>")
        code = 5002 if status == 504 else 5001 if status == 503 else 5000
        return _error_response(Refusal(code, status=status), request_id=f"fault-{status}")

    return _named(f"server_error({status}{', created' if created else ''})", fault)


def connection_refused() -> Fault:
    """The connection is never made: the server sees nothing."""
    return connect_error()


def reset_after() -> Fault:
    """The server acts (a create creates), then the connection is reset."""
    return remote_reset_after()


def malformed(*, created: bool = True) -> Fault:
    """A 200 whose body is not JSON (with ``created``, the server acted first)."""
    if created:
        return corrupt_body("garbage")
    return _named(
        "malformed(not created)",
        lambda request, handler: httpx.Response(200, text="<html>oops</html>"),
    )


def truncated(*, created: bool = True) -> Fault:
    """A 200 whose JSON is cut in half."""
    if created:
        return corrupt_body("truncated")
    return _named(
        "truncated(not created)",
        lambda request, handler: httpx.Response(200, text='{"code":0,"message":"SUCC'),
    )


def unknown_status(word: str = "paused") -> Fault:
    """A query answered normally, but with ``task_status`` ``word``."""

    def fault(request: httpx.Request, handler: Handler) -> httpx.Response:
        response = handler(request)
        body = json.loads(response.read())
        if isinstance(body.get("data"), dict):
            body["data"]["task_status"] = word
        return httpx.Response(response.status_code, json=body, headers=response.headers)

    return _named(f"unknown_status({word})", fault)


def _error_response(refusal: Refusal, request_id: str) -> httpx.Response:
    return httpx.Response(
        refusal.status,
        json={"code": refusal.code, "message": refusal.message, "request_id": request_id},
    )


# ---------------------------------------------------------------------------- the fake


class KlingFake:
    """Kling's video API in memory (an ``httpx.MockTransport`` handler); see the module."""

    #: Environment for a ``ProviderSettings`` that talks to this fake.
    ENV: Mapping[str, str] = {
        "KLING_ACCESS_KEY": FAKE_ACCESS_KEY,
        "KLING_SECRET_KEY": FAKE_SECRET_KEY,
    }

    def __init__(
        self,
        *,
        access_key: str = FAKE_ACCESS_KEY,
        secret_key: str = FAKE_SECRET_KEY,
        clock: Callable[[], float] | None = None,
        server_offset: float = 0.0,
        queries_to_processing: int = 1,
        queries_to_finish: int = 2,
        fail_with: str | None = None,
        verify_images: bool = True,
    ) -> None:
        self.access_key = access_key
        self._secret_key = secret_key
        self._clock = clock or time.time
        self.server_offset = server_offset
        self.queries_to_processing = queries_to_processing
        self.queries_to_finish = queries_to_finish
        self.fail_with = fail_with
        self.verify_images = verify_images
        self.tasks: dict[str, FakeTask] = {}
        self._by_external: dict[str, FakeTask] = {}
        self._rules: list[tuple[str, list[Fault]]] = []
        self._tokens: set[str] = set()
        self._request_ids = 0
        self.requests = 0
        self.rejected_tokens = 0
        self.log: list[tuple[str, str, str]] = []

    def __repr__(self) -> str:
        return f"KlingFake(tasks_created={self.tasks_created}, requests={self.requests})"

    # -------------------------------------------------------------- public surface

    @property
    def tasks_created(self) -> int:
        return len(self.tasks)

    @property
    def distinct_tokens(self) -> int:
        """Distinct valid JWTs the server accepted."""
        return len(self._tokens)

    def now(self) -> float:
        """The server's clock (the injected clock plus ``server_offset``)."""
        return self._clock() + self.server_offset

    def inject(self, target: str, *faults: Fault) -> KlingFake:
        """Queue ``faults`` for the next requests of ``target``: ``"create"``, ``"query"``,
        ``"list"``, ``"download"`` or ``"any"``."""
        if target not in ("create", "query", "list", "download", "any"):
            raise ValueError(f"unknown target {target!r}")
        self._rules.append((target, list(faults)))
        return self

    def pending_faults(self) -> int:
        return sum(len(faults) for _, faults in self._rules)

    def task_by_external_id(self, key: str) -> FakeTask | None:
        return self._by_external.get(key)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        target = self._target(request)
        for wanted, faults in self._rules:
            if faults and wanted in (target, "any"):
                fault = faults.pop(0)
                self.log.append((request.method, request.url.path, getattr(fault, "__name__", "")))
                return fault(request, self._serve)
        response = self._serve(request)
        self.log.append((request.method, request.url.path, str(response.status_code)))
        return response

    # -------------------------------------------------------------- dispatch

    @staticmethod
    def _target(request: httpx.Request) -> str:
        if request.url.host == CDN_HOST:
            return "download"
        match = _PATH.match(request.url.path)
        if request.method == "POST":
            return "create"
        if match and match.group("id"):
            return "query"
        return "list"

    def _serve(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == CDN_HOST:
            return self._download(request)
        request_id = self._next_request_id()
        try:
            self._verify_token(request)
            match = _PATH.match(request.url.path)
            if match is None or match.group("endpoint") not in ENDPOINTS:
                raise Refusal(1202, f"no such method: {request.method} {request.url.path}")
            endpoint = match.group("endpoint")
            if request.method == "POST" and not match.group("id"):
                data: Any = self._create(endpoint, request)
            elif request.method == "GET" and match.group("id"):
                data = self._query(endpoint, unquote(match.group("id")))
            elif request.method == "GET":
                data = self._list(endpoint, request)
            else:
                raise Refusal(1202, f"no such method: {request.method} {request.url.path}")
        except Refusal as refusal:
            response = _error_response(refusal, request_id)
        else:
            response = httpx.Response(
                200, json={"code": 0, "message": "SUCCEED", "request_id": request_id, "data": data}
            )
        response.headers["Date"] = email.utils.formatdate(self.now(), usegmt=True)
        return response

    def _next_request_id(self) -> str:
        self._request_ids += 1
        return str(uuid.UUID(int=self._request_ids))

    # -------------------------------------------------------------- auth

    def _verify_token(self, request: httpx.Request) -> None:
        if "authorization" not in request.headers:
            raise Refusal(1001)
        token = bearer_token(request)
        if not token:
            raise Refusal(1002, "Authorization is invalid: expected 'Bearer <JWT>'")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                self._secret_key,
                algorithms=["HS256"],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "require": ["iss", "exp", "nbf"],
                },
            )
        except jwt.InvalidSignatureError:
            self.rejected_tokens += 1
            raise Refusal(1000, "Authentication failed: signature does not verify") from None
        except jwt.PyJWTError as exc:
            self.rejected_tokens += 1
            raise Refusal(1002, f"Authorization is invalid: {exc}") from None
        # The official sample's exact header and claims; whether the server insists on `typ`
        # or refuses extra claims is UNCONFIRMED (strict here).
        problems = []
        if header.get("alg") != "HS256" or header.get("typ") != "JWT":
            problems.append(f"header {header} is not {{'alg': 'HS256', 'typ': 'JWT'}}")
        if set(claims) != {"iss", "exp", "nbf"}:
            problems.append(f"claims {sorted(claims)} are not exactly iss, exp, nbf")
        if not all(isinstance(claims[k], int) for k in ("exp", "nbf")):
            problems.append("exp and nbf must be whole seconds")
        if problems:
            self.rejected_tokens += 1
            raise Refusal(1002, "Authorization is invalid: " + "; ".join(problems))
        if claims["iss"] != self.access_key:
            self.rejected_tokens += 1
            raise Refusal(1000, "Authentication failed: unknown access key")
        now = self.now()
        if claims["exp"] <= now:
            self.rejected_tokens += 1
            raise Refusal(1004)
        if claims["nbf"] > now:
            self.rejected_tokens += 1
            raise Refusal(1003)
        self._tokens.add(token)

    # -------------------------------------------------------------- create

    def _create(self, endpoint: str, request: httpx.Request) -> dict[str, Any]:
        if "application/json" not in request.headers.get("content-type", ""):
            raise Refusal(1200, "Content-Type must be application/json")
        try:
            body = json.loads(request.content)
        except ValueError:
            raise Refusal(1200, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise Refusal(1200, "the body must be a JSON object")
        self._check_body(endpoint, body)
        key = body.get("external_task_id") or None
        if key is not None and key in self._by_external:
            # Kling: external_task_id "must be unique per account". How a duplicate is refused
            # (code, status, wording) is UNCONFIRMED; the fake answers 400/1201 naming it.
            raise Refusal(1201, f"external_task_id {key!r} already exists")
        now_ms = int(self.now() * 1000)
        task_id = str(800_000_000_000_000_000 + len(self.tasks) + 1)
        task = FakeTask(
            task_id=task_id,
            endpoint=endpoint,
            body=body,
            external_task_id=key,
            created_at=now_ms,
            updated_at=now_ms,
            failure=self.fail_with,
            units=units_for(
                body.get("model_name") or DEFAULT_MODEL[endpoint],
                body.get("mode") or ("std" if _has_modes(body, endpoint) else None),
                int(body.get("duration", "5")),
                endpoint,
            ),
        )
        task.history.append("submitted")
        self.tasks[task_id] = task
        if key is not None:
            self._by_external[key] = task
        data = self._task_json(task)
        for late in ("task_status_msg", "task_result", "final_unit_deduction"):
            data.pop(late, None)  # not in a create answer (§5.2)
        return data

    def _check_body(self, endpoint: str, body: dict[str, Any]) -> None:
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
        self._check_text(body, endpoint)
        if "cfg_scale" in body:
            value = body["cfg_scale"]
            if not model.cfg_scale:
                raise Refusal(1201, f"cfg_scale is not supported by {name}")
            if not isinstance(value, (int, float)) or not (
                CFG_SCALE_RANGE[0] <= value <= CFG_SCALE_RANGE[1]
            ):
                raise Refusal(1201, f"cfg_scale must be in [0, 1]; got {value!r}")
        if "aspect_ratio" in body and body["aspect_ratio"] not in ASPECT_RATIOS:
            raise Refusal(1201, f"aspect_ratio {body['aspect_ratio']!r} is invalid")
        if "camera_control" in body:
            self._check_camera(body["camera_control"], model.name, endpoint, mode, int(duration),
                               has_tail)  # fmt: skip
        if has_image:
            self._check_image(body["image"], "image", aspect=True)
        if has_tail:
            self._check_image(body["image_tail"], "image_tail", aspect=False)
        if endpoint == MULTI_IMAGE2VIDEO:
            items = body.get("image_list")
            if not isinstance(items, list) or not 1 <= len(items) <= MAX_IMAGE_LIST:
                raise Refusal(1201, f"image_list must hold 1 to {MAX_IMAGE_LIST} images")
            for i, item in enumerate(items):
                if not isinstance(item, dict) or set(item) != {"image"}:
                    raise Refusal(1201, f'image_list[{i}] must be {{"image": ...}}')
                self._check_image(item["image"], f"image_list[{i}]", aspect=True)
        key = body.get("external_task_id")
        if key is not None and not isinstance(key, str):
            raise Refusal(1201, "external_task_id must be a string")

    @staticmethod
    def _check_text(body: Mapping[str, Any], endpoint: str) -> None:
        for name in ("prompt", "negative_prompt"):
            value = body.get(name)
            if value is None:
                continue
            if not isinstance(value, str) or len(value) > PROMPT_LIMIT:
                raise Refusal(1201, f"{name} must be a string of at most {PROMPT_LIMIT} chars")
        if endpoint in (TEXT2VIDEO, MULTI_IMAGE2VIDEO) and not body.get("prompt"):
            raise Refusal(1201, "prompt can not be null")

    @staticmethod
    def _check_camera(
        control: Any, model: str, endpoint: str, mode: str | None, duration: int, tail: bool
    ) -> None:
        # The capability map is enforced strictly; the server's own enforcement (sync 1201 or
        # an async failure) is UNCONFIRMED.
        kling = lookup(model)
        offer = kling.camera_offer(endpoint, mode, duration) if kling else None
        if offer is None:
            raise Refusal(1201, f"camera_control is not supported by {model} {endpoint} "
                                f"{mode} {duration}s")  # fmt: skip
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

    def _check_image(self, value: Any, name: str, *, aspect: bool) -> None:
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
        if not self.verify_images:
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

    # -------------------------------------------------------------- queries

    def _find(self, endpoint: str, value: str) -> FakeTask:
        # The docs let the path carry a task_id or an external_task_id; how the real server
        # tells them apart is UNCONFIRMED (the fake tries the task id first). An unknown id
        # answers 404/1203 -- also UNCONFIRMED.
        task = self.tasks.get(value) or self._by_external.get(value)
        if task is None or task.endpoint != endpoint:
            raise Refusal(1203, f"task {value} does not exist")
        return task

    def _query(self, endpoint: str, value: str) -> dict[str, Any]:
        task = self._find(endpoint, value)
        task.queries += 1
        self._advance(task)
        return self._task_json(task)

    def _advance(self, task: FakeTask) -> None:
        before = task.status
        if task.status in ("succeed", "failed"):
            return
        if task.queries >= self.queries_to_finish:
            task.status = "failed" if task.failure else "succeed"
        elif task.queries >= self.queries_to_processing:
            task.status = "processing"
        if task.status != before:
            task.updated_at = int(self.now() * 1000)
            task.history.append(task.status)

    def _list(self, endpoint: str, request: httpx.Request) -> list[dict[str, Any]]:
        try:
            page = int(request.url.params.get("pageNum", "1"))
            size = int(request.url.params.get("pageSize", "30"))
        except ValueError:
            raise Refusal(1201, "pageNum and pageSize must be integers") from None
        if not 1 <= page <= 1000 or not 1 <= size <= 500:
            raise Refusal(1201, "pageNum must be in [1, 1000] and pageSize in [1, 500]")
        # Newest first: the real sort order is UNCONFIRMED.
        tasks = [t for t in reversed(self.tasks.values()) if t.endpoint == endpoint]
        return [self._task_json(t) for t in tasks[(page - 1) * size : page * size]]

    def _task_json(self, task: FakeTask) -> dict[str, Any]:
        data: dict[str, Any] = {
            "task_id": task.task_id,
            "task_status": task.status,
            "task_status_msg": task.failure if task.status == "failed" else "",
            "task_info": (
                {"external_task_id": task.external_task_id} if task.external_task_id else {}
            ),
            "created_at": task.created_at,
            "updated_at": task.updated_at,
            "task_result": {},
        }
        if task.status == "succeed":
            expires = task.updated_at // 1000 + 30 * 24 * 3600
            data["task_result"] = {
                "videos": [
                    {
                        "id": str(int(task.task_id) + 1),
                        "url": f"https://{CDN_HOST}/fake/{task.task_id}.mp4"
                        f"?ksSecret=fake&ksTime={expires:x}",
                        "duration": str(task.body.get("duration", "5")),
                    }
                ]
            }
            data["final_unit_deduction"] = f"{task.units:g}" if task.units is not None else "0"
        elif task.status == "failed":
            data["final_unit_deduction"] = "0"  # "No credits will be deducted for failed tasks"
        return data

    # -------------------------------------------------------------- downloads

    def _download(self, request: httpx.Request) -> httpx.Response:
        if "authorization" in request.headers:
            # Output URLs are public and signed: a credential sent here is a leak.
            return httpx.Response(400, text="credentials sent to the CDN")
        match = re.match(r"^/fake/(\d+)\.mp4$", request.url.path)
        if request.method != "GET" or match is None or match.group(1) not in self.tasks:
            return httpx.Response(404, text="not found")
        return httpx.Response(200, content=FAKE_VIDEO, headers={"Content-Type": "video/mp4"})


def _has_modes(body: Mapping[str, Any], endpoint: str) -> bool:
    model = lookup(body.get("model_name") or DEFAULT_MODEL[endpoint])
    return model is not None and model.has_modes
