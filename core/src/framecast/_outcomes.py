"""Outcomes: a failure becomes a ``Classification`` (what happened), and a classification
becomes the error the caller sees (what it means and what to do) — docs/reliability.md.

    c = classify(session, exc, "poll", None)     # Outcome.TRANSIENT, Outcome.NOT_FOUND, ...
    raise error_for(session, c, handle, phase="poll")

Both are pure mappings: no I/O, no retry decision (those are the steps' own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from ._errors import (
    AccountError,
    AuthenticationError,
    ConfigurationError,
    FramecastError,
    GenerationFailed,
    ProviderError,
    ProviderValidationError,
    RateLimited,
    TaskNotFound,
)
from ._models import Classification, Outcome

if TYPE_CHECKING:
    import httpx

    from ._http import SubmitTrack
    from ._models import TaskHandle
    from ._session import Session

__all__ = ["classify", "error_for", "exc_text", "redact"]


def exc_text(exc: BaseException) -> str:
    from ._secrets import redact as redact_secrets

    text = redact_secrets(str(exc))
    return text if text else type(exc).__name__


def redact(session: Session, text: str | None) -> str | None:
    """Remove credentials and what was derived from them (signed tokens, header
    values) from a provider's words: some servers echo them back in their error bodies,
    and those words reach messages and logs (``framecast._secrets``)."""
    from ._secrets import redact as redact_secrets

    return redact_secrets(text) if text else text


def classify(
    session: Session, exc: BaseException, phase: str, track: SubmitTrack | None
) -> Classification:
    """What ``exc`` (raised by a provider's I/O hook in ``phase``) means, redacted."""
    c = _classify_unredacted(session, exc, phase, track)
    message = redact(session, c.message)
    return c if message == c.message else attrs.evolve(c, message=message)


def _classify_unredacted(
    session: Session, exc: BaseException, phase: str, track: SubmitTrack | None
) -> Classification:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return _classify_status(session, exc.response, phase, track)
    never_connected = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    create_sent = phase == "submit" and track is not None and track.sent
    # A later request of the same submit failing to connect does not undo the create.
    if isinstance(exc, never_connected) and not create_sent:
        outcome = Outcome.RETRY if phase == "submit" else Outcome.TRANSIENT
        return Classification(outcome=outcome, message=f"connection failed: {exc_text(exc)}")
    sent = track is None or track.sent
    message = f"{type(exc).__name__}: {exc_text(exc)}"
    if phase != "submit":
        return Classification(outcome=Outcome.TRANSIENT, message=message)
    if not sent:
        if isinstance(exc, (httpx.LocalProtocolError, httpx.UnsupportedProtocol)):
            # Refused here, before a byte was written (an illegal header value, a URL
            # without a scheme): retrying cannot help, and no task exists.
            raise ConfigurationError(
                f"{session.provider_name}: the submit could not be sent ({message}); "
                "nothing reached the server, so no task exists. Check the provider's "
                "settings (credentials, base URL)"
            ) from None
        if isinstance(exc, httpx.HTTPError):
            return Classification(outcome=Outcome.RETRY, message=message)
        raise ProviderError(
            f"{session.provider_name} failed before sending the submit: {message}"
        ) from exc
    if isinstance(exc, httpx.HTTPError):
        message = f"no answer after the request was sent ({message})"
    else:
        message = f"unreadable answer ({message})"
    return Classification(outcome=Outcome.AMBIGUOUS, message=message)


def _classify_status(
    session: Session, response: httpx.Response, phase: str, track: SubmitTrack | None
) -> Classification:
    from ._retry import default_classification, parse_retry_after

    hook = session.hook
    if phase == "submit" and track is not None and not track.matches(response.request):
        c = hook.classify(response=response, phase=phase) or default_classification(response, phase)
        if track.sent:
            # A call after the create was answered: the task exists, its handle was
            # lost. Retrying blindly would create it twice; look it up instead.
            return attrs.evolve(
                c,
                outcome=Outcome.AMBIGUOUS,
                message=f"a request after the create failed ({c.message})",
            )
        # An upload or another preparatory call failed: no task can exist yet.
        if c.outcome in (Outcome.AMBIGUOUS, Outcome.TRANSIENT, Outcome.UNREADABLE):
            return attrs.evolve(c, outcome=Outcome.RETRY)
        return c  # type: ignore[no-any-return]
    c = hook.classify(response=response, phase=phase)
    if c is None:
        return default_classification(response, phase)
    if c.retry_after is None and "retry-after" in response.headers:
        c = attrs.evolve(c, retry_after=parse_retry_after(response.headers["retry-after"]))
    return c  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- errors


def error_for(
    session: Session, c: Classification, handle: TaskHandle | None, *, phase: str
) -> FramecastError:
    """The error a classification means for the caller, with what to do next."""
    code = f" [{c.code}]" if c.code else ""
    words = _Words(
        name=session.provider_name,
        text=f"{c.message or 'no message'}{code}",
        details={"code": c.code, "phase": phase},
        handle=handle,
        credentials=tuple(session.info.credential_variables),
        code=c.code,
    )
    build = _BUILDERS.get(c.outcome, _unexpected)
    return build(words)


@attrs.frozen
class _Words:
    name: str
    text: str
    details: dict[str, str | None]
    handle: TaskHandle | None
    credentials: tuple[str, ...]
    code: str | None


def _authentication(w: _Words) -> FramecastError:
    variables = " and ".join(w.credentials) or "the provider's credentials"
    named = any(v in w.text for v in w.credentials)
    advice = "" if named else f". Check {variables}"  # the provider may name them
    return AuthenticationError(
        f"{w.name} refused the credentials: {w.text}{advice}", handle=w.handle, details=w.details
    )


def _account(w: _Words) -> FramecastError:
    return AccountError(
        f"{w.name} refused the account: {w.text}. Top up or fix the account; not retried",
        handle=w.handle,
        details=w.details,
    )


def _invalid(w: _Words) -> FramecastError:
    advice = (
        "; no task was created: change the request"
        if w.handle is None
        else f"; check the handle (task {w.handle.task_id} on {w.handle.base_url or w.name})"
    )
    return ProviderValidationError(
        f"{w.name} refused the request: {w.text}{advice}", handle=w.handle, details=w.details
    )


def _content_rejected(w: _Words) -> FramecastError:
    return GenerationFailed(
        f"{w.name} rejected the content: {w.text}. Change the prompt or image",
        retryable=False,
        code=w.code,
        handle=w.handle,
        details=w.details,
    )


def _not_found(w: _Words) -> FramecastError:
    if w.handle is None:
        return ProviderValidationError(
            f"{w.name} answered 404 to the submit: {w.text}", details=w.details
        )
    return TaskNotFound(
        f"{w.name} does not know task {w.handle.task_id} (deleted, expired or never "
        f"created): {w.text}. It cannot be resumed: submit the request again if you "
        "still need the video",
        handle=w.handle,
        details=w.details,
    )


def _rate_limited(w: _Words) -> FramecastError:
    return RateLimited(
        f"{w.name} rate-limited the request: {w.text}", handle=w.handle, details=w.details
    )


def _unexpected(w: _Words) -> FramecastError:
    return ProviderError(
        f"{w.name} answered something unexpected: {w.text}", handle=w.handle, details=w.details
    )


_BUILDERS: dict[Outcome, Callable[[_Words], FramecastError]] = {
    Outcome.AUTHENTICATION: _authentication,
    Outcome.ACCOUNT: _account,
    Outcome.INVALID: _invalid,
    Outcome.CONTENT_REJECTED: _content_rejected,
    Outcome.NOT_FOUND: _not_found,
    Outcome.RATE_LIMITED: _rate_limited,
}
