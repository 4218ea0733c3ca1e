"""The benchmark's Runway emulator (benchmarks/runway_emulator.py), driven in-process through
``httpx.ASGITransport``: the lifecycle every benchmarked client relies on, the checks it
makes on credentials, and the counters the report reads."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

pytestmark = pytest.mark.anyio

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
HEADERS = {"Authorization": "Bearer key_fake_for_tests", "X-Runway-Version": "2024-11-06"}
CREATE = {"model": "gen4_turbo", "promptText": "x", "promptImage": "https://example.com/a.png"}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


emulator_module = _load("runway_emulator")


def client_for(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://emulator.test",
        headers=HEADERS,
    )


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(emulator_module.RunwayEmulator(polls=3)) as client:
        yield client


async def test_a_task_succeeds_on_the_configured_read_and_stays_succeeded(api) -> None:
    created = (await api.post("/v1/image_to_video", json=CREATE)).json()
    assert set(created) == {"id", "estimatedCost"}
    reads = [(await api.get(f"/v1/tasks/{created['id']}")).json() for _ in range(4)]
    assert [r["status"] for r in reads] == ["PENDING", "RUNNING", "SUCCEEDED", "SUCCEEDED"]
    assert reads[2]["output"][0].startswith("https://")
    assert reads[2]["cost"] == {"credits": 25}
    assert "output" not in reads[1]


async def test_polls_setting_moves_the_finish() -> None:
    async with client_for(emulator_module.RunwayEmulator(polls=1)) as api:
        task_id = (await api.post("/v1/text_to_video", json=CREATE)).json()["id"]
        assert (await api.get(f"/v1/tasks/{task_id}")).json()["status"] == "SUCCEEDED"


def test_a_task_needs_at_least_one_read() -> None:
    with pytest.raises(ValueError, match="polls must be >= 1"):
        emulator_module.RunwayEmulator(polls=0)


async def test_each_created_task_has_its_own_uuid(api) -> None:
    ids = {(await api.post("/v1/image_to_video", json=CREATE)).json()["id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(len(i) == 36 and i[14] == "4" for i in ids)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Runway-Version": "2024-11-06"}, 401),
        ({"Authorization": "Basic abc", "X-Runway-Version": "2024-11-06"}, 401),
        ({"Authorization": "Bearer key_fake"}, 400),
        ({"Authorization": "Bearer key_fake", "X-Runway-Version": "2024-09-13"}, 400),
    ],
)
async def test_credentials_and_version_are_checked(headers: dict[str, str], status: int) -> None:
    app = emulator_module.RunwayEmulator()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://emulator.test"
    ) as bare:
        response = await bare.post("/v1/image_to_video", json=CREATE, headers=headers)
    assert response.status_code == status
    assert "error" in response.json()
    assert app.counts == {"refused": 1}
    assert app.tasks == {}


async def test_unknown_and_deleted_tasks_answer_404(api) -> None:
    missing = await api.get("/v1/tasks/17f20503-6c24-4c16-946b-35dbbce2af2f")
    assert missing.status_code == 404
    task_id = (await api.post("/v1/image_to_video", json=CREATE)).json()["id"]
    assert (await api.delete(f"/v1/tasks/{task_id}")).status_code == 204
    assert (await api.get(f"/v1/tasks/{task_id}")).status_code == 404
    assert (await api.delete(f"/v1/tasks/{task_id}")).status_code == 404


async def test_stats_count_api_requests_but_not_themselves(api) -> None:
    task_id = (await api.post("/v1/image_to_video", json=CREATE)).json()["id"]
    for _ in range(3):
        await api.get(f"/v1/tasks/{task_id}")
    await api.get("/_stats")
    stats = (await api.get("/_stats")).json()
    assert stats["requests"] == 4
    assert stats["counts"] == {"create": 1, "poll": 3}
    assert stats["polls_to_finish"] == 3
    assert stats["cpu_s"] >= 0


async def test_reset_forgets_tasks_and_counters(api) -> None:
    task_id = (await api.post("/v1/image_to_video", json=CREATE)).json()["id"]
    stats = (await api.post("/_reset")).json()
    assert stats["requests"] == 0 and stats["tasks"] == 0
    assert (await api.get(f"/v1/tasks/{task_id}")).status_code == 404


async def test_an_unknown_route_is_a_404_naming_it(api) -> None:
    response = await api.post("/v1/video_upscale", json={})
    assert response.status_code == 404
    assert "POST /v1/video_upscale" in response.json()["error"]
