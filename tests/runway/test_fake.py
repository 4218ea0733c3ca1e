"""RunwayFake itself: what a host application's tests rely on it to check and do."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from framecast_runway.testing import (
    RunwayFake,
    connection_refused,
    malformed_json,
    rate_limited,
    read_timeout_after,
    reset_after,
    server_error,
    truncated_json,
    unavailable,
    unknown_status,
)

from .conftest import FAKE_KEY

BASE = "https://api.dev.runwayml.com"
HEADERS = {"Authorization": f"Bearer {FAKE_KEY}", "X-Runway-Version": "2024-11-06"}
GOOD = {
    "model": "gen4_turbo",
    "promptImage": "https://example.com/a.jpg",
    "ratio": "1280:720",
    "duration": 5,
}


def call(fake: RunwayFake, method: str, url: str, **kwargs) -> httpx.Response:
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        return client.request(method, url, **kwargs)


def create(fake: RunwayFake, body=GOOD, headers=HEADERS) -> httpx.Response:
    return call(fake, "POST", f"{BASE}/v1/image_to_video", json=body, headers=headers)


def test_key_and_version_are_checked_on_runways_origin():
    fake = RunwayFake()
    assert create(fake, headers={"X-Runway-Version": "2024-11-06"}).status_code == 401
    assert create(fake, headers={**HEADERS, "Authorization": "Bearer other"}).status_code == 401
    assert create(fake, headers={"Authorization": HEADERS["Authorization"]}).status_code == 400
    assert create(fake).status_code == 200
    assert fake.tasks_created == 1 and fake.requests == 4
    assert any("X-Runway-Version" in v for v in fake.violations)


def test_credentials_on_output_urls_are_violations():
    fake = RunwayFake(pending_polls=0, running_polls=0)
    task = create(fake).json()["id"]
    url = call(fake, "GET", f"{BASE}/v1/tasks/{task}", headers=HEADERS).json()["output"][0]
    assert call(fake, "GET", url).content[4:8] == b"ftyp" and fake.violations == []
    call(fake, "GET", url, headers=HEADERS)
    assert len(fake.violations) == 2  # both headers reported


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({**GOOD, "ratio": "1024:1024"}, ["ratio"]),
        ({**GOOD, "duration": 11}, ["duration"]),
        ({k: v for k, v in GOOD.items() if k != "promptImage"}, ["promptImage"]),
        ({k: v for k, v in GOOD.items() if k != "ratio"}, ["ratio"]),
        ({**GOOD, "cameraMotion": "zoom"}, ["cameraMotion"]),
        ({**GOOD, "model": "gen3a_turbo"}, ["model"]),
        ({**GOOD, "promptText": "x" * 1001}, ["promptText"]),
        ({**GOOD, "promptImage": "http://example.com/a.jpg"}, ["promptImage"]),
        ({**GOOD, "promptImage": "runway://upload/never-issued"}, ["promptImage"]),
        ({**GOOD, "seed": -1}, ["seed"]),
        ({**GOOD, "contentModeration": {"publicFigureThreshold": "high"}},
         ["contentModeration"]),
        ({**GOOD, "promptImage": [{"uri": "https://e.com/a.jpg", "position": "last"}]},
         ["promptImage"]),
        ({**GOOD, "promptImage": [{"uri": "https://e.com/a.jpg"}]}, ["promptImage"]),
        ({**GOOD, "model": "veo3.1", "duration": 4,
          "promptImage": [{"uri": "https://e.com/a.jpg", "position": "last"}]}, ["promptImage"]),
        ({**GOOD, "model": "veo3.1", "duration": 4,
          "promptImage": [{"uri": "https://e.com/a.jpg", "position": "first"},
                          {"uri": "https://e.com/b.jpg", "position": "first"}]},
         ["promptImage"]),
        ({**GOOD, "promptImage": "data:image/png;base64," + "A" * (5 * 1024 * 1024)},
         ["promptImage"]),
    ],
)  # fmt: skip
def test_bad_bodies_get_runways_400_with_issues(body, path):
    fake = RunwayFake()
    response = create(fake, body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "Validation of body failed"
    assert any(issue["path"][: len(path)] == path for issue in payload["issues"])
    assert fake.tasks_created == 0


def test_task_ids_are_uuid4_and_deterministic_per_seed():
    ids = [create(RunwayFake(seed=3)).json()["id"] for _ in range(2)]
    other = create(RunwayFake(seed=4)).json()["id"]
    assert ids[0] == ids[1] != other
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", other
    )


def test_statuses_walk_and_terminal_state_is_stable():
    fake = RunwayFake(throttled_polls=1, pending_polls=1, running_polls=1)
    task = create(fake).json()["id"]
    seen = [call(fake, "GET", f"{BASE}/v1/tasks/{task}", headers=HEADERS).json()
            for _ in range(5)]  # fmt: skip
    assert [s["status"] for s in seen] == [
        "THROTTLED", "PENDING", "RUNNING", "SUCCEEDED", "SUCCEEDED",
    ]  # fmt: skip
    assert "estimatedCost" in seen[0] and "cost" not in seen[0]
    assert seen[3]["cost"] == {"credits": 25} and "estimatedCost" not in seen[3]


def test_delete_then_404_and_cancelled_visible_option():
    for visible, expected in ((False, 404), (True, 200)):
        fake = RunwayFake(cancelled_visible=visible)
        task = create(fake).json()["id"]
        url = f"{BASE}/v1/tasks/{task}"
        assert call(fake, "DELETE", url, headers=HEADERS).status_code == 204
        assert call(fake, "DELETE", url, headers=HEADERS).status_code == 404
        response = call(fake, "GET", url, headers=HEADERS)
        assert response.status_code == expected
        if visible:
            assert response.json()["status"] == "CANCELLED"
        assert fake.deleted == [task] and fake.deleted_finished == []


def test_credit_balance_and_daily_limit():
    fake = RunwayFake(credit_balance=30)
    assert create(fake).status_code == 200  # 25 credits
    refused = create(fake)
    assert refused.status_code == 400 and "enough credits" in refused.json()["error"]
    fake = RunwayFake(daily_task_limit=1)
    assert create(fake).status_code == 200
    assert create(fake).status_code == 429


def test_upload_slot_and_storage():
    fake = RunwayFake()
    slot = call(fake, "POST", f"{BASE}/v1/uploads", headers=HEADERS,
                json={"filename": "cat.png", "type": "ephemeral"}).json()  # fmt: skip
    stored = call(fake, "POST", slot["uploadUrl"], data=slot["fields"],
                  files={"file": ("cat.png", b"png bytes", "image/png")})  # fmt: skip
    assert stored.status_code == 204 and fake.uploads == {slot["runwayUri"]: b"png bytes"}
    assert create(fake, {**GOOD, "promptImage": slot["runwayUri"]}).status_code == 200
    bad = call(fake, "POST", f"{BASE}/v1/uploads", headers=HEADERS,
               json={"filename": "notes.txt", "type": "ephemeral"})  # fmt: skip
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("fault", "status", "exception", "created"),
    [
        (rate_limited(), 429, None, 0),
        (rate_limited(retry_after=3), 429, None, 0),
        (unavailable(), 503, None, 0),
        (unavailable(retry_after=2), 503, None, 0),
        (server_error(500), 500, None, 0),
        (server_error(502, created=True), 502, None, 1),
        (server_error(504, created=True), 504, None, 1),
        (connection_refused(), None, httpx.ConnectError, 0),
        (read_timeout_after(), None, httpx.ReadTimeout, 1),
        (reset_after(), None, httpx.RemoteProtocolError, 1),
        (malformed_json(), 200, None, 1),
        (truncated_json(), 200, None, 1),
    ],
)
def test_faults_do_what_they_say(fault, status, exception, created):
    fake = RunwayFake()
    fake.inject("POST", "/v1/image_to_video", fault)
    if exception is not None:
        with pytest.raises(exception):
            create(fake)
    else:
        response = create(fake)
        assert response.status_code == status
        if status == 200:
            with pytest.raises(ValueError):
                response.json()
        if status in (429, 503) and "(None" not in fault.__name__:
            assert response.headers.get("retry-after")
    assert fake.tasks_created == created
    assert fake.pending_faults() == 0
    assert create(fake).status_code == 200  # the next request is served normally


def test_unknown_status_fault_rewrites_one_read():
    fake = RunwayFake()
    task = create(fake).json()["id"]
    fake.inject("GET", "/v1/tasks/", unknown_status("MELTED"))
    url = f"{BASE}/v1/tasks/{task}"
    assert call(fake, "GET", url, headers=HEADERS).json()["status"] == "MELTED"
    assert call(fake, "GET", url, headers=HEADERS).json()["status"] != "MELTED"


def test_readme_example_runs(tmp_path, monkeypatch):
    """The README's host-application example, extracted and run as written."""
    readme = (Path(__file__).resolve().parents[2] / "runway_plugin" / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "RunwayFake" in b)
    example = block.split("\n\n@pytest.mark.anyio\nasync def test_lost_answer")[0]
    examples = Path(__file__).resolve().parents[2] / "examples"
    (tmp_path / "cat.png").write_bytes((examples / "astronaut.png").read_bytes())
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    import asyncio

    asyncio.run(namespace["test_my_video_job"]())
