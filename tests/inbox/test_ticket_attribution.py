"""Changes made through avodash are credited to the dashboard person, not the API user.

Avochato credits every API write to the credential's user ("Avodash API"); the ticket page
names the person from the audit trail instead (same ticket, same kind of action, ok, within
two minutes), with one database query for the whole stream.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from avodash.avochato.django import get_client
from avodash.models import AuditEntry
from tests.helpers import INBOX, post
from tests.inbox.support import box, contact_of, ticket_url, user_id

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
API_USER = "Avodash API"


def unescape(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


def an_open_ticket(sandbox, skip=()):
    return next(
        t
        for t in sorted(box(sandbox).tickets.values(), key=lambda t: t.id)
        if t.status == "Open" and not contact_of(sandbox, t.id).blocked and t.id not in skip
    )


def line(html: str, event) -> str:
    return re.search(rf'id="ev-{event.event_id}".*?</li>', html, re.S).group(0)


def last_of(sandbox, ticket, element_type):
    return [e for e in box(sandbox).stream(ticket) if e.element_type == element_type][-1]


def test_status_owner_and_custom_events_name_the_dashboard_person(client_admin, sandbox):
    t = an_open_ticket(sandbox)
    omar = user_id(sandbox, "omar.haddad@acme.example")
    base = f"/i/{INBOX}/tickets/{t.id}"
    assert post(client_admin, f"{base}/update/", {"status": "Pending"}, **HX).status_code == 200
    assert post(client_admin, f"{base}/update/", {"owner": omar}, **HX).status_code == 200
    assert post(client_admin, f"{base}/events/", {"type": "sale", "revenue": "10"}, **HX).status_code == 200
    status, owner, custom = (last_of(sandbox, t, k) for k in ("StatusChange", "OwnerChange", "CustomEvent"))
    assert sandbox.state.users[status.user_id].name == API_USER  # what Avochato says

    with CaptureQueriesContext(connection) as queries:
        html = unescape(client_admin.get(ticket_url(t.id)).content.decode())
    audit_queries = [q for q in queries.captured_queries if "avodash_auditentry" in q["sql"]]
    assert len(audit_queries) == 1, "one audit query per page, not one per event"

    assert 'by Admin Tester <span class="via">(via avodash)</span>' in line(html, status)
    assert "Status → " in line(html, status) and API_USER not in line(html, status)
    assert "Assigned to <strong>Omar Haddad</strong>" in line(html, owner)
    assert "by Admin Tester" in line(html, owner) and API_USER not in line(html, owner)
    assert "(Admin Tester via avodash)" in line(html, custom) and API_USER not in line(html, custom)


def test_a_direct_api_write_stays_credited_to_the_api_user(client_admin, sandbox):
    t = an_open_ticket(sandbox)
    get_client(INBOX).put(("tickets", t.id), data={"status": "Pending"})  # not through avodash
    status = last_of(sandbox, t, "StatusChange")
    html = unescape(client_admin.get(ticket_url(t.id)).content.decode())
    assert f"by {API_USER}" in line(html, status) and "via avodash" not in line(html, status)


def test_an_audit_entry_outside_the_window_or_for_another_ticket_or_failed_is_not_used(client_admin, sandbox):
    t = an_open_ticket(sandbox)
    other = an_open_ticket(sandbox, skip={t.id})
    post(client_admin, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "Pending"}, **HX)
    status = last_of(sandbox, t, "StatusChange")
    entry = AuditEntry.objects.get(action="ticket.status")

    entry.created_at -= timedelta(minutes=5)  # too far from the event
    entry.save(update_fields=["created_at"])
    html = unescape(client_admin.get(ticket_url(t.id)).content.decode())
    assert f"by {API_USER}" in line(html, status)

    entry.created_at += timedelta(minutes=5)
    entry.target = other.id  # about another ticket
    entry.save(update_fields=["created_at", "target"])
    html = unescape(client_admin.get(ticket_url(t.id)).content.decode())
    assert f"by {API_USER}" in line(html, status)

    entry.target, entry.outcome = t.id, AuditEntry.FAILED  # a failed attempt changed nothing
    entry.save(update_fields=["target", "outcome"])
    html = unescape(client_admin.get(ticket_url(t.id)).content.decode())
    assert f"by {API_USER}" in line(html, status)

    entry.outcome, entry.params = AuditEntry.OK, {"status": "Closed"}  # another change
    entry.save(update_fields=["outcome", "params"])
    html = unescape(client_admin.get(ticket_url(t.id)).content.decode())
    assert f"by {API_USER}" in line(html, status)


def test_a_bulk_update_names_the_person_on_each_ticket(client_lead, sandbox):
    inbox = box(sandbox)
    ids = [t.id for t in sorted(inbox.tickets.values(), key=lambda t: t.id) if t.status == "New"][:3]
    assert len(ids) == 3
    r = post(client_lead, f"/i/{INBOX}/tickets/bulk/", {"ids": ids, "status": "Open"})
    assert r.status_code == 302
    entry = AuditEntry.objects.get(action="tickets.bulk_update")
    assert entry.target == ",".join(ids)
    for tid in ids:  # first, middle and last place in the comma-separated target
        status = last_of(sandbox, inbox.tickets[tid], "StatusChange")
        html = unescape(client_lead.get(ticket_url(tid)).content.decode())
        assert 'by Lead Tester <span class="via">(via avodash)</span>' in line(html, status)


def test_polling_names_the_person_too_and_an_actor_removed_since_keeps_the_recorded_name(
    client_admin, superuser, sandbox
):
    t = an_open_ticket(sandbox)
    html = client_admin.get(ticket_url(t.id)).content.decode()
    after = re.search(r"\?after=([0-9.]+)&amp;state=", html).group(1)
    post(client_admin, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "Pending"}, **HX)
    AuditEntry.objects.update(actor=None)  # as after the person's account was deleted
    r = client_admin.get(f"/i/{INBOX}/tickets/{t.id}/stream/", {"after": after}, **HX)
    fragment = unescape(r.content.decode())
    status = last_of(sandbox, t, "StatusChange")
    assert 'by Admin Tester <span class="via">(via avodash)</span>' in line(fragment, status)
