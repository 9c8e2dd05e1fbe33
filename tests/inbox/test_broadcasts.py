"""Broadcasts: the list with delivery stats, the composer (draft, edit, audience count), and
publishing once, confirmed with the audience size; who may; audit; drafts kept on errors."""

from __future__ import annotations

import html
import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from avodash.models import AuditEntry
from inbox.idempotency import new_key
from tests.helpers import INBOX, OTHER_INBOX, Clock, api_calls, post
from tests.inbox.support import HTMX, box, text_of

LIST = f"/i/{INBOX}/broadcasts/"
NEW = f"/i/{INBOX}/broadcasts/new/"

pytestmark = pytest.mark.django_db


def words(response) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def url(b_id: str, tail: str = "") -> str:
    return f"/i/{INBOX}/broadcasts/{b_id}/{tail}"


def seeded(sandbox, name: str):
    return next(b for b in box(sandbox).broadcasts.values() if b.name == name)


def vip_count(sandbox) -> int:
    return sum(1 for c in box(sandbox).contacts.values() if c.visible and "vip" in c.tags)


def draft(client, sandbox, **fields) -> str:
    data = {"name": "Closure", "message": "We're closed Friday.", "tags": "vip", **fields}
    r = post(client, NEW, data)
    assert r.status_code == 302, r.content[:500]
    return r["Location"].rstrip("/").split("/")[-1]


# --- the list ----------------------------------------------------------------------------------
def test_it_lists_broadcasts_with_status_and_stats(client_lead, sandbox):
    r = client_lead.get(LIST)
    assert r.status_code == 200
    page = html.unescape(text_of(r))
    done = seeded(sandbox, "Holiday hours")
    row = re.search(r"Holiday hours.*?</tr>", html.unescape(r.content.decode()), re.S).group(0)
    assert "Sent" in row
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    assert cells == [str(len(done.audience)), str(done.attempted), str(done.delivered), "1", "3", "1"]
    assert "Spring sale early access" in page and "Scheduled" in page and "Draft" in page


@pytest.mark.parametrize("path", ["", "new/"])
def test_agents_get_403_and_no_tab(client_agent, path):
    assert client_agent.get(LIST + path).status_code == 403
    r = client_agent.get(f"/i/{INBOX}/")
    assert "Broadcasts" not in text_of(r) and "Campaigns" not in text_of(r)


def test_leads_see_the_tabs(client_lead):
    r = client_lead.get(f"/i/{INBOX}/")
    assert re.search(r'href="/i/acme-support/broadcasts/"[^>]*>Broadcasts<', r.content.decode())
    assert re.search(r'href="/i/acme-support/campaigns/"[^>]*>Campaigns<', r.content.decode())


# --- composing ---------------------------------------------------------------------------------
def test_saving_a_draft_to_a_tag_creates_it_and_shows_the_count(client_lead, sandbox):
    b_id = draft(client_lead, sandbox)
    (call,) = api_calls(sandbox, "POST", "/v1/broadcasts")
    assert call["params"]["via_tags"] == "vip" and call["params"]["message"] == "We're closed Friday."
    created = box(sandbox).broadcasts[b_id]
    assert created.status == "draft" and len(created.audience) == vip_count(sandbox)
    r = client_lead.get(url(b_id, "audience/"), HTTP_HX_REQUEST="true")
    assert f"{vip_count(sandbox)} contacts in the audience now" in words(r)
    assert api_calls(sandbox, "GET", f"/v1/broadcasts/{b_id}/audience_count")
    entry = AuditEntry.objects.get(action="broadcast.create")
    assert entry.outcome == "ok" and entry.target == b_id and entry.params["audience"] == ["tagged vip"]


def test_the_composer_counts_segments(client_lead):
    r = post(client_lead, NEW, {"message": "你" * 80, "field": "email"}, **HTMX)
    page = words(r)
    assert re.search(r"80 / 1600 characters · 2 SMS segment ?s", page)
    assert "(Unicode: 70 per segment)" in page


def test_bad_input_is_refused_before_any_call_and_the_draft_kept(client_lead, sandbox):
    r = post(
        client_lead,
        NEW,
        {"message": "Hello all", "phone_numbers": "+1 415 555 0000\n12", "field": "email"},
        **HTMX,
    )
    assert r.status_code == 422
    page = html.unescape(text_of(r))
    assert "“12”" in page and "Give the value the field must have." in page
    assert "Hello all" in page
    assert not api_calls(sandbox, "POST", "/v1/broadcasts")


def test_an_api_error_keeps_the_draft_and_is_audited(client_lead, sandbox):
    sandbox.faults.add("/v1/broadcasts", method="POST", status=500)
    r = post(client_lead, NEW, {"message": "Keep me please", "tags": "vip"}, **HTMX)
    assert r.status_code == 422
    assert "Keep me please" in text_of(r) and "Your draft is kept" in text_of(r)
    # A POST answered with a 500 may have created the draft: said so, never claimed either way.
    assert "did not say whether the draft was saved" in text_of(r)
    assert AuditEntry.objects.get(action="broadcast.create").outcome == "unknown"


