"""estimate(): units per model x mode x duration at $0.14 a unit."""

from __future__ import annotations

import pytest
from framecast import GenerationRequest

from .support import image_ref, model_of

# (model, mode, duration) -> units, from the §8 table
UNITS = {
    ("kling-v1", "std", 5): 1, ("kling-v1", "std", 10): 2,
    ("kling-v1", "pro", 5): 3.5, ("kling-v1", "pro", 10): 7,
    ("kling-v1-6", "std", 5): 2, ("kling-v1-6", "pro", 10): 7,
    ("kling-v2-1", "std", 10): 4, ("kling-v2-1", "pro", 5): 3.5,
    ("kling-v2-master", None, 5): 10, ("kling-v2-master", None, 10): 20,
    ("kling-v2-1-master", None, 10): 20,
    ("kling-v2-5-turbo", "std", 5): 1.5, ("kling-v2-5-turbo", "pro", 10): 5,
    ("kling-v2-6", "std", 10): 3, ("kling-v2-6", "pro", 5): 2.5,
    ("kling-v3", "std", 5): 3, ("kling-v3", "pro", 10): 8,
}  # fmt: skip


@pytest.mark.parametrize(("model", "mode", "duration"), sorted(UNITS, key=str))
def test_units_and_amount(provider, portrait, model, mode, duration) -> None:
    options = {"mode": mode} if mode else {}
    request = GenerationRequest(prompt="x", image=portrait, duration=duration, options=options)
    estimate = provider.estimate(request=request, model=model_of(provider, model))
    assert estimate.units == pytest.approx(UNITS[(model, mode, duration)])
    assert estimate.amount == pytest.approx(UNITS[(model, mode, duration)] * 0.14)
    assert estimate.currency == "USD"
    expected = "secondary" if (model, mode) == ("kling-v3", "std") else "single-source"
    assert estimate.confidence == expected
    assert "0.14" in estimate.formula


def test_multi_image_price(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", images=[portrait], options={"mode": "pro"})
    estimate = provider.estimate(request=request, model=model_of(provider, "kling-v1-6"))
    assert estimate.units == 3.5


def test_end_frame_estimate_follows_the_resolved_mode(provider, portrait) -> None:
    request = GenerationRequest(prompt="x", image=portrait, end_image=image_ref(size=(512, 512)))
    estimate = provider.estimate(request=request, model=model_of(provider, "kling-v2-5-turbo"))
    assert estimate.units == 2.5  # pro: the only mode with image_tail
