"""Inboxes (Avochato accounts) and who may use them.

The inbox list comes from `GET /v1/accounts` (cached briefly) and is filtered by the
user's grants. A subdomain the user has no grant for is indistinguishable from one that
does not exist: both are 404.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from avodash.avochato import AvochatoError
from avodash.avochato.django import get_client
from avodash.models import ALL_INBOXES, InboxGrant

log = logging.getLogger(__name__)
ACCOUNTS_CACHE_SECONDS = 300


@dataclass(frozen=True)
class Inbox:
    subdomain: str
    name: str
    phone: str | None = None


def inboxes_all() -> list[Inbox]:
    """Every inbox the API credential reaches (`GET /v1/accounts`, all pages), cached."""
    key = "avodash:accounts"
    cached = cache.get(key)
    if cached is not None:
        return cached
    client = get_client(None)
    inboxes = [
        Inbox(subdomain=a["subdomain"], name=a.get("name") or a["subdomain"], phone=a.get("phone"))
        for a in client.iter_pages(("accounts",), {}, key="accounts")
        if a.get("subdomain")
    ]
    inboxes.sort(key=lambda i: i.name.lower())
    cache.set(key, inboxes, ACCOUNTS_CACHE_SECONDS)
    return inboxes


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
