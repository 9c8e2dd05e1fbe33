"""Broadcasts (audience building, publish now or later) and campaigns (the four cancels)."""

from __future__ import annotations

import time

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import BOB_PHONE, OPTED_OUT_PHONE, notable_contact
from avodash.sandbox.state import SmsMessage
from tests.helpers import Clock
from tests.sandbox.conftest import Api


def _broadcast(r) -> dict:
    assert r.status_code == 200, r.text
    return r.json()["data"]["broadcast"]


def test_create_update_and_count(api: Api, srv: SandboxServer) -> None:
    bob = notable_contact(srv.state, "bob")
    b = _broadcast(
        api.post(
            "/v1/broadcasts",
            message="Sale this weekend!",
            name="Weekend",
            via_contact_ids=bob.id,
            via_phone_numbers="5105550001,4155550002",
            **{"via_field[field]": "email", "via_field[value]": "bob@contact.com"},
        )
    )
    assert b["status"] == "draft" and b["pending_contacts_count"] == 4 and b["audience"] == 4
    assert b["user"]["email"] == "api@avodash.example"
    b2 = _broadcast(api.post(f"/v1/broadcasts/{b['id']}", via_tags="vip", name="Weekend VIP"))
    assert b2["name"] == "Weekend VIP" and b2["audience"] > 4
    count = api.get(f"/v1/broadcasts/{b['id']}/audience_count").json()["data"]["count"]
    assert count == b2["audience"]
    assert api.post("/v1/broadcasts", message="x" * 1601).status_code == 422
    assert api.post("/v1/broadcasts", name="no message").status_code == 422
    assert api.get("/v1/broadcasts/nope/audience_count").status_code == 404


