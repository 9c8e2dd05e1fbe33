"""CSV exports: one streaming response for every export, with cells a spreadsheet will not run.

    return csv_response("messages-acme.csv", ["created", "text"], ((m.created, m.body) for m in found))

Rows are written as the response streams (a generator is never held in memory whole), and
every cell goes through `csv_safe`: API fields are untrusted.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"


def csv_safe(value: Any) -> str:
    """A cell as text. Spreadsheet programs run cells starting with = + - @ (or a tab or CR)
    as formulas, and API fields are untrusted: a leading ' makes them plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class Echo:
    """A file-like object for csv.writer that hands each row back (StreamingHttpResponse)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text, one line at a time: the header, then each row with every cell made safe."""
    writer = csv.writer(Echo())
    yield writer.writerow([csv_safe(v) for v in header])
    for row in rows:
        yield writer.writerow([csv_safe(v) for v in row])


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """The one way to answer with a CSV file: streamed, as an attachment named `filename`."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
