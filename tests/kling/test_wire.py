"""Task objects read into TaskState."""

from __future__ import annotations

import pytest
from framecast import ProviderError, TaskHandle, TaskStatus
from framecast_kling._wire import MalformedAnswer, task_state

HANDLE = TaskHandle(provider="kling", task_id="822953089408827433",
                    provider_data={"endpoint": "image2video"})  # fmt: skip

# §9.5, verbatim (REAL-1)
PROCESSING = {"task_id": "822953089408827433", "task_status": "processing", "task_info": {},
              "task_result": {}, "task_status_msg": "", "created_at": 1764235825029,
              "updated_at": 1764235834382}  # fmt: skip
SUCCEED = {
    "task_id": "822953089408827433",
    "task_status": "succeed",
    "task_info": {},
    "task_result": {
        "videos": [
            {
                "id": "822953089593376815",
                "url": "https://v16-kling-fdl.klingai.com/x.mp4?ksSecret=b8&ksTime=694fa816",
                "duration": "5.1",
            }
        ]
    },
    "task_status_msg": "",
    "created_at": 1764235825029,
    "updated_at": 1764236054436,
}


def test_statuses_map() -> None:
    assert task_state({**PROCESSING, "task_status": "submitted"}).status is TaskStatus.QUEUED
    assert task_state(PROCESSING).status is TaskStatus.RUNNING
    done = task_state(SUCCEED)
    assert done.status is TaskStatus.SUCCEEDED
    assert done.outputs == ("https://v16-kling-fdl.klingai.com/x.mp4?ksSecret=b8&ksTime=694fa816",)
    assert done.cost is None and done.cost_units is None  # REAL-1 has no final_unit_deduction
    assert done.raw["task_id"] == "822953089408827433"


def test_final_unit_deduction_is_the_actual_cost() -> None:
    state = task_state({**SUCCEED, "final_unit_deduction": "2.5"})
    assert state.cost_units == 2.5
    assert state.cost == pytest.approx(0.35)


def test_content_failure_is_not_retryable_and_keeps_the_message() -> None:
    msg = "Failure to pass the risk control system"
    state = task_state({**PROCESSING, "task_status": "failed", "task_status_msg": msg})
    assert state.status is TaskStatus.FAILED
    assert state.failure_message == msg and state.message == msg
    assert state.failure_code == "content_policy"
    assert state.retryable is False


def test_mask_mismatch_failure_is_not_retryable() -> None:
    state = task_state({**PROCESSING, "task_status": "failed",
                        "task_status_msg": "static_mask aspect ratio does not match image"})  # fmt: skip
    assert (state.failure_code, state.retryable) == ("invalid_input", False)


def test_internal_failure_is_retryable() -> None:
    state = task_state(
        {**PROCESSING, "task_status": "failed", "task_status_msg": "internal error, please retry"}
    )
    assert (state.failure_code, state.retryable) == ("failed", True)


def test_unknown_status_word_is_a_provider_error_naming_it() -> None:
    with pytest.raises(ProviderError, match="'paused'") as caught:
        task_state({**PROCESSING, "task_status": "paused"}, HANDLE)
    assert caught.value.handle is HANDLE


def test_succeed_without_url_is_malformed() -> None:
    with pytest.raises(MalformedAnswer):
        task_state({**SUCCEED, "task_result": {}})
