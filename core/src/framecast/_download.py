"""Downloading outputs: ``https://`` through the credential-free client (or, for a provider
whose outputs need its key, a client that signs its own origins only), ``file://`` copied;
written atomically and checked by magic bytes."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import FramecastError, ProviderError, ValidationError
from ._images import sniff_media_type
from ._models import GenerationResult, Output, TaskHandle
from ._polling import fresh_output, make_output

if TYPE_CHECKING:
    from ._session import Session

_EXPIRED_STATUSES = (401, 403, 404, 410)


def check_destination(dest: Path, name: str = "out") -> None:
    """Refuse a destination that cannot be written before anything is submitted (and paid
    for), by writing there: the missing folders are made, a file is created in the folder
    and removed, and so are the folders made for the test. Permission bits alone cannot
    tell (``/proc`` and ``/sys`` look writable to root, a read-only mount does not say so).
    """
    dest = Path(dest)
    refuse = _destination_refusal(dest, name)
    if dest.is_dir():
        raise refuse("is a folder; give a file name")
    folder = dest.absolute().parent
    made: list[Path] = []
    try:
        missing = [folder, *folder.parents]
        missing = [p for p in missing if not p.exists()][::-1]
        for path in missing:
            path.mkdir()
            made.append(path)
        fd, probe = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".check", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        # Name the folder, not the probe's random name.
        where = folder if str(exc.filename or "").endswith(".check") else exc.filename or folder
        raise refuse(f"cannot write in {where}: {exc.strerror or exc}") from None
    finally:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir()


def _destination_refusal(dest: Path, name: str) -> Callable[[str], ValidationError]:
    def refuse(why: str) -> ValidationError:
        return ValidationError(
            f"{name} {dest}: {why}; nothing was submitted",
            field="out",
            value=str(dest),
            allowed="a file path in a writable folder",
        )

    return refuse


async def download(
    session: Session,
    target: GenerationResult | Output | TaskHandle | str,
    dest: Path,
    on_progress: Callable[[int, int | None], Any] | None,
) -> Path:
    """Save a result's, a task's or a URL's output to ``dest`` (``Runner.download``)."""
    handle: TaskHandle | None = None
    if isinstance(target, GenerationResult):
        handle = target.handle
        if not target.outputs:
            raise ValidationError(
                "the result has no outputs to download",
                field="result",
                value=target.status.value,
                allowed="a SUCCEEDED result",
            )
        output = target.outputs[0]
    elif isinstance(target, TaskHandle):
        handle = target
        output = await fresh_output(session, handle)
    elif isinstance(target, Output):
        output = target
    else:
        output = make_output(session, str(target))
    try:
        return await download_output(session, output, dest, handle, on_progress)
    except FramecastError as exc:
        if exc.handle is None:
            exc.handle = handle  # the output is paid for: say which task to fetch it from
        raise


async def download_output(
    session: Session,
    output: Output,
    dest: Path,
    handle: TaskHandle | None,
    on_progress: Callable[[int, int | None], Any] | None,
) -> Path:
    try:
        return await _download(session, output, dest, handle, on_progress)
    except OSError as exc:
        # The local disk refused (a parent that is a file, no permission, disk full): the
        # output is still at the provider, so the error carries the task to fetch it from.
        where = exc.filename or dest
        raise ValidationError(
            f"cannot save the output to {dest}: {exc.strerror or exc} ({where})",
            field="dest",
            value=str(dest),
            allowed="a file path in a writable folder",
            handle=handle,
        ) from None


async def _download(
    session: Session,
    output: Output,
    dest: Path,
    handle: TaskHandle | None,
    on_progress: Callable[[int, int | None], Any] | None,
) -> Path:
    url = output.url
    if handle is not None and _expired(output, session):
        output = await fresh_output(session, handle)
        url = output.url
    if url.startswith("file:"):
        if not session.private_ok():
            # Only a local provider (or an emulator) has outputs on this machine; a remote
            # API naming a local file is not followed.
            raise ProviderError(
                f"refused to copy {url.split('?')[0]!r}: {session.provider_name} outputs are "
                "downloaded, not local files; nothing was written",
                handle=handle,
            )
        return _copy_file(url, dest, on_progress)
    if not url.startswith("https://") and not url.startswith("http://"):
        raise ValidationError(
            f"cannot download {url.split('?')[0]!r}",
            field="url",
            value=url.split("?")[0],
            allowed="https:// or file:// URLs",
        )
    try:
        return await _fetch_with_retries(session, url, dest, on_progress, handle)
    except _Expired:
        if handle is None:
            raise ProviderError(
                f"the output URL has expired or is refused ({url.split('?')[0]}); pass the "
                "result or handle to download() so a fresh URL can be fetched"
            ) from None
        fresh = await fresh_output(session, handle)
        try:
            return await _fetch_with_retries(session, fresh.url, dest, on_progress, handle)
        except _Expired:
            raise ProviderError(
                "the provider refused a freshly polled output URL", handle=handle
            ) from None


