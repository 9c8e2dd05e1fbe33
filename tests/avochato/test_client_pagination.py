"""Page-number and cursor walks, and parallel calls."""

from __future__ import annotations

import threading

import pytest

from avodash.avochato import BadResponseError, NotFoundError, parallel

from .conftest import Reply, Seen, ok


def pages_of(sizes: list[int]):
    """A handler serving `sizes[page-1]` items for ?page=N (empty past the end)."""

    def handler(seen: Seen) -> Reply:
        page = int(seen.query.get("page", 1))
        n = sizes[page - 1] if page <= len(sizes) else 0
        return ok(users=[{"id": f"p{page}-{i}"} for i in range(n)])

    return handler


@pytest.mark.parametrize(
    ("sizes", "requests", "items"),
    [
        ([25, 25, 3], 3, 53),  # short last page
        ([25, 25], 3, 50),  # exact multiple: an empty page ends it
        ([7], 2, 7),  # first page is the page size: only an empty page says "done"
        ([], 1, 0),
        ([25, 25, 25, 25], 5, 100),
    ],
)
def test_iter_pages_stops_at_a_short_or_empty_page(api, make_client, sizes, requests, items):
    api.handler = pages_of(sizes)
    got = list(make_client().iter_pages(("users",), {"limit": 100}, key="users"))
    assert len(got) == items and len(api.requests) == requests
    assert [r.query["page"] for r in api.requests] == [str(n) for n in range(1, requests + 1)]
    assert all(r.query["limit"] == "100" for r in api.requests)  # other params kept


def test_iter_pages_is_lazy(api, make_client):
    api.handler = pages_of([25, 25, 25])
    it = make_client().iter_pages(("users",), None, key="users")
    assert next(it) == {"id": "p1-0"}
    assert len(api.requests) == 1


def test_iter_pages_stops_when_the_server_ignores_page(api, make_client):
    api.script(ok(users=[{"id": "same"}] * 25))
    got = list(make_client().iter_pages(("users",), {}, key="users"))
    assert len(got) == 25 and len(api.requests) == 2


def test_iter_pages_has_a_safety_cap(api, make_client):
    api.handler = lambda seen: ok(users=[{"id": seen.query["page"]}] * 25)
    got = list(make_client().iter_pages(("users",), {}, key="users", max_pages=4))
    assert len(got) == 100 and len(api.requests) == 4


def test_iter_pages_refuses_a_non_list(api, make_client):
    api.script(ok(users={"id": "x"}))
    with pytest.raises(BadResponseError):
        list(make_client().iter_pages(("users",), {}, key="users"))


def cursor_pages(key: str, cursor: str, param: str, pages: dict[str | None, tuple[list, object]]):
    def handler(seen: Seen) -> Reply:
        items, nxt = pages[seen.query.get(param)]
        data = {key: items}
        if nxt is not ...:
            data[cursor] = nxt
        return ok(**data)

    return handler


@pytest.mark.parametrize("end", ["", None, ...])  # empty, null, missing
def test_iter_cursor_follows_last_key_until_it_runs_out(api, make_client, end):
    api.handler = cursor_pages(
        "tickets", "last_key", "after", {None: ([{"id": 1}, {"id": 2}], "k2"), "k2": ([{"id": 3}], end)}
    )
    got = list(make_client().iter_cursor(("tickets",), {"status": "Open"}, key="tickets"))
    assert [t["id"] for t in got] == [1, 2, 3]
    assert [r.query.get("after") for r in api.requests] == [None, "k2"]
    assert all(r.query["status"] == "Open" for r in api.requests)


def test_iter_cursor_for_contacts_uses_next_page_and_after_page(api, make_client):
    api.handler = cursor_pages(
        "contacts", "next_page", "after_page", {None: ([{"id": "a"}], "n1"), "n1": ([{"id": "b"}], None)}
    )
    got = list(
        make_client().iter_cursor(("contacts",), {}, key="contacts", cursor="next_page", param="after_page")
    )
    assert [c["id"] for c in got] == ["a", "b"]
    assert [r.query.get("after_page") for r in api.requests] == [None, "n1"]


def test_iter_cursor_stops_on_an_unchanged_cursor(api, make_client):
    api.script(ok(tickets=[{"id": 1}], last_key="same"))
    got = list(make_client().iter_cursor(("tickets",), {}, key="tickets"))
    assert len(got) == 2 and len(api.requests) == 2


def test_iter_cursor_stops_on_a_cursor_it_has_had_before(api, make_client):
    # the cursor's ticket left the filter: the server started over and hands out k1 again
    api.handler = cursor_pages(
        "tickets",
        "last_key",
        "after",
        {None: ([{"id": 1}], "k1"), "k1": ([{"id": 2}], "k2"), "k2": ([{"id": 1}], "k1")},
    )
    got = [t["id"] for t in make_client().iter_cursor(("tickets",), {}, key="tickets")]
    assert got == [1, 2, 1] and [r.query.get("after") for r in api.requests] == [None, "k1", "k2"]


def test_iter_cursor_keeps_going_over_an_empty_page_with_a_cursor(api, make_client):
    api.handler = cursor_pages("tickets", "last_key", "after", {None: ([], "k1"), "k1": ([{"id": 9}], "")})
    assert [t["id"] for t in make_client().iter_cursor(("tickets",), {}, key="tickets")] == [9]


def test_iter_cursor_has_a_safety_cap(api, make_client):
    api.handler = lambda seen: ok(tickets=[{"id": 1}], last_key=str(len(api.requests)))
    got = list(make_client().iter_cursor(("tickets",), {}, key="tickets", max_pages=3))
    assert len(got) == 3 and len(api.requests) == 3


def test_parallel_returns_results_in_order_and_runs_at_once():
    together = threading.Barrier(6, timeout=5)  # breaks unless all six are running at once

    def meet(n: int):
        together.wait()
        return n

    assert parallel([lambda n=n: meet(n) for n in range(6)]) == list(range(6))


def test_parallel_raises_the_first_error():
    gate = threading.Event()

    def fail(msg: str):
        raise NotFoundError(msg)

    def slow_ok():
        gate.wait(1)
        return 1

    with pytest.raises(NotFoundError, match="first"):
        parallel([slow_ok, lambda: fail("first"), lambda: fail("second")])
    gate.set()


def test_parallel_of_nothing_or_one():
    assert parallel([]) == []
    assert parallel([lambda: 5]) == [5]


def test_parallel_with_a_real_client(api, make_client):
    api.handler = lambda seen: ok(path=seen.path)
    client = make_client()
    got = parallel([lambda p=p: client.get((p,)) for p in ("tickets", "users", "contacts")], max_workers=3)
    assert [g["data"]["path"] for g in got] == ["/v1/tickets", "/v1/users", "/v1/contacts"]


def test_alongside_runs_its_own_work_in_the_calling_thread_while_the_calls_run():
    import threading
    import time

    from avodash.avochato import alongside

    started = threading.Event()

    def call():
        started.set()
        time.sleep(0.05)
        return threading.get_ident()

    def here():
        assert started.wait(1), "the calls were not under way while here() ran"
        return threading.get_ident()

    mine, (other,) = alongside(here, [call])
    assert mine == threading.get_ident() != other


def test_alongside_raises_the_calls_failure_after_its_own_work():
    from avodash.avochato import NotFoundError, alongside

    done = []

    def fail():
        raise NotFoundError("gone")

    with pytest.raises(NotFoundError):
        alongside(lambda: done.append(1), [fail, lambda: 2])
    assert done == [1]
