"""Every body ``prepare`` can produce type-checks as the official SDK's parameters.

For each model in the table and each mode it declares, every declared ratio and duration
(plus "none given") is run through the hooks; whatever ``prepare`` does not refuse must
pass the SDK-derived checker. The checker itself is shown to reject known-bad bodies.
"""

from __future__ import annotations

import itertools

import pytest
from framecast import FramecastError, GenerationRequest, Mode
from framecast_runway._models import MODELS, endpoint_for, get_model

from . import sdk_types
from .conftest import png_image, prepare, url_image

CURRENT = [m.name for m in MODELS if not m.withdrawn]
FULL = [m.name for m in MODELS if m.validation == "full" and not m.withdrawn]


def _images(mode: Mode) -> dict:
    if mode is Mode.IMAGE:
        return {"image": url_image()}
    if mode is Mode.FIRST_LAST:
        return {"image": url_image("first.jpg"), "end_image": url_image("last.jpg")}
    if mode is Mode.MULTI_IMAGE:
        return {"images": [url_image("a.jpg"), url_image("b.jpg")]}
    return {}


def _bodies(provider, info, name: str):
    """(endpoint, mode, ratio, duration, body) for every combination prepare accepts."""
    model = info.model(name)
    for mode in sorted(model.modes, key=lambda m: m.value):
        endpoint = endpoint_for(get_model(name), mode)
        for ratio, duration in itertools.product((None, *model.ratios), (None, *model.durations)):
            fields = {"prompt": "A red fox runs", "model": name, "ratio": ratio, **_images(mode)}
            if model.kind == "video":
                fields.update(duration=duration, camera="orbit_left")
            elif duration is not None:
                continue
            try:
                prepared = prepare(provider, info, **fields)
            except FramecastError:
                continue  # refused before the network: nothing would be sent
            assert prepared.path == f"/v1/{endpoint}"
            yield endpoint, mode, ratio, duration, dict(prepared.body)


@pytest.mark.parametrize("name", CURRENT)
def test_every_body_prepare_produces_matches_the_sdk_types(provider, info, name):
    produced = list(_bodies(provider, info, name))
    assert produced, f"{name}: no body at all"
    failures = [
        (endpoint, body, found)
        for endpoint, _, _, _, body in produced
        if (found := sdk_types.problems(endpoint, body))
    ]
    assert not failures, failures[:3]


@pytest.mark.parametrize("name", FULL)
def test_every_declared_ratio_and_duration_is_reachable(provider, info, name):
    # Coverage: each wire ratio and each duration of each endpoint variant produced a body.
    produced = list(_bodies(provider, info, name))
    runway_model = get_model(name)
    for variant in runway_model.variants:
        sent = [b for e, _, _, _, b in produced if e == variant.endpoint]
        assert {b.get("ratio") for b in sent} >= set(variant.ratios), variant.endpoint
        assert {b.get("duration") for b in sent} >= set(variant.durations), variant.endpoint


@pytest.mark.parametrize("name", CURRENT)
def test_seed_negative_prompt_and_every_option_value_match_the_sdk_types(provider, info, name):
    model = info.model(name)
    mode = Mode.IMAGE if Mode.IMAGE in model.modes else Mode.TEXT
    endpoint = endpoint_for(get_model(name), mode)
    base = {"prompt": "A red fox runs", "model": name, **_images(mode)}
    if model.supports_seed:
        base["seed"] = 4294967295
    if model.supports_negative_prompt:
        base["negative_prompt"] = "blurry"
    variants = [{}]
    for option in model.options:
        values = option.choices or ((True, False) if option.type == "bool" else ())
        for value in values:
            chosen = {option.name: value}
            if option.name == "prores_profile":
                chosen["output_format"] = "prores"
            variants.append(chosen)
    for options in variants:
        body = dict(prepare(provider, info, **base, options=options).body)
        assert sdk_types.problems(endpoint, body) == [], (options, body)


def test_inline_and_uploaded_images_are_sdk_strings(provider, info):
    inline = dict(prepare(provider, info, prompt="x", image=png_image()).body)
    assert sdk_types.problems("image_to_video", inline) == []
    uploaded = prepare(provider, info, prompt="x", image=png_image(4 * 1024 * 1024))
    body = {**uploaded.body, "promptImage": "runway://upload/0b1c"}
    assert sdk_types.problems("image_to_video", body) == []


def test_the_sdk_is_the_pinned_version():
    # A newer SDK may add models or values; re-check the table against it before bumping.
    assert sdk_types.runwayml.__version__ == sdk_types.PINNED_SDK


def test_withdrawn_models_are_not_in_the_sdk():
    for endpoint in sdk_types.ENDPOINT_MODULES:
        assert not {"gen3a_turbo", "veo3"} & set(sdk_types.sdk_models(endpoint))


