"""Shared helpers for the preview provider's tests: test pictures, a provider whose task
folders live in the test's temporary folder, and decoding with PyAV."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import pytest
from framecast import (
    GenerationRequest,
    ImageRef,
    ModelInfo,
    PreparedRequest,
    ProviderSettings,
)
from framecast_preview import PreviewProvider
from PIL import Image, ImageDraw


def bar_picture(size: tuple[int, int] = (480, 270)) -> Image.Image:
    """Dark background, one bright horizontal bar in the middle: easy to locate."""
    image = Image.new("RGB", size, (30, 30, 30))
    width, height = size
    draw = ImageDraw.Draw(image)
    draw.rectangle([width * 0.44, height * 0.47, width * 0.56, height * 0.53], fill=(250, 250, 250))
    return image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_ref(image: Image.Image) -> ImageRef:
    return ImageRef(
        source="bytes",
        data=png_bytes(image),
        media_type="image/png",
        width=image.width,
        height=image.height,
    )


def make_provider(root: Path, **options: Any) -> PreviewProvider:
    return PreviewProvider(
        ProviderSettings(name="preview", env={"FRAMECAST_PREVIEW_DIR": str(root)}, options=options)
    )


@pytest.fixture
def provider(tmp_path: Path) -> PreviewProvider:
    return make_provider(tmp_path / "cache")


@pytest.fixture
def model(provider: PreviewProvider) -> ModelInfo:
    return provider.provider_info().models[0]


def prepare(
    provider: PreviewProvider, request: GenerationRequest, model: ModelInfo | None = None
) -> PreparedRequest:
    """What the runner does before submit, minus its generic validation."""
    model = model or provider.provider_info().models[0]
    if request.idempotency_key is None:
        request = request.evolve(idempotency_key="test-key")
    ratio_plan = provider.map_ratio(request=request, model=model)
    camera_plan = provider.translate_camera(request=request, model=model)
    return provider.prepare(
        request=request, model=model, ratio_plan=ratio_plan, camera_plan=camera_plan
    )


class Video:
    """A decoded MP4: its stream facts and its frames as greyscale images."""

    def __init__(self, path: Path) -> None:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            self.codec = stream.codec_context.name
            self.pix_fmt = stream.codec_context.pix_fmt
            self.rate = stream.average_rate
            self.duration = float(container.duration or 0) / av.time_base
            self.frames = [frame.to_image() for frame in container.decode(stream)]
        self.width, self.height = self.frames[0].size

    def grey(self, index: int) -> Image.Image:
        return self.frames[index].convert("L")


def bright_centroid(image: Image.Image, threshold: int = 160) -> tuple[float, float, int]:
    """Centre (x, y) and pixel count of the bright feature in a greyscale frame."""
    width = image.width
    total_x = total_y = count = 0
    for index, value in enumerate(image.tobytes()):
        if value >= threshold:
            total_x += index % width
            total_y += index // width
            count += 1
    assert count, "the bright feature left the frame"
    return total_x / count, total_y / count, count


def orientation(image: Image.Image, threshold: int = 160) -> float:
    """Angle (degrees) of the bright feature's long axis, from its second moments;
    positive = turned clockwise on screen (y points down)."""
    import math

    cx, cy, _ = bright_centroid(image, threshold)
    width = image.width
    mu20 = mu02 = mu11 = 0.0
    for index, value in enumerate(image.tobytes()):
        if value >= threshold:
            dx, dy = index % width - cx, index // width - cy
            mu20 += dx * dx
            mu02 += dy * dy
            mu11 += dx * dy
    return math.degrees(0.5 * math.atan2(2 * mu11, mu20 - mu02))
