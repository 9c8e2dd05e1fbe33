"""Choices several team forms offer."""

from __future__ import annotations

from avodash.domain.inboxes import Inbox
from avodash.domain.users import ROLES

ROLE_CHOICES = [(r, r.capitalize()) for r in ROLES]


def inbox_choices(inboxes: list[Inbox]) -> list[tuple[str, str]]:
    return [(i.subdomain, i.name) for i in inboxes]
