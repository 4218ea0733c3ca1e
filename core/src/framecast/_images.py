"""Image inputs: load, sniff by magic bytes, measure (Pillow, imported on first use), fit."""

from __future__ import annotations

import base64
import binascii
import io
import os
import stat
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ._errors import ValidationError
from ._models import ImageConstraints, ImageRef
from ._ratios import parse_ratio

__all__ = [
    "MAX_IMAGE_BYTES",
    "fit_image",
    "image_byte_limit",
    "load_image",
    "sniff_media_type",
    "validate_fitted",
    "validate_image",
]

_EXIF_ORIENTATION = 0x0112
_TURNED = (5, 6, 7, 8)  # EXIF orientations that swap width and height on display
#: Bytes an image input may have when the model declares no limit of its own.
MAX_IMAGE_BYTES = 100 * 1024 * 1024
_FORMAT_OF = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp", "image/gif": "gif"}


def sniff_media_type(data: bytes) -> str | None:
    """The media type its first bytes say, for images and videos; ``None`` if unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def load_image(value: Any, field: str, max_bytes: int = MAX_IMAGE_BYTES) -> ImageRef:
    """Turn a request's image input into an ``ImageRef``: URLs are kept, everything else is
    read, sniffed and measured. Files and data URIs over ``max_bytes`` are refused without
    reading more than ``max_bytes`` + 1 bytes. Raises ``ValidationError`` naming ``field``."""
    if isinstance(value, ImageRef):
        return value
    if isinstance(value, (bytes, bytearray)):
        return _from_bytes(bytes(value), "bytes", None, field)
    if isinstance(value, os.PathLike):
        return _from_path(Path(value), field, max_bytes)
    if not isinstance(value, str):
        raise ValidationError(
            f"{field}: expected a URL, a data URI, a file path or bytes; "
            f"got {type(value).__name__}",
            field=field,
            value=type(value).__name__,
            allowed="https URL, data URI, local path, bytes",
        )
    text = value.strip()
    scheme = text.split(":", 1)[0].lower() if "://" in text[:12] or text.startswith("data:") else ""
    if scheme in ("https", "http"):
        return ImageRef(source="url", url=text)
    if scheme == "data":
        return _from_data_uri(text, field, max_bytes)
    if scheme == "file":
        return _from_path(Path(unquote(urlsplit(text).path)), field, max_bytes)
    if scheme:
        # A provider's own reference (``luma://generation/<id>``, say): kept as a URL, and
        # refused by ``validate_image`` for every model whose ``url_schemes`` lack it.
        return ImageRef(source="url", url=text)
    return _from_path(Path(text).expanduser(), field, max_bytes)


def image_byte_limit(constraints: ImageConstraints) -> int:
    """The most bytes an image input may have for a model: its raw limit, else what its
    encoded limit holds, else ``MAX_IMAGE_BYTES``. Files are read up to this plus one byte."""
    if constraints.max_raw_bytes is not None:
        return constraints.max_raw_bytes
    if constraints.max_encoded_bytes is not None:
        return constraints.max_encoded_bytes * 3 // 4
    return MAX_IMAGE_BYTES


def _from_path(path: Path, field: str, max_bytes: int) -> ImageRef:
    """A local image file, refused unless it is a regular file (a FIFO would block, a
    device such as ``/dev/zero`` never ends) and read at most ``max_bytes`` + 1 bytes."""
    try:
        kind = _not_regular(os.stat(path).st_mode)
        if kind is None:
            # O_NONBLOCK: should the path turn into a FIFO after the check, opening it
            # still returns at once, and the fstat below refuses it.
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
            fd = os.open(path, flags)
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                kind = _not_regular(info.st_mode)
                if kind is None:
                    if info.st_size > max_bytes:
                        raise _too_large(field, info.st_size, max_bytes)
                    data = handle.read(max_bytes + 1)
                    if len(data) > max_bytes:  # it grew while read
                        raise _too_large(field, None, max_bytes)
    except FileNotFoundError:
        raise ValidationError(
            f"{field}: file not found: {path}",
            field=field,
            value=str(path),
            allowed="an existing image file",
        ) from None
    except IsADirectoryError:
        kind = "a folder"
    except OSError as exc:
        raise ValidationError(
            f"{field}: cannot read {path}: {exc.strerror or exc}",
            field=field,
            value=str(path),
            allowed="a readable image file",
        ) from None
    if kind is not None:
        raise ValidationError(
            f"{field}: {path} is {kind}, not a regular file; nothing was read",
            field=field,
            value=str(path),
            allowed="a regular image file",
        )
    return _from_bytes(data, "file", path.name, field)


def _not_regular(mode: int) -> str | None:
    """What a non-regular file is, in words (``None``: a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _too_large(field: str, size: int | None, limit: int) -> ValidationError:
    shown = f"{size:,} bytes" if size is not None else f"over {limit:,} bytes"
    return ValidationError(
        f"{field}: image is {shown}, more than {limit:,}; nothing more was read",
        field=field,
        value=size if size is not None else f"> {limit}",
        allowed=f"at most {limit:,} bytes",
    )


def _from_data_uri(text: str, field: str, max_bytes: int) -> ImageRef:
    header, sep, payload = text.partition(",")
    if not sep or ";base64" not in header:
        raise ValidationError(
            f"{field}: data URI must be base64-encoded (data:image/png;base64,...)",
            field=field,
            value=_short(text),
            allowed="data:<image type>;base64,<data>",
        )
    if len(payload) // 4 * 3 > max_bytes + 3:  # refused before decoding it
        raise _too_large(field, len(payload) // 4 * 3, max_bytes)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            f"{field}: data URI payload is not valid base64",
            field=field,
            value=_short(text),
            allowed="data:<image type>;base64,<data>",
        ) from None
    return _from_bytes(data, "data-uri", None, field)


def _from_bytes(data: bytes, source: str, name: str | None, field: str) -> ImageRef:
    media_type = sniff_media_type(data)
    if media_type is None or not media_type.startswith("image/"):
        what = media_type or "not a recognised image"
        raise ValidationError(
            f"{field}: {name or source} is {what} (checked by its first bytes)",
            field=field,
            value=name or f"<{len(data):,} bytes>",
            allowed="JPEG, PNG, WebP images",
        )
    return ImageRef(source=source, data=data, media_type=media_type, name=name)


def _open_image(data: bytes) -> Any:
    """``PIL.Image.open`` without Pillow's decompression-bomb warning: the pixel guard in
    ``measure`` decides (its hard error for absurd sizes still comes through)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def measure(ref: ImageRef, field: str, max_pixels: int) -> ImageRef:
    """Read pixel dimensions from the header; refuse decompression bombs and broken files."""
    if ref.data is None or ref.width is not None:
        return ref
    from PIL import Image

    try:
        with _open_image(ref.data) as img:
            width, height = img.size
            if width * height > max_pixels:
                raise ValidationError(
                    f"{field}: {width}x{height} pixels is more than {max_pixels:,} "
                    "(refused as a possible decompression bomb)",
                    field=field,
                    value=f"{width}x{height}",
                    allowed=f"at most {max_pixels:,} pixels",
                )
            img.verify()  # checksums (PNG), where the format has them
        with _open_image(ref.data) as img:  # verify() leaves the image unusable
            if img.getexif().get(_EXIF_ORIENTATION) in _TURNED:
                width, height = height, width  # shown turned: measure what people see
            _decode(img, max_pixels, field)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            f"{field}: image dimensions are implausibly large (decompression bomb)",
            field=field,
            value=ref.describe(),
            allowed=f"at most {max_pixels:,} pixels",
        ) from None
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for broken files
        raise ValidationError(
            f"{field}: {ref.name or ref.source} cannot be read as an image ({exc})",
            field=field,
            value=ref.describe(),
            allowed="a valid JPEG, PNG or WebP file",
        ) from None
    import attrs

    return attrs.evolve(ref, width=width, height=height)


def _decode(img: Any, max_pixels: int, field: str) -> None:
    """Decode every pixel of every frame: a header can be whole while the data is cut short
    (a truncated JPEG opens and verifies, and only decoding finds the missing scans)."""
    frames = getattr(img, "n_frames", 1)
    total = 0
    for index in range(frames):
        if index:
            img.seek(index)
        width, height = img.size
        total += width * height
        if total > max_pixels:
            raise ValidationError(
                f"{field}: {frames} frames of {width}x{height} pixels are more than "
                f"{max_pixels:,} pixels in all (refused as a possible decompression bomb)",
                field=field,
                value=f"{frames} frames of {width}x{height}",
                allowed=f"at most {max_pixels:,} pixels",
            )
        if img.format == "JPEG":
            # Decode at 1/8 scale: every byte of the scan data is still read and checked,
            # in an eighth of the memory per side.
            img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
        img.load()


def validate_image(ref: ImageRef, constraints: ImageConstraints, field: str) -> ImageRef:
    """Check one image against a model's constraints (URLs: scheme and length only)."""
    if ref.url is not None:
        scheme = ref.url.split(":", 1)[0].lower()
        if not constraints.url_schemes:
            raise ValidationError(
                f"{field}: this model takes images inline only, not by URL: download "
                f"{_short(ref.url)} and pass the file",
                field=field,
                value=_short(ref.url),
                allowed="a local file, bytes or a data: URI",
            )
        if scheme not in constraints.url_schemes:
            raise ValidationError(
                f"{field}: URL scheme {scheme!r} is not accepted",
                field=field,
                value=_short(ref.url),
                allowed=[f"{s}://" for s in constraints.url_schemes],
            )
        if constraints.max_url_length and len(ref.url) > constraints.max_url_length:
            raise ValidationError(
                f"{field}: URL is {len(ref.url):,} characters, more than "
                f"{constraints.max_url_length:,}",
                field=field,
                value=_short(ref.url),
                allowed=f"at most {constraints.max_url_length} characters",
            )
        return ref
    fmt = _FORMAT_OF.get(ref.media_type or "", ref.media_type or "unknown")
    if fmt not in constraints.formats:
        raise ValidationError(
            f"{field}: {fmt.upper()} images are not accepted by this model",
            field=field,
            value=fmt,
            allowed=[f.upper() for f in constraints.formats],
        )
    size = len(ref.data or b"")
    if constraints.max_raw_bytes is not None and size > constraints.max_raw_bytes:
        raise ValidationError(
            f"{field}: image is {size:,} bytes, more than {constraints.max_raw_bytes:,}",
            field=field,
            value=size,
            allowed=f"at most {constraints.max_raw_bytes:,} bytes",
        )
    if (
        constraints.max_encoded_bytes is not None
        and ref.data_uri_length > constraints.max_encoded_bytes
    ):
        raise ValidationError(
            f"{field}: image is {ref.data_uri_length:,} bytes once encoded, more than "
            f"{constraints.max_encoded_bytes:,}",
            field=field,
            value=ref.data_uri_length,
            allowed=f"at most {constraints.max_encoded_bytes:,} encoded bytes",
        )
    ref = measure(ref, field, constraints.max_pixels)
    width, height = ref.width or 0, ref.height or 0
    short, long = min(width, height), max(width, height)
    if constraints.min_side is not None and short < constraints.min_side:
        raise ValidationError(
            f"{field}: image is {width}x{height}; each side must be at least "
            f"{constraints.min_side} px",
            field=field,
            value=f"{width}x{height}",
            allowed=f">= {constraints.min_side} px a side",
        )
    if constraints.max_side is not None and long > constraints.max_side:
        raise ValidationError(
            f"{field}: image is {width}x{height}; each side must be at most "
            f"{constraints.max_side} px",
            field=field,
            value=f"{width}x{height}",
            allowed=f"<= {constraints.max_side} px a side",
        )
    aspect = width / height if height else 0.0
    low, high = constraints.min_aspect, constraints.max_aspect
    if (low is not None and aspect < low - 1e-9) or (high is not None and aspect > high + 1e-9):
        raise ValidationError(
            f"{field}: image aspect {width}:{height} ({aspect:.2f}) is outside "
            f"{low or 0:.2f}-{high or float('inf'):.2f} (width / height)",
            field=field,
            value=f"{width}x{height}",
            allowed=f"aspect {low}-{high}",
        )
    return ref


def fit_image(ref: ImageRef, target: str, mode: str, field: str = "image") -> ImageRef:
    """Crop (centre) or pad (centre, black) the image to the ``W:H`` aspect ``target``."""
    parsed = parse_ratio(target)
    if parsed is None or ref.data is None:
        raise ValidationError(
            f"{field}: cannot fit to ratio {target!r}",
            field="ratio",
            value=target,
            allowed="W:H",
        )
    from PIL import Image, ImageOps

    ref = measure(ref, field, ImageConstraints().max_pixels)
    want = parsed[0] / parsed[1]
    with _open_image(ref.data or b"") as opened:
        # Fit what people see: a phone photo's pixels are stored turned, with an EXIF tag
        # saying so, and the re-encoded image carries no tag to undo it.
        img = ImageOps.exif_transpose(opened).convert("RGB")
    width, height = img.size
    if mode == "crop":
        if width / height > want:
            new_w = max(1, round(height * want))
            left = (width - new_w) // 2
            img = img.crop((left, 0, left + new_w, height))
        else:
            new_h = max(1, round(width / want))
            top = (height - new_h) // 2
            img = img.crop((0, top, width, top + new_h))
    elif mode == "pad":
        if width / height > want:
            new_w, new_h = width, max(height, round(width / want))
        else:
            new_w, new_h = max(width, round(height * want)), height
        canvas = Image.new("RGB", (new_w, new_h), (0, 0, 0))
        canvas.paste(img, ((new_w - width) // 2, (new_h - height) // 2))
        img = canvas
    else:
        raise ValueError(f"unknown fit {mode!r}")
    out = io.BytesIO()
    if ref.media_type == "image/jpeg":
        img.save(out, format="JPEG", quality=95)
        media_type = "image/jpeg"
    else:
        img.save(out, format="PNG")
        media_type = "image/png"
    return ImageRef(
        source=ref.source,
        data=out.getvalue(),
        media_type=media_type,
        width=img.size[0],
        height=img.size[1],
        name=ref.name,
    )


def validate_fitted(
    fitted: ImageRef, original: ImageRef, constraints: ImageConstraints, mode: str, aspect: str
) -> ImageRef:
    """``validate_image`` on an image the core cropped or padded: a refusal names the
    user's image and the fit, since the sizes it quotes are not the ones they sent."""
    try:
        return validate_image(fitted, constraints, "image")
    except ValidationError as exc:
        hint = "; image_fit 'pad' keeps every pixel" if mode == "crop" else ""
        raise ValidationError(
            f"{exc} (after {mode}ping the {original.width}x{original.height} image to "
            f"{aspect}{hint})",
            field=exc.field,
            value=exc.value,
            allowed=exc.allowed,
            details=exc.details,
        ) from None


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
