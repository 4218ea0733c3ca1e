"""Image inputs: loading every accepted form, sniffing by magic bytes, constraints, fitting."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from framecast import ImageConstraints, ImageRef, ValidationError
from framecast._images import fit_image, load_image, sniff_media_type, validate_image

from .support import png, png_header_only

SQUARE = png(100, 100)


def refusal(ref: ImageRef, constraints: ImageConstraints) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_image(ref, constraints, "image")
    assert caught.value.field == "image"
    return caught.value


# ---------------------------------------------------------------- loading


def test_bytes_paths_file_urls_and_data_uris_load_the_same_image(tmp_path: Path) -> None:
    path = tmp_path / "square.png"
    path.write_bytes(SQUARE)
    data_uri = "data:image/png;base64," + base64.b64encode(SQUARE).decode()
    for value in (SQUARE, path, str(path), path.as_uri(), data_uri):
        ref = load_image(value, "image")
        assert ref.data == SQUARE
        assert ref.media_type == "image/png"
    assert load_image(path, "image").name == "square.png"


def test_https_urls_are_kept_as_urls_unread() -> None:
    ref = load_image("https://example.com/cat.png?sig=1", "image")
    assert ref.url == "https://example.com/cat.png?sig=1"
    assert ref.data is None


@pytest.mark.parametrize(
    "value",
    ["data:image/png,notbase64", "data:image/png;base64,@@@", 42],
)
def test_unsupported_inputs_are_refused_naming_the_field(value) -> None:
    with pytest.raises(ValidationError) as caught:
        load_image(value, "end_image")
    assert caught.value.field == "end_image"
    assert caught.value.allowed


def test_a_directory_is_refused_as_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        load_image(tmp_path, "image")
    assert caught.value.value == str(tmp_path)


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (png(2, 2), "image/png"),
        (png(2, 2, fmt="JPEG"), "image/jpeg"),
        (png(2, 2, fmt="WEBP"), "image/webp"),
        (png(2, 2, fmt="GIF"), "image/gif"),
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  ", "video/quicktime"),
        (b"\x1a\x45\xdf\xa3\x01", "video/webm"),
        (b"<!DOCTYPE html><html>", None),
        (b"", None),
    ],
)
def test_media_type_is_read_from_magic_bytes(head: bytes, media_type: str | None) -> None:
    assert sniff_media_type(head) == media_type


def test_a_video_given_as_an_image_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        load_image(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32, "image")
    assert "video/mp4" in caught.value.message


# ---------------------------------------------------------------- constraints


def test_pixel_dimensions_are_measured() -> None:
    ref = validate_image(load_image(png(120, 80), "image"), ImageConstraints(), "image")
    assert (ref.width, ref.height) == (120, 80)


def test_aspect_outside_the_range_is_refused() -> None:
    constraints = ImageConstraints(min_aspect=0.5, max_aspect=2.0)
    error = refusal(load_image(png(300, 100), "image"), constraints)
    assert error.value == "300x100"
    assert "0.5" in error.allowed and "2.0" in error.allowed
    validate_image(load_image(png(200, 100), "image"), constraints, "image")  # the edge is fine


def test_a_side_too_long_is_refused() -> None:
    error = refusal(load_image(png(300, 100), "image"), ImageConstraints(max_side=256))
    assert error.value == "300x100"


def test_encoded_size_is_checked_on_the_data_uri_length() -> None:
    ref = load_image(SQUARE, "image")
    fits = ImageConstraints(max_encoded_bytes=ref.data_uri_length)
    validate_image(ref, fits, "image")
    error = refusal(ref, ImageConstraints(max_encoded_bytes=ref.data_uri_length - 1))
    assert error.value == ref.data_uri_length


def test_url_length_and_scheme_are_the_only_checks_on_urls() -> None:
    constraints = ImageConstraints(max_url_length=40, formats=("png",), min_side=4000)
    validate_image(load_image("https://example.com/c.gif", "image"), constraints, "image")
    long_url = "https://example.com/" + "a" * 40
    error = refusal(load_image(long_url, "image"), constraints)
    assert "40" in error.allowed


def test_a_provider_reference_scheme_is_accepted_only_where_a_model_declares_it() -> None:
    ref = load_image("acme://generation/abc-123", "image")
    assert (ref.source, ref.url) == ("url", "acme://generation/abc-123")
    validate_image(ref, ImageConstraints(url_schemes=("https", "acme")), "image")
    error = refusal(ref, ImageConstraints())
    assert error.field == "image" and error.allowed == ["https://"]
    assert "'acme'" in error.message
    # Any other scheme is refused the same way, by the model's constraints.
    ftp = refusal(load_image("ftp://example.com/cat.png", "image"), ImageConstraints())
    assert "'ftp'" in ftp.message


def test_the_pixel_guard_refuses_huge_headers_before_decoding() -> None:
    ref = load_image(png_header_only(5_000, 4_000), "image")  # no pixel data at all
    error = refusal(ref, ImageConstraints(max_pixels=10_000_000))
    assert error.value == "5000x4000"
    assert "decompression bomb" in error.message


def test_the_image_description_never_holds_its_bytes() -> None:
    ref = load_image(SQUARE, "image")
    assert "PNG" not in repr(ref).replace("image/png", "")
    assert str(len(SQUARE)) in ref.describe().replace(",", "")


# ---------------------------------------------------------------- fitting


@pytest.mark.parametrize(
    ("size", "target", "fit", "expected"),
    [
        ((200, 100), "1:1", "crop", (100, 100)),
        ((100, 200), "1:1", "crop", (100, 100)),
        ((200, 100), "1:1", "pad", (200, 200)),
        ((160, 180), "16:9", "crop", (160, 90)),
        ((160, 180), "16:9", "pad", (320, 180)),
        ((160, 90), "9:16", "pad", (160, 284)),
    ],
)
def test_fit_crops_or_pads_around_the_centre(size, target, fit, expected) -> None:
    fitted = fit_image(load_image(png(*size), "image"), target, fit)
    assert (fitted.width, fitted.height) == expected
    from PIL import Image

    with Image.open(io.BytesIO(fitted.data)) as img:
        assert img.size == expected
        if fit == "pad":
            assert img.getpixel((0, 0)) == (0, 0, 0)  # the bars are black
        centre = img.getpixel((expected[0] // 2, expected[1] // 2))
        assert centre == (200, 30, 30)  # the picture stays in the middle


def test_fit_keeps_jpeg_as_jpeg() -> None:
    fitted = fit_image(load_image(png(200, 100, fmt="JPEG"), "image"), "1:1", "crop")
    assert fitted.media_type == "image/jpeg"
    assert sniff_media_type(fitted.data or b"") == "image/jpeg"


def test_the_core_guard_decides_without_pillow_warning_about_bombs() -> None:
    import warnings

    ref = load_image(png_header_only(12_000, 12_000), "image")  # 144 MP: Pillow would warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        error = refusal(ref, ImageConstraints())
    assert error.value == "12000x12000"


def turned_jpeg(width: int, height: int) -> bytes:
    """A phone photo: pixels stored ``width`` x ``height``, EXIF says turn 90 degrees
    (orientation 6), so people see it ``height`` x ``width``. Left half red, right blue."""
    from PIL import Image

    img = Image.new("RGB", (width, height), (220, 20, 20))
    img.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def test_fit_works_on_the_image_as_people_see_it() -> None:
    from PIL import Image

    ref = load_image(turned_jpeg(200, 100), "image")  # seen as 100 x 200 (portrait)
    assert (validate_image(ref, ImageConstraints(), "image").height or 0) == 200
    fitted = fit_image(ref, "9:16", "crop")
    assert (fitted.width, fitted.height) == (100, 178)
    with Image.open(io.BytesIO(fitted.data or b"")) as img:
        assert img.size == (100, 178)  # stored upright: no EXIF turn left to apply
        assert img.getexif().get(0x0112) in (None, 1)
        top, bottom = img.getpixel((50, 5)), img.getpixel((50, 172))
    # Turned 90 degrees clockwise, the stored left (red) half is seen on top.
    assert top[0] > 150 and top[2] < 100
    assert bottom[2] > 150 and bottom[0] < 100
