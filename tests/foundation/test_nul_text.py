"""A NUL in anything Avochato says, or in an uploaded file, never makes a write fail afterwards.

PostgreSQL cannot store U+0000 in text or JSON; SQLite can. These tests run on both (CI runs
the suite on PostgreSQL too), and on PostgreSQL they failed with a 500 before the fix.
"""

from __future__ import annotations

import json

import pytest

from avodash.models import AuditEntry, IdempotencyKey
from inbox.idempotency import new_key
from tests.helpers import INBOX, post
from tests.inbox.support import reply
from tests.team.support import user_id

pytestmark = pytest.mark.django_db
NUL = "\x00"


def test_a_user_whose_name_and_email_hold_a_nul_can_be_disabled_and_is_audited(client_itadmin, sandbox):
    tom = user_id(sandbox, "tom.becker@acme.example")
    with sandbox.state.lock:
        sandbox.state.users[tom].name = f"Nul{NUL}Name"
        sandbox.state.users[tom].email = f"nul{NUL}user@x.co"
    r = post(client_itadmin, f"/i/{INBOX}/team/{tom}/disable/", {"confirm": "yes"})
    assert r.status_code in (200, 302)
    assert sandbox.state.inbox(INBOX).members[tom].enabled is False
    entry = AuditEntry.objects.get(action="team.user_disable")
    assert entry.outcome == AuditEntry.OK
    assert NUL not in json.dumps(entry.params) and NUL not in entry.target
    page = client_itadmin.get(f"/i/{INBOX}/team/").content.decode()
    assert "Nul\ufffdName" in page


def test_the_offboarding_plan_of_a_user_named_with_a_nul_opens(client_itadmin, sandbox):
    tom = user_id(sandbox, "tom.becker@acme.example")
    with sandbox.state.lock:
        sandbox.state.users[tom].name = f"Nul{NUL}Name"
    r = client_itadmin.get("/team/offboard/", {"email": "tom.becker@acme.example"})
    assert r.status_code == 200
    assert "Nul\ufffdName" in r.content.decode()


def test_a_refusal_whose_text_holds_a_nul_is_shown_and_the_draft_key_is_finished(client_agent, sandbox):
    body = json.dumps({"status": 422, "errors": [f"Phone{NUL} is not reachable"]})
    sandbox.faults.add("/v1/messages", method="POST", status=422, body=body, times=1)
    r = reply(client_agent, sandbox, key=new_key())
    assert r.status_code in (200, 422)
    assert "Phone\ufffd is not reachable" in r.content.decode()
    record = IdempotencyKey.objects.get()
    assert record.state != "pending"  # "Send again" must not say "still being sent"
    assert AuditEntry.objects.filter(action="message.send").exclude(outcome=AuditEntry.OK).exists()


def test_a_csv_with_a_nul_is_refused_with_a_clear_message(client_itadmin, sandbox):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"email,name,role,phone,inboxes\nne\x00w@acme.example,New,member,,acme-support\n"
    upload = SimpleUploadedFile("people.csv", data, content_type="text/csv")
    r = client_itadmin.post("/team/onboard/csv/", {"file": upload})
    assert r.status_code in (200, 422)
    assert "Line 2 of the file holds a NUL character" in r.content.decode()
