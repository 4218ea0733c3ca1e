"""The preview's declarations and pure hooks: what the core validates against, the ratio
and camera plans, the prepared render request, price, auth and classification."""

from __future__ import annotations

from pathlib import Path

import httpx
import platformdirs
import pytest
from framecast import (
    GenerationRequest,
    ImageRef,
    Mode,
    ModelInfo,
    ProviderSettings,
    UnsupportedOption,
    ValidationError,
    testing,
)
from framecast_preview import PreviewProvider
from framecast_preview._declarations import output_size

from .conftest import bar_picture, image_ref, make_provider, prepare


def test_declares_one_free_video_model_for_text_and_image(provider: PreviewProvider) -> None:
    info = provider.provider_info()
    assert info.name == "preview"
    assert [m.name for m in info.models] == ["preview"]
    model = info.models[0]
    assert model.kind == "video"
    assert model.modes == {Mode.TEXT, Mode.IMAGE}
    assert model.ratios == ()  # any W:H
    assert model.durations == tuple(range(1, 11))
    assert model.default_duration == 5
    assert model.prompt_limit == 5000
    assert info.default_model(Mode.TEXT) == info.default_model(Mode.IMAGE) == "preview"
    assert info.official_hosts == ()
    assert info.credential_variables == ()
    assert info.poll_floor == 0.0
    assert testing.provider_info(provider).supports_dedupe is True
    assert [o.name for o in info.options] == ["short_side"]


def test_construction_and_declarations_need_no_environment() -> None:
    provider = PreviewProvider(ProviderSettings(name="preview"))
    assert provider.provider_info().name == "preview"


def test_the_cache_folder_follows_the_variable_then_the_config(tmp_path: Path) -> None:
    env = {"FRAMECAST_PREVIEW_DIR": str(tmp_path / "env")}
    config = {"cache_dir": str(tmp_path / "config")}
    both = PreviewProvider(ProviderSettings(name="preview", env=env, config=config))
    assert both.cache_root == tmp_path / "env"
    configured = PreviewProvider(ProviderSettings(name="preview", config=config))
    assert configured.cache_root == tmp_path / "config"
    default = PreviewProvider(ProviderSettings(name="preview"))
    assert default.cache_root == Path(platformdirs.user_cache_dir("framecast")) / "preview"


def test_a_relative_cache_folder_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    provider = PreviewProvider(
        ProviderSettings(name="preview", env={"FRAMECAST_PREVIEW_DIR": "tasks"})
    )
    assert provider.cache_root == tmp_path / "tasks"


# ----------------------------------------------------------------------------- ratios


def test_ratio_defaults_to_the_images_own_aspect(
    provider: PreviewProvider, model: ModelInfo
) -> None:
    request = GenerationRequest(image=image_ref(bar_picture((400, 300))))
    assert provider.map_ratio(request=request, model=model).wire_value == "4:3"


def test_ratio_defaults_to_16_9_for_text(provider: PreviewProvider, model: ModelInfo) -> None:
    request = GenerationRequest(prompt="a lighthouse")
    assert provider.map_ratio(request=request, model=model).wire_value == "16:9"


def test_any_w_h_is_accepted_and_reduced(provider: PreviewProvider, model: ModelInfo) -> None:
    request = GenerationRequest(prompt="x", ratio="1920:1080")
    assert provider.map_ratio(request=request, model=model).wire_value == "16:9"
    request = GenerationRequest(prompt="x", ratio="7:3")
    assert provider.map_ratio(request=request, model=model).wire_value == "7:3"


