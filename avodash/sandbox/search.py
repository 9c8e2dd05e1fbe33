"""The search query syntax of the reference's examples, and a matcher for it.

    status:Open                      field match
    name:Bob OR city:"San Francisco" OR between groups; quotes keep spaces
    country:US  aborted: false       a space after the colon is allowed
    refund late                      free text: every word must appear somewhere
    -tag:vip  NOT tag:vip            negation
    *                                everything (what the vendor's client sends for "all")

Terms side by side are ANDed (an explicit AND is accepted too); OR separates alternatives, so
a query is an OR of AND-groups. Field values compare case-insensitively: text fields match a
substring, booleans match true/false, ids and statuses match exactly (case-insensitively).

Each resource supplies `fields(obj) -> dict[field, value(s)]` and `text(obj) -> str`; a field the
resource does not know matches nothing (the real API would not find it either).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<neg>-|NOT\s+)?
        (?:(?P<field>[A-Za-z_][\w.]*):\s*)?
        (?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))
    )""",
    re.X,
)


@dataclass(frozen=True)
class Term:
    field: str | None  # None = free text
    value: str
    negate: bool = False


Query = list[list[Term]]  # OR of ANDs


def parse(query: str | None) -> Query:
    """Parse a query; an empty query or `*` gives [] (match everything)."""
    text = (query or "").strip()
    if not text or text == "*":
        return []
    groups: Query = [[]]
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        value = m.group("quoted") if m.group("quoted") is not None else m.group("bare")
        field = m.group("field")
        if field is None and m.group("quoted") is None and value in ("OR", "||"):
            groups.append([])
            continue
        if field is None and m.group("quoted") is None and value in ("AND", "&&", "*"):
            continue
        groups[-1].append(Term(field.lower() if field else None, value, bool(m.group("neg"))))
    return [g for g in groups if g]


def _values(raw: Any) -> list[Any]:
    if raw is None:
        # [None], not []: `_field_matches` answers `field:null` for a missing value (triage's
        # "unassigned" filter is `user_id:null`); with [] that branch could never be reached.
        return [None]
    if isinstance(raw, (list, tuple, set)):
        return list(raw)
    return [raw]


def _field_matches(raw: Any, wanted: str, exact: bool) -> bool:
    want = wanted.strip().lower()
    for value in _values(raw):
        if isinstance(value, bool):
            if want in ("true", "1", "yes") and value or want in ("false", "0", "no") and not value:
                return True
            continue
        if value is None:
            if want in ("null", "none", ""):
                return True
            continue
        have = str(value).lower()
        if have == want or (not exact and want in have):
            return True
    return False


def matches(
    query: Query,
    fields: Callable[[], dict[str, Any]],
    text: Callable[[], str],
    exact_fields: Iterable[str] = (),
) -> bool:
    """Whether an object matches. `fields`/`text` are called lazily (only when a term needs them)."""
    if not query:
        return True
    exact = set(exact_fields)
    cache: dict[str, Any] = {}

    def get_fields() -> dict[str, Any]:
        if "f" not in cache:
            cache["f"] = fields()
        return cache["f"]

    def get_text() -> str:
        if "t" not in cache:
            cache["t"] = text().lower()
        return cache["t"]

    def term_ok(term: Term) -> bool:
        if term.field is None:
            hit = all(word in get_text() for word in term.value.lower().split())
        else:
            known = get_fields()
            hit = term.field in known and _field_matches(known[term.field], term.value, term.field in exact)
        return hit != term.negate

    return any(all(term_ok(t) for t in group) for group in query)


def mentions(query: Query, field: str) -> bool:
    """Whether any term names this field (e.g. a ticket query that asks for `status:`)."""
    return any(t.field == field for group in query for t in group)


def score(query: Query, text: str) -> int:
    """How many free-text words appear: the `best_match` order."""
    low = text.lower()
    return sum(low.count(w) for g in query for t in g if t.field is None for w in t.value.lower().split())
