"""The audit trail in words: what each entry did, with people's names instead of ids.

`describe(entries)` returns one line per entry for the audit page; the raw parameters stay
on the entry (shown in a details row, and in the CSV export as they are).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from avodash.domain.users import user_names

_OWNER_WORDS = {"unassign": "nobody (unassigned)", "autoassign": "auto-assignment"}


@dataclass(frozen=True)
class AuditLine:
    label: str  # what kind of action, in words ("Ticket marked unaddressed")
    summary: str  # what it did, in words, with names


def _yes(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "on", "yes")


def _owner(value: Any, names: dict[str, str]) -> str:
    text = str(value or "")
    return _OWNER_WORDS.get(text) or names.get(text) or ("a former user" if text else "nobody")


def _before(before: Any, names: dict[str, str]) -> str:
    if not isinstance(before, dict):
        return ""
    state = "unaddressed" if before.get("unaddressed") else "addressed"
    return f" (was {before.get('status')}, owner {_owner(before.get('owner_id'), names)}, {state})"


def _ticket_line(action: str, p: dict[str, Any], names: dict[str, str]) -> AuditLine | None:
    if action == "ticket.addressed" and "unaddressed" in p:
        un = _yes(p["unaddressed"])
        words = "Ticket marked unaddressed" if un else "Ticket marked addressed"
        return AuditLine(words, "Marked unaddressed." if un else "Marked addressed.")
    if action == "ticket.status" and "status" in p:
        return AuditLine("Ticket status", f"Status set to {p['status']}{_before(p.get('before'), names)}.")
    if action == "ticket.owner" and "user_id" in p:
        count = p.get("count")
        many = f" ({count} tickets)" if isinstance(count, int) and count > 1 else ""
        return AuditLine("Ticket assignment", f"Assigned to {_owner(p['user_id'], names)}{many}.")
    if action == "ticket.undo_close":
        state = "unaddressed" if _yes(p.get("unaddressed")) else "addressed"
        text = f"Close undone: back to {p.get('status')}, owner {_owner(p.get('user_id'), names)}, {state}."
        return AuditLine("Ticket close undone", text)
    return None


def _other_line(action: str, p: dict[str, Any], names: dict[str, str]) -> AuditLine | None:
    if action == "tickets.bulk_update":
        parts = []
        if "status" in p:
            parts.append(f"status set to {p['status']}")
        if "user_id" in p:
            parts.append(f"assigned to {_owner(p['user_id'], names)}")
        if "unaddressed" in p:
            parts.append("marked unaddressed" if _yes(p["unaddressed"]) else "marked addressed")
        count = p.get("count")
        what = ", ".join(parts) or "changed"
        return AuditLine("Bulk ticket update", f"{count} tickets {what}." if count else f"Tickets {what}.")
    if action == "message.cancel":
        if _yes(p.get("bulk")):
            done = p.get("cancelled")
            n = len(done) if isinstance(done, list) else p.get("count")
            return AuditLine("Scheduled messages cancelled", f"Cancelled {n} scheduled messages at once.")
        return AuditLine("Scheduled message cancelled", "Cancelled a scheduled message.")
    if action == "message.reschedule":
        return AuditLine("Scheduled message changed", f"Changed to go out {p.get('scheduled_for', '')}.")
    if action.startswith("saved_reply.") and "name" in p:
        verb = {"create": "Added", "update": "Changed", "delete": "Removed"}.get(
            action.split(".")[1], "Changed"
        )
        return AuditLine("Saved reply", f"{verb} the saved reply /{p['name']}.")
    return None


def _generic(p: dict[str, Any], names: dict[str, str]) -> str:
    """Anything else: its parameters in words, ids of people replaced by names, empty ones left out."""
    parts = []
    for key, value in p.items():
        if value in ("", None, [], {}):
            continue
        if key.endswith("user_id") or key in ("owner", "to_user", "from_user"):
            value = _owner(value, names)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def _people_ids(entries: Sequence[Any]) -> set[str]:
    ids: set[str] = set()
    for e in entries:
        p = e.params if isinstance(e.params, dict) else {}
        for key, value in p.items():
            if (key.endswith("user_id") or key in ("owner", "to_user", "from_user")) and isinstance(
                value, str
            ):
                ids.add(value)
        before = p.get("before")
        if isinstance(before, dict) and isinstance(before.get("owner_id"), str):
            ids.add(before["owner_id"])
    return ids


def describe(entries: Sequence[Any], *, label_of) -> dict[int, AuditLine]:
    """One line per entry (by pk); names from the local directory in one query."""
    names = user_names(user_ids=_people_ids(entries))
    out: dict[int, AuditLine] = {}
    for e in entries:
        p = e.params if isinstance(e.params, dict) else {}
        line = _ticket_line(e.action, p, names) or _other_line(e.action, p, names)
        out[e.pk] = line or AuditLine(label_of(e.action), _generic(p, names))
    return out
