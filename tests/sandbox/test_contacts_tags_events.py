"""Contacts (search syntax, cursor, upserts, remove all), tags, and custom events."""

from __future__ import annotations

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import BOB_PHONE, notable_contact
from avodash.sandbox.state import CustomEvent
from tests.sandbox.conftest import Api


def _contacts(r) -> list[dict]:
    assert r.status_code == 200, r.text
    return r.json()["data"]["contacts"]


def test_search_syntax(api: Api) -> None:
    names = [c["name"] for c in _contacts(api.get("/v1/contacts", query="name:Bob", limit=100))]
    assert "Bob McTest" in names and all("bob" in n.lower() for n in names)
    either = _contacts(api.get("/v1/contacts", query='name:Bob OR city:"San Francisco"', limit=100))
    assert either and all("bob" in c["name"].lower() or c["city"] == "San Francisco" for c in either)
    assert any(c["city"] == "San Francisco" for c in either)
    both = _contacts(api.get("/v1/contacts", query='name:Bob city:"Los Angeles"', limit=100))
    assert [c["name"] for c in both] == ["Bob McTest"]
    us = _contacts(api.get("/v1/contacts", query="country:US", limit=100))
    assert len(us) == 100 and {c["country"] for c in us} == {"US"}
    assert [c["phone"] for c in _contacts(api.get("/v1/contacts", query="mctest"))] == [BOB_PHONE]
    assert [c["name"] for c in _contacts(api.get("/v1/contacts", query="opted_out:true"))] == [
        "Olivia Martin"
    ]
    assert _contacts(api.get("/v1/contacts", query="tag:important"))[0]["name"] == "Bob McTest"
    not_bob = _contacts(api.get("/v1/contacts", query="name:Bob -email:mctest"))
    assert "Bob McTest" not in [c["name"] for c in not_bob]
    assert _contacts(api.get("/v1/contacts", query="nosuchfield:x")) == []


def test_contacts_come_30_a_page_by_default_with_the_examples_envelopes(api: Api) -> None:
    first = api.get("/v1/contacts").json()
    assert first["limit"] == 30 and first["page"] == 1 and "after_page" not in first
    assert len(first["data"]["contacts"]) == first["data"]["size"] == 30 and first["data"]["next_page"]
    later = api.get("/v1/contacts", after_page=first["data"]["next_page"]).json()
    assert later["limit"] == 30 and later["after_page"] == first["data"]["next_page"] and "page" not in later
    assert len(api.get("/v1/contacts", limit=7).json()["data"]["contacts"]) == 7


def test_cursor_walks_every_contact_once(api: Api, srv: SandboxServer) -> None:
    seen, after = [], None
    while True:
        params = {"limit": 40, "query": "*"}
        if after:
            params["after_page"] = after
        data = api.get("/v1/contacts", **params).json()["data"]
        seen += [c["id"] for c in data["contacts"]]
        assert data["size"] == len(data["contacts"])
        after = data["next_page"]
        if not after:
            break
    inbox = srv.state.inboxes["acme-support"]
    assert len(seen) == len(set(seen)) == sum(c.visible for c in inbox.contacts.values())
    assert api.get("/v1/contacts", after_page="garbage!").json()["data"]["contacts"] == []


