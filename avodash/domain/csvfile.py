"""Reading an uploaded CSV file, the same way for every upload (onboarding people, updating
contacts): UTF-8 (with or without BOM), comma / semicolon / tab sniffed from the header, the
header's names lower-cased, blank lines skipped, size and row limits, and errors in words.

    table = read_table(data, columns=("phone", "name"), required=("phone",), max_rows=1000, noun="contacts")
    for line, cell in table.rows:
        cell("phone")
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from avodash.domain.errors import ActionError

MAX_BYTES = 512 * 1024

Cell = Callable[[str], str]


@dataclass(kw_only=True)
class Table:
    header: list[str]
    rows: list[tuple[int, Cell]]  # (line in the file, the row's cell by column name)


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else "", delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _cell_of(record: list[str], col: dict[str, int]) -> Cell:
    def cell(name: str) -> str:
        i = col.get(name)
        return record[i].strip() if i is not None and i < len(record) else ""

    return cell


def read_table(
    data: bytes,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    max_rows: int,
    noun: str,
    max_bytes: int = MAX_BYTES,
) -> Table:
    """The file's rows, each with a `cell(name)` reader. Raises ActionError when the file
    itself is unusable (too big, not UTF-8, not CSV, no header, a required column missing,
    no rows, too many rows)."""
    if len(data) > max_bytes:
        raise ActionError(f"The file is too large (at most {max_bytes // 1024} KB).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ActionError("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.") from None
    if "\x00" in text:  # no field may hold one (PostgreSQL could not store it)
        line = text[: text.index("\x00")].count("\n") + 1
        raise ActionError(
            f"Line {line} of the file holds a NUL character, which no field may hold. Remove it and upload again."
        )
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ActionError("The file is empty. Start from the template.") from None
    except csv.Error as err:
        raise ActionError(f"The file is not valid CSV: {err}.") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ActionError(
            f"The first line must name the columns ({', '.join(columns)}); missing: {', '.join(missing)}."
        )
    col = {name: header.index(name) for name in columns if name in header}
    rows: list[tuple[int, Cell]] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= max_rows:
                raise ActionError(f"Too many rows: at most {max_rows} {noun} per file.")
            rows.append((reader.line_num, _cell_of(record, col)))
    except csv.Error as err:
        raise ActionError(f"The file is not valid CSV near line {reader.line_num}: {err}.") from None
    if not rows:
        raise ActionError(f"The file has a header but no {noun} in it.")
    return Table(header=header, rows=rows)
