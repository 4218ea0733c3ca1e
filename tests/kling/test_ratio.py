"""map_ratio(): wire values on text2video/multi-image2video; image2video follows the image
and a different ratio becomes a crop/pad plan or a refusal naming the image's ratio."""

from __future__ import annotations

import pytest
from framecast import GenerationRequest, RatioPlan, UnsupportedOption, ValidationError

from .support import model_of, url_ref


def ratio_plan(provider, request, model="kling-v2-5-turbo"):
    return provider.map_ratio(request=request, model=model_of(provider, model))


@pytest.mark.parametrize(("asked", "sent"), [("16:9", "16:9"), ("9:16", "9:16"), ("1:1", "1:1"),
                                             ("32:18", "16:9"), (None, "16:9")])  # fmt: skip
def test_text2video_wire_values(provider, asked, sent) -> None:
    plan = ratio_plan(provider, GenerationRequest(prompt="x", ratio=asked))
    assert plan == RatioPlan(wire_value=sent)


def test_text2video_other_ratio_refused_listing_the_allowed(provider) -> None:
    with pytest.raises(UnsupportedOption) as caught:
        ratio_plan(provider, GenerationRequest(prompt="x", ratio="4:3"))
    assert caught.value.field == "ratio"
    assert caught.value.allowed == ["16:9", "9:16", "1:1"]


def test_text2video_nearest_with_a_note(provider) -> None:
    plan = ratio_plan(provider, GenerationRequest(prompt="x", ratio="21:9", ratio_policy="nearest"))
    assert plan.wire_value == "16:9"
    assert plan.note and "21:9" in plan.note and "16:9" in plan.note


def test_multi_image_takes_wire_values(provider, portrait) -> None:
    plan = ratio_plan(
        provider, GenerationRequest(prompt="x", images=[portrait], ratio="1:1"), model="kling-v1-6"
    )
    assert plan.wire_value == "1:1"


def test_image2video_without_ratio_follows_the_image(provider, landscape) -> None:
    assert ratio_plan(provider, GenerationRequest(prompt="x", image=landscape)) == RatioPlan()


def test_image2video_same_ratio_needs_no_fit(provider, landscape) -> None:
    # 600x400 is 3:2; 3:2 and a ratio within 2.5 % of it need nothing
    assert (
        ratio_plan(provider, GenerationRequest(prompt="x", image=landscape, ratio="3:2"))
        == RatioPlan()
    )
    assert (
        ratio_plan(provider, GenerationRequest(prompt="x", image=landscape, ratio="148:100"))
        == RatioPlan()
    )


def test_image2video_different_ratio_with_fit_error_names_the_image_ratio(
    provider, landscape
) -> None:
    with pytest.raises(ValidationError) as caught:
        ratio_plan(provider, GenerationRequest(prompt="x", image=landscape, ratio="16:9"))
    message = str(caught.value)
    assert "3:2 (600x400)" in message
    assert "image_fit" in message and "crop" in message and "pad" in message
    assert caught.value.field == "ratio"


@pytest.mark.parametrize("fit", ["crop", "pad"])
def test_image2video_different_ratio_with_crop_or_pad(provider, landscape, fit) -> None:
    plan = ratio_plan(
        provider, GenerationRequest(prompt="x", image=landscape, ratio="16:9", image_fit=fit)
    )
    assert plan == RatioPlan(fit=fit, fit_aspect="16:9")


def test_url_image_with_ratio_refused_unless_fit(provider) -> None:
    request = GenerationRequest(prompt="x", image=url_ref(), ratio="16:9")
    with pytest.raises(ValidationError, match="URL image"):
        ratio_plan(provider, request)
    plan = ratio_plan(provider, request.evolve(image_fit="pad"))
    assert plan == RatioPlan(fit="pad", fit_aspect="16:9")


def test_url_image_without_ratio_follows_the_image(provider) -> None:
    assert ratio_plan(provider, GenerationRequest(prompt="x", image=url_ref())) == RatioPlan()


def test_image2video_ratio_beyond_klings_aspect_range_refused(provider, landscape) -> None:
    with pytest.raises(UnsupportedOption, match=r"1:2\.5 to 2\.5:1"):
        ratio_plan(
            provider, GenerationRequest(prompt="x", image=landscape, ratio="3:1", image_fit="crop")
        )


def test_image2video_only_model_follows_image(provider, portrait) -> None:
    model = model_of(provider, "kling-v1-5")
    assert model.ratios == ()
    plan = provider.map_ratio(request=GenerationRequest(prompt="x", image=portrait), model=model)
    assert plan == RatioPlan()
