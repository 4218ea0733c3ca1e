"""The ``preview`` provider: framecast's provider contract, rendered on this machine.

Nothing here talks to a network. ``prepare`` builds the render spec (the "wire request" a
dry run prints), ``submit`` writes it into a task folder and starts a detached worker
process, ``poll`` reads the folder's state file, ``cancel`` stops the worker. The ``http``
client the core passes is never used.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framecast import (
    CameraPlan,
    ConfigurationError,
    CostEstimate,
    ImageRef,
    Mode,
    ModelInfo,
    PendingUpload,
    PreparedRequest,
    ProviderInfo,
    ProviderSettings,
    RatioPlan,
    TaskHandle,
    TaskNotFound,
    TaskState,
    TaskStatus,
    UnsupportedOption,
    ValidationError,
    hookimpl,
    parse_ratio,
    prompt_camera_plan,
    reduced_ratio,
)

from . import _declarations, _store
from ._declarations import (
    DEFAULT_DURATION,
    DEFAULT_RATIO,
    DEFAULT_SHORT_SIDE,
    DIR_VARIABLE,
    DURATIONS,
    FPS,
    IMAGE_PLACEHOLDER,
    MAX_LONG_SIDE,
    NAME,
    SHORT_SIDE_RANGE,
    START_GRACE,
    bad_ratio,
    derived_seed,
    displayed_size,
    output_size,
)
from ._states import died, task_state

#: The price (nothing) has held since this date; compare lists previews apart anyway.
_RELEASED = "2026-12-04"

if TYPE_CHECKING:
    import subprocess

    import httpx
    from framecast import Classification, GenerationRequest

__all__ = ["PreviewProvider"]

logger = logging.getLogger("framecast_preview")


class PreviewProvider:
    """The offline preview: the camera move rendered over the still image, no API key."""

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings if settings is not None else ProviderSettings(name=NAME)
        # Our own children, so poll can collect their exit status (no zombies in a
        # long-running host); workers started by other processes are checked by pid.
        self._workers: dict[str, subprocess.Popen[bytes]] = {}

    # ------------------------------------------------------------------ where tasks live

    @property
    def cache_root(self) -> Path:
        """The folder holding the task folders: ``FRAMECAST_PREVIEW_DIR``, else the
        provider's configured ``cache_dir``, else the user cache folder."""
        configured = (
            self.settings.get(DIR_VARIABLE)
            or self.settings.config.get("cache_dir")
            or self.settings.options.get("cache_dir")
        )
        if configured:
            # Absolute: the worker runs in the task folder and is found by this path.
            return Path(str(configured)).expanduser().absolute()
        import platformdirs

        return Path(platformdirs.user_cache_dir("framecast")) / "preview"

    @property
    def store(self) -> _store.TaskStore:
        return _store.TaskStore(self.cache_root)

    # ------------------------------------------------------------------ declarations

    @hookimpl
    def provider_info(self) -> ProviderInfo:
        return _declarations.provider_info()

    # ------------------------------------------------------------------ planning (pure)

    @hookimpl
    def map_ratio(self, request: GenerationRequest, model: ModelInfo) -> RatioPlan:
        image = request.image if isinstance(request.image, ImageRef) else None
        if request.ratio is None:
            ratio = None
        else:
            parsed = parse_ratio(request.ratio)
            if parsed is None:
                raise bad_ratio(request.ratio)
            ratio = reduced_ratio(*parsed)
        if image is not None and image.url is not None:
            # Its size is unknown until downloaded: the core fetches it and fits it to the
            # ratio (a URL alone cannot say what its own aspect is).
            ratio = ratio or DEFAULT_RATIO
            if request.image_fit == "pad":
                return RatioPlan(wire_value=ratio, fit="pad", fit_aspect=ratio)
            return RatioPlan(wire_value=ratio, fit="crop", fit_aspect=ratio)
        size = displayed_size(image) if image is not None else None
        image_ratio = reduced_ratio(*size) if size else None
        if ratio is None:
            return RatioPlan(wire_value=image_ratio or DEFAULT_RATIO)
        if image_ratio is None or image_ratio == ratio:
            return RatioPlan(wire_value=ratio)
        if request.image_fit in ("crop", "pad"):
            return RatioPlan(wire_value=ratio, fit=request.image_fit, fit_aspect=ratio)
        return RatioPlan(
            wire_value=ratio,
            note=f"the image is {image_ratio}; the preview frames the centre {ratio} of it",
        )

    @hookimpl
    def translate_camera(self, request: GenerationRequest, model: ModelInfo) -> CameraPlan:
        plan = prompt_camera_plan(request, model)  # the same prompt a provider would get
        if request.camera is None:
            return plan
        return CameraPlan(
            prompt=plan.prompt,
            method="native",
            native={"move": request.camera.value, "strength": request.camera_strength},
        )

    @hookimpl
    def prepare(
        self,
        request: GenerationRequest,
        model: ModelInfo,
        ratio_plan: RatioPlan,
        camera_plan: CameraPlan,
    ) -> PreparedRequest:
        mode = request.mode
        if mode not in (Mode.TEXT, Mode.IMAGE):
            raise UnsupportedOption(
                f"mode: the preview renders one start image or none; got {mode.value} "
                "(end_image and images are not supported)",
                field="mode",
                value=mode.value,
                allowed=[Mode.TEXT.value, Mode.IMAGE.value],
            )
        duration = self._duration(request)
        short_side = self._short_side(request)
        ratio = ratio_plan.wire_value or DEFAULT_RATIO
        width, height = output_size(ratio, short_side)
        if max(width, height) > MAX_LONG_SIDE:
            raise UnsupportedOption(
                f"ratio: {ratio} at short_side {short_side} makes a {width}x{height} video; "
                f"the long side may be at most {MAX_LONG_SIDE} px (lower short_side or "
                "choose a less extreme ratio)",
                field="ratio",
                value=ratio,
                allowed=f"W:H whose long side at short_side {short_side} is ≤ {MAX_LONG_SIDE}",
            )
        notes = [n for n in (ratio_plan.note,) if n]
        uploads: tuple[PendingUpload, ...] = ()
        image_digest = None
        if mode is Mode.IMAGE:
            image = self._image(request.image)
            content = image.data if image.data is not None else (image.url or "").encode()
            image_digest = hashlib.sha256(content).hexdigest()
            uploads = (PendingUpload(placeholder=IMAGE_PLACEHOLDER, image=image),)
            notes.append("the prompt is not interpreted offline: the move plays over the image")
        elif not request.prompt.strip():
            raise ValidationError(
                "prompt: text-to-video needs a prompt (the preview draws its picture from it)",
                field="prompt",
                value=request.prompt,
                allowed="a non-empty prompt, or an image",
            )
        else:
            notes.append("text-to-video offline: a pattern drawn from the prompt and seed")
        if request.negative_prompt:
            notes.append("negative_prompt has no effect in the offline preview")
        seed = request.seed
        if seed is None:
            seed = derived_seed(camera_plan.prompt, image_digest)
            notes.append(f"seed {seed}, derived from the request: same request, same video")
        body: dict[str, Any] = {
            "model": model.name,
            "mode": mode.value,
            "prompt": camera_plan.prompt,
            "camera": request.camera.value if request.camera is not None else None,
            "camera_strength": request.camera_strength,
            "ratio": ratio,
            "width": width,
            "height": height,
            "duration": duration,
            "fps": FPS,
            "seed": seed,
            "image": IMAGE_PLACEHOLDER if uploads else None,
            "image_sha256": image_digest,
        }
        return PreparedRequest(
            method="LOCAL",  # not HTTP: the worker renders this body on this machine
            path="/render",  # no origin: the contract wants a path, the worker ignores it
            body=body,
            model=model.name,
            uploads=uploads,
            notes=tuple(notes),
            provider_data={"idempotency_key": request.idempotency_key},
        )

    def _duration(self, request: GenerationRequest) -> int:
        duration = request.duration if request.duration is not None else DEFAULT_DURATION
        if duration not in DURATIONS:
            raise UnsupportedOption(
                f"duration: {duration!r} s is not offered; the preview renders 1 to 10 whole "
                "seconds",
                field="duration",
                value=duration,
                allowed=list(DURATIONS),
            )
        return int(duration)

    def _short_side(self, request: GenerationRequest) -> int:
        value = request.options.get("short_side", self.settings.options.get("short_side"))
        if value is None:
            return DEFAULT_SHORT_SIDE
        low, high = SHORT_SIDE_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise UnsupportedOption(
                f"short_side: {value!r} is not a whole number of pixels from {low} to {high}",
                field="options.short_side",
                value=value,
                allowed=f"{low}-{high}",
            )
        return value

    @staticmethod
    def _image(image: Any) -> ImageRef:
        if isinstance(image, ImageRef):
            return image  # a URL one is downloaded by the core before submit
        raise ValidationError(
            "image: expected the runner's checked image (an ImageRef)",
            field="image",
            value=type(image).__name__,
            allowed="a local file, raw bytes, a data URI or an https URL",
        )

    @hookimpl
    def estimate(self, request: GenerationRequest, model: ModelInfo) -> CostEstimate:
        return CostEstimate(
            amount=0.0,
            currency="USD",
            formula="offline render, free",
            confidence="official",
            source="framecast-preview renders on this machine",
            as_of=_RELEASED,
        )

    # ------------------------------------------------------------------ transport facts

    @hookimpl
    def auth(self) -> httpx.Auth:
        import httpx

        # No credentials exist: the base Auth passes requests through untouched.
        return httpx.Auth()

    @hookimpl
    def classify(self, response: httpx.Response, phase: str) -> Classification | None:
        return None  # never any HTTP response to judge

    # ------------------------------------------------------------------ tasks

    @hookimpl
    async def submit(self, prepared: PreparedRequest, http: httpx.AsyncClient) -> TaskHandle:
        self._reap()
        store = self.store
        key = prepared.provider_data.get("idempotency_key")
        task_id = uuid.uuid4().hex
        try:
            folder = store.create(task_id)
        except OSError as exc:
            raise ConfigurationError(
                f"preview: cannot create a task folder in {store.root} ({exc.strerror or exc}); "
                f"set {DIR_VARIABLE} to a writable folder",
                details={"variables": [DIR_VARIABLE], "folder": str(store.root)},
            ) from None
        try:
            self._write_task(folder, prepared, key)
            if key:
                holder = store.claim_key(key, task_id)
                if holder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
                    self._check_same_request(store.task_dir(holder), prepared, key)
                    logger.debug("preview: idempotency key already used by task %s", holder)
                    return self._handle(holder, prepared.model)
            _store.write_state(folder, TaskStatus.QUEUED.value, progress=0.0)
            process = _store.spawn_worker(folder)
        except BaseException:
            if key:
                store.release_key(key, task_id)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._workers[task_id] = process
        logger.debug("preview: task %s started, worker pid %s", task_id, process.pid)
        return self._handle(task_id, prepared.model)

    def _write_task(self, folder: Path, prepared: PreparedRequest, key: str | None) -> None:
        body = dict(prepared.body)
        for upload in prepared.uploads:
            image = upload.image
            if image.data is None:
                raise ValidationError(
                    "image: the preview renders bytes; the image URL was not downloaded "
                    "(submit through framecast's Runner, which fetches it)",
                    field="image",
                    value=image.describe(),
                    allowed="a local file, raw bytes or a data URI",
                )
            extension = (image.media_type or "image/png").split("/")[-1].replace("jpeg", "jpg")
            name = f"input.{extension}"
            (folder / name).write_bytes(image.data or b"")
            body["input_file"] = name
        _store.write_json_atomic(
            folder / _store.REQUEST_FILE,
            {
                "body": body,
                "idempotency_key": key,
                "fingerprint": prepared.fingerprint(),
                "created_at": self.settings.time_source.time(),
            },
        )

    @staticmethod
    def _check_same_request(folder: Path, prepared: PreparedRequest, key: str) -> None:
        try:
            recorded = _store.read_json(folder / _store.REQUEST_FILE)
        except (OSError, ValueError):
            return  # unreadable: the poll will say what is wrong with that task
        if recorded.get("fingerprint") != prepared.fingerprint():
            raise ValidationError(
                f"idempotency_key: {key!r} already names another preview request (task "
                f"{folder.name}); use a new key for a different request",
                field="idempotency_key",
                value=key,
                allowed="a key not used for a different request",
            )

    def _handle(self, task_id: str, model: str | None) -> TaskHandle:
        # cache_dir is a hint for the not-found message only: files are always looked up
        # under this provider's configured root, never at a path a pasted handle names.
        return TaskHandle(
            provider=NAME,
            task_id=task_id,
            model=model or None,
            provider_data={"cache_dir": str(self.cache_root)},
        )

    def _folder(self, handle: TaskHandle) -> Path:
        store = self.store
        try:
            folder = store.task_dir(handle.task_id)
        except ValueError as exc:
            raise TaskNotFound(f"preview: {exc}", handle=handle) from None
        if not (folder / _store.REQUEST_FILE).exists():
            hint = ""
            recorded = handle.provider_data.get("cache_dir")
            if recorded and recorded != str(store.root):
                hint = f"; it was created under {recorded}: set {DIR_VARIABLE}={recorded}"
            raise TaskNotFound(
                f"preview: task {handle.task_id} is not in {store.root} (the cache was "
                f"cleared, or the task belongs to another folder or machine){hint}",
                handle=handle,
            )
        return folder

    def _reap(self) -> None:
        """Collect the exit status of our finished workers. A host that only submits (a web
        endpoint handing out handles, say) would otherwise keep a zombie per task."""
        for task_id, process in list(self._workers.items()):
            if process.poll() is not None:
                del self._workers[task_id]

    @hookimpl
    async def poll(self, handle: TaskHandle, http: httpx.AsyncClient) -> TaskState:
        folder = self._folder(handle)
        self._reap()
        state = _store.read_state(folder)
        if _store.is_cancelled(folder):
            return TaskState(status=TaskStatus.CANCELLED, message="cancelled", raw=state or {})
        if state is None or state.get("status") in ("QUEUED", "RUNNING"):
            if not self._worker_running(folder, state):
                # It may have finished between our read and the check: read once more.
                state = _store.read_state(folder)
                if state is None or state.get("status") in ("QUEUED", "RUNNING"):
                    return died(folder, state)
        assert state is not None
        return task_state(handle, folder, state)

    def _worker_running(self, folder: Path, state: dict[str, Any] | None) -> bool:
        pid = _store.worker_pid(folder, state)
        if pid is None:
            # Spawned but the pid not yet written: give it a moment before calling it dead.
            return _store.age(folder / _store.REQUEST_FILE) < START_GRACE
        if _store.is_worker_alive(pid, folder):
            return True
        if state is not None and isinstance(state.get("pid"), int):
            return False  # the worker announced itself with this pid, and it is gone
        # Only the spawner's pid file so far: between fork and exec the new worker still
        # shows the spawner's command line. A young task whose process runs is starting.
        return _store.age(folder / _store.REQUEST_FILE) < START_GRACE and _store.is_running(pid)

    @hookimpl
    async def cancel(self, handle: TaskHandle, http: httpx.AsyncClient, delete: bool) -> None:
        folder = self._folder(handle)
        state = _store.read_state(folder)
        finished = state is not None and state.get("status") in ("SUCCEEDED", "FAILED")
        if finished and not delete and not _store.is_cancelled(folder):
            return  # nothing left to stop; the output stays
        _store.mark_cancelled(folder)  # first: from now on the worker writes nothing
        pid = _store.worker_pid(folder, state)
        if pid is not None and _store.is_worker_alive(pid, folder):
            _store.stop_worker(pid)
        self._reap()
        _store.write_state(
            folder,
            TaskStatus.CANCELLED.value,
            pid=pid,
            message="cancelled, output deleted" if delete else "cancelled",
        )
        if delete:
            for name in (_store.OUTPUT_FILE, _store.PARTIAL_FILE):
                (folder / name).unlink(missing_ok=True)
            for image in folder.glob("input.*"):
                image.unlink(missing_ok=True)

    @hookimpl
    async def find_submitted(
        self, prepared: PreparedRequest, idempotency_key: str, http: httpx.AsyncClient
    ) -> TaskHandle | None:
        store = self.store
        task_id = store.lookup_key(idempotency_key) or store.scan_for_key(idempotency_key)
        return None if task_id is None else self._handle(task_id, prepared.model)
