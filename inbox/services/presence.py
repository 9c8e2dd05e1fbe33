"""Who has a ticket open right now: a light heartbeat kept in the shared cache.

The ticket page beats every PRESENCE_BEAT seconds while visible; a viewer whose last beat
is older than PRESENCE_TTL is gone. Dashboard-side only (no API call). Several app servers
share the cache (Redis in production), so everyone sees everyone. Read-modify-write is
not atomic: at worst a beat is lost and the name disappears for one beat.
"""

from __future__ import annotations

import time

from django.core.cache import cache

PRESENCE_BEAT = 15  # seconds between heartbeats (the page's hx-trigger)
PRESENCE_TTL = 40  # a viewer is shown this long after their last beat


def _key(subdomain: str, ticket_id: str) -> str:
    return f"presence:{subdomain}:{ticket_id}"


def _live(entries: dict, now: float) -> dict:
    return {uid: v for uid, v in entries.items() if now - v[1] <= PRESENCE_TTL}


def presence_touch(*, subdomain: str, ticket_id: str, user_id: int, name: str) -> list[str]:
    """Record that this user has the ticket open; return the names of the *other* viewers."""
    now = time.time()
    key = _key(subdomain, ticket_id)
    entries = _live(cache.get(key) or {}, now)
    entries[user_id] = (name, now)
    cache.set(key, entries, PRESENCE_TTL * 2)
    return sorted({n for uid, (n, _) in entries.items() if uid != user_id}, key=str.lower)


def presence_others(*, subdomain: str, ticket_id: str, user_id: int) -> list[str]:
    entries = _live(cache.get(_key(subdomain, ticket_id)) or {}, time.time())
    return sorted({n for uid, (n, _) in entries.items() if uid != user_id}, key=str.lower)
