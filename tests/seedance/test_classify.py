"""Error answers -> rows of the outcome table: Seedance's codes, and the real-person refusal."""

from __future__ import annotations

import httpx
import pytest
from framecast import Outcome

from .conftest import provider_for


def answer(status: int, code: str, message: str = "m") -> httpx.Response:
    request = httpx.Request("POST", "https://ark.ap-southeast.bytepluses.com/api/v3/x")
    return httpx.Response(
        status, json={"error": {"code": code, "message": message}}, request=request
    )


def classify(response: httpx.Response, phase: str = "submit"):
    return provider_for().classify(response=response, phase=phase)


def test_a_real_person_refusal_says_what_to_do_and_is_never_retried() -> None:
    c = classify(answer(400, "InputImageSensitiveContentDetected.PrivacyInformation",
                        "The request failed because the input image 'content[1]' may contain real person."))  # fmt: skip
    assert c.outcome is Outcome.CONTENT_REJECTED
    assert "real person" in c.message and "asset review" in c.message
    assert "will not help" in c.message


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [
        (400, "OutputVideoSensitiveContentDetected.PolicyViolation", Outcome.CONTENT_REJECTED),
        (400, "InputTextSensitiveContentDetected.PolicyViolation", Outcome.CONTENT_REJECTED),
        (400, "InvalidParameter", Outcome.INVALID),
        (403, "AccountOverdueError", Outcome.ACCOUNT),
        (404, "ModelNotOpen", Outcome.ACCOUNT),
        (429, "RateLimitExceeded.EndpointRPMExceeded", Outcome.RATE_LIMITED),
        (401, "AuthenticationError", Outcome.AUTHENTICATION),
    ],
)
def test_codes_fall_in_their_rows(status, code, outcome) -> None:
    c = classify(answer(status, code))
    assert c.outcome is outcome and c.code == code


def test_an_account_refusal_says_how_to_fix_it() -> None:
    assert "activate the model" in classify(answer(404, "ModelNotOpen")).message


def test_unknown_codes_and_bodies_are_left_to_the_http_status() -> None:
    assert classify(answer(500, "SomethingNew")) is None
    request = httpx.Request("GET", "https://ark.ap-southeast.bytepluses.com/api/v3/x")
    assert classify(httpx.Response(502, text="<html>", request=request), "poll") is None


def test_a_missing_task_on_poll_stays_not_found() -> None:
    assert classify(answer(404, "InvalidParameter"), "poll") is None
