"""Conformance with Google's own client: for every declared model x mode x ratio x
duration x resolution, the official SDK (``google-genai==2.34.0``, the last release that
generates videos through the Gemini API) is run against an ``httpx.MockTransport`` with the
same inputs, and the request it sends is compared with the plugin's prepared request —
method, path, the key header and the JSON body. Combinations the plugin refuses offline
are the ones the documented rules forbid (checked against the fake's rules), and negative
controls show the comparison can fail. The SDK also reads the operations the fake answers,
and must find what the plugin finds."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx
import pytest
from framecast import FramecastError, Mode, PreparedRequest
from framecast_google._models import DURATIONS, MODELS, RATIOS
from framecast_google._wire import WebhookConfig, build_body
from framecast_google.testing import check_body

from .conftest import BASE_URL, FAKE_KEY, PNG_1X1, png, prepare

genai = pytest.importorskip("google.genai")
types = pytest.importorskip("google.genai.types")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LIVE = [m for m in MODELS if not m.withdrawn]
RESOLUTIONS = ("720p", "1080p", "4k")
MODES = (Mode.TEXT, Mode.IMAGE, Mode.FIRST_LAST, Mode.MULTI_IMAGE)


def sdk_request(model: str, **inputs: Any) -> httpx.Request:
    """The request ``client.models.generate_videos`` sends for these inputs."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"name": f"models/{model}/operations/sdk1"})

    client = genai.Client(
        api_key=FAKE_KEY,
        http_options=types.HttpOptions(
            httpx_client=httpx.Client(transport=httpx.MockTransport(handler))
        ),
    )
    image = types.Image(image_bytes=PNG_1X1, mime_type="image/png")
    source: dict[str, Any] = {"prompt": inputs.pop("prompt", None)}
    config: dict[str, Any] = {"number_of_videos": 1}
    mode = inputs.pop("mode")
    references = inputs.pop("references", 1)
    if mode in (Mode.IMAGE, Mode.FIRST_LAST):
        source["image"] = image
    if mode is Mode.FIRST_LAST:
        config["last_frame"] = image
    if mode is Mode.MULTI_IMAGE:
        config["reference_images"] = [
            types.VideoGenerationReferenceImage(image=image, reference_type="ASSET")
            for _ in range(references)
        ]
    config.update(inputs)
    client.models.generate_videos(
        model=model,
        source=types.GenerateVideosSource(**source),
        config=types.GenerateVideosConfig(**config),
    )
    assert len(seen) == 1
    return seen[0]


def plugin_request(provider, info, model: str, mode: Mode, **fields: Any) -> PreparedRequest:
    images: dict[str, Any] = {}
    references = fields.pop("references", 1)
    if mode in (Mode.IMAGE, Mode.FIRST_LAST):
        images["image"] = png()
    if mode is Mode.FIRST_LAST:
        images["end_image"] = png("last.png")
    if mode is Mode.MULTI_IMAGE:
        images["images"] = [png(f"ref{i}.png") for i in range(references)]
    return prepare(provider, info, model=model, **images, **fields)


def same_request(sdk: httpx.Request, prepared: PreparedRequest) -> list[str]:
    """What differs between the SDK's request and the plugin's (empty: the same)."""
    differences = []
    if sdk.method != prepared.method:
        differences.append(f"method {sdk.method} != {prepared.method}")
    if str(sdk.url) != BASE_URL + prepared.path:
        differences.append(f"url {sdk.url} != {BASE_URL + prepared.path}")
    if sdk.headers.get("x-goog-api-key") != FAKE_KEY:
        differences.append("the SDK sent another key header")
    sdk_body = json.loads(sdk.content)
    if sdk_body != json.loads(json.dumps(dict(prepared.body))):
        differences.append(f"body {sdk_body} != {dict(prepared.body)}")
    return differences


CASES = list(itertools.product(LIVE, MODES, RATIOS, DURATIONS, RESOLUTIONS))


def test_the_matrix_is_the_whole_declared_space() -> None:
    # 3 models x 4 modes x 2 ratios x 3 durations x 3 resolutions.
    assert len(CASES) == 3 * 4 * 2 * 3 * 3


