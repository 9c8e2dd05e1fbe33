"""Text from Avochato (or anyone) made safe to keep."""

from __future__ import annotations

import re
from typing import Any

# What PostgreSQL refuses in text and JSON: the NUL character, and lone UTF-16 surrogates
# (JSON may carry "\ud800"; they cannot be encoded as UTF-8). Both become U+FFFD.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In raw JSON: an escaped NUL or surrogate (a valid pair decodes to one character, untouched).
UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def without_nul(value: Any) -> Any:
    """`value` (decoded JSON, a text, or a list/dict of them) with every character PostgreSQL
    cannot store replaced by U+FFFD: nothing Avochato says may make a write fail afterwards."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value) if _UNSTORABLE.search(value) else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value
