"""The protocol fake itself: it refuses what Seedance refuses, so the plugin's tests mean
something, and it records what a client must not do."""

from __future__ import annotations

import httpx
import pytest
from framecast_seedance.testing import SeedanceFake

from .conftest import FAKE_KEY

BASE = "https://ark.ap-southeast.bytepluses.com/api/v3"
V2 = "dreamina-seedance-2-0-260128"
TEXT = [{"type": "text", "text": "A kite"}]


def call(fake: SeedanceFake, method: str, path: str, key: str = FAKE_KEY, **kw) -> httpx.Response:
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        return client.request(
            method, f"{BASE}{path}", headers={"Authorization": f"Bearer {key}"}, **kw
        )


def create(fake: SeedanceFake, **body) -> httpx.Response:
    return call(
        fake, "POST", "/contents/generations/tasks", json={"model": V2, "content": TEXT, **body}
    )


def test_a_wrong_key_is_refused_with_ark_s_error_shape(fake) -> None:
    response = call(fake, "POST", "/contents/generations/tasks", key="ark-wrong-key-not-real",
                    json={"model": V2, "content": TEXT})  # fmt: skip
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationError"
    assert fake.tasks_created == 0


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "doubao-seedance-2-0-260128"}, "model"),  # the other cloud's id
        ({"camera_fixed": True}, "camera_fixed"),  # not on Seedance 2.0
        ({"service_tier": "flex"}, "service_tier"),  # no flex on 2.0
        ({"resolution": "4k"}, "resolution"),
        ({"duration": 3}, "duration"),
        ({"ratio": "2:1"}, "ratio"),
        ({"execution_expires_after": 60}, "execution_expires_after"),
    ],
)
def test_what_seedance_refuses_the_fake_refuses(fake, body, param) -> None:
    response = create(fake, **body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert fake.tasks_created == 0


def test_a_task_walks_queued_running_succeeded_with_usage(fake) -> None:
    task_id = create(fake, resolution="720p", ratio="16:9", duration=5).json()["id"]
    assert task_id.startswith("cgt-")
    words = [call(fake, "GET", f"/contents/generations/tasks/{task_id}").json() for _ in range(4)]
    assert [w["status"] for w in words] == ["queued", "running", "running", "succeeded"]
    assert words[-1]["usage"]["completion_tokens"] == 108_900
    assert "content" not in words[1]


def test_an_output_url_fetched_with_the_key_is_a_violation(fake) -> None:
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        client.get("https://outputs.fake.test/x.mp4", headers={"Authorization": "Bearer k"})
    assert fake.violations


def test_delete_cancels_queued_refuses_running_deletes_finished() -> None:
    fake = SeedanceFake(queued_polls=1, running_polls=1)
    queued = create(fake).json()["id"]
    assert call(fake, "DELETE", f"/contents/generations/tasks/{queued}").status_code == 200
    assert fake.task_status(queued) == "cancelled"
    running = create(fake).json()["id"]
    call(fake, "GET", f"/contents/generations/tasks/{running}")
    assert call(fake, "DELETE", f"/contents/generations/tasks/{running}").status_code == 409
    call(fake, "GET", f"/contents/generations/tasks/{running}")
    assert call(fake, "DELETE", f"/contents/generations/tasks/{running}").status_code == 200
    assert call(fake, "GET", f"/contents/generations/tasks/{running}").status_code == 404


def test_the_task_list_filters_by_status(fake) -> None:
    create(fake)
    listed = call(fake, "GET", "/contents/generations/tasks", params={"filter.status": "queued"})
    assert listed.json()["total"] == 1
