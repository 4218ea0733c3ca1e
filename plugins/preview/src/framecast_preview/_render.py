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

    poses = camera_path(
        spec.camera,
        spec.frames,
        fps=spec.fps,
        strength=spec.strength,
        aspect=spec.aspect,
        seed=spec.seed,
    )
    source = prepare_source(source, spec, max(p.zoom for p in poses))
    # A static shot cuts its one picture once: the very same pixels in every frame.
    still = frame_for(source, poses[0], spec) if len(set(poses)) == 1 else None

    def convert(pose: Pose) -> VideoFrame:
        import av

        image = still if still is not None else frame_for(source, pose, spec)
        return av.VideoFrame.from_image(image).reformat(format="yuv420p")

    with ThreadPoolExecutor(max_workers=WORKER_THREADS) as pool:
        ahead: deque[Future[VideoFrame]] = deque()
        for pose in poses:
            ahead.append(pool.submit(convert, pose))
            if len(ahead) > FRAMES_AHEAD:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def render_video(
    source: Image.Image,
    spec: RenderSpec,
    out_path: Path,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Encode the frames of ``spec`` over ``source`` into an MP4 at ``out_path``."""
    import av

    with av.open(str(out_path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=spec.fps, options=dict(X264_OPTIONS))
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
