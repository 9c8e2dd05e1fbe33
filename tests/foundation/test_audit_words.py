"""The audit trail in words: names instead of user ids, an unaddress called an unaddress,
empty parameters left out, and the raw parameters kept in a details row."""

from __future__ import annotations

import html

from avodash.audit import audit_record
from avodash.avochato.django import get_client
from avodash.domain.users import inbox_users
from tests.helpers import INBOX


def omar(sandbox) -> str:
    inbox_users(client=get_client(INBOX))  # the directory knows the inbox's people
    return next(u.id for u in sandbox.state.users.values() if u.email == "omar.haddad@acme.example")


def audit_page(client) -> str:
    return html.unescape(client.get("/audit/").content.decode())


def test_assignments_name_the_person(client_itadmin, itadmin, sandbox):
    uid = omar(sandbox)
    audit_record(actor=itadmin, inbox=INBOX, action="ticket.owner", target="T1", params={"user_id": uid})
    page = audit_page(client_itadmin)
    assert "Assigned to Omar Haddad." in page
    assert f"<code>user_id={uid}</code>" in page  # the raw parameters, in the details row
    assert f"user_id={uid}</td>" not in page


def test_an_unaddress_is_called_so(client_itadmin, itadmin, sandbox):
    audit_record(
        actor=itadmin, inbox=INBOX, action="ticket.addressed", target="T1", params={"unaddressed": "true"}
    )
    page = audit_page(client_itadmin)
    assert "Ticket marked unaddressed" in page and "Marked unaddressed." in page
    assert ">Ticket addressed<" not in page


def test_a_cancel_says_what_happened_without_empty_fields(client_itadmin, itadmin, sandbox):
    audit_record(
        actor=itadmin, inbox=INBOX, action="message.cancel", target="M1", params={"ticket": "", "bulk": False}
    )
    page = audit_page(client_itadmin)
    assert "Cancelled a scheduled message." in page
    assert "ticket=, bulk=False</td>" not in page


def test_a_close_and_its_undo_read_as_words(client_itadmin, itadmin, sandbox):
    uid = omar(sandbox)
    before = {"status": "Open", "owner_id": uid, "unaddressed": True}
    audit_record(
        actor=itadmin,
        inbox=INBOX,
        action="ticket.status",
        target="T1",
        params={"status": "Closed", "before": before},
    )
    audit_record(
        actor=itadmin,
        inbox=INBOX,
        action="ticket.undo_close",
        target="T1",
        params={"status": "Open", "user_id": uid, "unaddressed": "true"},
    )
    page = audit_page(client_itadmin)
    assert "Status set to Closed (was Open, owner Omar Haddad, unaddressed)." in page
    assert "Close undone: back to Open, owner Omar Haddad, unaddressed." in page
