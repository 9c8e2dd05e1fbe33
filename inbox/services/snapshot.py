"""Reads kept for a few seconds per inbox and shared by everyone on it, each with the time it
was taken, so a page can say "as of 10:42:05".

    counts = snapshot(f"counts:{subdomain}", seconds=20, compute=lambda: ticket_counts(...))
    counts.value, counts.taken_at

For overview figures that many people ask for and nobody needs to the second (the overview's
counts, a contact's earlier tickets): each costs its API calls once per period and inbox, not
once per page view. `seconds=0` reads every time. A failure is never kept.

With `refresh` and `stale`, a value past its period is still given for `stale` seconds more
(with its time, so the page says "as of") while one background thread takes it again with
`refresh`, at the background share of the rate limit: the seven calls of the overview's counts
then never land in a page's own round, or in a burst that makes the next pages wait for the
limiter. Only a page that finds no value at all waits for `compute`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.core.cache import cache
from django.utils import timezone

T = TypeVar("T")
PREFIX = "inbox:snapshot:"
REFRESHING_SECONDS = 30  # one refresher at a time per key; a stuck one is forgotten after this

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    value: T
    taken_at: datetime
    kept: bool  # True: taken by an earlier page view (the page may say "as of")


def snapshot(
    key: str,
    *,
    seconds: float,
    compute: Callable[[], T],
    refresh: Callable[[], T] | None = None,
    stale: float = 0,
) -> Snapshot[T]:
    """`compute()`'s value as taken within the last `seconds` (taken now when there is none).

    `refresh` (runs in a thread of its own: no database, its own client) and `stale`: a value up
    to `seconds + stale` old is given as it is, and taken again in the background."""
    stale = stale if refresh is not None and seconds > 0 else 0
    found = kept(key, seconds=seconds, refresh=refresh, stale=stale)
    if found is not None:
        return found
    value = compute()
    taken_at = timezone.now()
    if seconds > 0:
        cache.set(PREFIX + key, (value, taken_at), seconds + stale)
    return Snapshot(value=value, taken_at=taken_at, kept=False)


def kept(
    key: str, *, seconds: float, refresh: Callable[[], T] | None = None, stale: float = 0
) -> Snapshot[T] | None:
    """`snapshot`'s value when one is kept (a stale one refreshed in the background), else None:
    no call made."""
    if seconds <= 0:
        return None
    found = cache.get(PREFIX + key)
    if found is None:
        return None
    value, taken_at = found
    if stale and refresh is not None and (timezone.now() - taken_at).total_seconds() > seconds:
        _refresh_in_background(key, refresh, seconds + stale)
    return Snapshot(value=value, taken_at=taken_at, kept=True)


def _refresh_in_background(key: str, refresh: Callable[[], T], keep: float) -> None:
    busy = f"{PREFIX}{key}:refreshing"
    if not cache.add(busy, True, REFRESHING_SECONDS):
        return  # someone's refresher is on it

    def run() -> None:
        try:
            value = refresh()
            cache.set(PREFIX + key, (value, timezone.now()), keep)
        except Exception:  # noqa: BLE001 - the kept value stays; the next page view tries again
            log.warning("could not refresh %s in the background", key, exc_info=True)
        finally:
            cache.delete(busy)

    threading.Thread(target=run, name=f"snapshot-{key}", daemon=True).start()
