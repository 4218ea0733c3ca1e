"""Every model x request kind x mode x duration, against the capability map of
written out here independently: prepare() accepts exactly what the map
allows (refusing the rest before any request), and the fake accepts every body it builds."""

from __future__ import annotations

import itertools

import pytest
from framecast import GenerationRequest, ValidationError

from .support import image_ref, prepare

pytestmark = pytest.mark.anyio

BOTH = {"std": (5, 10), "pro": (5, 10)}
PRO = {"pro": (5, 10)}
NO_MODE = {None: (5, 10)}
MAP = {
    "kling-v1": {"text": BOTH, "image": BOTH, "tail": {"std": (5,), "pro": (5,)}},
    "kling-v1-5": {"image": BOTH, "tail": PRO},
    "kling-v1-6": {"text": BOTH, "image": BOTH, "tail": PRO, "multi": BOTH},
    "kling-v2-master": {"text": NO_MODE, "image": NO_MODE},
    "kling-v2-1": {"image": BOTH, "tail": PRO},
    "kling-v2-1-master": {"text": NO_MODE, "image": NO_MODE},
    "kling-v2-5-turbo": {"text": BOTH, "image": BOTH, "tail": PRO},
    "kling-v2-6": {"text": BOTH, "image": BOTH, "tail": PRO},
    "kling-v3": {"text": BOTH, "image": BOTH},
}
START = image_ref(size=(640, 360))
END = image_ref(size=(640, 360))
INPUTS = {
    "text": {},
    "image": {"image": START},
    "tail": {"image": START, "end_image": END},
    "multi": {"images": [START, END]},
}
CASES = list(itertools.product(sorted(MAP), INPUTS, ("std", "pro", None), (5, 10)))


def allowed(model: str, kind: str, mode: str | None, duration: int) -> bool:
    offer = MAP[model].get(kind)
    if offer is None:
        return False
    if mode is None:  # no mode option: the provider picks (std, the only one, or none)
        return any(duration in durations for durations in offer.values())
    return duration in offer.get(mode, ())


@pytest.mark.parametrize(("model", "kind", "mode", "duration"), CASES)
async def test_capability_matrix(provider, fake, http, model, kind, mode, duration) -> None:
    options = {"mode": mode} if mode else {}
    request = GenerationRequest(
        prompt="A lighthouse at dusk", duration=duration, options=options, **INPUTS[kind]
    )
    if not allowed(model, kind, mode, duration):
        with pytest.raises(ValidationError):
            prepare(provider, request, model=model)
        return
    prepared = prepare(
        provider, request.evolve(idempotency_key=f"{model}-{kind}-{mode}-{duration}"), model=model
    )
    body = prepared.body
    assert body["model_name"] == model and body["duration"] == str(duration)
    if mode is not None:
        assert body["mode"] == mode
    elif MAP[model][kind] == NO_MODE:
        assert "mode" not in body
    handle = await provider.submit(prepared=prepared, http=http)
    assert fake.tasks[handle.task_id].body == dict(body)
