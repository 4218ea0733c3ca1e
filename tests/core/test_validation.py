"""Validation before any network call (docs/concepts.md): each refusal names field, value and what
is allowed, and no request reaches the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from framecast import (
    IDENTITY_PREFIX,
    GenerationRequest,
    ImageConstraints,
    Mode,
    ModelInfo,
    UnsupportedOption,
    ValidationError,
    exit_code_for,
)

from .acme import MODELS
from .support import (
    acme_class,
    make_runner,
    png,
    png_header_only,
    scripted,
    sent_image_size,
    text_request,
)

pytestmark = pytest.mark.anyio


async def refused(request: GenerationRequest, **runner_kwargs) -> ValidationError:
    """Submit ``request``; assert it was refused before anything reached the transport."""
    clock, server, faults = scripted()
    async with make_runner(faults, clock, **runner_kwargs) as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.generate(request)
    assert faults.log == [], "a request reached the server"
    assert server.created == 0
    error = caught.value
    assert exit_code_for(error) == 2
    assert error.field is not None
    assert error.details["field"] == error.field
    return error


# ---------------------------------------------------------------- model and mode


async def test_unknown_model_is_refused_listing_the_known_ones() -> None:
    error = await refused(text_request(model="acme-9"))
    assert isinstance(error, UnsupportedOption)
    assert (error.field, error.value) == ("model", "acme-9")
    assert error.allowed == ["acme-1", "acme-follow"]
    assert "allow_unknown_model" in error.message


async def test_allow_unknown_model_sends_it_unvalidated(caplog) -> None:
    clock, server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        request = text_request(model="acme-9", allow_unknown_model=True, ratio="16:9")
        handle = await runner.submit(request)
    assert handle.model == "acme-9"
    assert server.bodies[0]["model"] == "acme-9"
    assert any("acme-9" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


async def test_withdrawn_model_names_its_replacement() -> None:
    error = await refused(text_request(model="acme-0"))
    assert (error.field, error.value) == ("model", "acme-0")
    assert error.allowed == ["acme-1"]
    assert "'acme-1'" in error.message


async def test_mode_the_model_does_not_take_is_refused_naming_models_that_do() -> None:
    error = await refused(text_request(model="acme-follow"))  # no image: text mode
    assert (error.field, error.value) == ("mode", "text")
    assert error.allowed == ["image"]
    assert "acme-1" in error.message


# ---------------------------------------------------------------- request fields


async def test_ratio_not_offered_is_refused_listing_the_offered_ones() -> None:
    error = await refused(text_request(ratio="4:3"))
    assert (error.field, error.value) == ("ratio", "4:3")
    assert error.allowed == ["16:9", "9:16", "1:1"]


async def test_nearest_ratio_policy_takes_the_nearest_with_a_note() -> None:
    clock, _server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        prepared = runner.prepare(text_request(ratio="21:9", ratio_policy="nearest"))
    assert prepared.body["size"] == "1280x720"
    assert prepared.notes == ("ratio 21:9 -> 16:9",)  # the dry run shows the note


async def test_duration_not_offered_is_refused() -> None:
    error = await refused(text_request(duration=7))
    assert (error.field, error.value, error.allowed) == ("duration", 7, [5, 10])


async def test_prompt_too_long_once_the_camera_clause_is_added() -> None:
    clock, _server, faults = scripted()
    prompt = "x" * 190  # fits alone (limit 200), not with the camera phrasing
    async with make_runner(faults, clock) as runner:
        runner.prepare(text_request(prompt=prompt))
    error = await refused(text_request(prompt=prompt, camera="orbit_left"))
    assert error.field == "prompt"
    assert "200" in str(error.allowed)
    assert "camera" in error.message


async def test_prompt_too_long_once_the_identity_prefix_is_added() -> None:
    prompt = "y" * (200 - len(IDENTITY_PREFIX) + 5)
    assert len(prompt) <= 200
    error = await refused(text_request(prompt=prompt, preserve_identity=True))
    assert error.field == "prompt"


async def test_two_camera_instructions_are_refused() -> None:
    error = await refused(text_request(prompt="a cat. Camera: pans left.", camera="zoom_in"))
    assert error.field == "prompt"


@pytest.mark.parametrize(
    ("options", "field", "allowed"),
    [
        ({"turbo": True}, "options.turbo", ["quality"]),
        ({"quality": 3}, "options.quality", ["draft", "final"]),
        ({"quality": "ultra"}, "options.quality", ["draft", "final"]),
    ],
    ids=["unknown", "wrong-type", "not-a-choice"],
)
async def test_declared_options_are_checked(options, field: str, allowed) -> None:
    error = await refused(text_request(options=options))
    assert error.field == field
    assert error.value == next(iter(options.values()))
    assert error.allowed == allowed


async def test_seed_where_the_model_has_none_is_refused() -> None:
    error = await refused(
        GenerationRequest(prompt="p", image=png(64, 64), model="acme-follow", seed=7)
    )
    assert (error.field, error.value) == ("seed", 7)


async def test_negative_prompt_where_the_model_has_none_is_refused() -> None:
    request = GenerationRequest(
        prompt="p", image=png(64, 64), model="acme-follow", negative_prompt="blur"
    )
    error = await refused(request)
    assert (error.field, error.value) == ("negative_prompt", "blur")


async def test_max_cost_refuses_an_unknown_price() -> None:
    request = GenerationRequest(prompt="p", image=png(64, 64), model="acme-follow")
    error = await refused(request, max_cost=5.0)
    assert error.field == "max_cost"
    assert "unknown" in error.message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"camera_strength": 11}, "camera_strength"),
        ({"camera": "barrel_roll"}, "camera"),
        ({"duration": -1}, "duration"),
        ({"ratio": " "}, "ratio"),
        ({"seed": -1}, "seed"),
        ({"image_fit": "stretch"}, "image_fit"),
    ],
)
def test_request_fields_are_checked_when_built(changes, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        GenerationRequest(prompt="p", **changes)
    assert caught.value.field == field


# ---------------------------------------------------------------- images


def image_request(image, **changes) -> GenerationRequest:
    return GenerationRequest(prompt="a red square", image=image, **changes)


async def test_an_http_image_url_is_refused() -> None:
    error = await refused(image_request("http://example.com/cat.png"))
    assert error.field == "image"
    assert error.allowed == ["https://"]


async def test_a_missing_image_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope.png"
    error = await refused(image_request(str(missing)))
    assert (error.field, error.value) == ("image", str(missing))


async def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "cat.png"
    fake.write_text("this is not a png")
    error = await refused(image_request(fake))
    assert error.field == "image" and error.value == "cat.png"
    assert "first bytes" in error.message


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
async def test_formats_the_model_does_not_take_are_refused(fmt: str) -> None:
    error = await refused(image_request(png(64, 64, fmt=fmt)))
    assert (error.field, error.value) == ("image", fmt.lower())
    assert error.allowed == ["PNG", "JPEG"]


async def test_an_image_too_small_is_refused() -> None:
    error = await refused(image_request(png(32, 80)))
    assert (error.field, error.value) == ("image", "32x80")
    assert "64" in error.allowed


async def test_an_image_too_large_in_bytes_is_refused() -> None:
    big = png(64, 64) + b"\x00" * 2_000_000
    error = await refused(image_request(big))
    assert (error.field, error.value) == ("image", len(big))


async def test_a_decompression_bomb_header_is_refused() -> None:
    error = await refused(image_request(png_header_only(100_000, 100_000)))
    assert error.field == "image"
    assert "100000x100000" in str(error.value) or "decompression" in error.message


async def test_a_truncated_png_is_refused() -> None:
    whole = png(200, 200, color=(1, 2, 3))
    error = await refused(image_request(whole[: len(whole) // 2]))
    assert error.field == "image"
    assert "cannot be read" in error.message


async def test_an_end_image_is_refused_where_the_model_takes_none() -> None:
    error = await refused(image_request(png(64, 64), end_image=png(64, 64)))
    assert error.field == "mode"


async def test_an_image_given_as_a_path_is_sent_inline(tmp_path: Path) -> None:
    source = tmp_path / "square.png"
    source.write_bytes(png(100, 100))
    clock, server, faults = scripted()
    async with make_runner(faults, clock) as runner:
        await runner.submit(image_request(source))
    assert sent_image_size(server.bodies[0]) == (100, 100)


# ---------------------------------------------------------------- fitting (the core crops or pads)


@pytest.mark.parametrize(
    ("fit", "size"),
    [("crop", (160, 90)), ("pad", (320, 180))],
)
async def test_the_core_fits_the_image_to_the_ratio_when_the_output_follows_it(
    fit: str, size: tuple[int, int]
) -> None:
    clock, server, faults = scripted()
    request = image_request(png(160, 180), model="acme-follow", ratio="16:9", image_fit=fit)
    async with make_runner(faults, clock) as runner:
        await runner.submit(request)
    assert sent_image_size(server.bodies[0]) == size


async def test_a_ratio_that_needs_fitting_is_refused_without_a_fit() -> None:
    request = image_request(png(160, 180), model="acme-follow", ratio="16:9")
    error = await refused(request)
    assert (error.field, error.value) == ("ratio", "16:9")
    assert error.allowed == ["crop", "pad"]


async def test_an_image_url_to_fit_is_downloaded_without_credentials_and_fitted() -> None:
    clock, server, faults = scripted()
    image = png(200, 100)

    def handler(request):
        if request.url.host == "images.example":
            assert "authorization" not in request.headers
            import httpx

            return httpx.Response(200, content=image)
        return faults(request)

    request = image_request(
        "https://images.example/wide.png", model="acme-follow", ratio="1:1", image_fit="crop"
    )
    async with make_runner(handler, clock) as runner:
        await runner.submit(request)
    assert sent_image_size(server.bodies[0]) == (100, 100)


# ---------------------------------------------------------------- other model shapes

EXTRA_MODELS = (
    ModelInfo(
        name="acme-multi",
        modes=(Mode.MULTI_IMAGE, Mode.FIRST_LAST),
        durations=(5,),
        default_duration=5,
        prompt_limit=10,
        prompt_unit="utf16",
        image=ImageConstraints(formats=("png",), max_images=2, min_side=64),
    ),
    ModelInfo(name="acme-still", kind="image", modes=(Mode.TEXT,)),
)


def extra_provider(clock):
    return acme_class(clock, models=(*MODELS, *EXTRA_MODELS))


async def refused_by_extra(request: GenerationRequest) -> ValidationError:
    clock, server, faults = scripted()
    async with make_runner(faults, clock, provider=extra_provider(clock)) as runner:
        with pytest.raises(ValidationError) as caught:
            await runner.submit(request)
    assert faults.log == [] and server.created == 0
    return caught.value


async def test_too_many_reference_images_are_refused() -> None:
    images = [png(64, 64)] * 3
    error = await refused_by_extra(GenerationRequest(prompt="p", images=images, model="acme-multi"))
    assert (error.field, error.value) == ("images", 3)
    assert "2" in error.allowed


async def test_each_reference_image_is_checked_under_its_own_name() -> None:
    images = [png(64, 64), png(64, 64, fmt="JPEG")]
    error = await refused_by_extra(GenerationRequest(prompt="p", images=images, model="acme-multi"))
    assert error.field == "images[1]"
    assert error.value == "jpeg"


async def test_the_end_image_is_checked_under_its_own_name() -> None:
    request = GenerationRequest(
        prompt="p", image=png(64, 64), end_image=png(20, 20), model="acme-multi"
    )
    error = await refused_by_extra(request)
    assert (error.field, error.value) == ("end_image", "20x20")


async def test_prompt_length_is_counted_in_utf16_units_where_declared() -> None:
    images = [png(64, 64)]
    ok = GenerationRequest(
        prompt="\N{GRINNING FACE}" * 5, images=images, model="acme-multi", ratio="16:9"
    )
    clock, _server, faults = scripted()
    async with make_runner(faults, clock, provider=extra_provider(clock)) as runner:
        runner.prepare(ok)  # 10 UTF-16 units: at the limit
    error = await refused_by_extra(ok.evolve(prompt="\N{GRINNING FACE}" * 6))  # 6 chars, 12 units
    assert error.field == "prompt"
    assert error.value == "12 UTF-16 code units"


@pytest.mark.parametrize(
    ("changes", "field"), [({"duration": 5}, "duration"), ({"camera": "zoom_in"}, "camera")]
)
async def test_an_image_model_takes_no_duration_or_camera(changes, field: str) -> None:
    error = await refused_by_extra(GenerationRequest(prompt="p", model="acme-still", **changes))
    assert error.field == field


async def test_an_unknown_model_sent_unvalidated_takes_its_options_unvalidated() -> None:
    clock, server, faults = scripted()
    options = {"quality": "final", "new_knob": 3}
    request = text_request(model="acme-9", allow_unknown_model=True, ratio="16:9", options=options)
    async with make_runner(faults, clock) as runner:
        await runner.submit(request)
    assert server.bodies[0]["options"] == options


async def test_a_local_file_for_a_model_without_upload_names_the_models_that_take_one() -> None:
    url_only = ModelInfo(
        name="acme-url",
        modes=(Mode.IMAGE,),
        ratios=MODELS[0].ratios,
        default_ratio=MODELS[0].default_ratio,
        durations=(5,),
        default_duration=5,
        image=ImageConstraints(local_files=False),
    )
    models = (*MODELS, url_only)
    error = await refused(
        GenerationRequest(prompt="x", image=png(640, 360), model="acme-url"),
        provider=acme_class(None, models=models),
    )
    assert error.field == "image"
    assert "acme-url takes images only as URLs" in error.message
    assert "acme-1 or acme-follow, which takes local files" in error.message
    assert error.allowed == ["https://..."]
    # A URL is what it takes: prepared without a request.
    clock, _, faults = scripted()
    async with make_runner(faults, clock, provider=acme_class(clock, models=models)) as runner:
        prepared = runner.prepare(
            GenerationRequest(prompt="x", image="https://example.com/a.png", model="acme-url")
        )
    assert prepared.model == "acme-url"


# ---------------------------------------------------------------- per-mode variants


def _acme_with_variants():
    """acme-1 with text-to-video narrower than image-to-video (5 s only, square only)."""
    import attrs
    from framecast import ModeVariant

    models = tuple(
        attrs.evolve(m, variants=(ModeVariant(modes={Mode.TEXT}, ratios=("960x960",),
                                              default_ratio="960x960", durations=(5,),
                                              prompt_limit=50),))
        if m.name == "acme-1" else m
        for m in MODELS
    )  # fmt: skip
    return acme_class(models=models)


async def test_a_mode_variant_narrows_durations_ratios_and_prompt_for_that_mode() -> None:
    provider = _acme_with_variants()
    error = await refused(text_request(duration=10), provider=provider)
    assert (error.field, error.value, error.allowed) == ("duration", 10, [5])
    error = await refused(text_request(prompt="x" * 60), provider=provider)
    assert error.field == "prompt"
    clock, _server, faults = scripted()
    async with make_runner(faults, clock, provider=provider) as runner:
        # map_ratio and prepare see the text variant's ratios and default.
        text_model = runner.resolve_model(text_request())
        assert (text_model.ratios, text_model.default_ratio) == (("960x960",), "960x960")
        assert runner.prepare(text_request()).body["size"] == "960x960"
        image = png(1280, 720)
        runner.prepare(text_request(image=image, duration=10))  # the image mode keeps 5, 10


def test_for_mode_keeps_the_model_where_no_variant_covers_the_mode() -> None:
    import attrs
    from framecast import ModeVariant

    model = ModelInfo(name="m", modes={Mode.TEXT, Mode.IMAGE}, ratios=("16:9", "1:1"),
                      default_ratio="16:9", durations=(5, 10), default_duration=5,
                      variants=(ModeVariant(modes={Mode.TEXT}, durations=(10,)),))  # fmt: skip
    assert model.for_mode(Mode.IMAGE) is model
    text = model.for_mode(Mode.TEXT)
    assert (text.ratios, text.default_ratio, text.durations, text.default_duration) == (
        ("16:9", "1:1"), "16:9", (10,), None,
    )  # fmt: skip
    assert text.variants == ()
    square = attrs.evolve(model, variants=(ModeVariant(modes={Mode.TEXT}, ratios=("1:1",)),))
    # The model's default ratio is not offered in text mode: the narrowed model has none.
    assert square.for_mode(Mode.TEXT).default_ratio is None
