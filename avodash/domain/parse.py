"""Small parsers for values in the API's JSON. Each takes anything and never raises:
a value of the wrong type or shape comes back as None (or an empty tuple)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

WEB_URL_MAX = 2048
_TAB_NEWLINE = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_EDGE_JUNK = "".join(chr(c) for c in range(0x21)) + "\x7f"  # C0 controls, space, DEL
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def api_str(value: Any) -> str | None:
    """Text, trimmed; None when absent or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def api_int(value: Any) -> int | None:
    """A whole number, or None for anything else (also `Infinity`, `NaN` and `1e400`, which
    JSON parsing lets through as floats, and booleans)."""
    if isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def api_float(value: Any) -> float | None:
    """A finite number, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def api_bool(value: Any) -> bool | None:
    """True/False from a JSON boolean or the words "true"/"1"/"yes"/"on"; None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def api_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def epoch(value: Any) -> datetime | None:
    """A Unix epoch in seconds (`created_at`, `sent_at`, ...) as an aware UTC datetime."""
    if isinstance(value, bool) or value in (None, "", 0, 0.0):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def iso_datetime(value: Any) -> datetime | None:
    """An ISO 8601 string (`signed_in_at`) as an aware datetime; an epoch number is accepted."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return epoch(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def safe_web_url(value: Any) -> str | None:
    """`value` as a link target that can only open a web page: http(s) with a host, else None.

    URLs from the API are untrusted: `javascript:`, `data:`, `vbscript:` (in any case, with
    leading blanks or control characters, tabs or newlines inside the scheme, the way
    browsers read an `href`) and anything else that is not http/https come back as None,
    so a template can link only what this returns.
    """
    if not isinstance(value, str):
        return None
    url = _TAB_NEWLINE.sub("", value).strip(_EDGE_JUNK).strip()
    if not url or len(url) > WEB_URL_MAX or _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


def media_urls(raw: dict[str, Any]) -> tuple[str, ...]:
    """A message's attachments (`contents[].url`, `media_urls`, `media_url`): web links only,
    no repeats. They are shown as text links, never embedded or followed."""
    urls: list[Any] = []
    for item in api_list(raw.get("contents")):
        if isinstance(item, dict):
            urls.append(item.get("url") or item.get("media_url") or item.get("src"))
        else:
            urls.append(item)
    urls.extend(api_list(raw.get("media_urls")))
    urls.append(raw.get("media_url"))
    safe = (safe_web_url(u) for u in urls)
    return tuple(dict.fromkeys(u for u in safe if u))
