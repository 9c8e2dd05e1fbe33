"""Campaigns: the steps, one step's page with the contacts waiting for its follow-up, and the
four ways of taking contacts off a step, each confirmed first and audited."""

from __future__ import annotations

import html
import re

import pytest

from avodash.models import AuditEntry
from tests.helpers import INBOX, OTHER_INBOX, api_calls, post
from tests.inbox.support import box

LIST = f"/i/{INBOX}/campaigns/"
VALID = "+14155550199"

pytestmark = pytest.mark.django_db


def words(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def step(sandbox, key: str):
    return box(sandbox).campaign(key)


def waiting_contact(sandbox, key: str):
    """The seeded contact with this step's follow-up queued."""
    pm = next(p for p in box(sandbox).pending.values() if p.campaign_key == key and not p.aborted)
    return box(sandbox).contacts[pm.contact_id], pm


def cancel_url(key: str) -> str:
    return f"/i/{INBOX}/campaigns/{key}/cancel/"


def cancels(sandbox, key: str = "one") -> list[dict]:
    return api_calls(sandbox, "POST", f"/v1/campaigns/{key}/cancel")


def test_it_lists_the_steps(client_lead, sandbox):
    page = words(client_lead.get(LIST))
    for key in ("one", "two", "appt-reminder", "feedback"):
        assert key in page
    assert "after 1 day" in page  # step "one": follow-up 86400 s later


def test_a_step_shows_its_messages_and_who_waits_for_its_follow_up(client_lead, sandbox):
    contact, _ = waiting_contact(sandbox, "one")
    r = client_lead.get(f"{LIST}one/")
    page = words(r)
    assert "Welcome to Acme! Save this number" in page
    assert "Tip: reply ORDER plus your order number" in page
    assert contact.name in page
    assert re.search(rf"Remove {re.escape(contact.name)} from one", r.content.decode())


def test_an_unknown_step_is_404(client_lead):
    assert client_lead.get(f"{LIST}nope/").status_code == 404
    assert client_lead.get(f"{LIST}a.b/").status_code == 404


def test_removing_one_contact_asks_first_then_cancels_once(client_lead, sandbox):
    contact, pm = waiting_contact(sandbox, "one")
    r = client_lead.get(cancel_url("one"), {"mode": "one", "phone": contact.phone, "contact_id": contact.id})
    page = words(r)
    assert "Remove this contact from “one”?" in page and contact.name in page
    assert not cancels(sandbox)
    r = post(client_lead, cancel_url("one"), {"mode": "one", "phone": contact.phone, "confirm": "on"})
    assert r.status_code == 302 and r["Location"] == f"{LIST}one/"
    (call,) = cancels(sandbox)
    assert call["params"]["phone"] == contact.phone and "recursive" not in call["params"]
    assert pm.aborted and contact.id not in step(sandbox, "one").enrolled
    entry = AuditEntry.objects.get(action="campaign.cancel")
    assert entry.outcome == "ok" and entry.target == "one" and entry.params["phones"] == [contact.phone]


def test_removing_from_the_whole_campaign_is_recursive(client_lead, sandbox):
    later = step(sandbox, "two")
    contact = box(sandbox).contacts[later.enrolled[0]]
    data = {"mode": "one", "phone": contact.phone, "recursive": "on", "confirm": "on"}
    post(client_lead, cancel_url("one"), data)
    (call,) = cancels(sandbox)
    assert call["params"]["recursive"] == "1"
    assert contact.id not in later.enrolled


def test_removing_several(client_lead, sandbox):
    a, b = (box(sandbox).contacts[c] for c in step(sandbox, "one").enrolled[:2])
    r = client_lead.get(cancel_url("one"), {"mode": "several", "phones": f"{a.phone}\n{b.phone}"})
    assert "Remove 2 contacts from “one”?" in words(r)
    post(
        client_lead, cancel_url("one"), {"mode": "several", "phones": f"{a.phone},{b.phone}", "confirm": "on"}
    )
    (call,) = cancels(sandbox)
    assert call["params"]["contacts"] == [a.phone, b.phone]
    assert not {a.id, b.id} & set(step(sandbox, "one").enrolled)


def test_removing_everyone(client_lead, sandbox):
    r = client_lead.get(cancel_url("feedback"), {"mode": "all"})
    assert "Remove everyone on “feedback”?" in words(r)
    r = post(client_lead, cancel_url("feedback"), {"mode": "all", "confirm": "on"})
    (call,) = cancels(sandbox, "feedback")
    assert call["params"]["all"] == "1" and "phone" not in call["params"]
    assert step(sandbox, "feedback").enrolled == []
    assert "Everyone on the step is being removed" in str(list(r.wsgi_request._messages)[0])


def test_a_bad_phone_is_refused_before_any_call(client_lead, sandbox):
    r = client_lead.get(cancel_url("one"), {"mode": "one", "phone": "12"})
    assert r.status_code == 422 and "Nobody was removed" in words(r)
    r = post(client_lead, cancel_url("one"), {"mode": "several", "phones": f"{VALID}\nabc", "confirm": "on"})
    assert r.status_code == 422
    assert not cancels(sandbox)


def test_an_api_error_is_said_and_audited(client_lead, sandbox):
    sandbox.faults.add("/v1/campaigns/one/cancel", method="POST", status=422)
    r = post(client_lead, cancel_url("one"), {"mode": "one", "phone": VALID, "confirm": "on"})
    assert "Nobody was removed from “one”" in str(list(r.wsgi_request._messages)[0])
    assert AuditEntry.objects.get(action="campaign.cancel").outcome == "failed"


def test_an_unclear_answer_is_said_as_unknown_and_audited_so(client_lead, sandbox):
    # A 500 to a POST: Avochato may have done it. Said and audited as unknown, never as "nobody".
    sandbox.faults.add("/v1/campaigns/one/cancel", method="POST", status=500)
    r = post(client_lead, cancel_url("one"), {"mode": "one", "phone": VALID, "confirm": "on"})
    said = str(list(r.wsgi_request._messages)[0])
    assert "did not say whether anyone was removed from “one”" in said and "Nobody" not in said
    assert AuditEntry.objects.get(action="campaign.cancel").outcome == "unknown"


def test_back_returns_to_a_page_of_this_inbox_only(client_lead, sandbox):
    data = {"mode": "one", "phone": VALID, "confirm": "on"}
    r = post(client_lead, cancel_url("one"), {**data, "back": f"/i/{INBOX}/contacts/abc/"})
    assert r["Location"] == f"/i/{INBOX}/contacts/abc/"
    r = post(client_lead, cancel_url("one"), {**data, "back": "https://evil.example/"})
    assert r["Location"] == f"{LIST}one/"


def test_agents_get_403_and_stale_forms_400(client_agent, client_lead, sandbox):
    assert client_agent.get(LIST).status_code == 403
    assert client_agent.get(f"{LIST}one/").status_code == 403
    data = {"mode": "all", "confirm": "on"}
    assert post(client_agent, cancel_url("one"), data).status_code == 403
    assert post(client_lead, cancel_url("one"), data, inbox=OTHER_INBOX).status_code == 400
    assert not cancels(sandbox)


# --- the contact page's include ----------------------------------------------------------------
def render_for_contact(user, sandbox, contact_id: str) -> str:
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from avodash.avochato.django import get_client
    from avodash.domain.campaigns import campaigns_for_contact
    from avodash.domain.contacts import contact_get

    client = get_client(INBOX)
    request = RequestFactory().get(f"/i/{INBOX}/contacts/{contact_id}/")
    request.user = user
    request.inbox = SimpleNamespace(subdomain=INBOX, name="Acme Support")
    ctx = {
        "contact": contact_get(client=client, contact_id=contact_id),
        "contact_campaigns": campaigns_for_contact(client=client, contact_id=contact_id),
    }
    return render_to_string("inbox/campaigns/_for_contact.html", ctx, request=request)


def test_the_contact_include_offers_removal_from_its_campaigns(lead, agent, sandbox):
    contact, _ = waiting_contact(sandbox, "one")
    out = html.unescape(render_for_contact(lead, sandbox, contact.id))
    assert f'href="/i/{INBOX}/campaigns/one/"' in out
    link = re.search(r'href="([^"]*/campaigns/one/cancel/[^"]*)"', out).group(1)
    assert "mode=one" in link and "recursive=on" in link and f"back=/i/{INBOX}/contacts/{contact.id}/" in link
    assert "campaigns" not in render_for_contact(agent, sandbox, contact.id).lower()


def test_the_contact_page_shows_its_campaigns_to_leads_only(client_lead, client_agent, sandbox):
    contact, _ = waiting_contact(sandbox, "one")
    page = client_lead.get(f"/i/{INBOX}/contacts/{contact.id}/").content.decode()
    assert 'id="contact-campaigns-title"' in page
    assert f"Remove {contact.name} from campaign one" in html.unescape(page)
    agent_page = client_agent.get(f"/i/{INBOX}/contacts/{contact.id}/").content.decode()
    assert 'id="contact-campaigns-title"' not in agent_page
    sandbox.faults.add("/v1/campaigns*", status=500)
    page = client_lead.get(f"/i/{INBOX}/contacts/{contact.id}/").content.decode()
    assert "campaigns could not be read just now" in page
