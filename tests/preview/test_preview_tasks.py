"""Tasks: the detached worker, the task folder's state, cancel, dedupe — through the real
subprocess, the worker run in-process, and the framecast Runner end to end."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
from framecast import (
    GenerationRequest,
    PreparedRequest,
    ProviderError,
    Runner,
    TaskHandle,
    TaskNotFound,
    TaskState,
    TaskStatus,
    ValidationError,
)
from framecast_preview import PreviewProvider, _store, _worker

from .conftest import Video, bar_picture, bright_centroid, image_ref, make_provider, prepare

pytestmark = pytest.mark.anyio

SMALL = {"short_side": 144}


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[PreviewProvider]:
    provider = make_provider(tmp_path / "cache")
    yield provider
    for process in provider._workers.values():  # never leave a worker behind a test
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def small_request(**changes: object) -> GenerationRequest:
    fields: dict[str, object] = {
        "prompt": "A bright bar",
        "image": image_ref(bar_picture()),
        "camera": "pan_left",
        "duration": 1,
        "options": SMALL,
        "idempotency_key": "key-1",
    }
    fields.update(changes)
    return GenerationRequest(**fields)  # type: ignore[arg-type]


async def until_done(provider: PreviewProvider, handle: TaskHandle) -> list[TaskState]:
    states: list[TaskState] = []
    deadline = time.monotonic() + 60
    while True:
        state = await provider.poll(handle=handle, http=None)
        states.append(state)
        if state.status.is_terminal:
            return states
        assert time.monotonic() < deadline, f"still {state.status} after 60 s"
        await asyncio.sleep(0.05)


def path_of(url: str) -> Path:
    assert url.startswith("file://")
    return Path(url2pathname(urlsplit(url).path))


# ----------------------------------------------------------------------------- subprocess


async def test_a_submitted_task_renders_in_a_detached_worker(
    provider: PreviewProvider,
) -> None:
    prepared = prepare(provider, small_request())
    started = time.monotonic()
    handle = await provider.submit(prepared=prepared, http=None)
    assert time.monotonic() - started < 2  # submit never waits for the render
    assert handle.provider == "preview"
    assert len(handle.task_id) == 32
    states = await until_done(provider, handle)
    final = states[-1]
    assert final.status is TaskStatus.SUCCEEDED, final
    assert final.progress == 1.0
    assert final.cost == 0.0
    assert final.raw["pid"] != os.getpid()
    video = Video(path_of(final.outputs[0]))
    assert (video.codec, len(video.frames), video.width, video.height) == ("h264", 24, 256, 144)
    assert bright_centroid(video.grey(-1))[0] > bright_centroid(video.grey(0))[0]  # pan left


async def test_a_task_can_be_followed_from_another_provider_instance(
    provider: PreviewProvider, tmp_path: Path
) -> None:
    handle = await provider.submit(prepared=prepare(provider, small_request()), http=None)
    elsewhere = make_provider(tmp_path / "cache")  # as `framecast wait` in another shell
    states = await until_done(elsewhere, TaskHandle.from_json(handle.to_json()))
    assert states[-1].status is TaskStatus.SUCCEEDED


async def test_the_same_idempotency_key_gives_the_same_task(
    provider: PreviewProvider, tmp_path: Path
) -> None:
    prepared = prepare(provider, small_request())
    first = await provider.submit(prepared=prepared, http=None)
    again = await provider.submit(prepared=prepared, http=None)
    assert again.task_id == first.task_id
    found = await provider.find_submitted(prepared=prepared, idempotency_key="key-1", http=None)
    assert found is not None and found.task_id == first.task_id
    missing = await provider.find_submitted(prepared=prepared, idempotency_key="other", http=None)
    assert missing is None
    assert len([p for p in (tmp_path / "cache").iterdir() if p.name != "keys"]) == 1
    other = prepare(provider, small_request(seed=99))
    with pytest.raises(ValidationError) as caught:
        await provider.submit(prepared=other, http=None)
    assert caught.value.field == "idempotency_key"
    shutil.rmtree(tmp_path / "cache" / "keys")  # the index tidied away by hand
    found = await provider.find_submitted(prepared=prepared, idempotency_key="key-1", http=None)
    assert found is not None and found.task_id == first.task_id
    await until_done(provider, first)


async def test_cancel_stops_a_running_worker_and_the_state_stays_cancelled(
    provider: PreviewProvider,
) -> None:
    # Ten seconds of 720p from text: long enough to still be rendering when cancelled.
    request = GenerationRequest(prompt="a long one", camera="zoom_in", duration=10, seed=1)
    handle = await provider.submit(prepared=prepare(provider, request), http=None)
    process = provider._workers[handle.task_id]
    deadline = time.monotonic() + 30
    while (await provider.poll(handle=handle, http=None)).status is not TaskStatus.RUNNING:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    if sys.platform != "win32":
        assert os.getsid(process.pid) == process.pid  # its own session: Ctrl-C never reaches it
    await provider.cancel(handle=handle, http=None, delete=False)
    assert process.wait(timeout=15) is not None
    state = await provider.poll(handle=handle, http=None)
    assert state.status is TaskStatus.CANCELLED
    folder = provider.store.task_dir(handle.task_id)
    assert not (folder / "output.mp4").exists()
    assert not (folder / "output.partial.mp4").exists()
    assert _store.read_state(folder)["status"] == "CANCELLED"  # not overwritten by the worker


async def test_cancel_with_delete_removes_a_finished_output(provider: PreviewProvider) -> None:
    handle = await provider.submit(prepared=prepare(provider, small_request()), http=None)
    final = (await until_done(provider, handle))[-1]
    output = path_of(final.outputs[0])
    assert output.exists()
    await provider.cancel(handle=handle, http=None, delete=False)
    assert output.exists()  # nothing to stop: a finished video is kept
    await provider.cancel(handle=handle, http=None, delete=True)
    assert not output.exists()
    assert (await provider.poll(handle=handle, http=None)).status is TaskStatus.CANCELLED


# ----------------------------------------------------------------------------- state reading


def task_folder(provider: PreviewProvider, prepared: PreparedRequest, task_id: str) -> Path:
    folder = provider.store.create(task_id)
    provider._write_task(folder, prepared, None)
    return folder


async def test_a_worker_that_died_unfinished_is_reported_failed(
    provider: PreviewProvider,
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = task_folder(provider, prepare(provider, small_request()), "a" * 32)
    _store.write_state(folder, "RUNNING", pid=dead.pid, progress=0.4)
    state = await provider.poll(handle=TaskHandle(provider="preview", task_id="a" * 32), http=None)
    assert state.status is TaskStatus.FAILED
    assert state.failure_code == "worker_died"
    assert "worker.log" in (state.failure_message or "")
    assert state.retryable is True


async def test_a_live_process_that_is_not_the_worker_does_not_count(
    provider: PreviewProvider,
) -> None:
    folder = task_folder(provider, prepare(provider, small_request()), "b" * 32)
    _store.write_state(folder, "RUNNING", pid=os.getpid())  # alive, but pytest
    state = await provider.poll(handle=TaskHandle(provider="preview", task_id="b" * 32), http=None)
    assert state.status is TaskStatus.FAILED


async def test_an_unknown_status_word_is_a_provider_error(provider: PreviewProvider) -> None:
    folder = task_folder(provider, prepare(provider, small_request()), "c" * 32)
    _store.write_state(folder, "EXPLODED")
    handle = TaskHandle(provider="preview", task_id="c" * 32)
    with pytest.raises(ProviderError, match="EXPLODED") as caught:
        await provider.poll(handle=handle, http=None)
    assert caught.value.handle == handle


async def test_an_unknown_task_is_not_found_and_says_which_folder_to_use(
    provider: PreviewProvider,
) -> None:
    handle = TaskHandle(
        provider="preview", task_id="d" * 32, provider_data={"cache_dir": "/elsewhere"}
    )
    with pytest.raises(TaskNotFound, match="FRAMECAST_PREVIEW_DIR=/elsewhere"):
        await provider.poll(handle=handle, http=None)
    with pytest.raises(TaskNotFound, match="not a preview task id"):
        await provider.poll(handle=TaskHandle(provider="preview", task_id="../../x"), http=None)


def test_a_stale_key_claim_is_replaced(provider: PreviewProvider) -> None:
    store = provider.store
    store.root.mkdir(parents=True)
    folder = task_folder(provider, prepare(provider, small_request()), "e" * 32)
    assert store.claim_key("k", "e" * 32) is None
    assert store.claim_key("k", "f" * 32) == "e" * 32
    shutil.rmtree(folder)  # the cache was cleared by hand
    assert store.lookup_key("k") is None
    assert store.claim_key("k", "f" * 32) is None


# ----------------------------------------------------------------------------- in-process worker


def test_the_worker_renders_in_process(provider: PreviewProvider) -> None:
    folder = task_folder(provider, prepare(provider, small_request(camera="tilt_up")), "1" * 32)
    assert _worker.run(folder) == "SUCCEEDED"
    state = _store.read_state(folder)
    assert state is not None and state["status"] == "SUCCEEDED"
    video = Video(Path(state["output"]))
    assert len(video.frames) == 24
    assert bright_centroid(video.grey(-1))[1] > bright_centroid(video.grey(0))[1]  # tilt up


def test_a_worker_that_cannot_read_its_image_fails_the_task(
    provider: PreviewProvider,
) -> None:
    folder = task_folder(provider, prepare(provider, small_request()), "2" * 32)
    (folder / "input.png").write_bytes(b"not a picture")
    assert _worker.run(folder) == "FAILED"
    state = _store.read_state(folder)
    assert state is not None
    assert state["failure"]["code"] == "UnidentifiedImageError"
    assert state["failure"]["message"].startswith("the preview render failed")
    assert not (folder / "output.mp4").exists()


def test_a_cancelled_task_is_not_rendered(provider: PreviewProvider) -> None:
    folder = task_folder(provider, prepare(provider, small_request()), "3" * 32)
    _store.mark_cancelled(folder)
    assert _worker.run(folder) == "CANCELLED"
    assert _store.read_state(folder) is None
    assert not (folder / "output.mp4").exists()


# ----------------------------------------------------------------------------- the Runner


async def test_generate_and_download_through_the_runner(tmp_path: Path) -> None:
    picture = tmp_path / "bar.png"
    bar_picture().save(picture)
    env = {"FRAMECAST_PREVIEW_DIR": str(tmp_path / "cache")}
    request = GenerationRequest(
        prompt="A bar", image=str(picture), camera="pan_right", duration=1, options=SMALL
    )
    async with Runner("preview", env=env, poll_interval=0.05, timeout=60) as runner:
        result = await runner.generate(request)
        assert result.status is TaskStatus.SUCCEEDED
        assert result.url is not None and result.url.startswith("file://")
        saved = await runner.download(result, tmp_path / "out.mp4")
    video = Video(saved)
    assert (video.width, video.height, len(video.frames)) == (256, 144, 24)
    assert bright_centroid(video.grey(-1))[0] < bright_centroid(video.grey(0))[0]  # pan right
    assert result.handle.idempotency_key  # the core's key reached the task
    async with Runner("preview", env=env, poll_interval=0.05) as other:
        # Another runner (another process, in real life) resumes the stored handle.
        again = await other.wait(result.handle.to_json())
    assert again.url == result.url


async def test_the_runner_dry_run_and_estimate_need_nothing(tmp_path: Path) -> None:
    env = {"FRAMECAST_PREVIEW_DIR": str(tmp_path / "cache")}
    request = GenerationRequest(prompt="A lighthouse", camera="crane_up", ratio="9:16")
    async with Runner("preview", env=env) as runner:
        prepared = runner.prepare(request)
        estimate = runner.estimate(request)
    assert (prepared.body["width"], prepared.body["height"]) == (720, 1280)
    assert estimate is not None and estimate.amount == 0.0
    assert not (tmp_path / "cache").exists()  # a dry run creates no task


async def test_cancel_delete_through_the_runner_removes_the_video(tmp_path: Path) -> None:
    env = {"FRAMECAST_PREVIEW_DIR": str(tmp_path / "cache")}
    request = GenerationRequest(prompt="A lighthouse", duration=1, options=SMALL)
    async with Runner("preview", env=env, poll_interval=0.05, timeout=60) as runner:
        result = await runner.generate(request)
        video = path_of(result.url or "")
        assert video.exists()
        state = await runner.cancel(result.handle, delete=True)
    assert state.status is TaskStatus.CANCELLED
    assert not video.exists()


async def test_a_url_image_is_downloaded_by_the_core_then_rendered(tmp_path: Path) -> None:
    import httpx

    from .conftest import png_bytes

    served: list[str] = []

    def images(request: httpx.Request) -> httpx.Response:
        served.append(str(request.url))
        return httpx.Response(
            200, content=png_bytes(bar_picture()), headers={"content-type": "image/png"}
        )

    env = {"FRAMECAST_PREVIEW_DIR": str(tmp_path / "cache")}
    request = GenerationRequest(
        prompt="A bar",
        image="https://images.example/bar.png",
        camera="tilt_down",
        ratio="16:9",
        duration=1,
        options=SMALL,
    )
    async with Runner(
        "preview", env=env, transport=httpx.MockTransport(images), poll_interval=0.05, timeout=60
    ) as runner:
        result = await runner.generate(request)
    assert served == ["https://images.example/bar.png"]
    video = Video(path_of(result.url or ""))
    assert (video.width, video.height, len(video.frames)) == (256, 144, 24)
    assert bright_centroid(video.grey(-1))[1] < bright_centroid(video.grey(0))[1]  # tilt down


async def test_finished_workers_are_collected_at_the_next_submit(
    provider: PreviewProvider,
) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see a zombie")
    first = await provider.submit(prepared=prepare(provider, small_request()), http=None)
    stat = Path(f"/proc/{provider._workers[first.task_id].pid}/stat")
    deadline = time.monotonic() + 60
    while stat.read_text().rsplit(")", 1)[-1].split()[0] != "Z":  # exited, nobody polled
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    second = await provider.submit(
        prepared=prepare(provider, small_request(idempotency_key="key-2")), http=None
    )
    assert not stat.exists()  # collected: no zombie left behind
    assert first.task_id not in provider._workers
    assert second.task_id in provider._workers
    await until_done(provider, second)


async def test_the_worker_outlives_the_process_that_submitted(tmp_path: Path) -> None:
    # As `framecast generate --no-wait`: submit, print the handle, exit at once.
    script = """
import asyncio, sys
from framecast import GenerationRequest, ProviderSettings
from framecast_preview import PreviewProvider
provider = PreviewProvider(ProviderSettings(name="preview", env={"FRAMECAST_PREVIEW_DIR": sys.argv[1]}))
model = provider.provider_info().models[0]
request = GenerationRequest(prompt="a lighthouse", duration=1, options={"short_side": 144},
                            idempotency_key="outlive")
prepared = provider.prepare(request=request, model=model,
    ratio_plan=provider.map_ratio(request=request, model=model),
    camera_plan=provider.translate_camera(request=request, model=model))
print(asyncio.run(provider.submit(prepared=prepared, http=None)).to_json())
"""
    cache = tmp_path / "cache"
    submitted = subprocess.run(
        [sys.executable, "-c", script, str(cache)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    handle = TaskHandle.from_json(submitted.stdout)
    states = await until_done(make_provider(cache), handle)
    assert states[-1].status is TaskStatus.SUCCEEDED
