"""The rendered video, decoded independently with PyAV: format, size, frame count, and the
direction of every camera move (what a person watching it would check)."""

from __future__ import annotations

from pathlib import Path

import pytest
from framecast_preview._pattern import pattern_image
from framecast_preview._render import RenderSpec, render_video
from PIL import Image

from .conftest import Video, bar_picture, bright_centroid, orientation

SHORT = 144
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WIDTH = 256  # 16:9 at 144 px


def render(
    tmp_path: Path,
    camera: str | None,
    *,
    seconds: int = 2,
    seed: int = 0,
    strength: int = 5,
    source: Image.Image | None = None,
    size: tuple[int, int] = (WIDTH, SHORT),
    name: str | None = None,
) -> Video:
    spec = RenderSpec(
        width=size[0],
        height=size[1],
        frames=24 * seconds,
        camera=camera,
        strength=strength,
        seed=seed,
    )
    out = tmp_path / (name or f"{camera}-{seed}-{strength}.mp4")
    render_video(source if source is not None else bar_picture(), spec, out)
    return Video(out)


def shift(video: Video) -> tuple[float, float, float]:
    """How the bright bar moved between the first and last frame: dx, dy (pixels on
    screen) and its size ratio (last / first)."""
    x0, y0, n0 = bright_centroid(video.grey(0))
    x1, y1, n1 = bright_centroid(video.grey(-1))
    return x1 - x0, y1 - y0, n1 / n0


def test_an_h264_yuv420p_mp4_at_24_fps_with_24_frames_per_second(tmp_path: Path) -> None:
    video = render(tmp_path, "zoom_in", seconds=2)
    assert video.codec == "h264"
    assert video.pix_fmt == "yuv420p"
    assert video.rate == 24
    assert len(video.frames) == 48
    assert video.duration == pytest.approx(2.0, abs=0.05)
    assert (video.width, video.height) == (WIDTH, SHORT)


def test_portrait_output_keeps_its_ratio(tmp_path: Path) -> None:
    video = render(tmp_path, "pan_right", seconds=1, size=(144, 256))
    assert (video.width, video.height) == (144, 256)
    assert len(video.frames) == 24


@pytest.mark.parametrize(
    ("camera", "screen"),
    [
        # "pan left": the camera turns left, so the scene slides right across the screen.
        ("pan_left", "right"),
        ("pan_right", "left"),
        ("orbit_left", "right"),
        ("orbit_right", "left"),
        ("tracking", "left"),
    ],
)
def test_horizontal_moves_push_the_content_the_right_way(
    tmp_path: Path, camera: str, screen: str
) -> None:
    dx, dy, _ = shift(render(tmp_path, camera))
    assert abs(dx) > 10, f"{camera}: the content barely moved ({dx:.1f} px)"
    assert (dx > 0) == (screen == "right")
    assert abs(dy) < 3


@pytest.mark.parametrize(
    ("camera", "screen", "grows"),
    [
        # "tilt up": the camera looks up, so the scene slides down the screen.
        ("tilt_up", "down", None),
        ("tilt_down", "up", None),
        ("crane_up", "down", False),  # rising, and a little wider: the bar shrinks
        ("crane_down", "up", True),
    ],
)
def test_vertical_moves_push_the_content_the_right_way(
    tmp_path: Path, camera: str, screen: str, grows: bool | None
) -> None:
    dx, dy, size = shift(render(tmp_path, camera))
    assert abs(dy) > 5, f"{camera}: the content barely moved ({dy:.1f} px)"
    assert (dy > 0) == (screen == "down")
    assert abs(dx) < 3
    if grows is not None:
        assert (size > 1.05) if grows else (size < 0.95)


@pytest.mark.parametrize(
    ("camera", "grows"),
    [("zoom_in", True), ("dolly_in", True), ("zoom_out", False), ("dolly_out", False)],
)
def test_zooms_and_dollies_scale_the_content_about_the_centre(
    tmp_path: Path, camera: str, grows: bool
) -> None:
    dx, dy, size = shift(render(tmp_path, camera))
    # 1.0 <-> 1.3 in each direction: the bar's area changes by about 1.3 squared.
    assert size == pytest.approx(1.69 if grows else 1 / 1.69, rel=0.12)
    assert abs(dx) < 2 and abs(dy) < 2


