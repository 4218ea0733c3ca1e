"""Render speed of the preview provider against PyAV's libx264 alone, side by side.

    python benchmarks/preview_render.py [--sizes 720,1080] [--moves all] [--repeats 3]
        [--seconds 5] [--image examples/astronaut.png] [--out benchmarks/results/preview-render]

For every (output size, camera move): ``render`` is the preview provider's whole render,
``framecast_preview._render.render_video`` (source preparation, frame cutting, conversion
to yuv420p and encoding to an MP4 file), exactly as its worker runs it. ``limit`` encodes
the very same frames, cut beforehand and held in memory as yuv420p ``av.VideoFrame`` s,
with the same libx264 options into the same kind of MP4 file: the speed of the encoder
alone, which no renderer built on it can beat. The two run back to back, alternating which
goes first, ``--repeats`` times; figures are medians. ``ratio`` = limit seconds / render
seconds (1.0 = the renderer costs nothing beyond the encoder). Writes ``<out>.json`` and
``<out>.md``; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = {"720": (1280, 720), "1080": (1920, 1080)}


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def time_render(source: Any, spec: Any, out: Path) -> tuple[float, float]:
    from framecast_preview._render import render_video

    wall, cpu = _clock()
    render_video(source, spec, out)
    return time.perf_counter() - wall, time.process_time() - cpu


def time_limit(frames: list[Any], spec: Any, out: Path) -> tuple[float, float]:
    """The encoding half of ``render_video`` alone, over frames made beforehand."""
    import av
    from framecast_preview._render import STILL_X264_OPTIONS, X264_OPTIONS, is_still, poses_for

    options = STILL_X264_OPTIONS if is_still(poses_for(spec)) else X264_OPTIONS
    wall, cpu = _clock()
    with av.open(str(out), mode="w", format="mp4", options={"movflags": "+faststart"}) as box:
        stream = box.add_stream("libx264", rate=spec.fps, options=dict(options))
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
        time_base = Fraction(1, spec.fps)
        for index, frame in enumerate(frames):
            frame.pts, frame.time_base = index, time_base
            for packet in stream.encode(frame):
                box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(
    image: Path, sizes: list[str], moves: list[str], repeats: int, seconds: int
) -> list[dict[str, Any]]:
    from framecast_preview._render import RenderSpec, video_frames
    from PIL import Image

    with Image.open(image) as opened:
        opened.load()
        source = opened.copy()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.mp4"
        for size in sizes:
            width, height = SIZES[size]
            for move in moves:
                spec = RenderSpec(width, height, frames=seconds * 24, fps=24, camera=move)
                frames = list(video_frames(source, spec))  # the same frames, made beforehand
                samples: dict[str, list[tuple[float, float]]] = {"render": [], "limit": []}
                time_render(source, spec, out)  # warm: first use of the encoder, caches
                for repeat in range(repeats):
                    order = ("limit", "render") if repeat % 2 == 0 else ("render", "limit")
                    for kind in order:
                        if kind == "render":
                            samples[kind].append(time_render(source, spec, out))
                        else:
                            samples[kind].append(time_limit(frames, spec, out))
                del frames
                render_s = statistics.median(wall for wall, _ in samples["render"])
                limit_s = statistics.median(wall for wall, _ in samples["limit"])
                rows.append(
                    {
                        "size": f"{width}x{height}",
                        "move": move,
                        "frames": spec.frames,
                        "render_s": render_s,
                        "limit_s": limit_s,
                        "render_fps": spec.frames / render_s,
                        "limit_fps": spec.frames / limit_s,
                        "ratio": limit_s / render_s,
                        "render_cpu_s": statistics.median(c for _, c in samples["render"]),
                        "limit_cpu_s": statistics.median(c for _, c in samples["limit"]),
                        "samples": samples,
                    }
                )
                print(_row(rows[-1]), flush=True)
    return rows


def _row(row: dict[str, Any]) -> str:
    return (
        f"| {row['size']} | {row['move']} | {row['render_fps']:.1f} | {row['render_s']:.2f} | "
        f"{row['limit_fps']:.1f} | {row['limit_s']:.2f} | {row['ratio']:.2f} | "
        f"{row['render_cpu_s']:.2f} / {row['limit_cpu_s']:.2f} |"
    )


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Run {result['started']} at commit {result['commit']} on {result['machine']}, "
        f"Python {result['python']}, PyAV {result['av']}, Pillow {result['pillow']}; "
        f"{result['seconds']} s clips at 24 fps from `{result['image']}`, "
        f"{result['repeats']} repeats, medians; load average at start {result['load']}.",
        "",
        "| size | move | render fps | render s/clip | libx264 alone fps | libx264 alone s/clip "
        "| ratio | CPU s render / alone |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [_row(row) for row in result["rows"]]
    for size in sorted({row["size"] for row in result["rows"]}):
        ratios = [row["ratio"] for row in result["rows"] if row["size"] == size]
        lines.append("")
        lines.append(
            f"{size}: ratio median {statistics.median(ratios):.2f}, "
            f"lowest {min(ratios):.2f}, highest {max(ratios):.2f}."
        )
    return "\n".join(lines) + "\n"


def _commit() -> str:
    import subprocess

    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model} ({os.cpu_count()} cores)"


def main() -> None:
    from framecast_preview._motion import MOVES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="720,1080")
    parser.add_argument("--moves", default="all", help="comma-separated, or 'all'")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--image", type=Path, default=ROOT / "examples" / "astronaut.png")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "preview-render")
    args = parser.parse_args()
    moves = list(MOVES) if args.moves == "all" else args.moves.split(",")
    import av
    import PIL

    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result: dict[str, Any] = {
        "started": started,
        "commit": _commit(),
        "machine": _machine(),
        "python": platform.python_version(),
        "av": av.__version__,
        "pillow": PIL.__version__,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "image": os.path.relpath(args.image, ROOT),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    result["rows"] = measure(args.image, args.sizes.split(","), moves, args.repeats, args.seconds)
    report = markdown(result)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(report)


if __name__ == "__main__":
    sys.exit(main())
