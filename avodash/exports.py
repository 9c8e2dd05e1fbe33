"""CSV exports: cells a spreadsheet will not run, and a writer for streaming responses."""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """A cell as text. Spreadsheet programs run cells starting with = + - @ (or a tab or CR)
    as formulas, and API fields are untrusted: a leading ' makes them plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class Echo:
    """A file-like object for csv.writer that hands each row back (StreamingHttpResponse)."""

    def write(self, value: str) -> str:
        return value
