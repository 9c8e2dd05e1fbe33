"""What several inbox screens show alike, for the views (which never import each other):
the viewer's permission flags, an owner's label, and the 404 for an id that cannot be one."""

from __future__ import annotations

from django.http import Http404

from avodash.domain.tickets import AUTOASSIGN, UNASSIGN
from avodash.domain.users import InboxUser
from inbox.forms.ids import ID_RE

VIEW = "avodash.view_tickets"
SEND = "avodash.send_messages"
# The session key holding when this person last exported every contact of an inbox (ISO time):
# removing all contacts asks for a fresh export first.
CONTACTS_EXPORT_KEY = "contacts_export:{}"


def perms(user) -> dict[str, bool]:
    """What the viewer may do on the triage screens (the templates show or hide controls; the
    views check again)."""
    has = user.has_perm
    return {
        "can_status": has("avodash.change_ticket_status"),
        "can_assign": has("avodash.assign_tickets"),
        "can_bulk": has("avodash.bulk_update_tickets"),
        "can_tag": has("avodash.tag_contacts"),
        "can_log": has("avodash.log_events"),
    }


def ticket_id_or_404(value: str) -> str:
    """A ticket id from the URL: opaque, but only ever a plain path segment."""
    if not ID_RE.match(value or ""):
        raise Http404("No such ticket.")
    return value


def owner_label(owner: str | None, users: list[InboxUser]) -> str | None:
    """An owner choice in words: a user's name, or what unassign / auto-assign do."""
    if not owner:
        return None
    if owner == UNASSIGN:
        return "nobody (unassign)"
    if owner == AUTOASSIGN:
        return "auto-assign"
    return next((u.name for u in users if u.id == owner), owner)


def display_name(user) -> str:
    """A dashboard user's name as other viewers see it (presence)."""
    return user.get_full_name() or user.username
