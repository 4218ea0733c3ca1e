"""The fault kinds added to the protocol fakes for the matrix behave as documented."""

from __future__ import annotations

import httpx
import pytest
from framecast import Outcome, ProviderSettings
from framecast_kling import KlingProvider
from framecast_kling import testing as kling
from framecast_runway import testing as runway
from framecast_runway._wire import retryable_failure

pytestmark = pytest.mark.anyio

KLING = "https://api-singapore.klingai.com"


def _kling_client(fake: kling.KlingFake) -> httpx.AsyncClient:
    provider = KlingProvider(ProviderSettings(name="kling", env=dict(kling.KlingFake.ENV)))
    return httpx.AsyncClient(
        base_url=KLING, transport=httpx.MockTransport(fake), auth=provider.auth()
    )


async def _statuses(client: httpx.AsyncClient, task_id: str, queries: int) -> list[str]:
    seen = []
    for _ in range(queries):
        answer = await client.get(f"/v1/videos/text2video/{task_id}")
        seen.append(answer.json()["data"]["task_status"])
    return seen


async def test_kling_plans_apply_to_the_next_task_only() -> None:
    fake = kling.KlingFake(queries_to_processing=1, queries_to_finish=2)
    fake.plan_next(queries_to_processing=3, queries_to_finish=4)
    fake.plan_next(fail_with=kling.FAILURE_MESSAGES["content"])
    async with _kling_client(fake) as client:
        ids = []
        for _ in range(3):
            created = await client.post("/v1/videos/text2video", json={"prompt": "a wave"})
            ids.append(created.json()["data"]["task_id"])
        queued = await _statuses(client, ids[0], 5)
        failed = await _statuses(client, ids[1], 2)
        default = await _statuses(client, ids[2], 2)
    assert queued == ["submitted", "submitted", "processing", "succeed", "succeed"]
    assert failed == ["processing", "failed"]
    assert fake.tasks[ids[1]].failure == kling.FAILURE_MESSAGES["content"]
    assert default == ["processing", "succeed"]


async def test_kling_faults_carry_retry_after_and_the_documented_codes() -> None:
    fake = kling.KlingFake()
    fake.inject(
        "create",
        kling.business_error(1303, retry_after=7),
        kling.server_error(503, retry_after=3),
        kling.server_error(502, retry_after=2),
    )
    async with _kling_client(fake) as client:
        answers = [await client.post("/v1/videos/text2video", json={"prompt": "x"}) for _ in "123"]
    throttled, unavailable, gateway = answers
    assert (throttled.status_code, throttled.json()["code"]) == (429, 1303)
    assert throttled.headers["retry-after"] == "7"
    assert (unavailable.status_code, unavailable.json()["code"]) == (503, 5001)
    assert unavailable.headers["retry-after"] == "3"
    assert gateway.status_code == 502 and gateway.headers["retry-after"] == "2"
    assert fake.tasks_created == 0


@pytest.mark.parametrize(
    ("retry_after", "phase", "outcome"),
    [
        (3, "submit", Outcome.RETRY),  # refused: no task, wait and send again
        (None, "submit", Outcome.AMBIGUOUS),  # may have created it: look it up
        (3, "poll", Outcome.TRANSIENT),
    ],
)
def test_kling_503_with_retry_after_is_a_refusal_on_submit(
    retry_after: float | None, phase: str, outcome: Outcome
) -> None:
    provider = KlingProvider(ProviderSettings(name="kling", env=dict(kling.KlingFake.ENV)))
    request = httpx.Request("POST", f"{KLING}/v1/videos/text2video")
    response = kling.server_error(503, retry_after=retry_after)(request, kling.KlingFake())
    classification = provider.classify(response=response, phase=phase)
    assert classification is not None and classification.outcome is outcome
    assert classification.retry_after == retry_after


def test_runway_refusals_answer_as_runway_does() -> None:
    fake = runway.RunwayFake()
    request = httpx.Request("POST", "https://api.dev.runwayml.com/v1/image_to_video")
    revoked = runway.unauthorized()(request, fake)
    broke = runway.out_of_credits()(request, fake)
    assert revoked.status_code == 401 and "Invalid API key" in revoked.json()["error"]
    assert broke.status_code == 400 and "enough credits" in broke.json()["error"]
    assert fake.tasks_created == 0


def test_runway_failure_classes_match_the_plugins_advice() -> None:
    for code, retryable in runway.FAILURE_CODES.items():
        assert retryable_failure(code) is retryable, code