@pytest.mark.parametrize("ratio", ["16x9", "0:1", "-4:3", "wide", "1:2:3"])
def test_a_ratio_that_is_not_w_h_is_refused(
    provider: PreviewProvider, model: ModelInfo, ratio: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        provider.map_ratio(request=GenerationRequest(prompt="x", ratio=ratio), model=model)
    assert caught.value.field == "ratio"
    assert caught.value.value == ratio
    assert "W:H" in caught.value.message


def test_a_different_ratio_frames_the_centre_or_fits_as_asked(
    provider: PreviewProvider, model: ModelInfo
) -> None:
    image = image_ref(bar_picture((300, 300)))
    plan = provider.map_ratio(request=GenerationRequest(image=image, ratio="16:9"), model=model)
    assert (plan.wire_value, plan.fit) == ("16:9", "none")
    assert plan.note and "1:1" in plan.note
    request = GenerationRequest(image=image, ratio="16:9", image_fit="pad")
    plan = provider.map_ratio(request=request, model=model)
    assert (plan.fit, plan.fit_aspect) == ("pad", "16:9")


def test_a_url_image_is_left_for_the_core_to_download_and_fit(
    provider: PreviewProvider, model: ModelInfo
) -> None:
    image = ImageRef(source="url", url="https://example.test/cat.png")
    plan = provider.map_ratio(request=GenerationRequest(image=image), model=model)
    assert (plan.wire_value, plan.fit, plan.fit_aspect) == ("16:9", "crop", "16:9")


@pytest.mark.parametrize(
    ("ratio", "short", "size"),
    [
        ("16:9", 720, (1280, 720)),
        ("9:16", 720, (720, 1280)),
        ("1:1", 144, (144, 144)),
        ("4:3", 145, (194, 146)),  # everything even, as H.264 4:2:0 needs
        ("1000:667", 720, (1080, 720)),
        ("21:9", 144, (336, 144)),
    ],
)
def test_output_size_is_even_with_the_short_side_as_asked(
    ratio: str, short: int, size: tuple[int, int]
) -> None:
    assert output_size(ratio, short) == size


# ----------------------------------------------------------------------------- camera


def test_camera_plan_is_native_with_the_finished_prompt(
    provider: PreviewProvider, model: ModelInfo
) -> None:
    request = GenerationRequest(prompt="A lighthouse", camera="tilt_up", camera_strength=7)
    plan = provider.translate_camera(request=request, model=model)
    assert plan.prompt == "A lighthouse. Camera: camera tilts up."
    assert plan.method == "native"
    assert plan.native == {"move": "tilt_up", "strength": 7}
    plan = provider.translate_camera(request=GenerationRequest(prompt="x"), model=model)
    assert (plan.method, plan.native) == ("none", None)


def test_a_camera_clause_and_a_camera_move_together_are_refused(
    provider: PreviewProvider, model: ModelInfo
) -> None:
    request = GenerationRequest(prompt="A cat. Camera: pan left.", camera="zoom_in")
    with pytest.raises(ValidationError) as caught:
        provider.translate_camera(request=request, model=model)
    assert caught.value.field == "prompt"


# ----------------------------------------------------------------------------- prepare


def test_prepare_builds_the_render_request(provider: PreviewProvider) -> None:
    image = image_ref(bar_picture((480, 270)))
    request = GenerationRequest(
        prompt="A bar",
        image=image,
        camera="pan_left",
        duration=3,
        seed=42,
        options={"short_side": 360},
    )
    prepared = prepare(provider, request)
    body = prepared.body
    assert (body["width"], body["height"], body["ratio"]) == (640, 360, "16:9")
    assert (body["duration"], body["fps"], body["seed"]) == (3, 24, 42)
    assert (body["camera"], body["camera_strength"], body["mode"]) == ("pan_left", 5, "image")
    assert body["prompt"] == "A bar. Camera: camera pans left across the scene."
    assert body["image"] == prepared.uploads[0].placeholder
    assert prepared.uploads[0].image is image
    assert prepared.model == "preview"
    assert prepared.provider_data["idempotency_key"] == "test-key"
    # The dry run shows no image bytes, only what they are.
    assert "PNG 480x270" in str(prepared.to_dict())


def test_defaults_five_seconds_720p_and_a_seed_derived_from_the_request(
    provider: PreviewProvider,
) -> None:
    request = GenerationRequest(prompt="A lighthouse at dusk")
    body = prepare(provider, request).body
    assert (body["width"], body["height"], body["duration"]) == (1280, 720, 5)
    assert body["seed"] == prepare(provider, request).body["seed"]  # pure
    assert body["seed"] != prepare(provider, request.evolve(prompt="A forest")).body["seed"]


def test_configured_short_side_applies_and_the_request_wins(tmp_path: Path) -> None:
    provider = make_provider(tmp_path, short_side=240)
    assert prepare(provider, GenerationRequest(prompt="x")).body["height"] == 240
    request = GenerationRequest(prompt="x", options={"short_side": 144})
    assert prepare(provider, request).body["height"] == 144


@pytest.mark.parametrize("value", [100, 3000, "720", 720.0, True])
def test_a_bad_short_side_is_refused(provider: PreviewProvider, value: object) -> None:
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, GenerationRequest(prompt="x", options={"short_side": value}))
    assert caught.value.field == "options.short_side"
    assert caught.value.allowed == "144-2160"


