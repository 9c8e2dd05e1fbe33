"""avodash.domain.contacts and .tags against the sandbox: the query built from what people type,
the cursor, counts, a contact's tickets, updates, opt-out / opt-in, events, tagging."""

from __future__ import annotations

import pytest

from avodash.avochato import ForbiddenError
from avodash.avochato.django import get_client
from avodash.domain import contacts as svc
from avodash.domain import tags as tag_svc
from avodash.domain.errors import ActionError
from avodash.domain.tickets import tickets_of_contact
from avodash.domain.users import inbox_users
from tests.helpers import INBOX, api_calls
from tests.inbox.support import BOB, OPTED_OUT, box


@pytest.fixture
def client(sandbox):
    return get_client(INBOX)


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("(650) 555-1234", "+16505551234"),
        ("+1 650 555 1234", "+16505551234"),
        ('phone:"(650) 555-1234"', "phone:+16505551234"),
        ("name:Bob company:Acme", "name:Bob company:Acme"),
        ("4155551234", "4155551234"),
    ],
)
def test_contact_query_normalises_phones(typed, query):
    assert svc.contact_query(text=typed) == query


def test_contact_query_adds_tag_and_country():
    assert (
        svc.contact_query(text="bob", tag="spring promo", country="us") == 'bob tag:"spring promo" country:US'
    )


def test_paging_follows_the_cursor_and_counts_every_contact(client, sandbox):
    visible = sum(1 for c in box(sandbox).contacts.values() if c.visible)
    first = svc.contacts_search(client=client, limit=100)
    assert len(first.contacts) == 100 and first.next_cursor
    second = svc.contacts_search(client=client, after=first.next_cursor, limit=100)
    assert {c.id for c in first.contacts}.isdisjoint({c.id for c in second.contacts})
    assert api_calls(sandbox, "GET", "/v1/contacts")[-1]["params"]["after_page"] == first.next_cursor
    assert svc.contacts_count(client=client).count == visible
    assert len(list(svc.contacts_walk(client=client))) == visible


def test_a_count_is_forgotten_after_a_write(client, sandbox):
    before = svc.contacts_count(client=client, query="tag:fresh").count
    assert before == 0
    tag_svc.tag_by_phones(client=client, tag="fresh", phone_list=[BOB], add=True)
    assert svc.contacts_count(client=client, query="tag:fresh").count == 1


def test_contact_tickets_include_closed_ones(client, sandbox):
    inbox = box(sandbox)
    contact = next(
        c for c in inbox.contacts.values() if any(t.status == "Closed" for t in inbox.tickets_of(c.id))
    )
    found = tickets_of_contact(client=client, contact_id=contact.id)
    assert {t.id for t in found} == {t.id for t in inbox.tickets_of(contact.id)}


def test_contact_or_none_is_none_only_without_a_contact_and_finds_the_owner(client, sandbox, db):
    assert svc.contact_or_none(client=client, contact_id=None) is None
    assert svc.contact_or_none(client=client, contact_id="nope") is None  # 404
    owned = next(c for c in box(sandbox).contacts.values() if c.visible and c.user_id)
    assert svc.contact_or_none(client=client, contact_id=owned.id).owner is None  # not asked for
    found = svc.contact_or_none(client=client, contact_id=owned.id, users=inbox_users(client=client))
    assert found.owner is not None and found.owner.id == owned.user_id
    sandbox.faults.add(f"/v1/contacts/{owned.id}", status=403)
    with pytest.raises(ForbiddenError):  # any other error reaches the caller
        svc.contact_or_none(client=client, contact_id=owned.id)


def test_contact_update_sends_only_the_changes(client, sandbox):
    svc.contact_update(client=client, phone=BOB, changes={"name": "Robert McTest", "notes": ""})
    params = api_calls(sandbox, "POST", "/v1/contacts")[0]["params"]
    assert params["phone"] == BOB and params["name"] == "Robert McTest" and params["notes"] == ""
    assert box(sandbox).contact_by_phone(BOB).name == "Robert McTest"


def test_opt_in_after_the_contacts_own_stop_is_refused(client, sandbox):
    olivia = box(sandbox).contact_by_phone(OPTED_OUT)
    with pytest.raises(ActionError, match="STOP"):
        svc.contact_opt_in(client=client, contact_id=olivia.id)
    bob = box(sandbox).contact_by_phone(BOB)
    assert svc.contact_opt_out(client=client, contact_id=bob.id).opted_out
    assert not svc.contact_opt_in(client=client, contact_id=bob.id).opted_out


def test_events_by_id_and_by_phone(client, sandbox):
    bob = box(sandbox).contact_by_phone(BOB)
    by_id = svc.contact_event_add(client=client, contact_id=bob.id, type="sale", revenue=2.5)
    by_phone = svc.contact_event_add(client=client, phone="(555) 123-4567", type="click")
    assert by_id.id and by_phone.id
    assert api_calls(sandbox, "POST", f"/v1/contacts/{bob.id}/events")
    assert api_calls(sandbox, "POST", "/v1/events")[0]["params"]["phone"] == BOB


def test_tag_by_ids_reports_unknown_ids(client, sandbox):
    bob = box(sandbox).contact_by_phone(BOB)
    result = tag_svc.tag_by_ids(
        client=client, tag="x1", contacts=[(bob.id, "Bob"), ("nope", "nope")], add=True
    )
    assert [i.ok for i in result.items] == [True, False]
    removed = tag_svc.tag_by_ids(client=client, tag="x1", contacts=[(bob.id, "Bob")], add=False)
    assert removed.done and "x1" not in box(sandbox).contact_by_phone(BOB).tags


def test_pasted_phones_are_read_through_the_phones_module():
    pasted = tag_svc.parse_pasted_phones("(555) 123-4567\n+15551234567, 650.555.1234\n\n12")
    assert pasted.numbers == ["+15551234567", "+16505551234"]
    assert len(pasted.problems) == 1 and pasted.problems[0].startswith("line 4")


def test_tag_names_are_checked():
    for bad in ("", "a,b", "x" * 65):
        with pytest.raises(ValueError):
            tag_svc.clean_tag(bad)
    assert tag_svc.clean_tag("  spring   promo ") == "spring promo"
