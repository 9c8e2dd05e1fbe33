"""The contacts list and the contact page: search, paging, export, edit, opt-out / opt-in,
custom events; roles, stale forms and API failures."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from tests.helpers import INBOX, api_calls, post
from tests.inbox.support import BOB, OPTED_OUT, box, text_of

LIST = f"/i/{INBOX}/contacts/"


def contact_url(contact_id: str, suffix: str = "") -> str:
    return f"/i/{INBOX}/contacts/{contact_id}/{suffix}"


def contact_by_phone(sandbox, phone: str):
    return box(sandbox).contact_by_phone(phone)


def closed_only_contact(sandbox):
    inbox = box(sandbox)
    for c in sorted(inbox.contacts.values(), key=lambda c: c.created_at):
        tickets = inbox.tickets_of(c.id)
        if len(tickets) == 1 and tickets[0].status == "Closed" and c.name and not c.opted_out:
            return c
    raise AssertionError("the seed has no contact whose only ticket is closed")


@pytest.mark.django_db
def test_it_lists_contacts_with_total_flags_and_paging(client_agent, sandbox):
    page = client_agent.get(LIST)
    html = text_of(page)
    assert page.status_code == 200
    visible = sum(1 for c in box(sandbox).contacts.values() if c.visible)
    assert f"<strong>{visible}</strong> contacts" in html
    assert "Bob McTest" in html and "(555) 123-4567" in html and "Opted out" in html
    calls = api_calls(sandbox, "GET", "/v1/contacts")
    assert calls and calls[0]["params"].get("limit") in ("50", 50, "100", 100)
    assert 'rel="next"' in html
    nxt = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = text_of(client_agent.get(LIST + nxt))
    assert "Bob McTest" not in second and "First page" in second


@pytest.mark.django_db
def test_it_searches_a_phone_typed_any_way(client_agent, sandbox):
    html = text_of(client_agent.get(LIST, {"q": "(650) 555-1234"}))
    assert "Olivia Martin" in html and "Bob McTest" not in html
    sent = api_calls(sandbox, "GET", "/v1/contacts")[0]["params"]["query"]
    assert sent == "+16505551234"


@pytest.mark.django_db
def test_it_searches_by_tag_and_country(client_agent, sandbox):
    html = text_of(client_agent.get(LIST, {"tag": "important", "country": "us"}))
    assert "Bob McTest" in html and "Other Contact" not in html
    assert api_calls(sandbox, "GET", "/v1/contacts")[0]["params"]["query"] == "tag:important country:US"


@pytest.mark.django_db
def test_it_refuses_a_bad_search_before_any_call(client_agent, sandbox):
    sandbox.clear_log()
    page = client_agent.get(LIST, {"country": "USA"})
    assert page.status_code == 422 and "two-letter" in text_of(page)
    assert not api_calls(sandbox, "GET", "/v1/contacts")


@pytest.mark.django_db
def test_it_exports_the_search_as_csv(client_agent, sandbox):
    response = client_agent.get(LIST, {"tag": "important", "format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,name,phone") and len(lines) == 2 and "Bob McTest" in lines[1]


@pytest.mark.django_db
def test_the_contact_page_shows_every_ticket_and_links_them(client_agent, sandbox):
    c = closed_only_contact(sandbox)
    ticket = box(sandbox).tickets_of(c.id)[0]
    html = text_of(client_agent.get(contact_url(c.id)))
    assert c.name in html
    assert f"/i/{INBOX}/tickets/{ticket.id}/" in html and "Closed" in html
    assert f"/i/{INBOX}/compose/?phone=" in html
    assert "Opt out" not in html  # an agent may not


@pytest.mark.django_db
def test_the_ticket_panel_links_to_the_contact_page(client_agent, sandbox):
    c = contact_by_phone(sandbox, BOB)
    ticket = box(sandbox).current_ticket(c.id)
    assert contact_url(c.id) in text_of(client_agent.get(f"/i/{INBOX}/tickets/{ticket.id}/"))


@pytest.mark.django_db
def test_a_lead_fixes_a_name_and_it_is_audited(client_lead, sandbox):
    c = closed_only_contact(sandbox)
    data = {
        "name": "Fixed Name",
        "email": c.email or "",
        "company": c.company or "",
        "owner": c.user_id or "",
    }
    for f in ("street", "city", "state", "zip", "country", "notes", "other_phone"):
        data[f] = getattr(c, f) or ""
    response = post(client_lead, contact_url(c.id, "edit/"), data)
    assert response.status_code == 302
    assert box(sandbox).contacts[c.id].name == "Fixed Name"
    sent = api_calls(sandbox, "POST", "/v1/contacts")[0]["params"]
    assert sent["phone"] == c.phone and sent["name"] == "Fixed Name" and "email" not in sent
    entry = AuditEntry.objects.get(action="contact.update")
    assert entry.outcome == AuditEntry.OK and entry.target == c.id


@pytest.mark.django_db
def test_a_bad_other_phone_is_refused_with_the_draft_kept(client_lead, sandbox):
    c = contact_by_phone(sandbox, BOB)
    response = post(client_lead, contact_url(c.id, "edit/"), {"name": "Robert", "other_phone": "555-12"})
    assert response.status_code == 422
    assert 'value="Robert"' in text_of(response)
    assert not api_calls(sandbox, "POST", "/v1/contacts")


@pytest.mark.django_db
def test_an_api_failure_keeps_the_draft(client_lead, sandbox):
    c = contact_by_phone(sandbox, BOB)
    sandbox.faults.add("/v1/contacts", method="POST", status=500)
    data = {"name": "Robert B", "email": c.email, "owner": c.user_id}
    response = post(client_lead, contact_url(c.id, "edit/"), data)
    assert response.status_code == 422 and 'value="Robert B"' in text_of(response)
    assert AuditEntry.objects.get(action="contact.update").outcome == AuditEntry.FAILED


@pytest.mark.django_db
def test_agents_may_not_edit_or_opt_out(client_agent, sandbox):
    c = contact_by_phone(sandbox, BOB)
    assert post(client_agent, contact_url(c.id, "edit/"), {"name": "X"}).status_code == 403
    assert post(client_agent, contact_url(c.id, "opt-out/"), {"reason": "x"}).status_code == 403


@pytest.mark.django_db
def test_a_stale_inbox_form_is_refused(client_lead, sandbox):
    c = contact_by_phone(sandbox, BOB)
    response = post(client_lead, contact_url(c.id, "opt-out/"), {"reason": "asked"}, inbox="acme-sales")
    assert response.status_code == 400 and not contact_by_phone(sandbox, BOB).opted_out


@pytest.mark.django_db
def test_opt_out_then_sending_is_refused(client_lead, sandbox):
    c = contact_by_phone(sandbox, BOB)
    response = post(client_lead, contact_url(c.id, "opt-out/"), {"reason": "Asked by phone"})
    assert response.status_code == 302 and contact_by_phone(sandbox, BOB).opted_out
    assert api_calls(sandbox, "POST", f"/v1/contacts/{c.id}/opt_out")
    entry = AuditEntry.objects.get(action="contact.opt_out")
    assert entry.params["reason"] == "Asked by phone"
    html = text_of(client_lead.get(contact_url(c.id)))
    assert "Opted out: no messages" in html and "/compose/?phone=" not in html


@pytest.mark.django_db
def test_opting_out_a_contact_already_opted_out_says_so(client_lead, sandbox):
    c = contact_by_phone(sandbox, OPTED_OUT)
    response = post(client_lead, contact_url(c.id, "opt-out/"), {"reason": "Asked again"})
    assert response.status_code == 422
    assert "Already opted out: nothing is sent to this contact. Nothing was changed." in text_of(response)
    assert len(api_calls(sandbox, "POST", f"/v1/contacts/{c.id}/opt_out")) == 1
    assert contact_by_phone(sandbox, OPTED_OUT).opted_out
    entry = AuditEntry.objects.get(action="contact.opt_out")
    assert entry.outcome == AuditEntry.FAILED and "Already opted out" in entry.error


@pytest.mark.django_db
def test_opt_in_needs_consent(client_lead, sandbox):
    c = contact_by_phone(sandbox, BOB)
    post(client_lead, contact_url(c.id, "opt-out/"), {"reason": "Asked"})
    refused = post(client_lead, contact_url(c.id, "opt-in/"), {})
    assert refused.status_code == 422 and "consent" in text_of(refused)
    assert contact_by_phone(sandbox, BOB).opted_out
    done = post(client_lead, contact_url(c.id, "opt-in/"), {"consent_words": "Texted YES today"})
    assert done.status_code == 302 and not contact_by_phone(sandbox, BOB).opted_out
    assert AuditEntry.objects.get(action="contact.opt_in").params["consent_words"] == "Texted YES today"


@pytest.mark.django_db
def test_opt_in_is_refused_after_the_contacts_own_stop(client_lead, sandbox):
    c = contact_by_phone(sandbox, OPTED_OUT)
    response = post(client_lead, contact_url(c.id, "opt-in/"), {"consent": "on"})
    assert response.status_code == 422 and "STOP" in text_of(response)
    assert contact_by_phone(sandbox, OPTED_OUT).opted_out
    assert AuditEntry.objects.get(action="contact.opt_in").outcome == AuditEntry.FAILED


@pytest.mark.django_db
def test_a_custom_event_is_logged_by_contact_id(client_agent, sandbox):
    c = contact_by_phone(sandbox, BOB)
    response = post(
        client_agent, contact_url(c.id, "events/"), {"type": "sale", "context": "Hat", "revenue": "12.50"}
    )
    assert response.status_code == 302
    sent = api_calls(sandbox, "POST", f"/v1/contacts/{c.id}/events")[0]["params"]
    assert sent["type"] == "sale" and float(sent["revenue"]) == 12.5
    html = text_of(client_agent.get(contact_url(c.id)))
    assert "sale" in html and "Hat" in html


@pytest.mark.django_db
def test_an_unknown_contact_is_404(client_agent):
    assert client_agent.get(contact_url("nope")).status_code == 404
    assert client_agent.get(contact_url("a.b")).status_code == 404


@pytest.mark.django_db
def test_tags_are_added_and_removed_on_the_contact_page(client_agent, sandbox):
    c = contact_by_phone(sandbox, BOB)
    added = post(client_agent, contact_url(c.id, "tags/"), {"tag": "  loyal   customer ", "op": "add"})
    assert added.status_code == 302 and "loyal customer" in contact_by_phone(sandbox, BOB).tags
    removed = post(client_agent, contact_url(c.id, "tags/"), {"tag": "loyal customer", "op": "remove"})
    assert removed.status_code == 302 and "loyal customer" not in contact_by_phone(sandbox, BOB).tags
    bad = post(client_agent, contact_url(c.id, "tags/"), {"tag": "a,b", "op": "add"})
    assert bad.status_code == 422 and "comma" in text_of(bad) and 'value="a,b"' in text_of(bad)
    assert [e.outcome for e in AuditEntry.objects.filter(action__startswith="contact.tag_")] == ["ok", "ok"]


@pytest.mark.django_db
def test_htmx_gets_only_the_results_region(client_agent, sandbox):
    response = client_agent.get(LIST, {"q": "Bob McTest"}, HTTP_HX_REQUEST="true")
    html = text_of(response)
    assert html.lstrip().startswith('<div id="contact-results"') and "Bob McTest" in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_a_contact_page_whose_owners_cannot_be_read_says_so_and_not_that_the_contact_is_missing(
    client_agent, sandbox
):
    # First use: the owners come from the directory's first fill, and Avochato answers its users
    # list with a 404. The contact exists; the page must say what failed, not "no such contact".
    c = contact_by_phone(sandbox, BOB)
    sandbox.faults.add("/v1/users", method="GET", status=404)
    response = client_agent.get(contact_url(c.id))
    html = text_of(response)
    assert "Avochato" in html and "Page not found" not in html, html[:2000]
    assert api_calls(sandbox, "GET", f"/v1/contacts/{c.id}")
