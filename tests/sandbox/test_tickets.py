"""Tickets: list filters and orders, both pagination styles, search syntax, updates and the
events they record, the ignored status change, previous tickets."""

from __future__ import annotations

import pytest

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import BLOCKED_PHONE, notable_contact
from avodash.sandbox.state import OwnerChange, StatusChange
from tests.sandbox.conftest import Api


def _inbox(srv: SandboxServer):
    return srv.state.inboxes["acme-support"]


def _tickets(r) -> list[dict]:
    assert r.status_code == 200, r.text
    return r.json()["data"]["tickets"]


def _pick(srv: SandboxServer, status: str, n: int = 1, **attrs) -> list[str]:
    inbox = _inbox(srv)
    found = [
        t.id
        for t in inbox.tickets.values()
        if t.status == status
        and not inbox.contacts[t.contact_id].blocked
        and all(getattr(t, k) == v for k, v in attrs.items())
    ]
    assert len(found) >= n
    return found[:n]


def test_list_leaves_closed_tickets_out_unless_asked(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    open_count = sum(t.status != "Closed" for t in inbox.tickets.values())
    body = api.get("/v1/tickets", limit=100).json()["data"]
    assert body["total_count"] == open_count
    assert all(t["status"] != "Closed" for t in body["tickets"])
    closed = api.get("/v1/tickets", status="Closed", limit=100).json()["data"]
    assert closed["total_count"] == sum(t.status == "Closed" for t in inbox.tickets.values())
    assert {t["status"] for t in closed["tickets"]} == {"Closed"}
    assert _tickets(api.get("/v1/tickets", query="status:Closed"))[0]["status"] == "Closed"


@pytest.mark.parametrize("status", ["New", "Open", "Pending", "Closed"])
def test_status_filter_is_exact(api: Api, status: str) -> None:
    got = _tickets(api.get("/v1/tickets", status=status, limit=100))
    assert got and {t["status"] for t in got} == {status}


def test_status_filter_is_case_sensitive(api: Api) -> None:
    r = api.get("/v1/tickets", status="open")
    assert r.status_code == 422 and r.json()["errors"]


def test_user_id_unaddressed_and_channel_filters(api: Api, srv: SandboxServer) -> None:
    admin = srv.state.user_by_email("admin@avodash.example")
    mine = _tickets(api.get("/v1/tickets", user_id=admin.id, limit=100))
    assert mine and {t["user_id"] for t in mine} == {admin.id}
    unaddressed = _tickets(api.get("/v1/tickets", unaddressed="on", limit=100))
    assert unaddressed and all(t["unaddressed"] for t in unaddressed)
    everything = api.get("/v1/tickets", unaddressed="true").json()["data"]["total_count"]
    assert everything > len(unaddressed)  # only "on" is understood
    assert _tickets(api.get("/v1/tickets", channel="whatsapp")) == []
    assert len(_tickets(api.get("/v1/tickets", channel="sms"))) == 30


def test_orders(api: Api) -> None:
    def times(order: str, key: str) -> list[float]:
        return [t[key] for t in _tickets(api.get("/v1/tickets", order=order, limit=50))]

    newest = times("newest", "created_at")
    assert newest == sorted(newest, reverse=True)
    oldest = times("oldest", "created_at")
    assert oldest == sorted(oldest)
    assert api.get("/v1/tickets", order="random").status_code == 422


def test_page_and_cursor_pagination_cover_everything_once(api: Api) -> None:
    total = api.get("/v1/tickets").json()["data"]["total_count"]
    by_page, page = [], 1
    while True:
        chunk = _tickets(api.get("/v1/tickets", page=page, limit=40))
        by_page += [t["id"] for t in chunk]
        if len(chunk) < 40:
            break
        page += 1
    by_cursor, after = [], None
    while True:
        data = api.get("/v1/tickets", limit=40, **({"after": after} if after else {})).json()["data"]
        by_cursor += [t["id"] for t in data["tickets"]]
        after = data["last_key"]
        if not after:
            break
    assert len(by_page) == len(set(by_page)) == total
    assert by_cursor == by_page


def _page(api: Api, **params) -> tuple[list[str], str]:
    data = api.get("/v1/tickets", status="Open", limit=5, **params).json()["data"]
    return [t["id"] for t in data["tickets"]], data["last_key"]


def _close(api: Api, srv: SandboxServer, ticket_id: str) -> None:
    with srv.state.lock:  # a blocked contact's ticket would ignore the change
        _inbox(srv).contacts[_inbox(srv).tickets[ticket_id].contact_id].blocked = False
    assert _tickets(api.put(f"/v1/tickets/{ticket_id}", status="Closed"))[0]["status"] == "Closed"


def test_a_cursor_whose_ticket_left_the_filter_goes_on_from_its_place(api: Api, srv: SandboxServer) -> None:
    first, cursor = _page(api, order="oldest")
    second, _ = _page(api, order="oldest", after=cursor)
    _close(api, srv, cursor)  # closed between pages: no longer "Open"
    assert _page(api, order="oldest", after=cursor)[0] == second  # creation order: it simply goes on


def test_in_activity_order_a_closed_cursor_ticket_starts_the_walk_over(api: Api, srv: SandboxServer) -> None:
    first, cursor = _page(api)
    _close(api, srv, cursor)  # its StatusChange is new activity: it now sorts first
    again, last_key = _page(api, after=cursor)
    assert again[:4] == first[:4] and cursor not in again and last_key not in ("", cursor)


def test_an_unknown_cursor_ends_the_walk(api: Api) -> None:
    assert _page(api, after="no-such-ticket") == ([], "")


def test_search_syntax(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    found = _tickets(api.get("/v1/tickets", query="status:Open OR status:Pending", limit=100))
    assert {t["status"] for t in found} == {"Open", "Pending"}
    hits = _tickets(
        api.get("/v1/tickets", query='name:"Bob McTest"', status=_inbox(srv).current_ticket(bob.id).status)
    )
    assert [t["contact"] for t in hits] == [bob.id]
    text = _tickets(api.get("/v1/tickets", query="refund", status="Closed", limit=100))
    inbox = _inbox(srv)
    for t in text:
        stream = " ".join(getattr(e, "message", "") for e in inbox.stream(inbox.tickets[t["id"]]))
        assert "refund" in stream.lower()


def test_fetch_unknown_ids_gives_an_empty_array(api: Api) -> None:
    r = api.get("/v1/tickets/nope1,nope2")
    assert r.status_code == 200 and r.json()["data"]["tickets"] == []
    r = api.put("/v1/tickets/nope1", status="Closed")
    assert r.status_code == 200 and r.json()["data"]["tickets"] == []


def test_fetch_by_uuid(api: Api, srv: SandboxServer) -> None:
    ticket = next(iter(_inbox(srv).tickets.values()))
    assert _tickets(api.get(f"/v1/tickets/{ticket.uuid}"))[0]["id"] == ticket.id


def test_status_change_records_a_status_change_event(api: Api, srv: SandboxServer) -> None:
    tid = _pick(srv, "Open")[0]
    got = _tickets(api.put(f"/v1/tickets/{tid}", status="Pending"))
    assert got[0]["status"] == "Pending"
    ticket = _inbox(srv).tickets[tid]
    last = _inbox(srv).events[ticket.event_ids[-1]]
    assert isinstance(last, StatusChange) and last.status == "Pending"
    assert last.user_id == srv.state.user_by_email("api@avodash.example").id
    events = api.get(f"/v1/tickets/{tid}/events").json()["data"]["events"]
    assert events[0]["element_type"] == "StatusChange" and events[0]["status"] == "Pending"


def test_closing_marks_addressed_and_reopening_works(api: Api, srv: SandboxServer) -> None:
    tid = _pick(srv, "Open", unaddressed=True)[0]
    got = _tickets(api.put(f"/v1/tickets/{tid}", status="Closed"))[0]
    assert got["status"] == "Closed" and got["unaddressed"] is False
    assert _inbox(srv).tickets[tid].closed_at is not None
    assert _tickets(api.put(f"/v1/tickets/{tid}", status="Open"))[0]["status"] == "Open"


def test_bulk_update_with_comma_ids(api: Api, srv: SandboxServer) -> None:
    ids = _pick(srv, "New", 3)
    got = _tickets(api.put(f"/v1/tickets/{','.join(ids)}", status="Open"))
    assert [t["id"] for t in got] == ids and {t["status"] for t in got} == {"Open"}


def test_invalid_status_is_refused(api: Api, srv: SandboxServer) -> None:
    tid = _pick(srv, "Open")[0]
    for bad in ("closed", "Done", "OPEN"):
        r = api.put(f"/v1/tickets/{tid}", status=bad)
        assert r.status_code == 422 and r.json()["errors"]
    assert _inbox(srv).tickets[tid].status == "Open"


def test_a_blocked_contacts_ticket_ignores_status_changes(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    ticket = inbox.current_ticket(inbox.contact_by_phone(BLOCKED_PHONE).id)
    before = len(ticket.event_ids)
    r = api.put(f"/v1/tickets/{ticket.id}", status="Closed", unaddressed="true")
    assert r.status_code == 200
    got = r.json()["data"]["tickets"][0]
    assert got["status"] == "Open"  # ignored: the caller must compare
    assert got["unaddressed"] is True  # other changes still apply
    assert len(ticket.event_ids) == before


def test_update_unaddressed(api: Api, srv: SandboxServer) -> None:
    tid = _pick(srv, "Open", unaddressed=True)[0]
    assert _tickets(api.put(f"/v1/tickets/{tid}", unaddressed=False))[0]["unaddressed"] is False
    assert _tickets(api.put(f"/v1/tickets/{tid}", unaddressed="true"))[0]["unaddressed"] is True
    assert api.put(f"/v1/tickets/{tid}", unaddressed="maybe").status_code == 422


def test_nothing_to_update_is_refused(api: Api, srv: SandboxServer) -> None:
    tid = _pick(srv, "Open")[0]
    assert api.put(f"/v1/tickets/{tid}").status_code == 422


def test_assign_by_id_and_email_records_owner_changes(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    jordan = srv.state.user_by_email("jordan.lee@acme.example")
    sam = srv.state.user_by_email("sam.rivera@acme.example")
    tid = _pick(srv, "New", user_id=None)[0]
    assert _tickets(api.put(f"/v1/tickets/{tid}", user_id=jordan.id))[0]["user_id"] == jordan.id
    assert _tickets(api.put(f"/v1/tickets/{tid}", user_email=sam.email))[0]["user_id"] == sam.id
    changes = [e for e in inbox.stream(inbox.tickets[tid]) if isinstance(e, OwnerChange)]
    assert [(c.old_owner_id, c.owner_id) for c in changes[-2:]] == [(None, jordan.id), (jordan.id, sam.id)]


def test_assigning_to_a_stranger_or_disabled_user_is_refused(api: Api, srv: SandboxServer) -> None:
    tid = _pick(srv, "Open")[0]
    marcus = srv.state.user_by_email("marcus.brown@globex.example")  # not in acme-support
    priya = srv.state.user_by_email("priya.shah@acme.example")  # disabled
    for params in ({"user_id": marcus.id}, {"user_email": "nobody@x.example"}, {"user_id": priya.id}):
        r = api.put(f"/v1/tickets/{tid}", **params)
        assert r.status_code == 422 and r.json()["errors"]


def test_unassign_and_autoassign(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    owned = [t.id for t in inbox.tickets.values() if t.user_id and t.status == "Open"][:2]
    got = _tickets(api.put(f"/v1/tickets/{','.join(owned)}", user_id="unassign"))
    assert [t["user_id"] for t in got] == [None, None]
    got = _tickets(api.put(f"/v1/tickets/{','.join(owned)}", user_id="autoassign"))
    roster = {uid for uid, m in inbox.members.items() if m.enabled and not srv.state.users[uid].is_api}
    assert all(t["user_id"] in roster for t in got)
    assert got[0]["user_id"] != got[1]["user_id"]  # spread over the roster


def test_autoassign_with_an_empty_roster_keeps_the_owner(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    for m in inbox.members.values():
        m.autoassign = False
    tid = next(t.id for t in inbox.tickets.values() if t.user_id and t.status == "Open")
    owner = inbox.tickets[tid].user_id
    assert _tickets(api.put(f"/v1/tickets/{tid}", user_id="autoassign"))[0]["user_id"] == owner


def test_previous_tickets(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    contact = next(c for c in inbox.contacts if len(inbox.tickets_of(c)) > 1)
    history = inbox.tickets_of(contact)
    got = _tickets(api.get(f"/v1/tickets/{history[-1].id}/previous"))
    assert [t["id"] for t in got] == [t.id for t in reversed(history[:-1])]
    assert got[0]["account_subdomain"] == "acme-support" and got[0]["closed_at"]
    assert _tickets(api.get(f"/v1/tickets/{history[0].id}/previous")) == []
