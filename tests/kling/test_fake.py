"""The protocol fake itself: what it refuses, how tasks progress, and its faults. Host
apps rely on it refusing what Kling would (strictly where the spec is unsure)."""

from __future__ import annotations

import base64
import io

import httpx
import jwt
import pytest
from framecast_kling import KlingAuth
from framecast_kling._codes import CODES
from framecast_kling.testing import (
    FAKE_ACCESS_KEY,
    FAKE_SECRET_KEY,
    KlingFake,
    business_error,
    connection_refused,
    read_timeout_after,
    reset_after,
    server_error,
    truncated,
)
from PIL import Image

from .support import NOW, FixedClock

BASE = "https://api-singapore.klingai.com"


def png_b64(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def client(clock):
    fake = KlingFake(clock=clock)
    auth = KlingAuth(FAKE_ACCESS_KEY, FAKE_SECRET_KEY, clock=clock)
    with httpx.Client(base_url=BASE, transport=httpx.MockTransport(fake), auth=auth) as c:
        c.fake = fake  # type: ignore[attr-defined]
        yield c


def create(client, endpoint="text2video", **body):
    return client.post(f"/v1/videos/{endpoint}", json=body)


T2V = {"model_name": "kling-v1", "prompt": "x", "duration": "5", "mode": "std"}


@pytest.mark.parametrize(
    ("endpoint", "body", "fragment"),
    [
        ("text2video", {**T2V, "model_name": "kling-v1-5"}, "does not serve text2video"),
        ("text2video", {**T2V, "duration": 5}, "duration must be a string"),
        ("text2video", {**T2V, "duration": "7"}, "takes durations 5, 10"),
        ("text2video", {**T2V, "seed": 1}, "seed: not a parameter"),
        ("text2video", {**T2V, "aspect_ratio": "4:3"}, "aspect_ratio"),
        (
            "text2video",
            {**T2V, "model_name": "kling-v2-5-turbo", "cfg_scale": 0.5},
            "cfg_scale is not supported",
        ),
        (
            "text2video",
            {**T2V, "model_name": "kling-v2-master", "mode": "std"},
            "mode 'std' is invalid",
        ),
        ("text2video", {**T2V, "prompt": ""}, "prompt can not be null"),
        ("text2video", {**T2V, "prompt": "p" * 2501}, "at most 2500"),
        (
            "text2video",
            {**T2V, "mode": "pro", "camera_control": {"type": "simple", "config": {"zoom": 5}}},
            "camera_control is not supported",
        ),
        (
            "text2video",
            {**T2V, "camera_control": {"type": "simple", "config": {"zoom": 5, "pan": 1}}},
            "exactly one non-zero",
        ),
        (
            "text2video",
            {**T2V, "camera_control": {"type": "simple", "config": {"zoom": 11}}},
            "[-10, 10]",
        ),
        ("image2video", {"model_name": "kling-v2-5-turbo", "prompt": "x"}, "image can not be null"),
        (
            "image2video",
            {
                "model_name": "kling-v2-5-turbo",
                "image": "https://e.com/a.png",
                "aspect_ratio": "16:9",
            },
            "aspect_ratio: not a parameter of image2video",
        ),
        (
            "image2video",
            {"model_name": "kling-v2-5-turbo", "image": "data:image/png;base64,iVBOR"},
            "File is not in a valid base64 format",
        ),
        (
            "image2video",
            {"model_name": "kling-v2-5-turbo", "image": png_b64(200, 400)},
            "at least 300px",
        ),
        (
            "image2video",
            {"model_name": "kling-v2-5-turbo", "image": png_b64(1000, 300)},
            "aspect ratio",
        ),
        (
            "image2video",
            {
                "model_name": "kling-v1-6",
                "mode": "std",
                "image": "https://e.com/a.png",
                "image_tail": "https://e.com/b.png",
            },
            "takes mode pro",
        ),
        (
            "image2video",
            {
                "model_name": "kling-v1-5",
                "mode": "pro",
                "duration": "5",
                "image": "https://e.com/a.png",
                "image_tail": "https://e.com/b.png",
                "camera_control": {"type": "simple", "config": {"zoom": 5}},
            },
            "camera_control",
        ),
        (
            "multi-image2video",
            {
                "model_name": "kling-v1-6",
                "prompt": "x",
                "image_list": [{"image": "https://e.com/a.png"}] * 5,
            },
            "1 to 4 images",
        ),
        (
            "multi-image2video",
            {
                "model_name": "kling-v1-6",
                "prompt": "x",
                "cfg_scale": 0.5,
                "image_list": [{"image": "https://e.com/a.png"}],
            },
            "cfg_scale: not a parameter",
        ),
    ],
)
def test_bodies_outside_the_spec_are_refused_with_1201(client, endpoint, body, fragment) -> None:
    response = create(client, endpoint, **body)
    assert response.status_code == 400
    assert response.json()["code"] == 1201
    assert fragment in response.json()["message"]
    assert client.fake.tasks_created == 0


def test_valid_bodies_create_tasks(client) -> None:
    assert (
        create(client, **T2V, camera_control={"type": "simple", "config": {"zoom": -5}}).status_code
        == 200
    )
    assert create(client, **T2V, camera_control={"type": "forward_up"}).status_code == 200
    assert create(client, "image2video", model_name="kling-v1-5", mode="pro", image=png_b64(300, 300),
                  camera_control={"type": "simple", "config": {"pan": 3}}).status_code == 200  # fmt: skip
    assert client.fake.tasks_created == 3


def test_duplicate_external_task_id_is_refused(client) -> None:
    assert create(client, **T2V, external_task_id="same").status_code == 200
    second = create(client, **T2V, external_task_id="same")
    assert (second.status_code, second.json()["code"]) == (400, 1201)
    assert "external_task_id" in second.json()["message"]
    assert client.fake.tasks_created == 1


def test_lifecycle_and_lookup_by_external_id(client) -> None:
    created = create(client, **T2V, external_task_id="ext-1").json()
    assert created["message"] == "SUCCEED"
    assert created["data"]["task_status"] == "submitted"
    assert created["data"]["task_info"] == {"external_task_id": "ext-1"}
    task_id = created["data"]["task_id"]
    statuses = [
        client.get(f"/v1/videos/text2video/{task_id}").json()["data"]["task_status"]
        for _ in range(3)
    ]
    assert statuses == ["processing", "succeed", "succeed"]
    by_external = client.get("/v1/videos/text2video/ext-1").json()["data"]
    assert by_external["task_id"] == task_id
    assert by_external["final_unit_deduction"] == "1"
    wrong_endpoint = client.get(f"/v1/videos/image2video/{task_id}")
    assert (wrong_endpoint.status_code, wrong_endpoint.json()["code"]) == (404, 1203)
    listed = client.get("/v1/videos/text2video", params={"pageNum": 1, "pageSize": 10}).json()[
        "data"
    ]
    assert [t["task_id"] for t in listed] == [task_id]


@pytest.mark.parametrize(
    "token_kind", ["missing", "bad-signature", "wrong-iss", "extra-claim", "no-typ"]
)
def test_tokens_are_verified(clock, token_kind) -> None:
    fake = KlingFake(clock=clock)
    now = int(NOW)
    claims = {"iss": FAKE_ACCESS_KEY, "exp": now + 1800, "nbf": now - 5}
    key, headers = FAKE_SECRET_KEY, {"typ": "JWT"}
    if token_kind == "bad-signature":
        key = "x" * 40
    elif token_kind == "wrong-iss":
        claims["iss"] = "somebody"
    elif token_kind == "extra-claim":
        claims["iat"] = now
    elif token_kind == "no-typ":
        headers = {"typ": "other"}
    token = jwt.encode(claims, key, algorithm="HS256", headers=headers)
    auth_header = {} if token_kind == "missing" else {"Authorization": f"Bearer {token}"}
    with httpx.Client(transport=httpx.MockTransport(fake)) as c:
        response = c.post(f"{BASE}/v1/videos/text2video", json=T2V, headers=auth_header)
    assert response.status_code == 401
    assert response.json()["code"] == {"missing": 1001, "bad-signature": 1000, "wrong-iss": 1000,
                                       "extra-claim": 1002, "no-typ": 1002}[token_kind]  # fmt: skip
    assert fake.tasks_created == 0 and fake.distinct_tokens == 0


@pytest.mark.parametrize("code", sorted(CODES))
def test_business_error_faults_use_the_documented_status(client, code) -> None:
    client.fake.inject("create", business_error(code))
    response = create(client, **T2V)
    if code in (1003, 1004):  # the auth flow re-signed and resent once
        assert [entry[2] for entry in client.fake.log] == [f"business_error({code})", "200"]
        assert client.fake.tasks_created == 1
        return
    assert response.status_code == CODES[code][0]
    assert response.json()["code"] == code
    assert client.fake.tasks_created == 0


def test_faults_with_and_without_the_task_created(client) -> None:
    fake = client.fake
    fake.inject(
        "create",
        server_error(502, created=True),
        server_error(504),
        business_error(5000, created=True),
    )
    assert create(client, **T2V, external_task_id="a").status_code == 502
    assert create(client, **T2V, external_task_id="b").status_code == 504
    assert create(client, **T2V, external_task_id="c").status_code == 500
    assert sorted(t.external_task_id for t in fake.tasks.values()) == ["a", "c"]


def test_transport_faults(client) -> None:
    fake = client.fake
    fake.inject("create", connection_refused(), reset_after(), read_timeout_after(), truncated())
    with pytest.raises(httpx.ConnectError):
        create(client, **T2V, external_task_id="refused")
    with pytest.raises(httpx.RemoteProtocolError):
        create(client, **T2V, external_task_id="reset")
    with pytest.raises(httpx.ReadTimeout):
        create(client, **T2V, external_task_id="timeout")
    cut = create(client, **T2V, external_task_id="cut")
    with pytest.raises(ValueError):
        cut.json()
    assert sorted(t.external_task_id for t in fake.tasks.values()) == ["cut", "reset", "timeout"]
    assert fake.requests == 4 and fake.pending_faults() == 0


def test_deterministic_ids(clock) -> None:
    runs = []
    for _ in range(2):
        fake = KlingFake(clock=FixedClock())
        auth = KlingAuth(FAKE_ACCESS_KEY, FAKE_SECRET_KEY, clock=FixedClock())
        with httpx.Client(base_url=BASE, transport=httpx.MockTransport(fake), auth=auth) as c:
            runs.append(create(c, **T2V).json())
    assert runs[0] == runs[1]
