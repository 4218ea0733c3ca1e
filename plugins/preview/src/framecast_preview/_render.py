"""Rendering: a still image and a camera path in, an H.264 MP4 (yuv420p) out.

Every frame is the crop window of ``_motion`` cut out of the source with an affine
transform and resized to the output size. Frames depend only on the spec (no clock, no
threads racing), and libx264 is deterministic by default, so the same spec gives the same
frames — in practice the same file, byte for byte.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ._motion import Pose, camera_path

if TYPE_CHECKING:
    from av import VideoFrame
    from PIL import Image

__all__ = ["RenderSpec", "render_video", "video_frames"]

#: The encoder's quality/speed trade-off: a preview favours speed; CRF 20 keeps it crisp.
X264_OPTIONS = {"crf": "20", "preset": "veryfast"}
#: A still shot: a constant quantiser, a keyframe finer than the frames that follow
#: (``ipratio``) and no B-frames, so that the frames after the first find nothing worth
#: coding and what x264 does depends only on the picture, never on how many frames follow
#: (``settled_still`` relies on that).
STILL_X264_OPTIONS = {"qp": "20", "preset": "veryfast", "x264-params": "bframes=0:ipratio=2"}
#: Rounds of ``settled_still``; photos settle in zero to two.
SETTLE_ROUNDS = 6
#: Frames cut in parallel with the encoding, and how many may wait (memory stays bounded:
#: a few frames, even at 2160p).
WORKER_THREADS = 2
FRAMES_AHEAD = 6


class RenderSpec(NamedTuple):
    width: int
    height: int
    frames: int
    fps: int = 24
    camera: str | None = None
    strength: int = 5
    seed: int = 0

    @property
    def aspect(self) -> float:
        return self.width / self.height


def prepare_source(image: Image.Image, spec: RenderSpec, max_zoom: float) -> Image.Image:
    """RGB, upright, and no larger than the closest window needs (so every frame samples
    from a well-filtered image instead of aliasing a huge photo)."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        flat = PILImage.new("RGB", rgba.size, (0, 0, 0))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    base_width, _ = base_window(image.size, spec.aspect)
    needed = spec.width * max_zoom
    if base_width > needed * 1.05:
        scale = needed / base_width
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    return image


def base_window(size: tuple[int, int], aspect: float) -> tuple[float, float]:
    """The largest ``aspect`` rectangle inside an image of ``size`` (width, height)."""
    width, height = size
    if width / height > aspect:
        return height * aspect, float(height)
    return float(width), width / aspect


def affine_for(pose: Pose, source: tuple[int, int], spec: RenderSpec) -> tuple[float, ...]:
    """PIL affine coefficients mapping an output pixel to its source position.

    Pillow samples at pixel centres, so output ``(x, y)`` means ``(x + .5, y + .5)``; the
    window is centred on the output's centre, scaled, rotated and moved by ``pose``.
    """
    base_w, base_h = base_window(source, spec.aspect)
    cx = source[0] / 2.0 + pose.dx * base_w
    cy = source[1] / 2.0 + pose.dy * base_h
    sx = base_w / pose.zoom / spec.width
    sy = base_h / pose.zoom / spec.height
    theta = math.radians(pose.angle)
    cos, sin = math.cos(theta), math.sin(theta)
    # Counter-clockwise on screen (y points down): the window's x axis is (cos, -sin).
    a, b = cos * sx, sin * sy
    d, e = -sin * sx, cos * sy
    ox, oy = spec.width / 2.0, spec.height / 2.0
    return (a, b, cx - a * ox - b * oy, d, e, cy - d * ox - e * oy)


def window_box(
    pose: Pose, source: tuple[int, int], spec: RenderSpec
) -> tuple[float, float, float, float]:
    """The unrotated window as a (left, top, right, bottom) box in source pixels."""
    base_w, base_h = base_window(source, spec.aspect)
    cx = source[0] / 2.0 + pose.dx * base_w
    cy = source[1] / 2.0 + pose.dy * base_h
    half_w, half_h = base_w / pose.zoom / 2.0, base_h / pose.zoom / 2.0
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def frame_for(source: Image.Image, pose: Pose, spec: RenderSpec) -> Image.Image:
    """One output frame. Unrotated windows go through ``resize`` with a sub-pixel box
    (separable filtering, several times faster than a generic transform); only rolled
    windows (orbits, handheld) need the affine transform. Both map pixel centres alike."""
    from PIL import Image as PILImage

    size = (spec.width, spec.height)
    if pose.angle == 0.0:
        box = window_box(pose, source.size, spec)
        return source.resize(size, PILImage.Resampling.BICUBIC, box=box)
    return source.transform(
        size,
        PILImage.Transform.AFFINE,
        affine_for(pose, source.size, spec),
        resample=PILImage.Resampling.BILINEAR,
    )


