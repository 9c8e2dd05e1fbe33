"""Small helpers for view tests."""

from __future__ import annotations

INBOX = "acme-support"
OTHER_INBOX = "acme-sales"
UNGRANTED_FOR_OUTSIDER = "acme-support"


def post(client, url: str, data: dict | None = None, inbox: str = INBOX, **extra):
    """POST a form the way the page does: with the hidden `inbox` field."""
    return client.post(url, {"inbox": inbox, **(data or {})}, **extra)


def api_calls(sandbox, method: str | None = None, path: str | None = None) -> list[dict]:
    """Requests the sandbox received, optionally filtered by method and path prefix."""
    return [
        r for r in sandbox.requests
        if (method is None or r["method"] == method) and (path is None or r["path"].startswith(path))
    ]
