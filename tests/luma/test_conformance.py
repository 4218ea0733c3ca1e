"""Conformance with Luma's official SDKs (``luma-agents==0.5.0``, ``lumaai==1.21.0``).

For every declared combination — model x mode x ratio x duration x resolution, with the
camera moves, loop and HDR — the plugin's create request is compared with what the SDK
sends for the same inputs (the SDK runs against an ``httpx.MockTransport``), and checked
against the SDK's parameter ``TypedDict``s. The SDK inputs are built here, from the SDKs'
documentation, independently of the plugin. Negative controls show both checks catch a
wrong body.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from framecast import CameraMove, FramecastError, ImageRef, Mode, compose_prompt
from framecast_luma._models import DREAM_MACHINE_CONCEPTS, MODELS

from . import sdk_oracle
from .conftest import png_image, prepare, url_image

AGENTS_BASE = "https://agents.lumalabs.ai/v1"

IMAGES = {
    Mode.TEXT: {},
    Mode.IMAGE: {"image": "first"},
    Mode.FIRST_LAST: {"image": "first", "end_image": "last"},
}


def _image(model: str, which: str) -> ImageRef:
    # Ray 3.2 gets a local PNG (inline base64); Dream Machine takes only URLs.
    return png_image() if model == "ray-3.2" else url_image(f"{which}.jpg")


def _agents_ref(image: ImageRef) -> dict[str, Any]:
    if image.url:
        return {"url": image.url}
    return {"data": image.base64(), "media_type": image.media_type}


def expected_agents(fields: dict[str, Any], resolution: str, hdr: bool) -> dict[str, Any]:
    """The SDK call for a framecast request, from the Agents API SDK's docstrings."""
    duration = fields.get("duration") or 5
    video: dict[str, Any] = {"duration": f"{duration}s", "resolution": resolution}
    if hdr:
        video["hdr"] = True
    frames = [fields[k] for k in ("image", "end_image") if k in fields]
    if frames and (duration == 10 or hdr):  # keyframes: the surface for 10 s and HDR
        video["keyframes"] = [_agents_ref(f) for f in frames]
        video["keyframe_indexes"] = [0, duration * 24][: len(frames)]
    else:
        for slot, frame in zip(("start_frame", "end_frame"), frames, strict=False):
            video[slot] = _agents_ref(frame)
    return {
        "prompt": compose_prompt(fields["prompt"], fields.get("camera")),
        "model": "ray-3.2",
        "type": "video",
        "aspect_ratio": fields.get("ratio") or "16:9",
        "video": video,
    }


def expected_dream_machine(fields: dict[str, Any], resolution: str) -> dict[str, Any]:
    """The SDK call for a framecast request, from the Dream Machine SDK and concept list."""
    camera = fields.get("camera")
    concept = DREAM_MACHINE_CONCEPTS.get(camera) if camera else None
    call: dict[str, Any] = {
        "model": fields["model"],
        "prompt": compose_prompt(fields["prompt"], None if concept else camera),
        "aspect_ratio": fields.get("ratio") or "16:9",
        "duration": f"{fields.get('duration') or 5}s",
        "resolution": resolution,
    }
    keyframes = {
        slot: {"type": "image", "url": fields[k].url}
        for slot, k in (("frame0", "image"), ("frame1", "end_image"))
        if k in fields
    }
    if keyframes:
        call["keyframes"] = keyframes
    if concept:
        call["concepts"] = [{"key": concept}]
    return call


def combinations():
    for luma_model in MODELS:
        model = luma_model.info
        hdrs = (False, True) if luma_model.api == "agents" else (False,)
        for mode, ratio, duration, resolution, hdr in itertools.product(
            sorted(model.modes, key=lambda m: m.value),
            model.ratios,
            model.durations,
            luma_model.resolutions,
            hdrs,
        ):
            yield luma_model, mode, ratio, duration, resolution, hdr


def _fields(model: str, mode: Mode, ratio: str, duration: int, camera: CameraMove | None):
    fields: dict[str, Any] = {
        "prompt": "A lighthouse at dusk", "model": model, "ratio": ratio, "duration": duration,
    }  # fmt: skip
    for key, which in IMAGES[mode].items():
        fields[key] = _image(model, which)
    if camera is not None:
        fields["camera"] = camera
    return fields


def _run(provider, info, luma_model, fields, resolution, hdr):
    options: dict[str, Any] = {"resolution": resolution}
    if hdr:
        options["hdr"] = True
    try:
        prepared = prepare(provider, info, options=options, **fields)
    except FramecastError:
        return None  # refused before the network: nothing is sent
    if luma_model.api == "agents":
        call = expected_agents(fields, resolution, hdr)
    else:
        call = expected_dream_machine(fields, resolution)
    method, url, sdk_body = sdk_oracle.sdk_request(luma_model.api, **call)
    plugin_url = prepared.path if "://" in prepared.path else AGENTS_BASE + prepared.path
    return prepared, (method, url, sdk_body), plugin_url


def test_the_pinned_sdks_are_installed():
    assert sdk_oracle.installed_versions() == sdk_oracle.PINNED


