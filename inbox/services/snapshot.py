"""Reads kept for a few seconds per inbox and shared by everyone on it, each with the time it
was taken, so a page can say "as of 10:42:05".

    counts = snapshot(f"counts:{subdomain}", seconds=20, compute=lambda: ticket_counts(...))
    counts.value, counts.taken_at

For overview figures that many people ask for and nobody needs to the second (the overview's
counts, a contact's earlier tickets): each costs its API calls once per period and inbox, not
once per page view. `seconds=0` reads every time. A failure is never kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.core.cache import cache
from django.utils import timezone

T = TypeVar("T")
PREFIX = "inbox:snapshot:"


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    value: T
    taken_at: datetime
    kept: bool  # True: taken by an earlier page view (the page may say "as of")


def snapshot(key: str, *, seconds: float, compute: Callable[[], T]) -> Snapshot[T]:
    """`compute()`'s value as taken within the last `seconds` (taken now when there is none)."""
    if seconds > 0:
        found = cache.get(PREFIX + key)
        if found is not None:
            value, taken_at = found
            return Snapshot(value=value, taken_at=taken_at, kept=True)
    value = compute()
    taken_at = timezone.now()
    if seconds > 0:
        cache.set(PREFIX + key, (value, taken_at), seconds)
    return Snapshot(value=value, taken_at=taken_at, kept=False)