@pytest.mark.parametrize("duration", [0.5, 11, 2.5])
def test_a_duration_outside_1_to_10_whole_seconds_is_refused(
    provider: PreviewProvider, duration: float
) -> None:
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, GenerationRequest(prompt="x", duration=duration))
    assert caught.value.field == "duration"
    assert caught.value.allowed == list(range(1, 11))


def test_a_ratio_too_wide_for_the_encoder_is_refused(provider: PreviewProvider) -> None:
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, GenerationRequest(prompt="x", ratio="10:1"))
    assert caught.value.field == "ratio"
    assert "4096" in caught.value.message
    body = prepare(
        provider, GenerationRequest(prompt="x", ratio="10:1", options={"short_side": 144})
    ).body
    assert (body["width"], body["height"]) == (1440, 144)


def test_text_to_video_needs_a_prompt(provider: PreviewProvider) -> None:
    with pytest.raises(ValidationError) as caught:
        prepare(provider, GenerationRequest(prompt="  "))
    assert caught.value.field == "prompt"


def test_end_image_is_not_a_preview_mode(provider: PreviewProvider) -> None:
    image = image_ref(bar_picture())
    with pytest.raises(UnsupportedOption) as caught:
        prepare(provider, GenerationRequest(prompt="x", image=image, end_image=image))
    assert caught.value.field == "mode"


# ----------------------------------------------------------------------------- the rest


def test_the_estimate_is_free_and_official(provider: PreviewProvider, model: ModelInfo) -> None:
    estimate = provider.estimate(request=GenerationRequest(prompt="x"), model=model)
    assert estimate.amount == 0.0
    assert estimate.confidence == "official"
    assert estimate.formula == "offline render, free"


@pytest.mark.anyio
async def test_auth_adds_nothing_to_a_request(provider: PreviewProvider) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async with httpx.AsyncClient(
        base_url="http://preview.invalid",
        transport=httpx.MockTransport(handler),
        auth=provider.auth(),
    ) as client:
        await client.get("/x")
    assert "authorization" not in seen[0].headers


def test_classify_leaves_everything_to_the_core(provider: PreviewProvider) -> None:
    response = httpx.Response(500, request=httpx.Request("GET", "http://x.invalid/"))
    assert provider.classify(response=response, phase="poll") is None


def test_a_photo_turned_by_exif_keeps_the_aspect_it_is_shown_with(
    provider: PreviewProvider, model: ModelInfo
) -> None:
    import io

    from PIL import Image

    stored = Image.new("RGB", (400, 300), (90, 90, 90))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", exif=exif)
    image = ImageRef(
        source="bytes", data=buffer.getvalue(), media_type="image/jpeg", width=400, height=300
    )
    plan = provider.map_ratio(request=GenerationRequest(image=image), model=model)
    assert plan.wire_value == "3:4"