def test_editing_a_draft_changes_it_and_adds_to_the_audience(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    before = len(b.audience)
    r = post(
        client_lead,
        url(b.id, "edit/"),
        {"name": "Warranty", "message": "Extend now", "phone_numbers": "(415) 555-0199"},
        **HTMX,
    )
    assert r.status_code == 200
    assert "1 contact added to the audience" in words(r)
    assert 'hx-trigger="load,' in r.content.decode()  # the region counts the new audience
    (call,) = api_calls(sandbox, "POST", f"/v1/broadcasts/{b.id}")
    assert call["params"]["via_phone_numbers"] == "+14155550199"
    assert b.name == "Warranty" and b.message == "Extend now" and len(b.audience) == before + 1
    assert AuditEntry.objects.get(action="broadcast.update").target == b.id


def test_a_refused_edit_keeps_the_draft_on_the_whole_page(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    sandbox.faults.add(f"/v1/broadcasts/{b.id}", method="POST", status=503)
    r = post(client_lead, url(b.id, "edit/"), {"message": "My careful new wording", "tags": "vip"})
    assert r.status_code == 422
    page = words(r)
    assert "My careful new wording" in page and "Your draft is kept below" in page
    assert "Warranty reminder" in page  # the page around the composer is the broadcast's
    assert "did not say whether the draft was saved" in page
    assert AuditEntry.objects.get(action="broadcast.update").outcome == "unknown"


def test_a_sent_broadcast_cannot_be_edited(client_lead, sandbox):
    b = seeded(sandbox, "Holiday hours")
    r = post(client_lead, url(b.id, "edit/"), {"message": "Changed"}, **HTMX)
    assert r.status_code == 422 and "can no longer be changed" in words(r)
    assert b.message != "Changed"


def test_the_live_audience_region_checks_what_is_typed(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    r = client_lead.get(url(b.id, "audience/"), {"tags": "vip", "phone_numbers": "+14155550199"}, **HTMX)
    page = words(r)
    assert "Saving adds: tagged vip; 1 phone number." in page
    assert f"{len(b.audience)} contacts in the audience now" in page
    r = client_lead.get(url(b.id, "audience/"), {"phone_numbers": "555"}, **HTMX)
    assert "“555”" in words(r)


def test_a_sent_broadcast_shows_its_stats(client_lead, sandbox):
    b = seeded(sandbox, "Holiday hours")
    page = text_of(client_lead.get(url(b.id)))
    assert re.search(rf'data-stat="delivered">{b.delivered}<', page)
    assert re.search(r'data-stat="opted_out">1<', page)
    assert "Save draft" not in page and "Publish" not in page


# --- publishing --------------------------------------------------------------------------------
def test_publishing_asks_first_naming_the_audience(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    r = post(client_lead, url(b.id, "publish/"), {"when": "now"})
    page = words(r)
    assert f"Send to {len(b.audience)} contacts?" in page
    assert not api_calls(sandbox, "POST", f"/v1/broadcasts/{b.id}/publish")


def confirm(client, b_id: str, key: str, **fields):
    data = {"when": "now", "confirm": "on", "idempotency_key": key, **fields}
    return post(client, url(b_id, "publish/"), data)


def test_publishing_twice_with_one_confirmation_publishes_once(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    key = new_key()
    r1 = confirm(client_lead, b.id, key)
    r2 = confirm(client_lead, b.id, key)
    assert r1.status_code == r2.status_code == 302
    assert len(api_calls(sandbox, "POST", f"/v1/broadcasts/{b.id}/publish")) == 1
    assert b.published and b.attempted == 0  # the API sends it about 10 s later
    flashes = [str(m) for m in r2.wsgi_request._messages]
    assert any("published once" in m for m in flashes)
    entries = AuditEntry.objects.filter(action="broadcast.publish").order_by("id")
    assert [e.outcome for e in entries] == ["ok", "ok"] and entries[1].params["repeat"] is True


def test_publishing_now_says_when_it_sends_then_shows_it_sent(client_lead, sandbox, monkeypatch):
    """The API answers an asap publish with a draft scheduled about 10 s ahead (the reference's
    example): the person reads exactly that, the page shows it publishing (no composer, no
    second publish), and once the API has sent it, the page shows it sent."""
    clock = Clock()
    monkeypatch.setattr(sandbox, "clock", clock)
    b = seeded(sandbox, "Warranty reminder")
    r = confirm(client_lead, b.id, new_key())
    goes_out = timezone.localtime(datetime.fromtimestamp(clock.now + 10, tz=UTC))
    flashes = [str(m) for m in r.wsgi_request._messages]
    assert flashes == [f"Publishing “{b.name}”: scheduled to send at {goes_out:%H:%M:%S %Z}."]
    assert b.status == "draft" and b.attempted == 0
    entry = AuditEntry.objects.get(action="broadcast.publish")
    assert entry.outcome == "ok" and entry.params["status"] == "draft"

    page = words(client_lead.get(url(b.id)))
    assert f"Publishing: scheduled to send at {goes_out:%H:%M:%S}" in page
    assert "Save draft" not in page and "Publish…" not in page
    listed = re.search(
        r"Warranty reminder.*?</tr>", html.unescape(client_lead.get(LIST).content.decode()), re.S
    )
    assert "Publishing" in listed.group(0)
    # a second confirmation (a new form) does not publish again
    again = confirm(client_lead, b.id, new_key())
    assert any("already publishing" in str(m) for m in again.wsgi_request._messages)
    assert len(api_calls(sandbox, "POST", f"/v1/broadcasts/{b.id}/publish")) == 1

    clock.advance(10)  # due: the sandbox sends it before the next call
    page = words(client_lead.get(url(b.id)))
    assert b.status == "completed" and b.attempted == len(b.audience)
    assert "Sent" in page and "Publishing" not in page.split("Audience and history")[0]
    assert re.search(rf'data-stat="attempted">{len(b.audience)}<', text_of(client_lead.get(url(b.id))))


def test_publishing_later_uses_the_viewers_zone(client_lead, sandbox, settings):
    b = seeded(sandbox, "Warranty reminder")
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    when = (datetime.now(zone) + timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
    client_lead.cookies["tz"] = "America/Los_Angeles"
    r = confirm(client_lead, b.id, new_key(), when="later", scheduled_at=when.strftime("%Y-%m-%dT%H:%M"))
    assert r.status_code == 302
    (call,) = api_calls(sandbox, "POST", f"/v1/broadcasts/{b.id}/publish")
    assert float(call["params"]["scheduled_for"]) == when.timestamp()
    assert b.status == "scheduled"


def test_a_past_time_is_refused(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    r = post(client_lead, url(b.id, "publish/"), {"when": "later", "scheduled_at": "2020-01-01T10:00"})
    assert r.status_code == 422 and "Choose a time in the future." in text_of(r)


def test_a_refused_publish_is_reported_and_audited(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    sandbox.faults.add(f"/v1/broadcasts/{b.id}/publish", method="POST", status=422)
    r = confirm(client_lead, b.id, new_key())
    flashes = [str(m) for m in r.wsgi_request._messages]
    assert any(m.startswith("Not published") for m in flashes)
    assert AuditEntry.objects.get(action="broadcast.publish").outcome == "failed"
    assert b.status == "draft"


def test_an_upstream_failure_is_unknown_and_never_retried(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    sandbox.faults.add(f"/v1/broadcasts/{b.id}/publish", method="POST", status=500)
    key = new_key()
    r = confirm(client_lead, b.id, key)
    assert any("Not known whether it was published" in str(m) for m in r.wsgi_request._messages)
    sandbox.faults.clear()
    r = confirm(client_lead, b.id, key)
    assert any("Look at the broadcast" in str(m) for m in r.wsgi_request._messages)
    assert len(api_calls(sandbox, "POST", f"/v1/broadcasts/{b.id}/publish")) == 1


def test_the_htmx_publish_button_answers_with_the_confirmation(client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    r = post(client_lead, url(b.id, "publish/"), {"when": "now"}, **HTMX)
    assert r.status_code == 200 and r.content.decode().lstrip().startswith('<div class="panel confirm-panel"')
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', r.content.decode())


def test_publishing_something_not_a_draft_makes_no_call(client_lead, sandbox):
    b = seeded(sandbox, "Holiday hours")
    confirm(client_lead, b.id, new_key())
    assert not api_calls(sandbox, "POST", f"/v1/broadcasts/{b.id}/publish")


def test_writes_are_refused_for_agents_and_stale_forms(client_agent, client_lead, sandbox):
    b = seeded(sandbox, "Warranty reminder")
    assert confirm(client_agent, b.id, new_key()).status_code == 403
    r = post(
        client_lead,
        url(b.id, "publish/"),
        {"when": "now", "confirm": "on", "idempotency_key": new_key()},
        inbox=OTHER_INBOX,
    )
    assert r.status_code == 400
    r = post(client_lead, NEW, {"message": "hi", "tags": "vip"}, inbox=OTHER_INBOX)
    assert r.status_code == 400
    assert not api_calls(sandbox, "POST", "/v1/broadcasts")


def test_an_unknown_broadcast_is_404(client_lead):
    assert client_lead.get(url("nope")).status_code == 404
    assert client_lead.get(url("bad.id")).status_code == 404


def test_the_broadcast_message_box_does_not_cut_a_long_paste(client_lead, sandbox):
    page = client_lead.get(f"/i/{INBOX}/broadcasts/new/").content.decode()
    box = page[page.index("<textarea") :].split(">", 1)[0]
    assert "maxlength" not in box