def test_publish_asap_answers_a_draft_10_s_ahead_then_sends_when_due(
    api: Api, srv: SandboxServer, monkeypatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(srv, "clock", clock)
    inbox = srv.state.inboxes["acme-support"]
    b = _broadcast(
        api.post(
            "/v1/broadcasts",
            message="We're open late tonight",
            via_phone_numbers=f"{BOB_PHONE},{OPTED_OUT_PHONE}",
        )
    )
    # As the reference's example: still a draft, scheduled about 10 s ahead, nothing sent yet.
    published = _broadcast(api.post(f"/v1/broadcasts/{b['id']}/publish", asap=True))
    assert published["status"] == "draft" and published["scheduled_for"] == clock.now + 10
    assert published["attempted"] == 0 and published["completed_at"] is None

    def sent() -> list[str]:
        return [
            e.to for e in inbox.events.values() if isinstance(e, SmsMessage) and e.broadcast_id == b["id"]
        ]

    assert sent() == []
    # published: neither publishable nor editable again
    assert api.post(f"/v1/broadcasts/{b['id']}/publish", asap=True).status_code == 422
    assert api.post(f"/v1/broadcasts/{b['id']}", name="too late").status_code == 422
    clock.advance(9)
    assert _fetch(api, b["id"])["status"] == "draft" and sent() == []
    clock.advance(1)  # due: delivered before the next call
    done = _fetch(api, b["id"])
    assert done["status"] == "completed" and done["attempted"] == 2 and done["completed_at"] == clock.now
    assert done["delivered"] == 1 and done["undelivered"] == 1
    assert sent() == [BOB_PHONE]


def test_a_seeded_draft_with_a_scheduled_for_is_never_sent_unpublished(api: Api, srv: SandboxServer) -> None:
    drafts = [b for b in srv.state.inboxes["acme-support"].broadcasts.values() if b.status == "draft"]
    assert drafts
    srv.deliver_due(at=time.time() + 365 * 86400)
    assert all(b.status == "draft" and b.attempted == 0 for b in drafts)


def _fetch(api: Api, broadcast_id: str) -> dict:
    return api.get(f"/v1/broadcasts/{broadcast_id}").json()["data"]["broadcasts"][0]


def test_publish_later_then_due(api: Api, srv: SandboxServer) -> None:
    b = _broadcast(api.post("/v1/broadcasts", message="Tomorrow!", via_phone_numbers=BOB_PHONE))
    when = time.time() + 3600
    scheduled = _broadcast(api.post(f"/v1/broadcasts/{b['id']}/publish", scheduled_for=when))
    assert scheduled["status"] == "scheduled" and scheduled["scheduled_for"] == when
    srv.deliver_due(at=when + 1)
    got = api.get(f"/v1/broadcasts/{b['id']}").json()["data"]["broadcasts"][0]
    assert got["status"] == "completed" and got["delivered"] == 1


def test_list_and_fetch(api: Api, srv: SandboxServer) -> None:
    listed = api.get("/v1/broadcasts").json()
    assert listed["limit"] == 30
    # the list shows no delivery figures (as its example); fetching one does
    assert not {"audience", "attempted", "delivered"} & set(listed["data"]["broadcasts"][0])
    statuses = {b["status"] for b in listed["data"]["broadcasts"]}
    assert statuses == {"draft", "scheduled", "completed"}
    ids = [b["id"] for b in listed["data"]["broadcasts"]][:2]
    fetched = api.get(f"/v1/broadcasts/{ids[0]}%2C{ids[1]}").json()["data"]["broadcasts"]
    assert [b["id"] for b in fetched] == ids
    now = time.time()
    recent = api.get("/v1/broadcasts", **{"created_at[from]": now - 3 * 86400}).json()["data"]["broadcasts"]
    assert all(b["created_at"] >= now - 3 * 86400 for b in recent)


# -- campaigns -------------------------------------------------------------------------------
def test_list_and_fetch_campaigns(api: Api) -> None:
    keys = [c["key"] for c in api.get("/v1/campaigns").json()["data"]["campaigns"]]
    assert {"one", "two", "appt-reminder", "feedback"} <= set(keys)
    got = api.get("/v1/campaigns/one,two").json()["data"]["campaigns"]
    assert [c["key"] for c in got] == ["one", "two"] and got[0]["hash_id"] == got[0]["id"]


def _enrolled_phone(srv: SandboxServer, key: str) -> tuple[str, str]:
    inbox = srv.state.inboxes["acme-support"]
    camp = inbox.campaign(key)
    cid = camp.enrolled[0]
    return cid, inbox.contacts[cid].phone


def test_cancel_one_contact(api: Api, srv: SandboxServer) -> None:
    cid, phone = _enrolled_phone(srv, "one")
    r = api.post("/v1/campaigns/one/cancel", phone=phone)
    assert r.json()["data"] == {
        "campaigns": "Processing 1 cancellations.",
        "contacts": [phone],
        "ids": ["one"],
    }
    inbox = srv.state.inboxes["acme-support"]
    assert cid not in inbox.campaign("one").enrolled
    pending = [p for p in inbox.pending.values() if p.campaign_key == "one" and p.contact_id == cid]
    assert pending and all(p.aborted and p.abort_reason == "campaign cancelled" for p in pending)


def test_cancel_recursive_reaches_later_steps(api: Api, srv: SandboxServer) -> None:
    inbox = srv.state.inboxes["acme-support"]
    cid, phone = _enrolled_phone(srv, "one")
    inbox.campaign("two").enrolled.append(cid)
    api.post("/v1/campaigns/one/cancel", phone=phone, recursive="1")
    assert cid not in inbox.campaign("two").enrolled
    cid2, phone2 = _enrolled_phone(srv, "one")
    inbox.campaign("two").enrolled.append(cid2)
    api.post("/v1/campaigns/one/cancel", phone=phone2, recursive="0")
    assert cid2 in inbox.campaign("two").enrolled


def test_cancel_many_and_all(api: Api, srv: SandboxServer) -> None:
    r = api.post("/v1/campaigns/feedback/cancel", contacts=["+15105551234", "+15551234568"])
    assert r.json()["data"]["campaigns"] == "Processing up to 2 cancellations."
    r = api.post("/v1/campaigns/feedback/cancel", all="1")
    assert r.json()["data"] == {
        "campaigns": "Processing cancellation of all contacts from 1 campaigns. This may take a moment.",
        "contacts": [],
        "ids": ["feedback"],
    }
    assert srv.state.inboxes["acme-support"].campaign("feedback").enrolled == []


def test_cancel_validation(api: Api) -> None:
    assert api.post("/v1/campaigns/one/cancel").status_code == 422
    assert api.post("/v1/campaigns/one/cancel", all="1", phone="+15105551234").status_code == 422
    assert api.post("/v1/campaigns/nope/cancel", phone="+15105551234").status_code == 404
    assert api.post("/v1/campaigns/one/cancel", phone="garbage").status_code == 422


def test_call_token(api: Api, srv: SandboxServer) -> None:
    data = api.post("/v1/calls").json()["data"]
    assert data["twilio_payload"]["account_hash_id"] == srv.state.inboxes["acme-support"].id


def test_audience_by_formatted_phone(api: Api, srv: SandboxServer) -> None:
    """The reference lists `phone_formatted` among the `via_field` fields."""
    b = _broadcast(
        api.post(
            "/v1/broadcasts",
            message="Hi",
            **{"via_field[field]": "phone_formatted", "via_field[value]": "(555) 123-4567"},
        )
    )
    bob = notable_contact(srv.state, "bob")
    assert b["audience"] == 1 and srv.state.inboxes["acme-support"].broadcasts[b["id"]].audience == [bob.id]
