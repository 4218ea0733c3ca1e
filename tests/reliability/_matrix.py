"""The fault matrix (docs/reliability.md) as data: provider x fault x phase -> the prescribed outcome.

Each ``Row`` names the faults injected (fresh ones per test: a fault is consumed once), an
optional task plan, and what must follow: ``"ok"`` or the error type, the CLI exit code,
how many tasks the fake must hold, and the phrases that tell the user what happened and
what to do. ``docs/reliability.md`` renders the same rows as a table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from framecast.testing import read_timeout_after, remote_reset_after, respond
from framecast_google import testing as google
from framecast_kling import testing as kling
from framecast_luma import testing as luma
from framecast_runway import testing as runway
from framecast_seedance import testing as seedance

from ._sides import Fault

#: What the user must read for each outcome: what happened, and what to do.
PHRASES: Mapping[str, tuple[str, ...]] = {
    "RateLimited": ("rate-limited", "no task was created", "safe to try again later"),
    "OutcomeUnknown": ("may or may not have created the task", "before retrying"),
    "AuthenticationError": ("refused the credentials",),  # + the variables to check (extra)
    "AccountError": ("refused the account", "not retried"),
    "ProviderValidationError": ("refused the request",),  # + what to do (extra)
    "GenerationFailed": (),  # each row names its own words: a failed task, or refused content
    "TaskNotFound": ("does not know task", "submit the request again"),
    "ProviderError": (),  # an unreadable status word, or a refusal that outlasted the policy
    "TaskTimeout": ("still running", "not lost", "never resubmit"),
}
EXIT: Mapping[str, int] = {
    "ok": 0,
    "RateLimited": 4,
    "OutcomeUnknown": 5,
    "AuthenticationError": 3,
    "AccountError": 3,
    "ProviderValidationError": 2,
    "GenerationFailed": 1,
    "TaskNotFound": 1,
    "ProviderError": 7,
    "TaskTimeout": 6,
}


@attrs.frozen
class Row:
    provider: str
    phase: str  # "submit" | "poll"
    fault: str  # what happened, as the table shows it
    make: Callable[[], list[Fault]]
    expect: str = "ok"
    created: int = 1  # tasks the fake must hold afterwards
    creates: int | None = None  # create requests sent, when the row pins it
    plan: Mapping[str, Any] = attrs.field(factory=dict)
    retry_after: float | None = None  # a wait the runner must honour
    retryable: bool | None = None  # GenerationFailed's flag
    extra: tuple[str, ...] = ()  # phrases beyond PHRASES[expect]
    timeout: float | None = None
    lookups: int | None = None  # Kling: lookup requests (by key, then the list), when pinned

    @property
    def exit_code(self) -> int:
        return EXIT[self.expect]

    @property
    def id(self) -> str:
        return f"{self.provider}-{self.phase}-{self.fault}"


def _n(factory: Callable[[], Fault], times: int) -> Callable[[], list[Fault]]:
    return lambda: [factory() for _ in range(times)]


def _one(factory: Callable[[], Fault]) -> Callable[[], list[Fault]]:
    return _n(factory, 1)


NONE: Callable[[], list[Fault]] = list
#: Failed or THROTTLED polls of a long wait: past the ~1,024 doublings of a back-off that
#: a float holds, so an uncapped exponent would end the wait in an OverflowError.
LONG_OUTAGE = 1_100
LONG_WAIT = 48 * 3600  # a wait's timeout may be days
UNREADABLE = ("unknown", "not lost", "framecast status")  # an unreadable status word

# --------------------------------------------------------------------------- Runway


def _runway_rows() -> list[Row]:
    rows: list[Row] = []

    def row(phase: str, fault: str, make: Callable[[], list[Fault]], **kw: Any) -> None:
        rows.append(Row("runway", phase, fault, make, **kw))

    # submit
    row("submit", "connection refused x2", _n(runway.connection_refused, 2), creates=3)
    row("submit", "429 without Retry-After x2", _n(runway.rate_limited, 2), creates=3)
    row("submit", "429 Retry-After 7", _one(lambda: runway.rate_limited(retry_after=7)),
        retry_after=7, creates=2)  # fmt: skip
    row("submit", "429 past the policy (x5)", _n(lambda: runway.rate_limited(retry_after=2), 5),
        expect="RateLimited", created=0, creates=5)  # fmt: skip
    row("submit", "503 Retry-After 3 (refused)", _one(lambda: runway.unavailable(retry_after=3)),
        retry_after=3, creates=2)  # fmt: skip
    row("submit", "429 Retry-After 300 (capped at 60)",
        _one(lambda: runway.rate_limited(retry_after=300)), retry_after=60, creates=2)  # fmt: skip
    row("submit", "503 Retry-After past the policy (x5)",
        _n(lambda: runway.unavailable(retry_after=1), 5), expect="RateLimited", created=0,
        creates=5, extra=("no task was created", "safe to try"))  # fmt: skip
    row("submit", "connection refused past the policy (x5)", _n(runway.connection_refused, 5),
        expect="RateLimited", created=0, creates=5,
        extra=("no task was created", "safe to try"))  # fmt: skip
    for status in (500, 502, 504):
        for created in (True, False):
            row("submit", f"{status} task {'created' if created else 'not created'}",
                _one(lambda s=status, c=created: runway.server_error(s, created=c)),
                expect="OutcomeUnknown", created=int(created), creates=1)  # fmt: skip
    for created in (True, False):
        row("submit", f"503 without Retry-After, task {'created' if created else 'not created'}",
            _one(lambda c=created: runway.unavailable(created=c)),
            expect="OutcomeUnknown", created=int(created), creates=1)  # fmt: skip
    row("submit", "read timeout after create", _one(runway.read_timeout_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "reset after create", _one(runway.reset_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "malformed JSON 200", _one(runway.malformed_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "truncated JSON 200", _one(runway.truncated_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "401 revoked key", _one(runway.unauthorized), expect="AuthenticationError",
        created=0, creates=1, extra=("RUNWAYML_API_SECRET",))  # fmt: skip
    row("submit", "400 out of credits", _one(runway.out_of_credits), expect="AccountError",
        created=0, creates=1, extra=("enough credits",))  # fmt: skip
    row("submit", "400 validation issues",
        _one(lambda: respond(400, {"error": "Validation of body failed", "issues": [
            {"code": "custom", "message": "Failed to fetch asset.", "path": ["promptImage"]}]})),
        expect="ProviderValidationError", created=0, creates=1,
        extra=("promptImage: Failed to fetch asset", "change the request"))  # fmt: skip

    # poll
    for name, make in (
        ("connection refused", _n(runway.connection_refused, 2)),
        ("429 without Retry-After", _n(runway.rate_limited, 2)),
        ("503 without Retry-After", _n(runway.unavailable, 2)),
        ("500", _one(lambda: runway.server_error(500))),
        ("502", _one(lambda: runway.server_error(502))),
        ("504", _one(lambda: runway.server_error(504))),
        ("read timeout", _one(read_timeout_after)),
        ("reset", _one(remote_reset_after)),
        ("malformed JSON 200", _one(lambda: runway.malformed_json(created=False))),
        ("truncated JSON 200", _one(runway.truncated_json)),
    ):
        row("poll", name, make, creates=1)
    row("poll", "429 Retry-After 9", _one(lambda: runway.rate_limited(retry_after=9)),
        retry_after=9, creates=1)  # fmt: skip
    row("poll", "503 Retry-After 12", _one(lambda: runway.unavailable(retry_after=12)),
        retry_after=12, creates=1)  # fmt: skip
    row("poll", "unknown status word", _one(lambda: runway.unknown_status("EXPLODED")),
        expect="ProviderError", extra=("EXPLODED", *UNREADABLE))  # fmt: skip
    row("poll", "404 (deleted elsewhere)",
        _one(lambda: respond(404, {"error": "The task does not exist, or was deleted or canceled."})),
        expect="TaskNotFound")  # fmt: skip
    row("poll", "401 revoked key", _one(runway.unauthorized), expect="AuthenticationError",
        extra=("RUNWAYML_API_SECRET",))  # fmt: skip
    row("poll", "THROTTLED for 40 polls", NONE, plan={"throttled_polls": 40}, timeout=7200)
    for code, retryable in runway.FAILURE_CODES.items():
        row("poll", f"FAILED {code or 'without a code'}", NONE,
            plan={"outcome": "FAILED", "failure_code": code, "failure": "It failed."},
            expect="GenerationFailed", retryable=retryable,
            extra=("failed", "trying again may succeed" if retryable else "will not help"))  # fmt: skip
    row("poll", "503 on every poll until the wait timeout", _n(runway.unavailable, 100),
        expect="TaskTimeout", timeout=120)  # fmt: skip
    row("poll", f"503 on {LONG_OUTAGE:,} polls in a row (hours)",
        _n(runway.unavailable, LONG_OUTAGE), timeout=LONG_WAIT, creates=1)  # fmt: skip
    row("poll", f"THROTTLED for {LONG_OUTAGE:,} polls (most of a day)", NONE,
        plan={"throttled_polls": LONG_OUTAGE}, timeout=LONG_WAIT)  # fmt: skip
    return rows


# --------------------------------------------------------------------------- Kling

AUTH_CODES = (1000, 1001, 1002)
ACCOUNT_CODES = (1100, 1101, 1102, 1103, 1304)
INVALID_CODES = (1200, 1201, 1202, 1203, 1300)


def _kling_rows() -> list[Row]:
    rows: list[Row] = []

    def row(phase: str, fault: str, make: Callable[[], list[Fault]], **kw: Any) -> None:
        rows.append(Row("kling", phase, fault, make, **kw))

    # submit
    row("submit", "connection refused x2", _n(kling.connection_refused, 2), creates=3)
    for code in (1302, 1303):
        row("submit", f"429/{code} without Retry-After x2",
            _n(lambda c=code: kling.business_error(c), 2), creates=3)  # fmt: skip
    row("submit", "429/1303 Retry-After 7",
        _one(lambda: kling.business_error(1303, retry_after=7)), retry_after=7, creates=2)  # fmt: skip
    row("submit", "429/1303 past the policy (x5)", _n(lambda: kling.business_error(1303), 5),
        expect="RateLimited", created=0, creates=5, extra=("resource pack limit",))  # fmt: skip
    row("submit", "503 Retry-After 3 (refused)",
        _one(lambda: kling.server_error(503, retry_after=3)), retry_after=3, creates=2,
        lookups=0)  # fmt: skip
    row("submit", "429/1302 Retry-After 300 (capped at 60)",
        _one(lambda: kling.business_error(1302, retry_after=300)), retry_after=60,
        creates=2)  # fmt: skip
    row("submit", "503 Retry-After past the policy (x5)",
        _n(lambda: kling.server_error(503, retry_after=1), 5), expect="RateLimited",
        created=0, creates=5, lookups=0, extra=("no task was created", "safe to try"))  # fmt: skip
    row("submit", "connection refused past the policy (x5)", _n(kling.connection_refused, 5),
        expect="RateLimited", created=0, creates=5,
        extra=("no task was created", "safe to try"))  # fmt: skip
    for status in (500, 502, 503, 504):
        for created in (True, False):
            row("submit",
                f"{status}{' without Retry-After' if status == 503 else ''}, task "
                f"{'created' if created else 'not created'}",
                _one(lambda s=status, c=created: kling.server_error(s, created=c)),
                creates=1 if created else 2)  # fmt: skip
    for code in (5000, 5001, 5002):
        row("submit", f"business code {code}, task created",
            _one(lambda c=code: kling.business_error(c, created=True)), creates=1)  # fmt: skip
    row(
        "submit",
        "502 on every attempt (x5), never created",
        _n(lambda: kling.server_error(502), 5),
        expect="OutcomeUnknown",
        created=0,
        creates=5,
        lookups=20,
    )  # 2 finds x (key, list)
    row("submit", "read timeout after create", _one(kling.read_timeout_after), creates=1)
    row("submit", "reset after create", _one(kling.reset_after), creates=1)
    row("submit", "502 task not created, then reset after the resubmit created it",
        lambda: [kling.server_error(502), kling.reset_after()], creates=2)  # fmt: skip
    for created in (True, False):
        suffix = "task created" if created else "task not created"
        row("submit", f"malformed JSON 200, {suffix}",
            _one(lambda c=created: kling.malformed(created=c)), creates=1 if created else 2)  # fmt: skip
        row("submit", f"truncated JSON 200, {suffix}",
            _one(lambda c=created: kling.truncated(created=c)), creates=1 if created else 2)  # fmt: skip
    row("submit", "1004 expired token (re-signed)", _one(kling.expired_token), creates=2)
    row("submit", "1003 token not yet valid (re-signed)", _one(kling.not_yet_valid), creates=2)
    row("submit", "1004 twice (re-signed once)", _n(kling.expired_token, 2),
        expect="AuthenticationError", created=0, creates=2, extra=("KLING_ACCESS_KEY",))  # fmt: skip
    for code in AUTH_CODES:
        row("submit", f"401/{code}", _one(lambda c=code: kling.business_error(c)),
            expect="AuthenticationError", created=0, creates=1,
            extra=("KLING_ACCESS_KEY", "KLING_SECRET_KEY"))  # fmt: skip
    for code in ACCOUNT_CODES:
        row("submit", f"{'429' if code != 1103 else '403'}/{code}",
            _one(lambda c=code: kling.business_error(c)), expect="AccountError", created=0,
            creates=1, extra=(str(code),))  # fmt: skip
    for code in INVALID_CODES:
        row("submit", f"{'404' if code in (1202, 1203) else '400'}/{code}",
            _one(lambda c=code: kling.business_error(c)), expect="ProviderValidationError",
            created=0, creates=1, extra=(str(code), "change the request"))  # fmt: skip
    row("submit", "400/1301 content policy", _one(lambda: kling.business_error(1301)),
        expect="GenerationFailed", created=0, creates=1, retryable=False,
        extra=("Change the prompt or image",))  # fmt: skip

    # poll
    for name, make in (
        ("connection refused", _n(kling.connection_refused, 2)),
        ("429/1302", _n(lambda: kling.business_error(1302), 2)),
        ("429/1303", _n(lambda: kling.business_error(1303), 2)),
        ("500/5000", _one(lambda: kling.business_error(5000))),
        ("503/5001 without Retry-After", _one(lambda: kling.business_error(5001))),
        ("504/5002", _one(lambda: kling.business_error(5002))),
        ("502 gateway page", _one(lambda: kling.server_error(502))),
        ("read timeout", _one(kling.read_timeout_after)),
        ("reset", _one(kling.reset_after)),
        ("malformed JSON 200", _one(lambda: kling.malformed(created=False))),
        ("truncated JSON 200", _one(kling.truncated)),
        ("1004 expired token (re-signed)", _one(kling.expired_token)),
        ("1003 token not yet valid (re-signed)", _one(kling.not_yet_valid)),
    ):
        row("poll", name, make, creates=1)
    row("poll", "429/1302 Retry-After 9",
        _one(lambda: kling.business_error(1302, retry_after=9)), retry_after=9, creates=1)  # fmt: skip
    row("poll", "503 Retry-After 12", _one(lambda: kling.server_error(503, retry_after=12)),
        retry_after=12, creates=1)  # fmt: skip
    row("poll", "unknown status word", _one(lambda: kling.unknown_status("paused")),
        expect="ProviderError", extra=("paused", *UNREADABLE))  # fmt: skip
    row("poll", "404/1203 task unknown", _one(lambda: kling.business_error(1203)),
        expect="TaskNotFound")  # fmt: skip
    for code in (1200, 1201, 1202, 1300):
        row("poll", f"{'404' if code == 1202 else '400'}/{code}",
            _one(lambda c=code: kling.business_error(c)), expect="ProviderValidationError",
            extra=(str(code), "check the handle"))  # fmt: skip
    row("poll", "400/1301 content policy", _one(lambda: kling.business_error(1301)),
        expect="GenerationFailed", retryable=False, extra=("Change the prompt or image",))  # fmt: skip
    for code in AUTH_CODES:
        row("poll", f"401/{code}", _one(lambda c=code: kling.business_error(c)),
            expect="AuthenticationError", extra=("KLING_ACCESS_KEY",))  # fmt: skip
    for code in ACCOUNT_CODES:
        row("poll", f"{'429' if code != 1103 else '403'}/{code}",
            _one(lambda c=code: kling.business_error(c)), expect="AccountError",
            extra=(str(code),))  # fmt: skip
    row("poll", "submitted (queued) for 40 queries", NONE,
        plan={"queries_to_processing": 40, "queries_to_finish": 41}, timeout=7200)  # fmt: skip
    for kind, retryable in (("content", False), ("input", False), ("internal", True)):
        row("poll", f"failed: {kind}", NONE, plan={"fail_with": kling.FAILURE_MESSAGES[kind]},
            expect="GenerationFailed", retryable=retryable,
            extra=("failed", "trying again may succeed" if retryable else "will not help"))  # fmt: skip
    row("poll", "5001 on every poll until the wait timeout",
        _n(lambda: kling.business_error(5001), 100), expect="TaskTimeout", timeout=120)  # fmt: skip
    row("poll", f"5001 on {LONG_OUTAGE:,} polls in a row (hours)",
        _n(lambda: kling.business_error(5001), LONG_OUTAGE), timeout=LONG_WAIT,
        creates=1)  # fmt: skip
    return rows


# --------------------------------------------------------------------------- Seedance


def _seedance_rows() -> list[Row]:
    rows: list[Row] = []

    def row(phase: str, fault: str, make: Callable[[], list[Fault]], **kw: Any) -> None:
        rows.append(Row("seedance", phase, fault, make, **kw))

    overloaded = lambda retry_after=None: seedance.api_error(  # noqa: E731
        503, "ServerOverloaded", retry_after=retry_after
    )
    # submit
    row("submit", "connection refused x2", _n(seedance.connection_refused, 2), creates=3)
    row("submit", "429 without Retry-After x2", _n(seedance.rate_limited, 2), creates=3)
    row("submit", "429 Retry-After 7", _one(lambda: seedance.rate_limited(retry_after=7)),
        retry_after=7, creates=2)  # fmt: skip
    row("submit", "429 past the policy (x5)", _n(lambda: seedance.rate_limited(retry_after=2), 5),
        expect="RateLimited", created=0, creates=5)  # fmt: skip
    row("submit", "503 Retry-After 3 (refused)", _one(lambda: overloaded(3)), retry_after=3,
        creates=2)  # fmt: skip
    for status in (500, 502, 504):
        for created in (True, False):
            row("submit", f"{status} task {'created' if created else 'not created'}",
                _one(lambda s=status, c=created: seedance.server_error(s, created=c)),
                expect="OutcomeUnknown", created=int(created), creates=1)  # fmt: skip
    row("submit", "read timeout after create", _one(seedance.read_timeout_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "reset after create", _one(seedance.reset_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "malformed JSON 200", _one(seedance.malformed_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "truncated JSON 200", _one(seedance.truncated_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "401 revoked key", _one(seedance.unauthorized), expect="AuthenticationError",
        created=0, creates=1, extra=("ARK_API_KEY",))  # fmt: skip
    row("submit", "403 AccountOverdueError",
        _one(lambda: seedance.api_error(403, "AccountOverdueError", "The account is overdue.")),
        expect="AccountError", created=0, creates=1, extra=("top up",))  # fmt: skip
    row("submit", "400 InvalidParameter",
        _one(lambda: seedance.api_error(400, "InvalidParameter", "ratio is invalid")),
        expect="ProviderValidationError", created=0, creates=1,
        extra=("ratio is invalid",))  # fmt: skip
    row("submit", "400 real person in a reference image", _one(seedance.real_person_refused),
        expect="GenerationFailed", created=0, creates=1, retryable=False,
        extra=("real person", "asset review"))  # fmt: skip

    # poll
    for name, make in (
        ("connection refused", _n(seedance.connection_refused, 2)),
        ("429 without Retry-After", _n(seedance.rate_limited, 2)),
        ("503 without Retry-After", _n(overloaded, 2)),
        ("500", _one(lambda: seedance.server_error(500))),
        ("502", _one(lambda: seedance.server_error(502))),
        ("504", _one(lambda: seedance.server_error(504))),
        ("read timeout", _one(read_timeout_after)),
        ("reset", _one(remote_reset_after)),
        ("malformed JSON 200", _one(lambda: seedance.malformed_json(created=False))),
        ("truncated JSON 200", _one(seedance.truncated_json)),
    ):
        row("poll", name, make, creates=1)
    row("poll", "429 Retry-After 9", _one(lambda: seedance.rate_limited(retry_after=9)),
        retry_after=9, creates=1)  # fmt: skip
    row("poll", "unknown status word", _one(lambda: seedance.unknown_status("paused")),
        expect="ProviderError", extra=("paused", *UNREADABLE))  # fmt: skip
    row("poll", "404 (deleted elsewhere)",
        _one(lambda: seedance.api_error(404, "ResourceNotFound", "The task is not found.")),
        expect="TaskNotFound")  # fmt: skip
    row("poll", "401 revoked key", _one(seedance.unauthorized), expect="AuthenticationError",
        extra=("ARK_API_KEY",))  # fmt: skip
    row("poll", "queued for 40 polls", NONE, plan={"queued_polls": 40}, timeout=7200)
    for code in ("OutputVideoSensitiveContentDetected.PolicyViolation",
                 "InputImageSensitiveContentDetected.PrivacyInformation"):  # fmt: skip
        row("poll", f"failed {code}", NONE, plan={"outcome": "failed", "failure_code": code},
            expect="GenerationFailed", retryable=False, extra=("failed", "will not help"))  # fmt: skip
    row("poll", "expired (execution_expires_after)", NONE, plan={"outcome": "expired"},
        expect="GenerationFailed", retryable=True,
        extra=("expired", "execution_expires_after"))  # fmt: skip
    row("poll", "503 on every poll until the wait timeout", _n(overloaded, 100),
        expect="TaskTimeout", timeout=120)  # fmt: skip
    return rows


# --------------------------------------------------------------------------- Google


def _google_rows() -> list[Row]:
    rows: list[Row] = []

    def row(phase: str, fault: str, make: Callable[[], list[Fault]], **kw: Any) -> None:
        rows.append(Row("google", phase, fault, make, **kw))

    variables = ("GOOGLE_API_KEY or GEMINI_API_KEY",)
    # submit: no idempotency key and no lookup, so a create whose answer is lost is never
    # sent again (OutcomeUnknown), as for Runway.
    row("submit", "connection refused x2", _n(google.connection_refused, 2), creates=3)
    row("submit", "429 RESOURCE_EXHAUSTED x2", _n(google.rate_limited, 2), creates=3)
    row("submit", "429 retryDelay 7s", _one(lambda: google.rate_limited(retry_delay=7)),
        retry_after=7, creates=2)  # fmt: skip
    row("submit", "429 Retry-After 5", _one(lambda: google.rate_limited(retry_after=5)),
        retry_after=5, creates=2)  # fmt: skip
    row("submit", "429 retryDelay 300s (capped at 60)",
        _one(lambda: google.rate_limited(retry_delay=300)), retry_after=60, creates=2)  # fmt: skip
    row("submit", "429 past the policy (x5)", _n(lambda: google.rate_limited(retry_delay=2), 5),
        expect="RateLimited", created=0, creates=5, extra=("exceeded your current quota",))  # fmt: skip
    for status in (500, 503, 504):
        for created in (True, False):
            row("submit", f"{status} task {'created' if created else 'not created'}",
                _one(lambda s=status, c=created: google.server_error(s, created=c)),
                expect="OutcomeUnknown", created=int(created), creates=1)  # fmt: skip
    row("submit", "read timeout after create", _one(google.read_timeout_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "reset after create", _one(google.reset_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "malformed JSON 200", _one(google.malformed_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "truncated JSON 200", _one(google.truncated_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "400 API_KEY_INVALID", _one(google.bad_key), expect="AuthenticationError",
        created=0, creates=1, extra=variables)  # fmt: skip
    row("submit", "403 PERMISSION_DENIED", _one(google.permission_denied),
        expect="AuthenticationError", created=0, creates=1, extra=variables)  # fmt: skip
    row("submit", "400 FAILED_PRECONDITION (billing)",
        _one(lambda: respond(400, {"error": {"code": 400, "status": "FAILED_PRECONDITION",
            "message": "Gemini API free tier is not available in your country. Please enable "
                       "billing on your project in Google AI Studio."}})),
        expect="AccountError", created=0, creates=1, extra=("enable billing",))  # fmt: skip
    row("submit", "400 INVALID_ARGUMENT",
        _one(lambda: google.invalid_argument("personGeneration is not allowed.")),
        expect="ProviderValidationError", created=0, creates=1,
        extra=("personGeneration is not allowed", "change the request"))  # fmt: skip

    # poll
    for name, make in (
        ("connection refused", _n(google.connection_refused, 2)),
        ("429 RESOURCE_EXHAUSTED", _n(google.rate_limited, 2)),
        ("500 INTERNAL", _one(lambda: google.server_error(500))),
        ("503 UNAVAILABLE", _one(lambda: google.server_error(503))),
        ("504 DEADLINE_EXCEEDED", _one(lambda: google.server_error(504))),
        ("read timeout", _one(read_timeout_after)),
        ("reset", _one(remote_reset_after)),
        ("malformed JSON 200", _one(lambda: google.malformed_json(created=False))),
        ("truncated JSON 200", _one(google.truncated_json)),
        ("malformed operation (done, no response)", _one(google.malformed_operation)),
    ):
        row("poll", name, make, creates=1)
    row("poll", "429 retryDelay 25s", _one(lambda: google.rate_limited(retry_delay=25)),
        retry_after=25, creates=1)  # fmt: skip
    row("poll", "404 NOT_FOUND (operation unknown)",
        _one(lambda: respond(404, {"error": {"code": 404, "status": "NOT_FOUND",
                                             "message": "Operation not found."}})),
        expect="TaskNotFound")  # fmt: skip
    row("poll", "400 API_KEY_INVALID", _one(google.bad_key), expect="AuthenticationError",
        extra=variables)  # fmt: skip
    row("poll", "running for 40 polls", NONE, plan={"running_polls": 40}, timeout=7200)
    row("poll", "operation error 13 (INTERNAL)", NONE,
        plan={"outcome": "error", "error_code": 13, "error_message": "Internal error."},
        expect="GenerationFailed", retryable=True,
        extra=("failed", "INTERNAL", "trying again may succeed"))  # fmt: skip
    row("poll", "operation error 3 (INVALID_ARGUMENT)", NONE,
        plan={"outcome": "error", "error_code": 3, "error_message": "Unsupported input."},
        expect="GenerationFailed", retryable=False,
        extra=("failed", "INVALID_ARGUMENT", "will not help"))  # fmt: skip
    row("poll", "safety-filtered (raiMediaFilteredReasons)", NONE,
        plan={"outcome": "filtered", "reasons": ("Audio safety filter triggered.",)},
        expect="GenerationFailed", retryable=False,
        extra=("Audio safety filter triggered", "not charged", "will not help"))  # fmt: skip
    row("poll", "503 on every poll until the wait timeout",
        _n(lambda: google.server_error(503), 100), expect="TaskTimeout", timeout=120)  # fmt: skip
    row("poll", f"503 on {LONG_OUTAGE:,} polls in a row (hours)",
        _n(lambda: google.server_error(503), LONG_OUTAGE), timeout=LONG_WAIT,
        creates=1)  # fmt: skip
    return rows


# --------------------------------------------------------------------------- Luma


def _luma_rows() -> list[Row]:
    """Luma's Agents API (Ray 3.2): no idempotency key and no lookup, like Runway."""
    rows: list[Row] = []

    def row(phase: str, fault: str, make: Callable[[], list[Fault]], **kw: Any) -> None:
        rows.append(Row("luma", phase, fault, make, **kw))

    # submit
    row("submit", "connection refused x2", _n(luma.connection_refused, 2), creates=3)
    row("submit", "429 without Retry-After x2", _n(luma.rate_limited, 2), creates=3)
    row("submit", "429 Retry-After 7", _one(lambda: luma.rate_limited(retry_after=7)),
        retry_after=7, creates=2)  # fmt: skip
    row("submit", "429 past the policy (x5)", _n(lambda: luma.rate_limited(retry_after=2), 5),
        expect="RateLimited", created=0, creates=5)  # fmt: skip
    row("submit", "503 Retry-After 3 (refused)", _one(lambda: luma.unavailable(retry_after=3)),
        retry_after=3, creates=2)  # fmt: skip
    for status in (500, 502, 504):
        for created in (True, False):
            row("submit", f"{status} task {'created' if created else 'not created'}",
                _one(lambda s=status, c=created: luma.server_error(s, created=c)),
                expect="OutcomeUnknown", created=int(created), creates=1)  # fmt: skip
    row("submit", "read timeout after create", _one(luma.read_timeout_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "reset after create", _one(luma.reset_after),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "malformed JSON 200", _one(luma.malformed_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "truncated JSON 201", _one(luma.truncated_json),
        expect="OutcomeUnknown", creates=1)  # fmt: skip
    row("submit", "401 revoked key", _one(luma.unauthorized), expect="AuthenticationError",
        created=0, creates=1, extra=("LUMA_AGENTS_API_KEY",))  # fmt: skip
    row("submit", "402 out of credits", _one(luma.out_of_credits), expect="AccountError",
        created=0, creates=1, extra=("Insufficient credits",))  # fmt: skip
    row("submit", "400 refused body",
        _one(lambda: respond(400, {"detail": "video.duration: '7s' is not allowed"})),
        expect="ProviderValidationError", created=0, creates=1,
        extra=("video.duration", "change the request"))  # fmt: skip

    # poll
    for name, make in (
        ("connection refused", _n(luma.connection_refused, 2)),
        ("429 without Retry-After", _n(luma.rate_limited, 2)),
        ("503 without Retry-After", _n(luma.unavailable, 2)),
        ("500", _one(lambda: luma.server_error(500))),
        ("502", _one(lambda: luma.server_error(502))),
        ("read timeout", _one(read_timeout_after)),
        ("reset", _one(remote_reset_after)),
        ("malformed JSON 200", _one(lambda: luma.malformed_json(created=False))),
        ("truncated JSON 200", _one(luma.truncated_json)),
    ):
        row("poll", name, make, creates=1)
    row("poll", "429 Retry-After 9", _one(lambda: luma.rate_limited(retry_after=9)),
        retry_after=9, creates=1)  # fmt: skip
    row("poll", "unknown state word", _one(lambda: luma.unknown_status("exploded")),
        expect="ProviderError", extra=("exploded", *UNREADABLE))  # fmt: skip
    row("poll", "404 (generation unknown)",
        _one(lambda: respond(404, {"detail": "Generation not found"})), expect="TaskNotFound")  # fmt: skip
    row("poll", "401 revoked key", _one(luma.unauthorized), expect="AuthenticationError",
        extra=("LUMA_AGENTS_API_KEY",))  # fmt: skip
    row("poll", "queued for 40 polls", NONE, plan={"queued_polls": 40}, timeout=7200)
    for code, retryable in luma.FAILURE_CODES.items():
        row("poll", f"failed {code}", NONE,
            plan={"outcome": "failed", "failure_code": code, "failure_reason": "It failed."},
            expect="GenerationFailed", retryable=retryable,
            extra=("failed", "trying again may succeed" if retryable else "will not help"))  # fmt: skip
    row("poll", "503 on every poll until the wait timeout", _n(luma.unavailable, 100),
        expect="TaskTimeout", timeout=120)  # fmt: skip
    return rows


ROWS: list[Row] = [
    *_runway_rows(),
    *_kling_rows(),
    *_seedance_rows(),
    *_google_rows(),
    *_luma_rows(),
]


# --------------------------------------------------------------------------- the CLI


@attrs.frozen
class CliRow:
    """A way the CLI's task log must not lose or double a task; ``test`` (in
    ``test_cli_tasklog.py``) runs it for ``provider``."""

    provider: str
    situation: str
    behaviour: str
    test: str

    @property
    def id(self) -> str:
        return f"{self.test}[{self.provider}]"


KILLED = "test_kill_9_while_generate_waits_then_wait_by_short_id_resumes"
BARE = "test_a_handle_of_provider_and_task_id_alone_resumes"
REUSED = "test_a_reused_key_returns_the_logged_task_and_creates_nothing"
OTHER_REQUEST = "test_a_key_reused_for_another_request_is_refused"
RUNNER_KEY = "test_the_runner_dedupes_a_reused_key_only_where_the_provider_does"

CLI_ROWS: list[CliRow] = [
    *(
        CliRow(p, "`framecast generate --json` killed with SIGKILL while it waits (real "
               "process, fake on loopback)",
               "the task log row was written before waiting and the resume command printed on "
               "stderr; `framecast tasks` lists it; `framecast wait <short id>` resumes it "
               "(exit 0), 1 task", KILLED)
        for p in ("runway", "kling")
    ),
    *(
        CliRow(p, "`framecast wait` given a handle of provider and task id alone, no task log",
               "resumed (exit 0)" + ("; each query endpoint asked in turn" if p == "kling" else "")
               + ", 1 task", BARE)
        for p in ("runway", "kling")
    ),
    *(
        CliRow(p, "`--idempotency-key` reused on the same machine (`--no-wait`, and waiting)",
               "the logged task is returned, no create sent (exit 0), 1 task"
               + ("; a warning that the key dedupes only through this machine's log"
                  if p == "runway" else ""), REUSED)
        for p in ("runway", "kling")
    ),
    *(
        CliRow(p, "`--idempotency-key` reused for another request",
               "`ValidationError` (exit 2) naming the key's task, no create, 1 task",
               OTHER_REQUEST)
        for p in ("runway", "kling")
    ),
    CliRow("runway", "`--idempotency-key` reused after its create's answer was lost",
           "`OutcomeUnknown` (exit 5), nothing sent; `--retry-ambiguous-submit` submits again "
           "(2 tasks, as asked)",
           "test_runway_key_whose_answer_was_lost_is_not_submitted_again_blindly"),
    CliRow("kling", "`--idempotency-key` reused after the first process died mid-create",
           "submitted again with the key; Kling refuses it and the task is found (exit 0), "
           "1 task", "test_kling_key_whose_process_died_mid_create_is_found_by_kling"),
    CliRow("runway", "`Runner.submit` twice with one key",
           "2 tasks: Runway keeps no key, and the Runner promises no dedupe there", RUNNER_KEY),
    CliRow("kling", "`Runner.submit` twice with one key",
           "1 task: Kling refuses the key again and the Runner finds the first task",
           RUNNER_KEY),
]  # fmt: skip


def cli_providers(test: str) -> list[str]:
    return [row.provider for row in CLI_ROWS if row.test == test]


# --------------------------------------------------------------------------- secrets


@attrs.frozen
class SecretRow:
    """A shape of credential, or a value derived from one, that must never show; ``test``
    (in ``test_credentials.py``) runs it for ``provider``."""

    provider: str
    situation: str
    behaviour: str
    test: str

    @property
    def id(self) -> str:
        return f"{self.test}[{self.provider}]"


PADDED = "test_a_credential_padded_with_whitespace_works"
CONTROL = "test_a_control_character_inside_a_credential_is_refused_naming_the_variable"
CONTROL_CLI = "test_cli_with_a_control_character_in_a_credential_exits_2_and_shows_no_value"
ODD = "test_a_credential_of_any_shape_echoed_by_the_server_is_redacted"
JWT_ECHO = "test_a_kling_jwt_echoed_by_the_server_is_redacted_everywhere"
JWT_CLI = "test_cli_shows_no_jwt_a_server_echoed"

SECRET_ROWS: list[SecretRow] = [
    *(
        SecretRow(p, "a key with a trailing `\\n` or `\\r\\n`, surrounding spaces or a tab "
                  "(read from a file, a mounted secret)",
                  "surrounding whitespace stripped: the request is signed with the key and "
                  "succeeds (exit 0), 1 task; nothing shows the key", PADDED)
        for p in ("runway", "kling")
    ),
    *(
        SecretRow(p, "a control, invisible or non-ASCII character inside a key (`\\n`, "
                  "`\\r`, NUL, ESC, DEL, U+2028, `é`)",
                  "`ConfigurationError` (exit 2) naming the variable and the position, never "
                  "the value; nothing sent, 0 tasks", CONTROL)
        for p in ("runway", "kling")
    ),
    *(
        SecretRow(p, "the same through `framecast generate --json` and `--debug`",
                  "exit 2 naming the variable; no part of the key on stdout or stderr "
                  "(tracebacks included); nothing sent", CONTROL_CLI)
        for p in ("runway", "kling")
    ),
    *(
        SecretRow(p, "a key of any shape (regex and JSON specials, no `key_` prefix) echoed "
                  "back in a 400 body",
                  "replaced by `<VARIABLE>` in the message, `repr`, `to_dict()` and every log "
                  "record, raw or escaped (JSON, `repr`, bytes, URL)", ODD)
        for p in ("runway", "kling")
    ),
    SecretRow("kling", "the signed JWT (30 minutes valid) echoed back in a 400 body, on "
              "submit or poll",
              "replaced by `<Kling token>` (the whole token and its signature alone) in the "
              "message, `repr`, `to_dict()` and every log record", JWT_ECHO),
    SecretRow("kling", "the JWT echoed, through `framecast generate --json` and `--debug`",
              "exit 2; `<Kling token>` on stdout and stderr, no token", JWT_CLI),
]  # fmt: skip