class _Expired(Exception):
    pass


class _Retryable(Exception):
    """A download that broke off or met a 429/5xx: trying again may well succeed."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


async def _fetch_with_retries(
    session: Session,
    url: str,
    dest: Path,
    on_progress: Callable[[int, int | None], Any] | None,
    handle: TaskHandle | None,
) -> Path:
    """``_fetch`` within the retry policy: a paid output is worth another attempt."""
    async for attempt in session.retry_policy.attempts(session.clock):
        try:
            return await _fetch(session, url, dest, on_progress)
        except _Retryable as exc:
            if attempt.last:
                raise ProviderError(
                    f"{exc.message} ({attempt.number} attempts); the output stays with the "
                    "provider until its URL expires: download it again later",
                    handle=handle,
                ) from None
            attempt.retry(exc.retry_after, reason=exc.message)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _expired(output: Output, session: Session) -> bool:
    if not output.expires_at:
        return False
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(output.expires_at)
    except ValueError:
        return False
    return when.timestamp() <= session.clock.time()


async def _fetch(
    session: Session, url: str, dest: Path, on_progress: Callable[[int, int | None], Any] | None
) -> Path:
    import httpx

    from ._fetch import FetchRefused, TooLarge, open_url

    policy = session.fetch_policy("output")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        try:
            async with open_url(session.downloads, url, policy) as response:
                if response.status_code in _EXPIRED_STATUSES:
                    raise _Expired()
                response.raise_for_status()
                total = int(response.headers.get("content-length") or 0) or None
                done = 0
                head = b""
                with os.fdopen(fd, "wb") as out:
                    fd = -1
                    async for chunk in response.aiter_bytes():
                        if policy.max_bytes is not None and done + len(chunk) > policy.max_bytes:
                            raise TooLarge(url, policy.max_bytes)
                        if len(head) < 16:
                            head += chunk[:16]
                        out.write(chunk)
                        done += len(chunk)
                        if on_progress is not None:
                            on_progress(done, total)
        except (FetchRefused, TooLarge) as exc:
            raise ProviderError(
                f"refused to download the output: {exc}; nothing was written (the output "
                "stays with the provider)"
            ) from None
        except httpx.HTTPError as exc:
            message = f"download of {url.split('?')[0]} failed: {type(exc).__name__}: {exc}"
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            if isinstance(exc, httpx.TransportError) or status == 429 or (status or 0) >= 500:
                from ._retry import parse_retry_after

                retry_after = None
                if isinstance(exc, httpx.HTTPStatusError):
                    retry_after = parse_retry_after(exc.response.headers.get("retry-after"))
                raise _Retryable(message, retry_after) from None
            raise ProviderError(message) from None
        _check_media(head, url)
        _make_readable(tmp)
        os.replace(tmp, dest)
        return dest
    finally:
        if fd != -1:
            os.close(fd)
        if tmp.exists():
            tmp.unlink()


def _copy_file(url: str, dest: Path, on_progress: Callable[[int, int | None], Any] | None) -> Path:
    source = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
    if not source.is_file():
        raise ProviderError(f"output file {source} does not exist (cache cleared?)")
    with source.open("rb") as f:
        _check_media(f.read(16), url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        _make_readable(Path(tmp_name))
        os.replace(tmp_name, dest)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    if on_progress is not None:
        size = dest.stat().st_size
        on_progress(size, size)
    return dest


def _check_media(head: bytes, url: str) -> None:
    media_type = sniff_media_type(head)
    if media_type is None:
        raise ProviderError(
            f"the download from {url.split('?')[0]} is not a video or image (first bytes "
            f"{head[:8]!r}); nothing was written"
        )


def _make_readable(path: Path) -> None:
    """mkstemp makes files 0600; a saved video gets the mode a new file normally has."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