def test_created_at_range_and_millisecond_after_page(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    got = _contacts(
        api.get(
            "/v1/contacts", **{"created_at[from]": bob.created_at - 1, "created_at[to]": bob.created_at + 1}
        )
    )
    assert [c["id"] for c in got] == [bob.id]
    later = _contacts(api.get("/v1/contacts", after_page=str(int(bob.created_at * 1000) + 1)))
    assert bob.id not in [c["id"] for c in later] and later


def test_fetch_by_ids(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    other = notable_contact(srv.state, "other")
    got = _contacts(api.get(f"/v1/contacts/{bob.id}%2C{other.id}%2Cnope"))
    assert [c["id"] for c in got] == [bob.id, other.id]
    assert got[0]["tag_details"][0]["name"] == "important"
    assert got[0]["address"] == "Los Angeles, CA, 99999, US"
    assert _contacts(api.get("/v1/contacts/nope")) == []


def test_update_single_contact(api: Api, srv: SandboxServer) -> None:
    r = api.post(
        "/v1/contacts",
        phone="+14155553333",
        name="Bob McTest",
        email="contact@example.com",
        street="123 Main St.",
        city="SF",
        tags="red,green",
        user_id="jordan.lee@acme.example",
        custom_variable_name="value",
        blocked=1,
        priority=3,
    )
    c = r.json()["data"]["contact"]
    jordan = srv.state.user_by_email("jordan.lee@acme.example").id
    assert c["address"] == "123 Main St., SF" and c["tags"] == ["red", "green"]
    assert c["user_id"] == c["current_owner"] == jordan
    assert c["custom_variable_name"] == "value" and c["blocked"] is True and c["priority"] == 3
    again = api.post("/v1/contacts", phone="4155553333", name="Robert").json()["data"]["contact"]
    assert again["id"] == c["id"] and again["name"] == "Robert" and again["email"] == "contact@example.com"
    assert api.post("/v1/contacts", phone="nope").status_code == 422
    assert api.post("/v1/contacts", name="no phone").status_code == 422
    assert api.post("/v1/contacts", phone="+14155553333", priority=9).status_code == 422


def test_update_owner_assigns_the_contacts_conversations(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    jordan = srv.state.user_by_email("jordan.lee@acme.example").id
    api.post("/v1/contacts", phone=BOB_PHONE, user_id=jordan)
    inbox = srv.state.inboxes["acme-support"]
    assert all(t.user_id == jordan for t in inbox.tickets_of(bob.id))


def test_update_many_contacts_json(api: Api, srv: SandboxServer) -> None:
    r = api.post(
        "/v1/contacts",
        contacts=[
            {"phone": "+14155550001", "name": "One"},
            {"phone": "+14155550002", "name": "Two", "opted_out": True},
        ],
    )
    data = r.json()["data"]
    assert data["contact"]["name"] == "Two" and "contacts" not in data  # as the reference answers
    assert srv.state.inboxes["acme-support"].contact_by_phone("+14155550001").name == "One"
    assert srv.state.inboxes["acme-support"].contact_by_phone("+14155550002").opted_out
    assert api.post("/v1/contacts", contacts=[{"name": "no phone"}]).status_code == 422


def test_remove_all_with_and_without_query(api: Api, srv: SandboxServer) -> None:
    r = api.delete("/v1/contacts/remove_all", query="city:Chicago")
    assert r.json()["data"] == {"account": "acme-support", "query": "city:Chicago"}
    assert _contacts(api.get("/v1/contacts", query="city:Chicago")) == []
    hidden = _contacts(api.get("/v1/contacts", query="city:Chicago", visible="false"))
    assert hidden and all(c["visible"] is False for c in hidden)
    r = api.delete("/v1/contacts/remove_all", subdomain="acme-sales")
    assert r.json()["data"] == {"account": "acme-sales", "query": "*"}
    assert _contacts(api.get("/v1/contacts", subdomain="acme-sales")) == []
    assert _contacts(api.get("/v1/contacts"))  # the other inbox is untouched


# -- tags ------------------------------------------------------------------------------------
def test_tag_and_untag_by_ids(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    other = notable_contact(srv.state, "other")
    r = api.post(f"/v1/contacts/{bob.id}%2C{other.id}/tags", tag="vip-2024")
    assert r.json()["data"] == {"action": "tagged", "tag": "vip-2024", "ids": [bob.id, other.id]}
    assert "vip-2024" in bob.tags and "vip-2024" in other.tags
    names = [t["name"] for t in api.get("/v1/tags").json()["data"]["tags"]]
    assert "vip-2024" in names
    r = api.delete(f"/v1/contacts/{bob.id},{other.id}/tags", tag="vip-2024")
    assert r.json()["data"]["action"] == "untagged" and "vip-2024" not in bob.tags
    assert api.post(f"/v1/contacts/{bob.id}/tags").status_code == 422


def test_tag_and_untag_by_phone(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    r = api.post("/v1/tags", phone=BOB_PHONE, tag="my-new-tag")
    assert r.json()["data"] == {"action": "tagged", "tag": "my-new-tag", "ids": [bob.id]}
    assert api.delete("/v1/tags", phone=BOB_PHONE, tag="important").json()["data"]["ids"] == [bob.id]
    assert bob.tags == ["my-new-tag"]
    assert api.post("/v1/tags", phone="+19995550000", tag="x").status_code == 404
    assert api.post("/v1/tags", phone="bad", tag="x").status_code == 422


def test_tag_list_pages(api: Api) -> None:
    data = api.get("/v1/tags").json()
    names = [t["name"] for t in data["data"]["tags"]]
    assert names == sorted(names, key=str.lower) and data["data"]["last_key"] == names[-1]
    assert data["limit"] == 30


# -- events ----------------------------------------------------------------------------------
def test_add_events_by_contact_phone_and_ticket(api: Api, srv: SandboxServer) -> None:
    inbox = srv.state.inboxes["acme-support"]
    bob = notable_contact(srv.state, "bob")
    ticket = inbox.current_ticket(bob.id)
    e1 = api.post(f"/v1/contacts/{bob.id}/events", type="sale", context="Watch", revenue=99.99)
    e2 = api.post("/v1/events", phone=BOB_PHONE, type="click", context="Opened link")
    e3 = api.post(f"/v1/tickets/{ticket.id}/events", type="sale", revenue="15.5")
    for r in (e1, e2, e3):
        event = r.json()["data"]["event"]
        assert event["ticket_id"] == ticket.id and event["contact_id"] == bob.id
        assert event["element_type"] == "CustomEvent" and event["account_id"] == inbox.id
    assert e3.json()["data"]["event"]["revenue"] == 15.5
    stream = api.get(f"/v1/tickets/{ticket.id}/events").json()["data"]["events"]
    assert [e["type"] for e in stream[:3]] == ["sale", "click", "sale"][::-1]
    assert isinstance(inbox.events[ticket.event_ids[-1]], CustomEvent)


def test_event_by_a_new_phone_creates_contact_and_ticket(api: Api, srv: SandboxServer) -> None:
    event = api.post("/v1/events", phone="+14155550444", type="signup").json()["data"]["event"]
    contact = srv.state.inboxes["acme-support"].contact_by_phone("+14155550444")
    assert contact is not None and event["contact_id"] == contact.id


def test_event_validation(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    assert api.post(f"/v1/contacts/{bob.id}/events").status_code == 422
    assert api.post(f"/v1/contacts/{bob.id}/events", type="sale", revenue="lots").status_code == 422
    assert api.post("/v1/contacts/nope/events", type="sale").status_code == 404
    assert api.post("/v1/tickets/nope/events", type="sale").status_code == 404
    assert api.post("/v1/events", type="sale", phone="x").status_code == 422


def test_event_streams_page(api: Api, srv: SandboxServer) -> None:
    inbox = srv.state.inboxes["acme-support"]
    ticket = max(inbox.tickets.values(), key=lambda t: len(t.event_ids))
    srv.set_rate_limit(None)
    for n in range(30 - len(ticket.event_ids) + 5):
        api.post(f"/v1/tickets/{ticket.id}/events", type="click", context=str(n))
    first = api.get(f"/v1/tickets/{ticket.id}/events").json()["data"]["events"]
    second = api.get(f"/v1/tickets/{ticket.id}/events", page=2).json()["data"]["events"]
    assert len(first) == 30 and 0 < len(second) < 30
    times = [e["sent_at"] for e in first + second]
    assert times == sorted(times, reverse=True)


def test_opt_out_and_opt_in_and_the_contacts_own_stop(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    out = api.post(f"/v1/contacts/{bob.id}/opt_out")
    assert out.status_code == 200 and out.json()["data"]["contact"]["opted_out"] is True
    back = api.post(f"/v1/contacts/{bob.id}/opt_in")
    assert back.status_code == 200 and back.json()["data"]["contact"]["opted_out"] is False
    # Olivia opted out by replying STOP: only she can undo it.
    olivia = notable_contact(srv.state, "opted_out")
    refused = api.post(f"/v1/contacts/{olivia.id}/opt_in")
    assert refused.status_code == 422 and "STOP" in str(refused.json()["errors"])
    assert olivia.opted_out


def test_a_repeated_opt_out_answers_400_with_the_notes_string_error(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    assert api.post(f"/v1/contacts/{bob.id}/opt_out").status_code == 200
    again = api.post(f"/v1/contacts/{bob.id}/opt_out")
    assert again.status_code == 400
    assert again.json() == {
        "status": 400,
        "errors": f"{bob.phone} is already opted out from receiving messages.",
    }
    olivia = notable_contact(srv.state, "opted_out")  # opted out by her own STOP
    r = api.post(f"/v1/contacts/{olivia.id}/opt_out")
    assert r.json() == {"status": 400, "errors": "+16505551234 is already opted out from receiving messages."}
    assert olivia.opted_out and olivia.opted_out_by == "contact"  # unchanged
