"""Reading a task object: every status word, outputs, failures, usage, and answers that
cannot be read."""

from __future__ import annotations

import pytest
from framecast import MalformedResponse, ProviderError, TaskHandle, TaskStatus
from framecast_seedance._wire import STATUSES, task_state

HANDLE = TaskHandle(provider="seedance", task_id="cgt-20260514183217-t8rzv")


@pytest.mark.parametrize(
    ("word", "status"),
    [("queued", TaskStatus.QUEUED), ("running", TaskStatus.RUNNING),
     ("cancelled", TaskStatus.CANCELLED), ("expired", TaskStatus.FAILED)],
)  # fmt: skip
def test_status_words(word, status) -> None:
    assert task_state({"status": word}, HANDLE).status is status
    assert set(STATUSES) == {"queued", "running", "succeeded", "failed", "expired", "cancelled"}


def test_success_carries_the_video_and_its_tokens_and_cost() -> None:
    data = {"status": "succeeded", "content": {"video_url": "https://x/v.mp4"},
            "usage": {"completion_tokens": 108900, "total_tokens": 108900}}  # fmt: skip
    state = task_state(data, HANDLE, lambda tokens: tokens * 46 / 1e6, "CNY")
    assert state.outputs == ("https://x/v.mp4",)
    assert state.cost_units == 108900 and state.cost == pytest.approx(5.0094)
    assert state.cost_currency == "CNY"


def test_usage_with_total_tokens_only_is_read() -> None:
    data = {"status": "succeeded", "content": {"video_url": "https://x"},
            "usage": {"total_tokens": 35800}}  # fmt: skip
    assert task_state(data, HANDLE).cost_units == 35800


def test_no_usage_means_no_reported_cost() -> None:
    data = {"status": "succeeded", "content": {"video_url": "https://x"}}
    state = task_state(data, HANDLE, lambda tokens: 1.0)
    assert state.cost is None and state.cost_units is None


def test_success_without_a_video_url_is_unreadable() -> None:
    with pytest.raises(MalformedResponse):
        task_state({"status": "succeeded", "content": {}}, HANDLE)


def test_an_unknown_or_missing_status_names_the_word() -> None:
    with pytest.raises(ProviderError) as caught:
        task_state({"status": "paused"}, HANDLE)
    assert "paused" in caught.value.message and "queued" in caught.value.message
    with pytest.raises(ProviderError):
        task_state({}, HANDLE)


def test_expired_is_a_failure_worth_resubmitting() -> None:
    state = task_state({"status": "expired"}, HANDLE)
    assert state.failure_code == "expired" and state.retryable is True
    assert "execution_expires_after" in state.failure_message


def test_a_failure_without_a_reason_says_so_and_claims_nothing() -> None:
    state = task_state({"status": "failed"}, HANDLE)
    assert state.failure_message and state.retryable is None


def test_a_running_task_has_no_outputs_and_no_cost() -> None:
    state = task_state({"status": "running", "usage": {"completion_tokens": 5}}, HANDLE)
    assert state.outputs == () and state.cost_units is None