def test_table_models_all_exist_in_the_sdk_on_their_endpoints():
    for model in MODELS:
        if model.withdrawn:
            continue
        for variant in model.variants:
            assert model.name in sdk_types.sdk_models(variant.endpoint), (
                model.name,
                variant.endpoint,
            )


# ----------------------------------------------------------------------------- the checker


GOOD = {
    "model": "gen4_turbo",
    "promptImage": "https://example.com/bunny.jpg",
    "promptText": "A cute bunny hopping in a meadow",
    "ratio": "1280:720",
    "duration": 10,
}


def test_checker_accepts_the_spec_examples():
    assert sdk_types.problems("image_to_video", GOOD) == []
    # runway.md §8(b), from the SDK's own test suite:
    assert sdk_types.problems("image_to_video", {
        "duration": 2, "model": "gen4.5", "promptImage": "https://example.com/image.jpg",
        "promptText": "x", "ratio": "1280:720",
        "contentModeration": {"publicFigureThreshold": "auto"}, "seed": 0,
    }) == []  # fmt: skip
    assert sdk_types.problems("image_to_video", {
        "model": "veo3.1", "ratio": "1280:720",
        "promptImage": [{"uri": "https://example.com/firstFrame.jpg", "position": "first"},
                        {"uri": "https://example.com/lastFrame.jpg", "position": "last"}],
    }) == []  # fmt: skip


@pytest.mark.parametrize(
    ("endpoint", "body", "fragment"),
    [
        ("image_to_video", {**GOOD, "ratio": "1024:1024"}, "ratio"),
        ("text_to_video", {"model": "veo3.1", "promptText": "x", "ratio": "1280:720",
                           "duration": 5}, "duration"),
        ("image_to_video", {k: v for k, v in GOOD.items() if k != "promptImage"}, "promptImage"),
        ("image_to_video", {**GOOD, "cameraMotion": "zoom_in"}, "cameraMotion"),
        ("image_to_video", {**GOOD, "model": "gen3a_turbo"}, "model"),
        ("text_to_video", {"model": "gen4_turbo", "promptText": "x", "ratio": "1280:720"}, "model"),
        ("image_to_video", {**GOOD, "promptImage": [{"uri": "https://e.com/a.jpg",
                                                      "position": "last"}]}, "promptImage"),
        ("image_to_video", {**GOOD, "duration": True}, "duration"),
        ("text_to_image", {"model": "gen4_image_turbo", "promptText": "x",
                           "ratio": "1280:720"}, "referenceImages"),
    ],
)  # fmt: skip
def test_checker_rejects_known_bad_bodies(endpoint, body, fragment):
    found = sdk_types.problems(endpoint, body)
    assert found and any(fragment in problem for problem in found), found


def test_request_fields_never_leak_into_bodies(provider, info):
    # GenerationRequest's own names (snake_case, framecast words) are never sent.
    body = dict(
        prepare(
            provider, info, prompt="x", image=url_image(), camera="static", seed=1,
            preserve_identity=True, idempotency_key="k-1",
        ).body
    )  # fmt: skip
    assert set(body) <= {"model", "promptImage", "promptText", "ratio", "duration", "seed"}
    assert GenerationRequest(prompt="x").idempotency_key is None


# ----------------------------------------------------------------------------- the table


#: Where the table deliberately takes less than the SDK allows, and why.
NARROWER = {
    # [OAS]: "Use adaptive only when image or video references are provided; text-only
    # requests require a concrete ratio."
    ("hailuo3", "text_to_video", "ratio"): {"adaptive"},
}


def _literal_values(hint) -> set | None:
    from typing import Literal, get_args, get_origin

    bare, _, _ = sdk_types._unwrap(hint)
    if get_origin(bare) is Literal:
        return set(get_args(bare))
    arms = [a for a in get_args(bare) if get_origin(a) is Literal]
    return {v for a in arms for v in get_args(a)} if arms else None


@pytest.mark.parametrize("name", CURRENT)
def test_table_agrees_with_the_sdk_types(name):
    model = get_model(name)
    for variant in model.variants:
        cls = sdk_types.sdk_models(variant.endpoint)[name]
        fields = sdk_types._fields(cls)
        assert variant.fields <= set(fields) - {"model"}, (variant.endpoint, variant.fields)
        sdk_ratios = _literal_values(fields["ratio"][0]) if "ratio" in fields else set()
        skipped = NARROWER.get((name, variant.endpoint, "ratio"), set())
        assert set(variant.ratios) == (sdk_ratios or set()) - skipped, variant.endpoint
        assert variant.ratio_required == fields.get("ratio", (None, False))[1]
        assert variant.prompt_required == fields.get("promptText", (None, False))[1]
        assert variant.duration_required == fields.get("duration", (None, False))[1]
        durations = _literal_values(fields["duration"][0]) if "duration" in fields else None
        if durations and all(isinstance(d, int) for d in durations):
            assert set(variant.durations) == durations, variant.endpoint
