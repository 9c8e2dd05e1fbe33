"""Text from Avochato made safe to keep."""

from __future__ import annotations

from typing import Any


def without_nul(value: Any) -> Any:
    """`value` (decoded JSON) with every NUL in its texts replaced by U+FFFD: PostgreSQL cannot
    store a NUL in text or JSON, and nothing Avochato says may make a write fail afterwards."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value
