"""Walking Avochato's two pagination styles, and running independent calls at once.

Page numbers (accounts, messages, users, ...): the API returns 25 per page whatever
`limit` says, so a page is "short" relative to what the first page actually held.
Cursors: tickets hand back `last_key` (sent as `after`), contacts `next_page` (sent as
`after_page`). Both walkers stop at `max_pages` so a misbehaving server cannot loop us.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from .errors import BadResponseError

log = logging.getLogger("avodash.avochato")
T = TypeVar("T")
H = TypeVar("H")

HEAD_START = 0.002  # seconds `alongside` gives the calls' threads before running `here()`
Getter = Callable[[Sequence[str], Mapping[str, Any]], dict[str, Any]]


def items_of(envelope: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """`data[key]` as a list; missing or null counts as empty (the API omits empty lists)."""
    items = envelope["data"].get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise BadResponseError(f"Avochato's answer has no list of {key}.")
    return items


def iter_pages(
    get: Getter,
    path: Sequence[str],
    params: Mapping[str, Any] | None,
    *,
    key: str,
    max_pages: int,
    page_size: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield every item of `data[key]` over page=1,2,... until a short, empty or repeated page."""
    query = dict(params or {})
    page = int(query.pop("page", 1))
    page_size = page_size or 0
    previous: list[dict[str, Any]] | None = None
    for _ in range(max_pages):
        items = items_of(get(path, {**query, "page": page}), key)
        if not items or items == previous:  # a server ignoring `page` repeats itself
            return
        yield from items
        page_size = page_size or len(items)
        if len(items) < page_size:
            return
        previous = items
        page += 1
    log.warning("stopped paging /v1/%s after max_pages=%d pages", "/".join(path), max_pages)


def iter_cursor(
    get: Getter,
    path: Sequence[str],
    params: Mapping[str, Any] | None,
    *,
    key: str,
    cursor: str,
    param: str,
    max_pages: int,
) -> Iterator[dict[str, Any]]:
    """Yield every item of `data[key]`, passing `data[cursor]` back as `param` until it runs out.

    An empty page alone does not stop the walk (a filtered scan can return one with a
    cursor); an empty or missing cursor does, and so does one handed out before: when the
    cursor's item leaves the filter between pages (a ticket closed mid-walk), a server may
    start over from the top (the sandbox does, see its ticket list), and following a cursor
    twice would loop. Items can then come twice: callers that need each once dedupe by id.
    """
    query = dict(params or {})
    seen: set[str] = set()
    for _ in range(max_pages):
        envelope = get(path, query)
        yield from items_of(envelope, key)
        data = envelope["data"]
        nxt = data.get(cursor) if cursor in data else envelope.get(cursor)
        if nxt in (None, "") or str(nxt) in seen or nxt == query.get(param):
            return
        seen.add(str(nxt))
        query[param] = nxt
    log.warning("stopped paging /v1/%s after max_pages=%d pages", "/".join(path), max_pages)


def parallel(callables: Sequence[Callable[[], T]], max_workers: int = 8) -> list[T]:
    """Run independent calls at once; results in the callables' order.

    If any fails, the error of the first failing callable (in list order) is raised as
    soon as one failure is known; calls not yet started are cancelled, running ones are
    left to finish on their own (each is bounded by its client's time budget).
    """
    if len(callables) <= 1:
        return [fn() for fn in callables]
    return alongside(None, callables, max_workers=max_workers)[1]


def alongside(
    here: Callable[[], H] | None,
    callables: Sequence[Callable[[], T]],
    max_workers: int = 8,
    head_start: float = HEAD_START,
) -> tuple[H | None, list[T]]:
    """`parallel(callables)`, with `here()` run meanwhile in the calling thread: work that must
    stay on it (database reads use its connection) costs no time of its own while the API calls
    are under way. Returns (here's result, the calls' results). `here` failing raises at once
    (the calls are left to finish on their own); else the calls' first failure, as `parallel`.
    `head_start`: seconds the calls' threads have to themselves before `here()` starts.
    """
    pool = ThreadPoolExecutor(
        max_workers=min(max_workers, max(1, len(callables))), thread_name_prefix="avochato"
    )
    try:
        futures = [pool.submit(fn) for fn in callables]
        if here is not None:
            # The calls' threads first: each needs the interpreter for a millisecond or so to
            # build and send its request, and `here()` (database reads, Python) would hand it
            # over only every few milliseconds, sending the calls late by as much (measured at
            # 100 ms latency, loads with and without it alternating: 1 to 12 ms a page less).
            time.sleep(head_start)
        mine = here() if here is not None else None
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in futures if f in done and f.exception() is not None]
        if failed:
            raise failed[0].exception()  # type: ignore[misc]
        return mine, [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
