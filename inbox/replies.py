"""Saved replies: per-inbox texts kept in avodash's database, and their placeholders.

A reply may say `{contact.first_name}`, `{agent.first_name}` and `{inbox.name}`. They are
filled in for the ticket's contact and the person writing when the reply is put into the
composer, so the character and segment count is the count of what will be sent. Any other
`{...}` is refused when the reply is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from avodash.domain.errors import ActionError
from inbox.models import SavedReply

PLACEHOLDERS = ("contact.first_name", "agent.first_name", "inbox.name")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


def placeholders_check(text: str) -> None:
    """Refuse a text with a placeholder we cannot fill (ActionError, fit to show)."""
    unknown = [p for p in dict.fromkeys(PLACEHOLDER_RE.findall(text)) if p not in PLACEHOLDERS]
    if unknown:
        names = ", ".join("{" + p + "}" for p in unknown)
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ActionError(f"Unknown placeholder {names}: use {known}.", field="text")


# A placeholder left in a message (typed, or pasted from elsewhere) is never sent as is.
LEFT_OVER_RE = re.compile(r"\{(?:contact|agent|inbox)\.[A-Za-z_]+\}")


def placeholders_left(text: str) -> list[str]:
    return list(dict.fromkeys(LEFT_OVER_RE.findall(text)))


def placeholders_fill(text: str, *, contact_first_name: str, agent_first_name: str, inbox_name: str) -> str:
    values = {
        "contact.first_name": contact_first_name,
        "agent.first_name": agent_first_name,
        "inbox.name": inbox_name,
    }
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True, kw_only=True)
class FilledReply:
    name: str
    text: str  # placeholders filled in


def replies_list(*, inbox: str) -> list[SavedReply]:
    return list(SavedReply.objects.filter(inbox=inbox))


def replies_filled(
    *, inbox: str, contact_first_name: str, agent_first_name: str, inbox_name: str
) -> list[FilledReply]:
    """The inbox's replies as the composer inserts them (one query)."""
    return [
        FilledReply(
            name=r.name,
            text=placeholders_fill(
                r.text,
                contact_first_name=contact_first_name,
                agent_first_name=agent_first_name,
                inbox_name=inbox_name,
            ),
        )
        for r in replies_list(inbox=inbox)
    ]


def reply_save(*, inbox: str, name: str, text: str, user, reply: SavedReply | None = None) -> SavedReply:
    """Create or change a saved reply (ActionError: a placeholder or the name is wrong)."""
    placeholders_check(text)
    taken = SavedReply.objects.filter(inbox=inbox, name=name)
    if reply is not None:
        taken = taken.exclude(pk=reply.pk)
    if taken.exists():
        raise ActionError(f"There is already a reply named /{name} in this inbox.", field="name")
    with transaction.atomic():
        reply = reply or SavedReply(inbox=inbox)
        reply.name, reply.text, reply.updated_by = name, text, user
        reply.save()
    return reply


def reply_delete(*, reply: SavedReply) -> None:
    reply.delete()
