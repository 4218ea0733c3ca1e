"""Recording cassettes (vcrpy, pytest-recording) without a credential in them."""

from __future__ import annotations

from typing import Any

from .._secrets import SENSITIVE_HEADERS, redact

__all__ = ["cassette_config", "scrub_request", "scrub_response"]


def scrub_request(request: Any) -> Any:
    """A vcrpy ``before_record_request``: credential headers dropped, every secret the
    process knows (keys, signed tokens) redacted from the URI and the body."""
    for name in list(request.headers):
        if name.lower() in SENSITIVE_HEADERS:
            del request.headers[name]
    request.uri = redact(request.uri)
    body = request.body
    if isinstance(body, bytes):
        text = body.decode("utf-8", "surrogateescape")
        cleaned = redact(text)
        if cleaned != text:
            request.body = cleaned.encode("utf-8", "surrogateescape")
    elif isinstance(body, str):
        request.body = redact(body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """A vcrpy ``before_record_response``: a server echoing a key or a token in its
    body or headers is recorded with the value redacted; ``Set-Cookie`` is dropped."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() == "set-cookie":
            del headers[name]
        else:
            headers[name] = [redact(v) if isinstance(v, str) else v for v in headers[name]]
    body = response.get("body") or {}
    content = body.get("string")
    if isinstance(content, bytes):
        text = content.decode("utf-8", "surrogateescape")
        cleaned = redact(text)
        if cleaned != text:
            body["string"] = cleaned.encode("utf-8", "surrogateescape")
    elif isinstance(content, str):
        body["string"] = redact(content)
    return response


def cassette_config(**overrides: Any) -> dict[str, Any]:
    """The ``vcr_config`` of a provider's cassette tests: what is recorded holds no
    credential, whatever shape it has and whatever the provider derived from it."""
    config: dict[str, Any] = {
        "filter_headers": list(SENSITIVE_HEADERS),
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
    }
    config.update(overrides)
    return config
