"""Shared reads: twenty people on the same queue cost one upstream call.

A GET's successful envelope is kept in Django's cache for a few seconds
(`AVOCHATO_SHARED_READ_TTL`, 3 s by default; 0 turns all of this off) and served to every
caller who asks the same thing meanwhile: same credential (a hash of the API URL and the auth
id, never the secret), same inbox, same path and the same parameters in any order. Identical
reads that overlap are made once (single flight): callers in this process wait for the one
already under way (a lock and an event); callers in other processes see a short lock in the
cache (`cache.add`: Redis in production) and poll for its result, calling the API themselves
if it does not come in time or the first caller failed. Failures are never shared or kept.

A person always sees their own write. A client that reads for a person (`reader`: the signed-in
user, set per request) ends every POST, PUT or DELETE (success or not: a failed write may have
applied) by marking the time in the cache for that person and inbox. That person is then never
given a read taken before the mark: they read afresh, and their read is shared from then on.
Everyone else keeps sharing for at most the TTL, as they would a change made in Avochato
itself (a write must not cost twenty people their shared reads). Every kept read carries the
wall-clock time its request started; the mark adds MARK_SKEW for clocks of other servers.
A write without a reader (a background job) moves the inbox's *generation* instead, a random
token in the cache that is part of every key, so reads made before it are never found again
by anyone. A write to one inbox also concerns reads made without an inbox (account-wide
lists); a write without an inbox retires everything on the credential.

The cache is the deployment's: with the local-memory cache each process keeps its own
(generations included), so several processes over local memory can show another process's
read up to the TTL after a write there. Production runs Redis, which every process shares.
If the cache fails, reads go straight to the API.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .errors import RateLimitedError

log = logging.getLogger("avodash.avochato")

ALL = "*"  # the generation every read depends on: moved by a write without an inbox
NO_INBOX = "-"  # reads without an inbox: moved by any write
GENERATION_SECONDS = 24 * 3600
POLL = 0.05  # seconds between looks for another process's result
MARK_SKEW = 0.5  # seconds: a reader's own write is later than any read started on a server's clock
MARK_SECONDS = 120  # a mark outlives every read it could concern (a TTL and a page budget)


class _Flight:
    """One read under way in this process; followers wait on `done`."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.started = time.time()
        self.result: dict[str, Any] | None = None
        self.busy: RateLimitedError | None = None


