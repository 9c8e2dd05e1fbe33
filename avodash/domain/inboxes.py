"""Inboxes (Avochato accounts) and who may use them.

The inbox list comes from the local directory (`avodash.domain.directory`: `GET /v1/accounts`
on first use, refreshed in the background) and is filtered by the user's grants. A subdomain
the user has no grant for is indistinguishable from one that does not exist: both are 404.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from avodash.avochato import AvochatoError
from avodash.domain import directory
from avodash.models import ALL_INBOXES, InboxGrant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbox:
    subdomain: str
    name: str
    phone: str | None = None


def inboxes_all() -> list[Inbox]:
    """Every inbox the API credential reaches, by name, from the local directory (read once
    per request: the grant check and the layout's switcher both ask)."""

    def read() -> list[Inbox]:
        return [
            Inbox(subdomain=r.subdomain, name=r.name, phone=r.phone or None)
            for r in directory.inboxes_present()
        ]

    return directory.read_once("inboxes", read)


def granted_subdomains(user) -> set[str] | None:
    """The user's granted subdomains, or None for every inbox."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    subs = set(InboxGrant.objects.filter(user=user).values_list("subdomain", flat=True))
    return None if ALL_INBOXES in subs else subs


def user_may_use(user, subdomain: str) -> bool:
    granted = granted_subdomains(user)
    return granted is None or subdomain in granted


def inboxes_for(user) -> list[Inbox]:
    """The inboxes this user may use, in name order."""
    granted = granted_subdomains(user)
    return [i for i in inboxes_all() if granted is None or i.subdomain in granted]


def inbox_for(user, subdomain: str) -> Inbox | None:
    """The inbox if it exists and the user is granted it, else None (the caller 404s)."""
    if not user_may_use(user, subdomain):
        return None
    for inbox in inboxes_all():
        if inbox.subdomain == subdomain:
            return inbox
    return None


def inboxes_for_quietly(user) -> tuple[list[Inbox], str]:
    """For the layout: never let an API fault break every page's top bar."""
    try:
        return inboxes_for(user), ""
    except AvochatoError as err:
        log.warning("inbox list unavailable: %s", err.message)
        return [], err.message