@pytest.mark.parametrize(
    ("veo", "mode", "ratio", "duration", "resolution"),
    CASES,
    ids=[f"{m.name}-{mode.value}-{r}-{d}s-{res}" for m, mode, r, d, res in CASES],
)
def test_the_plugin_sends_what_the_sdk_sends(
    provider, info, veo, mode: Mode, ratio: str, duration: int, resolution: str
) -> None:
    fields = {"prompt": "A lighthouse at dusk", "ratio": ratio, "duration": duration,
              "options": {"resolution": resolution}}  # fmt: skip
    try:
        prepared = plugin_request(provider, info, veo.name, mode, **fields)
    except FramecastError as exc:
        # Refused offline: exactly the combinations the documented rules forbid.
        body = build_body(
            prompt="A lighthouse at dusk",
            image=png() if mode in (Mode.IMAGE, Mode.FIRST_LAST) else None,
            last_frame=png() if mode is Mode.FIRST_LAST else None,
            references=[png()] if mode is Mode.MULTI_IMAGE else (),
            aspect_ratio=ratio, duration=duration, resolution=resolution,
        )  # fmt: skip
        assert check_body(veo.name, body) is not None, f"refused a valid request: {exc}"
        assert exc.field in ("mode", "duration", "options.resolution"), exc
        return
    assert check_body(veo.name, dict(prepared.body)) is None
    sdk = sdk_request(
        veo.name, mode=mode, prompt="A lighthouse at dusk", aspect_ratio=ratio,
        duration_seconds=duration, resolution=resolution,
    )  # fmt: skip
    assert same_request(sdk, prepared) == []


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
def test_every_optional_field_is_spelled_as_the_sdk_spells_it(provider, info, mode) -> None:
    person = "allow_all" if mode is Mode.TEXT else "allow_adult"
    prepared = plugin_request(
        provider, info, "veo-3.1-generate-preview", mode, prompt="A fox",
        negative_prompt="blurry, text", references=3,
        options={"person_generation": person, "enhance_prompt": True, "resolution": "4k"},
    )  # fmt: skip
    sdk = sdk_request(
        "veo-3.1-generate-preview", mode=mode, prompt="A fox", references=3,
        negative_prompt="blurry, text", person_generation=person, enhance_prompt=True,
        duration_seconds=8, aspect_ratio="16:9", resolution="4k",
    )  # fmt: skip
    assert same_request(sdk, prepared) == []


def test_the_webhook_seam_writes_what_the_sdk_writes() -> None:
    webhook = WebhookConfig(uris=["https://example.com/hook"], user_metadata={"job": "1"})
    body = build_body(
        prompt="A cat", image=png(), last_frame=png(), aspect_ratio="16:9", duration=8,
        resolution="1080p", webhook=webhook,
    )  # fmt: skip
    sdk = sdk_request(
        "veo-3.1-generate-preview", mode=Mode.FIRST_LAST, prompt="A cat", duration_seconds=8,
        aspect_ratio="16:9", resolution="1080p",
        webhook_config=types.WebhookConfig(uris=["https://example.com/hook"],
                                           user_metadata={"job": "1"}),
    )  # fmt: skip
    assert json.loads(sdk.content) == body
    assert body["webhookConfig"] == {"uris": ["https://example.com/hook"],
                                     "user_metadata": {"job": "1"}}  # fmt: skip


def test_no_webhook_is_sent_until_framecast_has_a_webhook_contract(provider, info) -> None:
    prepared = plugin_request(provider, info, "veo-3.1-generate-preview", Mode.TEXT, prompt="x")
    assert "webhookConfig" not in prepared.body


# ------------------------------------------------------------------ negative controls


