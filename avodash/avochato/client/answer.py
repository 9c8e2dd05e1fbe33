"""Reading Avochato's answer: at most so many bytes and not past the budget (`read_body`), then
the `{"status": 2xx, "data": {...}}` envelope checked, or the typed error it means (`envelope`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from ..errors import (
    AuthError,
    BadResponseError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
    api_errors,
    parse_retry_after,
)
from ..text import UNSTORABLE_ESCAPE, without_nul


def read_body(
    resp: requests.Response, *, max_bytes: int, deadline: float, clock: Callable[[], float]
) -> bytes:
    """Read at most max_bytes, and not past the budget (a slow drip has no read timeout)."""
    too_large = BadResponseError("Avochato's answer was too large to read.", status=resp.status_code)
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks, size = [], 0
    for chunk in resp.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        if clock() > deadline:
            raise requests.exceptions.ReadTimeout()
        chunks.append(chunk)
    return b"".join(chunks)


def envelope(
    status: int, raw: bytes, retry_after: str | None, *, redact: Callable[[str], str]
) -> dict[str, Any]:
    """Check the `{"status": 2xx, "data": {...}}` envelope, or raise the typed error. `redact`
    takes the secret out of what the API said before it goes into a message."""
    try:
        parsed: Any = json.loads(raw)
    except (ValueError, RecursionError):
        parsed = None
    if UNSTORABLE_ESCAPE.search(raw):  # a NUL or a lone surrogate, escaped as JSON must
        parsed = without_nul(parsed)
    if 200 <= status < 300 and isinstance(parsed, dict):
        inner = parsed.get("status", status)
        if isinstance(inner, int) and not 200 <= inner < 300:
            status = inner  # an error wrapped in HTTP 200
        elif isinstance(parsed.get("data"), dict):
            return parsed
    if 200 <= status < 300:
        raise BadResponseError(status=status)
    errors = [redact(e)[:500] for e in api_errors(parsed)]
    said = f" Avochato said: {'; '.join(errors)}" if errors else ""
    if status == 401:
        raise AuthError(AuthError.default_message + said, status=status)
    if status == 403:
        raise ForbiddenError(ForbiddenError.default_message + said, status=status)
    if status == 404:
        raise NotFoundError(NotFoundError.default_message + said, status=status)
    if status == 429:
        raise RateLimitedError(status=status, retry_after=parse_retry_after(retry_after))
    if 400 <= status < 500:
        raise ValidationError(status=status, errors=errors)
    if 500 <= status < 600:
        raise ServerError(ServerError.default_message + said, status=status)
    raise BadResponseError(status=status)
