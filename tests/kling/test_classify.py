"""classify(): Kling's business code decides the retry-table row, never the HTTP status."""

from __future__ import annotations

import httpx
import pytest
from framecast import Classification, Outcome
from framecast_kling._codes import CODES

PHASES = ("submit", "poll", "cancel", "find")

EXPECTED = {
    **dict.fromkeys((1000, 1001, 1002, 1003, 1004), Outcome.AUTHENTICATION),
    **dict.fromkeys((1100, 1101, 1102, 1103, 1304), Outcome.ACCOUNT),
    **dict.fromkeys((1200, 1201, 1202, 1300), Outcome.INVALID),
    1301: Outcome.CONTENT_REJECTED,
    **dict.fromkeys((1302, 1303), Outcome.RATE_LIMITED),
}


def response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "https://api-singapore.klingai.com/v1/videos/image2video")
    return httpx.Response(status, json=body, headers=headers, request=request)


def kling_error(code: int, message: str = "msg", status: int | None = None) -> httpx.Response:
    return response(status or CODES[code][0], {"code": code, "message": message, "request_id": "r"})


def test_every_documented_code_is_covered() -> None:
    assert set(CODES) == set(EXPECTED) | {1203, 5000, 5001, 5002}


@pytest.mark.parametrize("code", sorted(EXPECTED))
@pytest.mark.parametrize("phase", PHASES)
def test_fixed_rows(provider, code, phase) -> None:
    result = provider.classify(response=kling_error(code, "why"), phase=phase)
    assert result == Classification(outcome=EXPECTED[code], code=str(code), message="why")


@pytest.mark.parametrize("code", [5000, 5001, 5002])
def test_server_errors_are_ambiguous_on_submit_and_transient_elsewhere(provider, code) -> None:
    assert (
        provider.classify(response=kling_error(code), phase="submit").outcome is Outcome.AMBIGUOUS
    )
    for phase in ("poll", "find", "cancel"):
        assert (
            provider.classify(response=kling_error(code), phase=phase).outcome is Outcome.TRANSIENT
        )


def test_1203_is_not_found_on_reads_and_invalid_on_submit(provider) -> None:
    assert provider.classify(response=kling_error(1203), phase="poll").outcome is Outcome.NOT_FOUND
    assert provider.classify(response=kling_error(1203), phase="find").outcome is Outcome.NOT_FOUND
    assert provider.classify(response=kling_error(1203), phase="submit").outcome is Outcome.INVALID


def test_429_is_split_by_business_code(provider) -> None:
    throttled = provider.classify(response=kling_error(1303, status=429), phase="submit")
    broke = provider.classify(response=kling_error(1102, status=429), phase="submit")
    assert throttled.outcome is Outcome.RATE_LIMITED
    assert broke.outcome is Outcome.ACCOUNT


def test_documented_1303_body_keeps_code_and_message(provider) -> None:
    body = {"code": 1303, "message": "parallel task over resource pack limit",
            "request_id": "9984d27b-a408-4073-ae28-17ca6a13622d"}  # fmt: skip
    result = provider.classify(response=response(429, body, {"Retry-After": "7"}), phase="submit")
    assert result == Classification(
        outcome=Outcome.RATE_LIMITED,
        code="1303",
        message="parallel task over resource pack limit",
        retry_after=7.0,
    )


def test_code_decides_even_on_a_2xx(provider) -> None:
    result = provider.classify(
        response=response(200, {"code": 1301, "message": "risk"}), phase="submit"
    )
    assert result.outcome is Outcome.CONTENT_REJECTED


def test_duplicate_external_task_id_refusal_means_look_it_up(provider) -> None:
    refusal = kling_error(1201, "external_task_id 'k' already exists")
    assert provider.classify(response=refusal, phase="submit").outcome is Outcome.AMBIGUOUS
    other = kling_error(1201, "image can not be null")
    assert provider.classify(response=other, phase="submit").outcome is Outcome.INVALID


@pytest.mark.parametrize(
    "body", [None, {"error": "nope"}, {"code": 4242, "message": "new code"}, "<html>"]
)
def test_no_kling_code_leaves_it_to_the_core(provider, body) -> None:
    if body == "<html>":
        resp = httpx.Response(502, text=body, request=httpx.Request("GET", "https://x"))
    else:
        resp = response(500, body)
    assert provider.classify(response=resp, phase="submit") is None


def test_missing_message_falls_back_to_the_documented_meaning(provider) -> None:
    result = provider.classify(response=response(429, {"code": 1102}), phase="submit")
    assert result.message == "Resource pack depleted or expired (prepaid)"