def test_a_different_body_is_caught(provider, info) -> None:
    prepared = plugin_request(provider, info, "veo-3.1-generate-preview", Mode.IMAGE, prompt="x")
    sdk = sdk_request("veo-3.1-generate-preview", mode=Mode.IMAGE, prompt="x",
                      duration_seconds=8, aspect_ratio="16:9", resolution="720p")  # fmt: skip
    assert same_request(sdk, prepared) == []
    body = json.loads(json.dumps(dict(prepared.body)))
    for change in (
        lambda b: b["parameters"].update(durationSeconds="8"),  # the docs' string form
        lambda b: b["parameters"].update(numberOfVideos=b["parameters"].pop("sampleCount")),
        lambda b: b["instances"][0].update(
            image={
                "inlineData": {
                    "mimeType": "image/png",
                    "data": b["instances"][0]["image"]["bytesBase64Encoded"],
                }
            }
        ),
        lambda b: b["parameters"].pop("aspectRatio"),
    ):
        changed = json.loads(json.dumps(body))
        change(changed)
        tampered = PreparedRequest(method="POST", path=prepared.path, body=changed)
        assert same_request(sdk, tampered), f"not caught: {changed['parameters']}"


def test_another_model_or_input_is_caught(provider, info) -> None:
    prepared = plugin_request(provider, info, "veo-3.1-generate-preview", Mode.TEXT, prompt="x")
    other_model = sdk_request("veo-3.1-fast-generate-preview", mode=Mode.TEXT, prompt="x",
                              duration_seconds=8, aspect_ratio="16:9", resolution="720p")  # fmt: skip
    other_ratio = sdk_request("veo-3.1-generate-preview", mode=Mode.TEXT, prompt="x",
                              duration_seconds=8, aspect_ratio="9:16", resolution="720p")  # fmt: skip
    assert same_request(other_model, prepared)
    assert same_request(other_ratio, prepared)


def test_what_the_sdk_refuses_on_the_gemini_api_the_plugin_refuses_too(provider, info) -> None:
    with pytest.raises(ValueError, match="seed parameter is only supported"):
        sdk_request("veo-3.1-generate-preview", mode=Mode.TEXT, prompt="x", seed=7)
    with pytest.raises(FramecastError) as caught:
        plugin_request(provider, info, "veo-3.1-generate-preview", Mode.TEXT, prompt="x", seed=7)
    assert caught.value.field == "seed"


# ------------------------------------------------------------------ reading operations


def sdk_reads(payload: dict[str, Any]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload)

    client = genai.Client(
        api_key=FAKE_KEY,
        http_options=types.HttpOptions(
            httpx_client=httpx.Client(transport=httpx.MockTransport(handler))
        ),
    )
    return client.operations.get(types.GenerateVideosOperation(name=payload["name"]))


@pytest.mark.anyio
@pytest.mark.parametrize("outcome", ["succeeded", "filtered", "error", "running"])
async def test_the_plugin_reads_operations_as_the_sdk_does(provider, outcome: str) -> None:
    from framecast import TaskHandle, TaskStatus
    from framecast_google.testing import GoogleFake

    from .conftest import client

    fake = GoogleFake(api_key=FAKE_KEY, running_polls=0 if outcome != "running" else 5)
    if outcome != "running":
        fake.plan_next(outcome=outcome, running_polls=0)
    async with client(provider, fake) as http:
        prepared = prepare(provider, provider.provider_info(), prompt="x")
        handle = await provider.submit(prepared=prepared, http=http)
        handle = TaskHandle(provider="google", task_id=handle.task_id, base_url=BASE_URL)
        state = await provider.poll(handle=handle, http=http)
        payload = fake.tasks[handle.task_id].payload(fake.origin)
    operation = sdk_reads(payload)
    if outcome == "running":
        assert not operation.done and state.status is TaskStatus.RUNNING
    elif outcome == "succeeded":
        assert state.status is TaskStatus.SUCCEEDED
        assert list(state.outputs) == [v.video.uri for v in operation.result.generated_videos]
    elif outcome == "filtered":
        assert state.status is TaskStatus.FAILED
        assert not operation.result.generated_videos
        for reason in operation.result.rai_media_filtered_reasons:
            assert reason in (state.failure_message or "")
    else:
        assert state.status is TaskStatus.FAILED
        assert operation.error["message"] == state.failure_message
