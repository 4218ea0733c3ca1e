"""download(): https through the runner's transport, file:// copies, atomic writes, media
type by magic bytes, and fresh URLs for expired ones."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from framecast import GenerationResult, Output, ProviderError, ProviderSettings, ValidationError
from framecast.testing import respond

from .support import ENV, make_runner, scripted, text_request

pytestmark = pytest.mark.anyio

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def finished(runner) -> GenerationResult:
    return await runner.generate(text_request())


async def test_an_https_output_is_downloaded_through_the_runner_transport(tmp_path: Path) -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    progress: list[tuple[int, int | None]] = []
    async with make_runner(faults, clock) as runner:
        result = await finished(runner)
        path = await runner.download(
            result, tmp_path / "out" / "video.mp4", on_progress=lambda d, t: progress.append((d, t))
        )
    assert path == tmp_path / "out" / "video.mp4"
    assert path.read_bytes() == MP4
    assert progress and progress[-1][0] == len(MP4)
    assert ("GET", "/task-1.mp4", "pass") in faults.log
    assert leftovers(tmp_path / "out") == ["video.mp4"]


# A provider running on this machine (an emulator here: a base URL that is not an official
# host) may name its outputs as local files.
LOCAL = {"settings": ProviderSettings(name="acme", base_url="http://127.0.0.1:8765", env=ENV)}


async def test_a_file_url_output_is_copied(tmp_path: Path) -> None:
    source = tmp_path / "cache" / "render.mp4"
    source.parent.mkdir()
    source.write_bytes(MP4)
    clock, _server, faults = scripted()
    async with make_runner(faults, clock, **LOCAL) as runner:
        path = await runner.download(source.as_uri(), tmp_path / "copy.mp4")
    assert path.read_bytes() == MP4
    assert faults.log == []


async def test_a_remote_provider_naming_a_local_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "secret.txt"
    source.write_bytes(b"not for the provider")
    clock, _server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        with pytest.raises(ProviderError, match="not local files; nothing was written"):
            await runner.download(source.as_uri(), tmp_path / "copy.mp4")
    assert not (tmp_path / "copy.mp4").exists()


async def test_a_missing_file_url_is_a_provider_error(tmp_path: Path) -> None:
    clock, _server, faults = scripted()
    async with make_runner(faults, clock, **LOCAL) as runner:
        with pytest.raises(ProviderError, match="does not exist"):
            await runner.download((tmp_path / "gone.mp4").as_uri(), tmp_path / "copy.mp4")
    assert not (tmp_path / "copy.mp4").exists()


class BreaksMidway(httpx.AsyncByteStream):
    async def __aiter__(self):
        yield MP4[:20]
        raise httpx.ReadError("connection reset mid-download")


async def test_a_failed_download_leaves_no_partial_file_and_keeps_the_old_one(
    tmp_path: Path,
) -> None:
    clock, _server, faults = scripted(polls_to_finish=1)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "cdn.acme.test":
            return httpx.Response(200, stream=BreaksMidway())
        return faults(request)

    dest = tmp_path / "video.mp4"
    dest.write_bytes(b"previous good file")
    async with make_runner(handler, clock) as runner:
        result = await finished(runner)
        with pytest.raises(ProviderError) as caught:
            await runner.download(result, dest)
    assert "connection reset" in caught.value.message
    assert dest.read_bytes() == b"previous good file"
    assert leftovers(tmp_path) == ["video.mp4"]


async def test_an_html_error_page_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    faults.on(
        "GET",
        ".mp4",
        respond(200, text="<!DOCTYPE html><html><body>Access denied</body></html>"),
    )
    async with make_runner(faults, clock) as runner:
        result = await finished(runner)
        with pytest.raises(ProviderError) as caught:
            await runner.download(result, tmp_path / "video.mp4")
    assert "not a video" in caught.value.message
    assert leftovers(tmp_path) == []


async def test_a_refused_url_is_re_polled_for_a_fresh_one(tmp_path: Path) -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    faults.on("GET", ".mp4", respond(403, text="<Error>Request has expired</Error>"))
    async with make_runner(faults, clock) as runner:
        result = await finished(runner)
        polls_before = sum(1 for m, p, _ in faults.log if p == "/v1/videos/task-1")
        path = await runner.download(result, tmp_path / "video.mp4")
    polls_after = sum(1 for m, p, _ in faults.log if p == "/v1/videos/task-1")
    assert polls_after == polls_before + 1
    assert path.read_bytes() == MP4


async def test_an_url_past_its_lifetime_is_refreshed_before_downloading(tmp_path: Path) -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    async with make_runner(faults, clock) as runner:
        result = await finished(runner)
        assert result.outputs[0].expires_at is not None
        clock.advance(2 * 3600)  # Acme's URLs live an hour
        before = len(faults.log)
        await runner.download(result, tmp_path / "video.mp4")
    after = [(m, p) for m, p, _ in faults.log[before:]]
    # Polled first (the expired token is re-signed on the way), then one download.
    assert after[-1] == ("GET", "/task-1.mp4")
    assert set(after[:-1]) == {("GET", "/v1/videos/task-1")}


async def test_an_expired_bare_url_without_a_handle_says_what_to_pass(tmp_path: Path) -> None:
    clock, _server, faults = scripted()
    faults.on("GET", ".mp4", respond(410))
    async with make_runner(faults, clock) as runner:
        with pytest.raises(ProviderError) as caught:
            await runner.download(
                Output(url="https://cdn.acme.test/x.mp4?sig=1"), tmp_path / "v.mp4"
            )
    assert "handle" in caught.value.message
    assert "sig=1" not in caught.value.message


async def test_a_handle_of_an_unfinished_task_has_nothing_to_download(tmp_path: Path) -> None:
    clock, _server, faults = scripted(polls_to_finish=5)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        with pytest.raises(ValidationError) as caught:
            await runner.download(handle, tmp_path / "v.mp4")
    assert caught.value.handle == handle
    assert leftovers(tmp_path) == []


async def test_a_handle_of_a_finished_task_downloads_its_output(tmp_path: Path) -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    async with make_runner(faults, clock) as runner:
        handle = await runner.submit(text_request())
        path = await runner.download(handle, tmp_path / "v.mp4")
    assert path.read_bytes() == MP4
    assert [p for m, p, _ in faults.log if m == "GET"] == ["/v1/videos/task-1", "/task-1.mp4"]


async def test_a_failed_download_of_a_finished_task_carries_its_handle(tmp_path: Path) -> None:
    clock, _server, faults = scripted(polls_to_finish=1)
    faults.on("GET", ".mp4", respond(200, text="<html>maintenance</html>"))
    async with make_runner(faults, clock) as runner:
        result = await finished(runner)
        with pytest.raises(ProviderError) as caught:
            await runner.download(result, tmp_path / "video.mp4")
    assert caught.value.handle == result.handle  # the paid output can be fetched again


async def test_a_destination_the_disk_refuses_is_a_validation_error_carrying_the_task(
    tmp_path: Path,
) -> None:
    # Not a bare OSError: the output is paid for, so the error names the task to fetch it
    # from and the CLI can print how to download it again.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder is expected")
    clock, _server, faults = scripted(polls_to_finish=1)
    async with make_runner(faults, clock) as runner:
        result = await finished(runner)
        with pytest.raises(ValidationError) as caught:
            await runner.download(result, blocker / "video.mp4")
    assert caught.value.field == "dest"
    assert caught.value.handle == result.handle
    assert str(blocker) in str(caught.value)


def test_framecast_generate_with_out_keeps_the_handle_when_the_download_fails(
    tmp_path: Path,
) -> None:
    import framecast
    import httpx
    from framecast.testing import FaultInjector, VirtualClock

    from .acme import AcmeServer
    from .support import ENV

    server = AcmeServer(polls_to_finish=1)
    faults = FaultInjector(server)
    faults.on("GET", ".mp4", respond(200, text="<html>maintenance</html>"))
    with pytest.raises(ProviderError) as caught:
        framecast.generate(
            prompt="a cat",
            provider="tests.core.acme:AcmeProvider",
            out=tmp_path / "cat.mp4",
            runner_options={
                "transport": httpx.MockTransport(faults),
                "clock": VirtualClock(),
                "env": ENV,
            },
        )
    assert caught.value.handle is not None and caught.value.handle.task_id == "task-1"
    assert not (tmp_path / "cat.mp4").exists()


def test_framecast_generate_refuses_an_unwritable_out_before_submitting(tmp_path: Path) -> None:
    import framecast
    import httpx
    from framecast.testing import FaultInjector, VirtualClock

    from .acme import AcmeServer
    from .support import ENV

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    server = AcmeServer(polls_to_finish=1)
    with pytest.raises(ValidationError) as caught:
        framecast.generate(
            prompt="a cat",
            provider="tests.core.acme:AcmeProvider",
            out=blocker / "cat.mp4",
            runner_options={
                "transport": httpx.MockTransport(FaultInjector(server)),
                "clock": VirtualClock(),
                "env": ENV,
            },
        )
    assert caught.value.field == "out" and "nothing was submitted" in str(caught.value)
    assert server.created == 0


async def test_a_file_url_with_escaped_characters_is_copied(tmp_path: Path) -> None:
    source = tmp_path / "Application Support" / "vidéo #1.mp4"
    source.parent.mkdir()
    source.write_bytes(MP4)
    clock, _server, faults = scripted()
    async with make_runner(faults, clock, **LOCAL) as runner:
        path = await runner.download(source.as_uri(), tmp_path / "copy.mp4")
    assert path.read_bytes() == MP4
