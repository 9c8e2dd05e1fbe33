"""Messages: sending into the stream, the opt-out footer, refusals, scheduling (scheduled_for
and delay), scheduled search and cancel, delivery when due, search and its filters."""

from __future__ import annotations

import time

import pytest

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import (
    BOB_PHONE,
    LANDLINE_PHONE,
    OPTED_OUT_PHONE,
    notable_contact,
)
from avodash.sandbox.state import SmsMessage
from tests.helpers import Clock
from tests.sandbox.conftest import Api


def _inbox(srv: SandboxServer):
    return srv.state.inboxes["acme-support"]


def test_send_adds_an_outbound_message_to_the_contacts_ticket(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    bob = notable_contact(srv.state, "bob")
    ticket = inbox.current_ticket(bob.id)
    r = api.post("/v1/messages", phone=BOB_PHONE, message="Your order shipped today.")
    assert r.status_code == 200, r.text
    msg = r.json()["data"]["message"]
    assert msg["ticket_id"] == ticket.id and msg["contact_id"] == bob.id
    assert msg["direction"] == "out" and msg["status"] == "queued" and msg["origin"] == "api"
    assert msg["message"] == "Your order shipped today."  # Bob was messaged before: no footer
    assert msg["from"] == inbox.phone and msg["to"] == BOB_PHONE
    assert inbox.events[ticket.event_ids[-1]].message == "Your order shipped today."
    events = api.get(f"/v1/tickets/{ticket.id}/events").json()["data"]["events"]
    assert events[0]["event_id"] == msg["event_id"]
    assert api.get(f"/v1/messages/{msg['event_id']}").json()["data"]["message"]["uuid"] == msg["uuid"]


def test_first_message_to_a_new_number_creates_contact_ticket_and_footer(
    api: Api, srv: SandboxServer
) -> None:
    msg = api.post("/v1/messages", phone="(415) 555-3333", message="Hello!").json()["data"]["message"]
    assert msg["to"] == "+14155553333"
    assert msg["message"] == "Hello!\n(Acme Support: Reply STOP to opt out)"
    inbox = _inbox(srv)
    contact = inbox.contact_by_phone("+14155553333")
    assert contact is not None and contact.due_for_compliance is False
    assert inbox.tickets[msg["ticket_id"]].contact_id == contact.id
    again = api.post("/v1/messages", phone="+14155553333", message="Second").json()["data"]["message"]
    assert again["message"] == "Second" and again["ticket_id"] == msg["ticket_id"]


def test_live_chat_message(api: Api) -> None:
    msg = api.post("/v1/messages", phone="avochato:c:XXXX-YYYY-ZZZZ", message="Hi from chat").json()["data"][
        "message"
    ]
    assert msg["to"] == "avochato:c:XXXX-YYYY-ZZZZ" and msg["from"].startswith("avochato:a:")
    assert msg["message"] == "Hi from chat" and msg["carrier"] == "avochato"
    # a ticket shows no channel (the reference's ticket has none), but the list filters by it
    ticket = api.get(f"/v1/tickets/{msg['ticket_id']}").json()["data"]["tickets"][0]
    assert "channel" not in ticket
    live = api.get("/v1/tickets", channel="live_chat").json()["data"]["tickets"]
    assert msg["ticket_id"] in [t["id"] for t in live]


def test_send_options(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    bob = notable_contact(srv.state, "bob")
    ticket = inbox.current_ticket(bob.id)
    ticket.unaddressed = True
    r = api.post(
        "/v1/messages",
        phone=BOB_PHONE,
        message="On it",
        mark_addressed="true",
        tags="Some Tag, Another Tag",
        send_as_user_email="jordan.lee@acme.example",
        media_url="https://example.com/a.jpg",
        **{"from": "+15105551299"},
    )
    msg = r.json()["data"]["message"]
    assert msg["sender_id"] == srv.state.user_by_email("jordan.lee@acme.example").id
    assert msg["from"] == "+15105551299"
    assert msg["contents"][0]["url"] == "https://example.com/a.jpg"
    assert ticket.unaddressed is False
    assert {"Some Tag", "Another Tag"} <= set(bob.tags)


def test_send_refusals(api: Api) -> None:
    cases = [
        ({"message": "no phone"}, 422),
        ({"phone": "12", "message": "bad phone"}, 422),
        ({"phone": "+1415555", "message": "bad phone"}, 422),
        ({"phone": BOB_PHONE}, 422),
        ({"phone": BOB_PHONE, "message": "x" * 1601}, 422),
        ({"phone": BOB_PHONE, "message": "x", "from": "+1"}, 422),
        ({"phone": BOB_PHONE, "message": "x", "send_as_user_email": "nobody@example.com"}, 422),
        ({"phone": LANDLINE_PHONE, "message": "x"}, 400),
        ({"phone": BOB_PHONE, "message": "x", "scheduled_for": time.time() - 10}, 422),
        ({"phone": BOB_PHONE, "message": "x", "delay": -5}, 422),
    ]
    for body, status in cases:
        r = api.post("/v1/messages", **body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["status"] == status and r.json()["errors"]
    assert api.post("/v1/messages", phone=BOB_PHONE, message="x" * 1600).status_code == 200
    r = api.post("/v1/messages", phone=BOB_PHONE, message="x", **{"from": "+1"})
    assert r.json()["errors"] == ["Phone number '+1' doesn't exist in this account"]


def test_opted_out_contact_is_refused_with_the_vendors_string(api: Api, srv: SandboxServer) -> None:
    before = len(_inbox(srv).events)
    r = api.post("/v1/messages", phone=OPTED_OUT_PHONE, message="Are you there?")
    assert r.status_code == 400
    assert r.json() == {"status": 400, "errors": "+16505551234 is already opted out from receiving messages."}
    assert len(_inbox(srv).events) == before


def test_opt_out_and_opt_in(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    assert api.post(f"/v1/contacts/{bob.id}/opt_out").json()["data"]["contact"]["opted_out"] is True
    assert api.post("/v1/messages", phone=BOB_PHONE, message="x").status_code == 400
    assert api.post(f"/v1/contacts/{bob.id}/opt_in").json()["data"]["contact"]["opted_out"] is False
    assert api.post("/v1/messages", phone=BOB_PHONE, message="x").status_code == 200
    assert api.post("/v1/contacts/nope/opt_out").status_code == 404


def test_blocked_contact_receives_nothing(api: Api) -> None:
    msg = api.post("/v1/messages", phone="+16505550199", message="hello").json()["data"]["message"]
    assert msg["status"] == "failed" and msg["error_description"]


def test_messages_settle_to_delivered(api: Api, srv: SandboxServer) -> None:
    msg = api.post("/v1/messages", phone=BOB_PHONE, message="soon").json()["data"]["message"]
    srv.deliver_due(at=time.time() + 5)
    assert api.get(f"/v1/messages/{msg['event_id']}").json()["data"]["message"]["status"] == "delivered"


def test_scheduled_message_lifecycle(api: Api, srv: SandboxServer) -> None:
    when = time.time() + 3600
    r = api.post("/v1/messages", phone=BOB_PHONE, message="Reminder: call tomorrow", scheduled_for=when)
    pending = r.json()["data"]["message"]
    assert pending["element_type"] == "PendingMessage" and pending["aborted"] is False
    assert pending["scheduled_for"] == float(int(when))
    assert pending["sender"] == "api"
    inbox = _inbox(srv)
    stream_before = len(inbox.tickets[pending["ticket_id"]].event_ids)

    found = api.get("/v1/messages/scheduled", query="aborted: false").json()["data"]["messages"]
    assert pending["event_id"] in [m["event_id"] for m in found]

    cancelled = api.delete(f"/v1/messages/{pending['event_id']}").json()["data"]["message"]
    assert cancelled["aborted"] is True and cancelled["abort_reason"] == "manually cancelled"
    assert isinstance(cancelled["aborter_id"], int) and cancelled["aborted_by"] == "Avodash API"
    found = api.get("/v1/messages/scheduled", query="aborted: false").json()["data"]["messages"]
    assert pending["event_id"] not in [m["event_id"] for m in found]
    every = api.get("/v1/messages/scheduled").json()["data"]["messages"]
    assert [m["aborted"] for m in every if m["event_id"] == pending["event_id"]] == [True]

    srv.deliver_due(at=when + 10)
    assert len(inbox.tickets[pending["ticket_id"]].event_ids) == stream_before  # cancelled: never sent
    assert api.delete("/v1/messages/nope").status_code == 404


def test_a_due_scheduled_message_is_delivered_into_the_stream(
    api: Api, srv: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(srv, "clock", clock)
    r = api.post("/v1/messages", phone="+14155550777", message="Delayed hello", delay=2)
    pending = r.json()["data"]["message"]
    assert pending["scheduled_for"] == clock.now + 2

    def sms_in() -> list[dict]:
        events = api.get(f"/v1/tickets/{pending['ticket_id']}/events").json()["data"]["events"]
        return [e for e in events if e["element_type"] == "SmsMessage"]

    assert sms_in() == []  # a new contact's ticket: nothing until it is due
    clock.advance(1)
    assert sms_in() == []
    clock.advance(1)
    # any API call lets time pass: the message is now in the ticket
    sms = sms_in()
    assert sms and sms[0]["message"].startswith("Delayed hello")
    assert sms[0]["message"].endswith("Reply STOP to opt out)")
    got = api.get(f"/v1/messages/{pending['event_id']}").json()["data"]["message"]
    assert got["sent"]["element_type"] == "SmsMessage" and got["sent"]["element_id"]
    r = api.delete(f"/v1/messages/{pending['event_id']}")
    assert r.status_code == 422  # already sent


def test_scheduled_search_filters(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    admin = srv.state.user_by_email("admin@avodash.example")
    by_admin = api.get("/v1/messages/scheduled", sender_id=admin.id).json()["data"]["messages"]
    assert by_admin and all(inbox.pending[m["event_id"]].sender_id == admin.id for m in by_admin)
    assert all(m["sender"] == "admin" for m in by_admin)
    now = time.time()
    soon = api.get(
        "/v1/messages/scheduled", **{"scheduled_for[from]": now, "scheduled_for[to]": now + 6 * 3600}
    )
    assert all(now <= m["scheduled_for"] <= now + 6 * 3600 for m in soon.json()["data"]["messages"])
    one = by_admin[0]
    for key in ("contact_id", "ticket_id"):
        got = api.get("/v1/messages/scheduled", **{key: one[key]}).json()["data"]["messages"]
        assert one["event_id"] in [m["event_id"] for m in got] and all(m[key] == one[key] for m in got)
    scheduled = api.get("/v1/messages/scheduled").json()["data"]["messages"]
    assert [m["scheduled_for"] for m in scheduled] == sorted(m["scheduled_for"] for m in scheduled)
    assert any(m["aborted"] for m in scheduled)  # the seed has a cancelled one


def test_message_list_and_search(api: Api, srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    page1 = api.get("/v1/messages", limit=100).json()["data"]["messages"]
    assert len(page1) == 25
    assert [m["created_at"] for m in page1] == sorted((m["created_at"] for m in page1), reverse=True)
    page2 = api.get("/v1/messages", page=2).json()["data"]["messages"]
    assert not {m["event_id"] for m in page1} & {m["event_id"] for m in page2}

    failed = api.get("/v1/messages", status="failed").json()["data"]["messages"]
    assert failed and all(m["status"] == "failed" and m["error_description"] for m in failed)
    inbound = api.get("/v1/messages", direction="in", query="order").json()["data"]["messages"]
    assert inbound and all(m["direction"] == "in" and "order" in m["message"].lower() for m in inbound)
    bob = notable_contact(srv.state, "bob")
    mine = api.get("/v1/messages", contact_id=bob.id).json()["data"]["messages"]
    assert mine and {m["contact_id"] for m in mine} == {bob.id}
    jordan = srv.state.user_by_email("jordan.lee@acme.example")
    sent = api.get("/v1/messages", sender_id=jordan.id).json()["data"]["messages"]
    assert sent and {m["sender_id"] for m in sent} == {jordan.id}
    m = next(e for e in inbox.events.values() if isinstance(e, SmsMessage) and e.direction == "in")
    hits = api.get(
        "/v1/messages",
        **{
            "from": m.from_,
            "to": m.to,
            "created_at[from]": m.created_at - 1,
            "created_at[to]": m.created_at + 1,
            "direction": "",
        },
    )
    assert m.event_id in [x["event_id"] for x in hits.json()["data"]["messages"]]
    assert api.get("/v1/messages", query="direction:out status:failed").json()["data"]["messages"]
    assert api.get("/v1/messages/nope").status_code == 404


def test_message_list_pages_follow_a_newly_sent_message(api: Api, srv: SandboxServer) -> None:
    """The list keeps its order between calls (sorted once, not per call): a message sent after a
    read is first on the next read, and the pages still meet without a gap or an overlap."""
    before = api.get("/v1/messages").json()["data"]["messages"]
    bob = notable_contact(srv.state, "bob")
    assert api.post("/v1/messages", phone=bob.phone, message="newest of all").status_code == 200
    page1 = api.get("/v1/messages").json()["data"]["messages"]
    page2 = api.get("/v1/messages", page=2).json()["data"]["messages"]
    assert page1[0]["message"] == "newest of all"
    assert [m["event_id"] for m in page1[1:]] == [m["event_id"] for m in before[:24]]
    assert page2[0]["event_id"] == before[24]["event_id"]


def test_seeded_streams_look_real(srv: SandboxServer) -> None:
    inbox = _inbox(srv)
    kinds = {e.element_type for e in inbox.events.values()}
    assert kinds == {"SmsMessage", "Call", "StatusChange", "OwnerChange", "CustomEvent"}
    media = [e for e in inbox.events.values() if isinstance(e, SmsMessage) and e.media_urls]
    assert media
    calls = [e for e in inbox.events.values() if e.element_type == "Call"]
    assert any(c.recording_url for c in calls) and any(c.duration > 0 for c in calls)
    revenue = [e for e in inbox.events.values() if e.element_type == "CustomEvent"]
    assert any(e.revenue for e in revenue)