def test_orbits_roll_the_picture_in_opposite_directions(tmp_path: Path) -> None:
    left = render(tmp_path, "orbit_left")
    right = render(tmp_path, "orbit_right")
    assert abs(orientation(left.grey(0))) < 0.5
    roll_left, roll_right = orientation(left.grey(-1)), orientation(right.grey(-1))
    assert abs(roll_left) > 2 and abs(roll_right) > 2
    assert roll_left * roll_right < 0


def test_tracking_moves_at_constant_speed_and_pans_ease(tmp_path: Path) -> None:
    def speeds(video: Video) -> tuple[float, float]:
        xs = [bright_centroid(video.grey(i))[0] for i in (0, 4, 22, 26)]
        return abs(xs[1] - xs[0]), abs(xs[3] - xs[2])  # near the start, in the middle

    start, middle = speeds(render(tmp_path, "tracking"))
    assert start == pytest.approx(middle, rel=0.35)
    start, middle = speeds(render(tmp_path, "pan_right"))
    assert start < 0.5 * middle  # ease-in: slow start


@pytest.mark.parametrize("camera", [None, "static"])
def test_static_and_no_camera_hold_the_exact_same_picture(
    tmp_path: Path, camera: str | None
) -> None:
    video = render(tmp_path, camera, name=f"still-{camera}.mp4")
    first = video.frames[0].tobytes()
    assert all(frame.tobytes() == first for frame in video.frames)


@pytest.mark.parametrize("size", [(256, 144), (1280, 720)])
def test_a_static_photo_decodes_to_the_very_same_frame_throughout(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    # A real photo, not a flat test card: x264 used to touch up the first P-frame of a
    # detailed still, so decoded frame 0 and frame 1 differed by a few levels.
    photo = Image.open(EXAMPLES / "astronaut.png")
    video = render(tmp_path, "static", source=photo, size=size, name=f"photo-{size[0]}.mp4")
    first = video.frames[0].tobytes()
    assert len(video.frames) == 48
    assert all(frame.tobytes() == first for frame in video.frames)


def test_the_same_seed_gives_the_same_frames(tmp_path: Path) -> None:
    a = render(tmp_path, "handheld", seed=7, name="a.mp4")
    b = render(tmp_path, "handheld", seed=7, name="b.mp4")
    assert [f.tobytes() for f in a.frames] == [f.tobytes() for f in b.frames]
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_handheld_jitter_depends_on_the_seed_and_stays_small(tmp_path: Path) -> None:
    a = render(tmp_path, "handheld", seed=1)
    b = render(tmp_path, "handheld", seed=2)
    assert [f.tobytes() for f in a.frames] != [f.tobytes() for f in b.frames]
    xs = [bright_centroid(a.grey(i))[0] for i in range(0, 48, 4)]
    assert 0.5 < max(xs) - min(xs) < 0.1 * WIDTH  # it sways, it does not pan


def test_camera_strength_scales_the_move(tmp_path: Path) -> None:
    gentle, *_ = shift(render(tmp_path, "pan_left", strength=2))
    strong, *_ = shift(render(tmp_path, "pan_left", strength=9))
    assert 0 < gentle < strong


def test_a_source_of_another_shape_is_framed_not_stretched(tmp_path: Path) -> None:
    # A square picture of a circle, rendered 16:9: the circle must stay round.
    square = Image.new("RGB", (300, 300), (20, 20, 20))
    from PIL import ImageDraw

    ImageDraw.Draw(square).ellipse([120, 120, 180, 180], fill=(255, 255, 255))
    video = render(tmp_path, "static", source=square, seconds=1)
    grey = video.grey(0)
    xs = [i % grey.width for i, v in enumerate(grey.tobytes()) if v > 160]
    ys = [i // grey.width for i, v in enumerate(grey.tobytes()) if v > 160]
    assert (max(xs) - min(xs)) == pytest.approx(max(ys) - min(ys), abs=3)


def test_text_to_video_pattern_is_deterministic_per_prompt_and_seed() -> None:
    one = pattern_image("a lighthouse at dusk", 3, 128, 72)
    assert one.tobytes() == pattern_image("a lighthouse at dusk", 3, 128, 72).tobytes()
    assert one.tobytes() != pattern_image("a lighthouse at dusk", 4, 128, 72).tobytes()
    assert one.tobytes() != pattern_image("a forest", 3, 128, 72).tobytes()
    assert one.size == (192, 108)