def test_every_declared_combination_sends_what_the_sdk_sends(provider, info):
    compared = refused = 0
    for luma_model, mode, ratio, duration, resolution, hdr in combinations():
        fields = _fields(luma_model.info.name, mode, ratio, duration, CameraMove.ORBIT_LEFT)
        ran = _run(provider, info, luma_model, fields, resolution, hdr)
        if ran is None:
            refused += 1
            continue
        prepared, (method, url, sdk_body), plugin_url = ran
        where = (luma_model.info.name, mode.value, ratio, duration, resolution, hdr)
        assert (prepared.method, plugin_url) == (method, url), where
        assert dict(prepared.body) == sdk_body, where
        assert sdk_oracle.type_problems(luma_model.api, dict(prepared.body)) == [], where
        compared += 1
    # Refused: HDR at 360p only (the SDK's "SDR-only" draft tier).
    assert refused == len([c for c in combinations() if c[5] and c[4] == "360p"])
    assert compared == len(list(combinations())) - refused == 840


@pytest.mark.parametrize("camera", list(CameraMove))
@pytest.mark.parametrize("name", ["ray-3.2", "ray-2"])
def test_every_camera_move_sends_what_the_sdk_sends(provider, info, name, camera):
    luma_model = next(m for m in MODELS if m.info.name == name)
    fields = _fields(name, Mode.IMAGE, "16:9", 5, camera)
    prepared, (_, _, sdk_body), _ = _run(provider, info, luma_model, fields, "720p", False)
    assert dict(prepared.body) == sdk_body
    assert sdk_oracle.type_problems(luma_model.api, dict(prepared.body)) == []


def test_loop_and_callback_send_what_the_sdk_sends(provider, info):
    prepared = prepare(
        provider, info, prompt="A lighthouse", model="ray-2", image=url_image("first.jpg"),
        options={"loop": False, "callback_url": "https://example.com/cb", "resolution": "720p"},
    )  # fmt: skip
    _, _, sdk_body = sdk_oracle.sdk_request(
        "dream-machine", model="ray-2", prompt="A lighthouse", aspect_ratio="16:9",
        duration="5s", resolution="720p", loop=False, callback_url="https://example.com/cb",
        keyframes={"frame0": {"type": "image", "url": "https://example.com/first.jpg"}},
    )  # fmt: skip
    assert dict(prepared.body) == sdk_body
    looped = prepare(provider, info, prompt="Waves", options={"loop": True})
    _, _, sdk_looped = sdk_oracle.sdk_request(
        "agents", prompt="Waves", model="ray-3.2", type="video", aspect_ratio="16:9",
        video={"duration": "5s", "resolution": "720p", "loop": True},
    )  # fmt: skip
    assert dict(looped.body) == sdk_looped


# ------------------------------------------------------------------ negative controls


def test_the_type_check_catches_wrong_bodies(provider, info):
    good = dict(prepare(provider, info, prompt="x", image=png_image(), duration=10).body)
    assert sdk_oracle.type_problems("agents", good) == []
    bad_bodies = [
        {**good, "video": {**good["video"], "duration": 10}},  # an int, not "10s"
        {**good, "aspect_ratio": "5:4"},  # not a Luma ratio
        {**good, "seed": 7},  # no such field
        {k: v for k, v in good.items() if k != "prompt"},  # prompt is required
        {**good, "video": {**good["video"], "resolution": "4k"}},  # a Dream Machine value
    ]
    for bad in bad_bodies:
        assert sdk_oracle.type_problems("agents", bad), bad
    dm = dict(prepare(provider, info, prompt="x", model="ray-2", image=url_image()).body)
    assert sdk_oracle.type_problems("dream-machine", dm) == []
    assert sdk_oracle.type_problems("dream-machine", {**dm, "model": "ray-3.2"})
    assert sdk_oracle.type_problems("dream-machine", {**dm, "concepts": [{"name": "zoom_in"}]})


def test_the_comparison_catches_a_body_that_differs_from_the_sdks(provider, info):
    prepared = prepare(provider, info, prompt="x", image=png_image(), duration=10)
    call = expected_agents({"prompt": "x", "image": png_image(), "duration": 10}, "720p", False)
    _, _, sdk_body = sdk_oracle.sdk_request("agents", **call)
    assert dict(prepared.body) == sdk_body
    # The same inputs through the SDK's legacy 2-frame surface: a different body, caught.
    legacy = {**call, "video": {"duration": "10s", "resolution": "720p",
                                "start_frame": call["video"]["keyframes"][0]}}  # fmt: skip
    _, _, legacy_body = sdk_oracle.sdk_request("agents", **legacy)
    assert dict(prepared.body) != legacy_body
    # A Dream Machine body the SDK would send with a concept the plugin phrases instead.
    dm = prepare(provider, info, prompt="x", model="ray-2", image=url_image(), camera="tilt_up")
    _, _, dm_sdk = sdk_oracle.sdk_request(
        "dream-machine", model="ray-2", prompt="x", aspect_ratio="16:9", duration="5s",
        resolution="720p", concepts=[{"key": "tilt_up"}],
        keyframes={"frame0": {"type": "image", "url": "https://example.com/cat.jpg"}},
    )  # fmt: skip
    assert dict(dm.body) != dm_sdk
