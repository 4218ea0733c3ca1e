"""Reading Google's answers: operations, the error envelope, and where the key may go."""

from __future__ import annotations

import httpx
import pytest
from framecast import MalformedResponse, Outcome, ProviderError
from framecast_google._provider import GoogleKeyAuth
from framecast_google._wire import operation_path, parse_created, parse_operation

from .conftest import FAKE_KEY

NAME = "models/veo-3.1-generate-preview/operations/abc123"


def answer(payload, status: int = 200, headers=None) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers)


@pytest.mark.parametrize(
    "payload",
    [
        {"name": NAME, "done": "yes"},
        {"name": NAME, "done": True},
        {"name": NAME, "done": True, "response": {"generateVideoResponse": {}}},
        {"name": NAME, "done": True, "response": {"generateVideoResponse": {
            "generatedSamples": [{"video": {}}]}}},
        {"name": NAME, "done": True, "error": "boom"},
        ["not", "an", "object"],
    ],
)  # fmt: skip
def test_unreadable_operations_are_malformed(payload) -> None:
    with pytest.raises(MalformedResponse):
        parse_operation(answer(payload))


def test_an_operation_error_with_a_grpc_code_reads_as_its_word() -> None:
    operation = parse_operation(
        answer({"name": NAME, "done": True, "error": {"code": 14, "message": "Try later."}})
    )
    assert operation.error_code == "UNAVAILABLE" and operation.error_message == "Try later."


def test_a_create_answer_needs_an_operation_name() -> None:
    assert parse_created(answer({"name": NAME})) == NAME
    for payload in ({}, {"name": "operations/x"}, {"name": NAME + "/../../files/x"}):
        with pytest.raises(MalformedResponse):
            parse_created(answer(payload))


@pytest.mark.parametrize(
    "name",
    [
        "models/x/operations/a/b",
        "files/abc",
        "models/x/operations/a?alt=media",
        "",
        "models/../operations/x",
    ],
)
def test_only_operation_names_become_paths(name: str) -> None:
    with pytest.raises(ProviderError):
        operation_path(name)


def test_retry_after_header_wins_over_retry_delay(provider) -> None:
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota",
                      "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                   "retryDelay": "30s"}]}}  # fmt: skip
    with_header = provider.classify(
        response=answer(body, 429, {"retry-after": "4"}), phase="submit"
    )
    without = provider.classify(response=answer(body, 429), phase="submit")
    assert with_header.retry_after == 4 and without.retry_after == 30
    assert without.outcome is Outcome.RATE_LIMITED


@pytest.mark.parametrize(
    ("status", "word", "phase", "outcome"),
    [
        (400, "INVALID_ARGUMENT", "submit", Outcome.INVALID),
        (403, "PERMISSION_DENIED", "poll", Outcome.AUTHENTICATION),
        (401, "UNAUTHENTICATED", "submit", Outcome.AUTHENTICATION),
        (400, "FAILED_PRECONDITION", "submit", Outcome.ACCOUNT),
        (404, "NOT_FOUND", "submit", Outcome.INVALID),
        (404, "NOT_FOUND", "poll", None),  # the core: TaskNotFound
        (500, "INTERNAL", "submit", None),  # the core: ambiguous on submit, retried on poll
        (503, "UNAVAILABLE", "poll", None),
    ],
)
def test_error_words_map_to_the_outcome_table(provider, status, word, phase, outcome) -> None:
    body = {"error": {"code": status, "status": word, "message": "m"}}
    verdict = provider.classify(response=answer(body, status), phase=phase)
    assert (verdict.outcome if verdict else None) is outcome


def test_a_body_that_is_not_googles_envelope_falls_to_the_status() -> None:
    from framecast_google import GoogleProvider

    verdict = GoogleProvider().classify(
        response=httpx.Response(502, text="<html>bad gateway</html>"), phase="poll"
    )
    assert verdict is None


@pytest.mark.parametrize(
    ("url", "signed"),
    [
        ("https://generativelanguage.googleapis.com/v1beta/files/x:download", True),
        ("https://generativelanguage.googleapis.com:443/v1beta/models", True),
        ("http://generativelanguage.googleapis.com/v1beta/models", False),
        ("https://storage.googleapis.com/bucket/x.mp4", False),
        ("https://generativelanguage.googleapis.com.evil.test/v1beta", False),
    ],
)
def test_the_key_goes_only_to_googles_origin(url: str, signed: bool) -> None:
    auth = GoogleKeyAuth(
        FAKE_KEY,
        base_url="https://generativelanguage.googleapis.com",
        official_hosts=("generativelanguage.googleapis.com",),
    )
    request = next(auth.auth_flow(httpx.Request("GET", url)))
    assert ("x-goog-api-key" in request.headers) is signed
    assert FAKE_KEY not in repr(auth)
