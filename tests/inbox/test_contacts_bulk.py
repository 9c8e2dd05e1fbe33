"""Bulk contact work: the CSV update (dry run, then each row's outcome) and removing every
contact (IT admins, after a fresh export, with the subdomain typed)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from avodash.avochato import AvochatoError
from avodash.models import AuditEntry
from tests.helpers import INBOX, api_calls, post
from tests.inbox.support import BOB, box, text_of

IMPORT = f"/i/{INBOX}/contacts/import/"
REMOVE = f"/i/{INBOX}/contacts/remove-all/"


def upload(client, text: str):
    f = SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")
    return post(client, IMPORT, {"action": "preview", "file": f})


@pytest.mark.django_db
def test_a_dry_run_sends_nothing_and_refuses_bad_rows(client_lead, sandbox):
    csv = "phone,name,email,tags\n+14155550123,Jane Doe,jane@example.com,vip;spring\n555-12,Bad Phone,,\n+14155550124,Bad Mail,nope,\n"
    response = upload(client_lead, csv)
    html = text_of(response)
    assert response.status_code == 200
    assert "1 of 3 rows can be sent" in html and "Refused" in html and "E.164 format" in html
    assert not api_calls(sandbox, "POST", "/v1/contacts")
    applied = post(client_lead, IMPORT, {"action": "apply"})
    assert "Updated 1 contact" in text_of(applied)
    jane = box(sandbox).contact_by_phone("+14155550123")
    assert jane.name == "Jane Doe" and set(jane.tags) == {"vip", "spring"}
    calls = api_calls(sandbox, "POST", "/v1/contacts")
    assert len(calls) == 1 and len(calls[0]["params"]["contacts"]) == 1
    entry = AuditEntry.objects.get(action="contacts.update_many")
    assert entry.outcome == AuditEntry.OK and entry.params["updated"] == 1


@pytest.mark.django_db
def test_a_failed_call_reports_each_row(client_lead, sandbox):
    upload(client_lead, "phone,name\n+14155550123,Jane\n")
    sandbox.faults.add("/v1/contacts", method="POST", status=422)
    html = text_of(post(client_lead, IMPORT, {"action": "apply"}))
    assert "Failed" in html and "1 failed" in html
    assert AuditEntry.objects.get(action="contacts.update_many").outcome == AuditEntry.FAILED


@pytest.mark.django_db
def test_a_call_whose_answer_was_unclear_reports_its_rows_as_unknown(client_lead, sandbox):
    upload(client_lead, "phone,name\n+14155550123,Jane\n")
    sandbox.faults.add("/v1/contacts", method="POST", status=500)  # it may have saved them
    html = text_of(post(client_lead, IMPORT, {"action": "apply"}))
    assert "1 not known" in html and "Unknown" in html and "1 failed" not in html
    assert AuditEntry.objects.get(action="contacts.update_many").outcome == AuditEntry.UNKNOWN


@pytest.mark.django_db
def test_an_unusable_file_is_refused(client_lead, sandbox):
    response = upload(client_lead, "name,email\nJane,j@x.com\n")
    assert response.status_code == 422 and "missing: phone" in text_of(response)


@pytest.mark.django_db
def test_agents_may_not_update_from_csv(client_agent):
    assert client_agent.get(IMPORT).status_code == 403


@pytest.mark.django_db
def test_remove_all_needs_a_fresh_export_and_the_subdomain(client_itadmin, sandbox):
    visible = sum(1 for c in box(sandbox).contacts.values() if c.visible)
    refused = post(client_itadmin, REMOVE, {"confirm": INBOX})
    assert refused.status_code == 422 and "Export every contact first" in text_of(refused)
    export = client_itadmin.get(f"/i/{INBOX}/contacts/", {"format": "csv"})
    lines = b"".join(export.streaming_content).decode().strip().splitlines()
    assert len(lines) == visible + 1
    wrong = post(client_itadmin, REMOVE, {"confirm": "acme-sales"})
    assert wrong.status_code == 422 and not api_calls(sandbox, "DELETE", "/v1/contacts/remove_all")
    done = post(client_itadmin, REMOVE, {"confirm": INBOX})
    assert done.status_code == 302
    assert not any(c.visible for c in box(sandbox).contacts.values())
    entry = AuditEntry.objects.get(action="contacts.remove_all")
    assert entry.params["count"] == visible and entry.outcome == AuditEntry.OK


@pytest.mark.django_db
def test_only_it_admins_remove_all(client_lead, sandbox):
    assert client_lead.get(REMOVE).status_code == 403
    assert post(client_lead, REMOVE, {"confirm": INBOX}).status_code == 403
    assert box(sandbox).contact_by_phone(BOB).visible


@pytest.mark.django_db
def test_an_export_cut_short_does_not_count(client_itadmin, sandbox):
    export = client_itadmin.get(f"/i/{INBOX}/contacts/", {"format": "csv"})  # the first page is read
    sandbox.faults.add("/v1/contacts", method="GET", status=500)
    with pytest.raises(AvochatoError):  # the download breaks off
        b"".join(export.streaming_content)
    sandbox.faults.clear()
    refused = post(client_itadmin, REMOVE, {"confirm": INBOX})
    assert refused.status_code == 422 and "Export every contact first" in text_of(refused)
