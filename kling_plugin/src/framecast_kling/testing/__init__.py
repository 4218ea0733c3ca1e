"""``KlingFake``: Kling's video API in memory, for this plugin's tests and for host apps.

An instance is an ``httpx.MockTransport`` handler. It verifies every JWT (HS256, ``iss``,
``exp``, ``nbf``, with PyJWT) and every create body against the capability table
(strictly: a field or combination the docs do not show is refused with 400/1201), creates
and counts tasks, walks them ``submitted -> processing -> succeed`` over a number of
queries (a task list page counts as a query of each task on it), answers queries by task
id or ``external_task_id`` and task lists (``pageNum``/``pageSize`` within the documented
bounds, newest first), serves the output
video from a CDN host that must see no credentials, and injects scripted faults::

    import httpx
    from framecast import ProviderSettings, Runner
    from framecast.testing import VirtualClock
    from framecast_kling.testing import KlingFake, business_error, reset_after

    clock = VirtualClock()   # the runner's waits; tokens are signed and checked on it too
    fake = KlingFake(clock=clock.time)
    fake.inject("create", business_error(1303), reset_after())   # throttled, then lost answer
    settings = ProviderSettings(name="kling", env=KlingFake.ENV)
    async with Runner("kling", settings=settings, clock=clock,
                      transport=httpx.MockTransport(fake)) as runner:
        result = await runner.generate(request)
    assert fake.tasks_created == 1          # the lost answer was found, not paid twice

Faults (each consumed by one matching request, in order; targets ``"create"``, ``"query"``,
``"list"``, ``"download"`` or ``"any"``): ``business_error(code)`` for any documented code
with its HTTP status (``created=True`` for a 5xxx behind which the task exists),
``expired_token()`` (1004), ``not_yet_valid()`` (1003), ``server_error(500|502|504,
created=...)``, ``connection_refused()``, ``reset_after()`` / ``read_timeout_after()`` (the
server acts, the answer is lost), ``malformed(created=...)``, ``truncated(created=...)`` and
``unknown_status("paused")`` (on a list: every task on the page, or ``task_id=`` one).
Clock skew is a constructor argument: ``server_offset=-30``
makes the server's clock run 30 s behind the client's, so a token back-dated only 5 s is
refused with 1003 until the client back-dates further.

Public counters: ``tasks_created``, ``distinct_tokens``, ``requests`` (every request the
transport was asked to send), ``rejected_tokens``; ``log`` records each request's fate and
``tasks`` the tasks by id. Deterministic: ids, request ids and times come from counters and
the injected clock. Choices where Kling's behaviour is UNCONFIRMED are marked in the code.
"""

from __future__ import annotations

from ._common import CDN_HOST, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, Fault, Refusal
from ._fake import FakeTask, KlingFake, TaskPlan
from ._faults import (
    FAILURE_MESSAGES,
    business_error,
    connection_refused,
    expired_token,
    malformed,
    not_yet_valid,
    read_timeout_after,
    reset_after,
    server_error,
    truncated,
    unknown_status,
)

__all__ = [
    "CDN_HOST",
    "FAILURE_MESSAGES",
    "FAKE_ACCESS_KEY",
    "FAKE_SECRET_KEY",
    "FakeTask",
    "Fault",
    "KlingFake",
    "Refusal",
    "TaskPlan",
    "business_error",
    "connection_refused",
    "expired_token",
    "malformed",
    "not_yet_valid",
    "read_timeout_after",
    "reset_after",
    "server_error",
    "truncated",
    "unknown_status",
]
