"""``docs/reliability.md`` shows the fault matrix the tests run, row for row, and the figures
the load and bad-input tests assert. Regenerate the table with
``python -m tests.reliability.test_reliability_doc`` after changing ``_matrix.ROWS``."""

from __future__ import annotations

import re
from pathlib import Path

from . import test_cli_tasklog, test_credentials
from ._matrix import CLI_ROWS, EXIT, ROWS, SECRET_ROWS, Row
from .test_bad_inputs import CASES
from .test_load_with_faults import EXACT, FAULT_RATE, JOBS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
START, END = "<!-- matrix:start -->", "<!-- matrix:end -->"
CLI_START, CLI_END = "<!-- cli-matrix:start -->", "<!-- cli-matrix:end -->"
SECRET_START, SECRET_END = "<!-- secret-matrix:start -->", "<!-- secret-matrix:end -->"


def behaviour(row: Row) -> str:
    tasks = f"{row.created} task" + ("" if row.created == 1 else "s")
    if row.expect == "ok":
        if row.phase == "poll":
            what = "retried within the wait; result"
            if row.plan:
                what = "polled (backing off) until it ends; result"
        elif row.creates == 1:
            what = "answer lost: found by its key, not resubmitted; result"
        elif "not created" in row.fault:
            what = "not found by its key: resubmitted with the same key; result"
        elif "re-signed" in row.fault:
            what = "token re-signed, request sent again; result"
        else:
            what = f"retried ({row.creates} attempts); result"
        if row.retry_after is not None:
            what += f"; waited the {row.retry_after:g} s Retry-After"
        return f"{what} (exit 0), {tasks}"
    carried = ""
    if row.created and row.expect != "OutcomeUnknown":
        carried = ", carries the handle"
    elif row.expect == "OutcomeUnknown" and row.provider == "kling":
        carried = f", fingerprint and time window after {row.creates} sends with one key"
    elif row.expect == "OutcomeUnknown":
        carried = ", fingerprint and time window; never resubmitted"
    retryable = ""
    if row.retryable is not None:
        retryable = ", retryable" if row.retryable else ", not retryable"
    return f"`{row.expect}` (exit {EXIT[row.expect]}){carried}{retryable}, {tasks}"


def matrix_table() -> str:
    lines = ["| provider | phase | fault | behaviour | test id |", "|---|---|---|---|---|"]
    for row in ROWS:
        fault = row.fault.replace("|", "\\|")
        lines.append(f"| {row.provider} | {row.phase} | {fault} | {behaviour(row)} | `{row.id}` |")
    return "\n".join(lines)


def cli_table() -> str:
    lines = ["| provider | situation | behaviour | test id |", "|---|---|---|---|"]
    for row in CLI_ROWS:
        lines.append(f"| {row.provider} | {row.situation} | {row.behaviour} | `{row.id}` |")
    return "\n".join(lines)


def secret_table() -> str:
    lines = ["| provider | situation | behaviour | test id |", "|---|---|---|---|"]
    for row in SECRET_ROWS:
        lines.append(f"| {row.provider} | {row.situation} | {row.behaviour} | `{row.id}` |")
    return "\n".join(lines)


def test_the_page_shows_every_secret_row() -> None:
    text = PAGE.read_text(encoding="utf-8")
    shown = text.split(SECRET_START, 1)[1].split(SECRET_END, 1)[0].strip()
    assert shown == secret_table(), (
        "docs/reliability.md is stale: python -m tests.reliability.test_reliability_doc"
    )


def test_every_secret_row_names_a_test_that_runs_it() -> None:
    for row in SECRET_ROWS:
        assert callable(getattr(test_credentials, row.test, None)), row.test


def test_the_page_shows_every_cli_row() -> None:
    text = PAGE.read_text(encoding="utf-8")
    shown = text.split(CLI_START, 1)[1].split(CLI_END, 1)[0].strip()
    assert shown == cli_table(), (
        "docs/reliability.md is stale: python -m tests.reliability.test_reliability_doc"
    )


def test_every_cli_row_names_a_test_that_runs_it() -> None:
    for row in CLI_ROWS:
        assert callable(getattr(test_cli_tasklog, row.test, None)), row.test


def test_the_page_shows_every_row_of_the_matrix() -> None:
    text = PAGE.read_text(encoding="utf-8")
    shown = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert shown == matrix_table(), (
        "docs/reliability.md is stale: python -m tests.reliability.test_reliability_doc"
    )


def test_the_page_shows_the_measured_figures() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert f"{len(CASES)} invalid requests" in text
    assert f"{JOBS:,} concurrent jobs" in text and f"{FAULT_RATE:.0%}" in text
    load = text.split("## Load with faults", 1)[1].split("\n## ", 1)[0]
    for provider, (faulted, counts) in EXACT.items():
        line = next(ln for ln in load.splitlines() if ln.startswith(f"| {provider} |"))
        numbers = [int(n) for n in re.findall(r"\b\d+\b", line.replace(",", ""))]
        assert faulted in numbers and all(n in numbers for n in counts.values()), line


if __name__ == "__main__":
    page = PAGE.read_text(encoding="utf-8")
    head, rest = page.split(START, 1)
    tail = rest.split(END, 1)[1]
    page = f"{head}{START}\n{matrix_table()}\n{END}{tail}"
    head, rest = page.split(CLI_START, 1)
    tail = rest.split(CLI_END, 1)[1]
    page = f"{head}{CLI_START}\n{cli_table()}\n{CLI_END}{tail}"
    head, rest = page.split(SECRET_START, 1)
    tail = rest.split(SECRET_END, 1)[1]
    PAGE.write_text(f"{head}{SECRET_START}\n{secret_table()}\n{SECRET_END}{tail}", encoding="utf-8")
