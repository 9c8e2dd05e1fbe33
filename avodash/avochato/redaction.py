"""Keeping the API secret out of logs, pages and errors: the log filter for URLs that carry
it, str/bytes wrappers whose repr hides it, and every form it may come back in."""

from __future__ import annotations

import base64
import logging
import re
from urllib.parse import quote

_SECRET_IN_TEXT = re.compile(r"""(auth_secret(?:=|%3D|['"]?\s*:\s*['"]?))[^&\s'"#]*""")


class _RedactSecrets(logging.Filter):
    """urllib3 logs request lines (with the query string) at DEBUG: redact them in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not ours to fix
            return True
        if "auth_secret" in text:
            record.msg, record.args = _SECRET_IN_TEXT.sub(r"\1[redacted]", text), None
        return True


# Filters on a logger apply only to records made on it, so name each one that logs URLs.
_REDACTED_LOGGERS = (
    "avodash.avochato",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.util.retry",
)
_redact_filter = _RedactSecrets()
for _name in _REDACTED_LOGGERS:
    logging.getLogger(_name).addFilter(_redact_filter)


class SecretStr(str):
    """The secret as a str whose repr hides it (debug pages and pretty-printers use repr)."""

    def __repr__(self) -> str:
        return "'[redacted]'"


class SecretForms:
    """Every form in which the secret may come back in an API error or a URL: as is, in any
    case, percent-encoded (upper or lower hex, reserved characters only or every byte), and in
    base64 (standard or URL-safe, with or without padding). Its repr hides them."""

    def __init__(self, secret: str) -> None:
        raw = secret.encode()
        forms = {
            secret,
            quote(secret, safe=""),
            "".join(f"%{b:02X}" for b in raw),
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode(),
        }
        forms |= {f.rstrip("=") for f in forms}
        alternatives = sorted((f for f in forms if f), key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(f) for f in alternatives), re.IGNORECASE)

    def __repr__(self) -> str:
        return "<secret forms [redacted]>"

    def redact(self, text: str) -> str:
        return self._pattern.sub("[redacted]", text)


class SecretBody(bytes):
    """A request body holding the credentials: bytes whose repr hides them, so a debug page
    or error reporter showing a frame's locals (`body` in `_request` / `_attempt`) shows
    `b'[redacted body]'` instead."""

    def __repr__(self) -> str:
        return "b'[redacted body]'"