class Flights:
    """The reads under way in one process, by key."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_key: dict[str, _Flight] = {}


PROCESS_FLIGHTS = Flights()


class SharedReads:
    """The shared-read cache for one credential (see the module docstring)."""

    def __init__(
        self,
        cache: Any,
        credential: str,
        *,
        ttl: float = 3.0,
        wait: float = 5.0,
        flights: Flights = PROCESS_FLIGHTS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        reader: str | None = None,
    ) -> None:
        self.cache = cache
        self.credential = credential
        self.reader = reader
        self.ttl = ttl
        self.wait = wait
        self._flights = flights
        self._clock = clock
        self._sleep = sleep

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def read(
        self,
        subdomain: str | None,
        url: str,
        params: Mapping[str, Any] | None,
        fetch: Callable[[], dict[str, Any]],
        *,
        max_wait: float,
    ) -> dict[str, Any]:
        """`fetch()`'s envelope, or a copy of the same read made moments ago or under way
        (never one taken before this reader's own last write to the inbox)."""
        if not self.enabled:
            return fetch()
        try:
            key = self._key(subdomain, url, params)
            not_before = self._own_write(subdomain)
            cached = self.cache.get(key)
        except Exception:
            log.warning("shared-read cache failed; reading from the API", exc_info=True)
            return fetch()
        if _fresh(cached, not_before):
            return cached[1]
        with self._flights.lock:
            flight = self._flights.by_key.get(key)
            leader = flight is None
            if leader:
                flight = self._flights.by_key[key] = _Flight()
        if not leader and flight.started < not_before:
            # The read under way began before this reader's own write: theirs is not ours.
            return self._fetch_and_store(key, fetch)
        if not leader:
            flight.done.wait(max(0.0, min(self.wait, max_wait)))
            if flight.result is not None:
                return copy.deepcopy(flight.result)
            if flight.busy is not None:  # no slot for the first caller: none for us either
                raise RateLimitedError(flight.busy.message, status=None, retry_after=flight.busy.retry_after)
            return fetch()  # the first caller failed or is slow: ask ourselves
        try:
            flight.result = self._read_across_processes(key, fetch, max_wait, not_before)
            return flight.result
        except RateLimitedError as err:
            if err.status is None:  # our own limiter's "busy", not an answer from the API
                flight.busy = err
            raise
        finally:
            with self._flights.lock:
                self._flights.by_key.pop(key, None)
            flight.done.set()

    def written(self, subdomain: str | None) -> None:
        """A write went to `subdomain` (None: no inbox): this reader will not be shown a read
        from before it; without a reader (or an inbox), nobody will."""
        if not self.enabled:
            return
        try:
            if self.reader and subdomain:
                mark = time.time() + MARK_SKEW
                self.cache.set_many(
                    {self._mark_key(s): mark for s in (subdomain, NO_INBOX)}, timeout=MARK_SECONDS
                )
                return
            scopes = [subdomain, NO_INBOX] if subdomain else [ALL]
            self.cache.set_many(
                {self._generation_key(s): uuid.uuid4().hex for s in scopes}, timeout=GENERATION_SECONDS
            )
        except Exception:
            log.warning("shared-read cache failed; a write could not retire shared reads", exc_info=True)

    # --- the machinery ----------------------------------------------------------------

    def _read_across_processes(
        self, key: str, fetch: Callable[[], dict[str, Any]], max_wait: float, not_before: float
    ) -> dict[str, Any]:
        lock = key + ":lock"
        try:
            leader = self.cache.add(lock, 1, timeout=max(1, int(self.wait) + 1))
        except Exception:
            leader = True
        if not leader:
            found = self._await_other(key, lock, min(self.wait, max_wait), not_before)
            if found is not None:
                return found
        try:
            return self._fetch_and_store(key, fetch)
        finally:
            if leader:
                self._forget(lock)

    def _fetch_and_store(self, key: str, fetch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        started = time.time()  # a read is as old as its request: a write may land while it runs
        envelope = fetch()
        self._store(key, started, envelope)
        return envelope

    def _await_other(self, key: str, lock: str, wait: float, not_before: float) -> dict[str, Any] | None:
        """Another process is making this read: its result, or None (gone, too slow, or taken
        before this reader's own write)."""
        give_up = self._clock() + max(0.0, wait)
        try:
            while self._clock() < give_up:
                self._sleep(POLL)
                found = self.cache.get(key)
                if _fresh(found, not_before):
                    return found[1]
                if self.cache.get(lock) is None:
                    found = self.cache.get(key)  # it finished (the result may just have landed)
                    return found[1] if _fresh(found, not_before) else None
        except Exception:
            log.warning("shared-read cache failed while waiting; reading from the API", exc_info=True)
        return None

    def _store(self, key: str, started: float, envelope: dict[str, Any]) -> None:
        try:
            self.cache.set(key, (started, envelope), timeout=self.ttl)
        except Exception:
            log.warning("shared-read cache failed; the read is not shared", exc_info=True)

    def _forget(self, lock: str) -> None:
        try:
            self.cache.delete(lock)
        except Exception:
            log.warning("shared-read cache failed; its lock expires by itself", exc_info=True)

    def _mark_key(self, scope: str) -> str:
        digest = hashlib.sha256(str(self.reader).encode()).hexdigest()[:16]
        return f"avodash:avochato:mark:{self.credential}:{scope}:{digest}"

    def _own_write(self, subdomain: str | None) -> float:
        """When this reader last wrote to `subdomain` (or account-wide), as a wall-clock time; 0 if
        not lately."""
        if not self.reader:
            return 0.0
        marks = self.cache.get_many([self._mark_key(subdomain or NO_INBOX), self._mark_key(NO_INBOX)])
        return max((float(m) for m in marks.values()), default=0.0)

    def _generation_key(self, scope: str) -> str:
        return f"avodash:avochato:gen:{self.credential}:{scope}"

    def _generations(self, subdomain: str | None) -> list[str]:
        """The tokens a read of `subdomain` depends on (a missing one is started afresh)."""
        keys = [self._generation_key(subdomain or NO_INBOX), self._generation_key(ALL)]
        found = self.cache.get_many(keys)
        for k in keys:
            if k not in found:
                # A fresh random token: an evicted generation never brings old reads back.
                self.cache.add(k, uuid.uuid4().hex, timeout=GENERATION_SECONDS)
                found[k] = self.cache.get(k)
        return [str(found[k]) for k in keys]

    def _key(self, subdomain: str | None, url: str, params: Mapping[str, Any] | None) -> str:
        what = json.dumps(
            [
                "GET",
                url,
                subdomain,
                sorted((str(k), v) for k, v in (params or {}).items()),
                self._generations(subdomain),
            ],
            default=str,
        )
        return f"avodash:avochato:read:{self.credential}:{hashlib.sha256(what.encode()).hexdigest()}"


def _fresh(kept: Any, not_before: float) -> bool:
    """A kept read `(started, envelope)` the reader may be given."""
    return isinstance(kept, tuple) and len(kept) == 2 and kept[0] >= not_before
