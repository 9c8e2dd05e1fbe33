"""The tags page: counts, and adding or removing a tag on many contacts (ticked, a search, or
pasted phones) with per-item results; names and phones checked before any call."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from tests.helpers import INBOX, api_calls, post
from tests.inbox.support import BOB, box, text_of

TAGS = f"/i/{INBOX}/tags/"
APPLY = f"/i/{INBOX}/tags/apply/"


def tagged(sandbox, tag: str) -> set[str]:
    return {c.phone for c in box(sandbox).contacts.values() if tag in c.tags and c.visible}


@pytest.mark.django_db
def test_it_lists_tags_with_counts(client_agent, sandbox):
    html = text_of(client_agent.get(TAGS))
    inbox = box(sandbox)
    for name in inbox.tags:
        count = sum(1 for c in inbox.contacts.values() if c.visible and name in c.tags)
        assert f'data-count="{name}">{count}<' in html
    assert api_calls(sandbox, "GET", "/v1/tags")


@pytest.mark.django_db
def test_it_tags_pasted_phones_each_with_its_outcome(client_agent, sandbox):
    phones = sorted(c.phone for c in box(sandbox).contacts.values() if c.visible)[:3]
    pasted = "\n".join([phones[0], "(555) 123-4567", phones[2], "+1 415 555 0000"])  # the last: nobody
    response = post(
        client_agent, APPLY, {"tag": "spring promo", "op": "add", "source": "phones", "phones": pasted}
    )
    html = text_of(response)
    assert response.status_code == 200
    assert {phones[0], phones[2], BOB} <= tagged(sandbox, "spring promo")
    assert "added to 3 of 4" in html and "No contact has this number." in html
    entry = AuditEntry.objects.get(action="contacts.tag_add")
    assert entry.params["done"] == 3 and entry.params["failed"] == 1


@pytest.mark.django_db
def test_a_bad_phone_or_tag_is_refused_before_any_call(client_agent, sandbox):
    sandbox.clear_log()
    bad_phone = post(
        client_agent, APPLY, {"tag": "vip", "op": "add", "source": "phones", "phones": "+1555\n555-12"}
    )
    assert bad_phone.status_code == 422 and "Fix these numbers first" in text_of(bad_phone)
    assert "555-12" in text_of(bad_phone)  # the draft is kept
    bad_tag = post(client_agent, APPLY, {"tag": "a,b", "op": "add", "source": "phones", "phones": BOB})
    assert bad_tag.status_code == 422 and "comma" in text_of(bad_tag)
    assert not api_calls(sandbox, "POST", "/v1/tags") and not api_calls(sandbox, "POST", "/v1/contacts")


@pytest.mark.django_db
def test_it_tags_the_ticked_contacts_by_id(client_agent, sandbox):
    ids = [c.id for c in list(box(sandbox).contacts.values())[:2]]
    response = post(client_agent, APPLY, {"tag": "picked", "op": "add", "source": "selection", "ids": ids})
    assert response.status_code == 200
    assert all("picked" in box(sandbox).contacts[i].tags for i in ids)
    assert len(api_calls(sandbox, "POST", "/v1/contacts/")) == 1


@pytest.mark.django_db
def test_it_removes_a_tag_from_every_contact_of_a_search(client_agent, sandbox):
    before = tagged(sandbox, "important")
    assert before
    response = post(
        client_agent,
        APPLY,
        {"tag": "important", "op": "remove", "source": "search", "search_tag": "important"},
    )
    assert response.status_code == 200 and not tagged(sandbox, "important")
    assert api_calls(sandbox, "DELETE", "/v1/contacts/")


@pytest.mark.django_db
def test_tagging_needs_the_permission_and_the_right_inbox(client_agent, sandbox, db):
    from django.contrib.auth.models import Permission

    stale = post(
        client_agent, APPLY, {"tag": "x", "op": "add", "source": "phones", "phones": BOB}, inbox="acme-sales"
    )
    assert stale.status_code == 400
    from django.contrib.auth.models import Group

    Group.objects.get(name="Agent").permissions.remove(Permission.objects.get(codename="tag_contacts"))
    assert (
        post(client_agent, APPLY, {"tag": "x", "op": "add", "source": "phones", "phones": BOB}).status_code
        == 403
    )
    assert "x" not in tagged(sandbox, "x")


@pytest.mark.django_db
def test_a_search_that_matches_nobody_changes_nothing(client_agent, sandbox):
    response = post(
        client_agent, APPLY, {"tag": "vip", "op": "add", "source": "search", "q": "name:Nobodyatall"}
    )
    assert response.status_code == 422 and "No contact matches" in text_of(response)
    assert not api_calls(sandbox, "POST", "/v1/contacts/")