def video_frames(source: Image.Image, spec: RenderSpec) -> Iterator[VideoFrame]:
    """The output frames, in order, as yuv420p video frames of the output size.

    Frames are cut and converted ahead on a small thread pool (Pillow and libswscale release
    the GIL) while the caller encodes; the order, and so the result, never depends on the
    threads.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    import av

    poses = poses_for(spec)
    source = prepare_source(source, spec, max(p.zoom for p in poses))
    if is_still(poses):
        # A static shot cuts its one picture once: the very same pixels in every frame.
        still = settled_still(frame_for(source, poses[0], spec), spec.fps)
        for _ in poses:
            yield frame_from(still, (spec.width, spec.height))
        return

    def convert(pose: Pose) -> VideoFrame:
        image = frame_for(source, pose, spec)
        return av.VideoFrame.from_image(image).reformat(format="yuv420p")

    with ThreadPoolExecutor(max_workers=WORKER_THREADS) as pool:
        ahead: deque[Future[VideoFrame]] = deque()
        for pose in poses:
            ahead.append(pool.submit(convert, pose))
            if len(ahead) > FRAMES_AHEAD:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def poses_for(spec: RenderSpec) -> list[Pose]:
    return camera_path(
        spec.camera,
        spec.frames,
        fps=spec.fps,
        strength=spec.strength,
        aspect=spec.aspect,
        seed=spec.seed,
    )


def is_still(poses: list[Pose]) -> bool:
    return len(set(poses)) == 1


#: The visible bytes of a yuv420p frame's Y, U and V planes, row after row (no padding).
Planes = tuple[bytes, ...]


def settled_still(picture: Image.Image, fps: int) -> Planes:
    """The still as yuv420p planes that x264 leaves alone after the first frame.

    Fed the same detailed picture over and over, x264 touches up the second frame (a few
    levels here and there), so a decoded static video changed between frames 0 and 1.
    Starting instead from what the decoder shows for the keyframe, x264 has nothing left to
    touch up: every frame decodes to the very same pixels. Checked on two frames, repeated
    while needed; if it has not settled after ``SETTLE_ROUNDS`` the last round is used (off
    by a level or two at worst, as before).
    """
    import av

    planes = planes_of(av.VideoFrame.from_image(picture).reformat(format="yuv420p"))
    for _ in range(SETTLE_ROUNDS):
        first, second = _round_trip(planes, picture.size, fps, count=2)
        if first == second:
            return first
        planes = first
    return planes


def planes_of(frame: VideoFrame) -> Planes:
    # Plain bytes rather than numpy arrays: numpy is not one of this package's dependencies.
    result = []
    for plane in frame.planes:
        data, stride = bytes(plane), plane.line_size
        result.append(
            b"".join(data[row * stride : row * stride + plane.width] for row in range(plane.height))
        )
    return tuple(result)


def frame_from(planes: Planes, size: tuple[int, int]) -> VideoFrame:
    import av

    frame = av.VideoFrame(size[0], size[1], "yuv420p")
    for plane, data in zip(frame.planes, planes, strict=True):
        width, stride = plane.width, plane.line_size
        padding = bytes(stride - width)
        rows = (data[row * width : (row + 1) * width] + padding for row in range(plane.height))
        plane.update(b"".join(rows).ljust(plane.buffer_size, b"\0"))
    return frame


def _round_trip(planes: Planes, size: tuple[int, int], fps: int, count: int) -> list[Planes]:
    """Encode ``count`` copies of ``planes`` as a still shot, decode them again."""
    import io

    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options=dict(STILL_X264_OPTIONS))
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for index in range(count):
            frame = frame_from(planes, size)
            frame.pts, frame.time_base = index, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    buffer.seek(0)
    with av.open(buffer, mode="r") as container:
        return [planes_of(frame.reformat(format="yuv420p")) for frame in container.decode(video=0)]


def render_video(
    source: Image.Image,
    spec: RenderSpec,
    out_path: Path,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Encode the frames of ``spec`` over ``source`` into an MP4 at ``out_path``."""
    import av

    options = STILL_X264_OPTIONS if is_still(poses_for(spec)) else X264_OPTIONS
    # faststart: the index goes first, so a browser can play while downloading.
    with av.open(
        str(out_path), mode="w", format="mp4", options={"movflags": "+faststart"}
    ) as container:
        stream = container.add_stream("libx264", rate=spec.fps, options=dict(options))
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
        time_base = Fraction(1, spec.fps)
        for index, frame in enumerate(video_frames(source, spec)):
            frame.pts, frame.time_base = index, time_base
            for packet in stream.encode(frame):
                container.mux(packet)
            if progress is not None:
                progress((index + 1) / spec.frames)
        for packet in stream.encode():
            container.mux(packet)
