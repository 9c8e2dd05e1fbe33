"""The ticket page: the timeline (every event type, polling, scrolling back), the header
controls with their permissions and audit entries, the contact panel (tags, flags, previous
tickets), custom events, presence, and escaping of untrusted content."""

from __future__ import annotations

import re
import time

import pytest

from avodash.avochato.django import get_client
from avodash.models import AuditEntry
from avodash.sandbox.state import CustomEvent, SmsMessage
from tests.helpers import INBOX, Clock, api_calls, post
from tests.inbox.support import QUEUE, box, contact_of, row_ids, ticket_by_phone, ticket_url, user_id

pytestmark = pytest.mark.django_db
BLOCKED_PHONE = "+16505550199"
HX = {"HTTP_HX_REQUEST": "true"}


def find_event(sandbox, test):
    """(ticket, event) for the first seeded event that passes `test`."""
    inbox = box(sandbox)
    for t in sorted(inbox.tickets.values(), key=lambda t: t.id):
        for e in inbox.stream(t):
            if test(e):
                return t, e
    raise AssertionError("the seed has no such event")


def page(client, ticket_id, **params):
    r = client.get(ticket_url(ticket_id), params)
    assert r.status_code == 200, r.content[:500]
    return r.content.decode()


def unescape(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


# --- the timeline -------------------------------------------------------------------------------
def test_the_timeline_shows_messages_as_bubbles_oldest_first(client_agent, sandbox):
    t, _ = find_event(
        sandbox, lambda e: e.element_type == "SmsMessage" and e.direction == "out" and e.sender_id
    )
    html = unescape(page(client_agent, t.id))
    stream = box(sandbox).stream(t)
    positions = [html.index(f'id="ev-{e.event_id}"') for e in stream]
    assert positions == sorted(positions), "the stream is not oldest to newest"
    contact = contact_of(sandbox, t.id)
    for e in stream:
        if e.element_type != "SmsMessage":
            continue
        li = re.search(
            rf'<li class="ev ev-msg ev-{e.direction}[^"]*" id="ev-{e.event_id}".*?</li>', html, re.S
        ).group(0)
        assert e.message.split("\n")[0] in li
        if e.direction == "in":
            assert contact.name in li
        else:
            assert sandbox.state.users[e.sender_id].name in li
            assert f'dstatus-{e.status}">{e.status}<' in li


def test_a_failed_message_shows_its_error(client_agent, sandbox):
    t, e = find_event(
        sandbox, lambda e: e.element_type == "SmsMessage" and e.status in ("failed", "undelivered")
    )
    html = unescape(page(client_agent, t.id))
    li = re.search(rf'id="ev-{e.event_id}".*?</li>', html, re.S).group(0)
    assert "ev-failed" in html[html.index(f'id="ev-{e.event_id}"') - 80 : html.index(f'id="ev-{e.event_id}"')]
    assert f"Not delivered: {e.error_description}" in li and f"code {e.error_code}" in li


def test_media_is_a_link_not_an_embed(client_agent, sandbox):
    t, e = find_event(sandbox, lambda e: e.element_type == "SmsMessage" and e.media_urls)
    html = unescape(page(client_agent, t.id))
    li = re.search(rf'id="ev-{e.event_id}".*?</li>', html, re.S).group(0)
    assert (
        f'<a href="{e.media_urls[0]}" rel="noopener noreferrer nofollow" target="_blank">Attachment 1</a>'
        in li
    )
    assert "<img" not in li


def test_calls_show_direction_duration_status_and_recording(client_agent, sandbox):
    t, e = find_event(sandbox, lambda e: e.element_type == "Call" and e.recording_url)
    html = unescape(page(client_agent, t.id))
    li = re.search(rf'id="ev-{e.event_id}".*?</li>', html, re.S).group(0)
    assert ("Inbound call" if e.direction == "in" else "Outbound call") in li
    assert e.call_status in li and f'href="{e.recording_url}"' in li and "Recording" in li
    minutes, seconds = divmod(e.duration, 60)
    assert (f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s") in li


def test_status_owner_and_custom_events_are_lines_in_the_timeline(client_agent, sandbox):
    t, custom = find_event(sandbox, lambda e: e.element_type == "CustomEvent" and e.revenue)
    html = unescape(page(client_agent, t.id))
    li = re.search(rf'id="ev-{custom.event_id}".*?</li>', html, re.S).group(0)
    assert f"Event <strong>{custom.type}</strong>" in li and f"revenue {custom.revenue:.2f}" in li
    assert custom.context in li
    t, owner = find_event(sandbox, lambda e: e.element_type == "OwnerChange" and e.owner_id)
    html = unescape(page(client_agent, t.id))
    li = re.search(rf'id="ev-{owner.event_id}".*?</li>', html, re.S).group(0)
    assert f"Assigned to <strong>{sandbox.state.users[owner.owner_id].name}</strong>" in li
    t, status = find_event(sandbox, lambda e: e.element_type == "StatusChange")
    html = unescape(page(client_agent, t.id))
    li = re.search(rf'id="ev-{status.event_id}".*?</li>', html, re.S).group(0)
    assert f'Status → <span class="badge badge-{status.status}">{status.status}</span>' in li


def test_polling_returns_only_the_new_events(client_agent, sandbox, monkeypatch):
    t = ticket_by_phone(sandbox, "+15551234567")
    html = page(client_agent, t.id)
    after = re.search(r'id="poll"[^>]*hx-get="[^"]*\?after=([0-9.]+)&amp;state=', html, re.S)
    after = after.group(1)
    stream_url = f"/i/{INBOX}/tickets/{t.id}/stream/"
    r = client_agent.get(stream_url, {"after": after}, **HX)
    assert r.status_code == 200
    assert 'class="ev ' not in r.content.decode(), "nothing new yet, nothing returned"
    monkeypatch.setattr(sandbox, "clock", Clock(float(after) + 1))  # the new event is a second later
    get_client(INBOX).post(
        ("tickets", t.id, "events"), data={"type": "callback", "context": "Asked for a call"}
    )
    sandbox.clear_log()
    r = client_agent.get(stream_url, {"after": after}, **HX)
    fragment = r.content.decode()
    assert fragment.count('class="ev ') == 1 and "callback" in fragment and "Asked for a call" in fragment
    # The events, and the ticket (for the header's live state), in parallel.
    assert sorted(c["path"] for c in api_calls(sandbox)) == [
        f"/v1/tickets/{t.id}",
        f"/v1/tickets/{t.id}/events",
    ]
    new_after = re.search(r"\?after=([0-9.]+)&amp;state=", fragment).group(1)
    assert new_after == f"{float(after) + 1:.6f}"
    assert 'hx-trigger="every 5s, streamChanged from:body" data-poll-visible data-poll-pending' in fragment
    r = client_agent.get(stream_url, {"after": new_after}, **HX)
    assert 'class="ev ' not in r.content.decode()


def test_earlier_pages_load_when_scrolling_back(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+15551234568")
    inbox = box(sandbox)
    with sandbox.state.lock:  # arrange a long stream (32 more events) directly
        start = time.time() - 100
        for n in range(32):
            inbox.add_event(
                t,
                CustomEvent(
                    f"step{n:06d}",
                    f"elem{n:06d}",
                    t.id,
                    start + n,
                    contact_id=t.contact_id,
                    type=f"step-{n:02d}",
                ),
            )
    total = len(box(sandbox).stream(t))
    html = page(client_agent, t.id)
    assert html.count('class="ev ') == 30
    older = re.search(r'<li id="older"[^>]*hx-get="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    assert "page=2" in older and "Show earlier events" in html
    r = client_agent.get(older, **HX)
    fragment = r.content.decode()
    assert fragment.count('class="ev ') == total - 30
    assert "Start of the conversation" in fragment
    oldest = box(sandbox).stream(t)[0]
    assert f'id="ev-{oldest.event_id}"' in fragment
    # Without JavaScript: the link shows both pages.
    assert page(client_agent, t.id, pages=2).count('class="ev ') == total


# --- header controls ------------------------------------------------------------------------------
def test_an_agent_changes_the_status_and_it_lands_in_the_audit(client_agent, sandbox):
    t = next(
        x
        for x in box(sandbox).tickets.values()
        if x.status == "Open" and not contact_of(sandbox, x.id).blocked
    )
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "Pending"}, **HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith('<div id="ticket-state"') and "Status set to Pending." in html
    assert 'badge-Pending" id="ticket-status">Pending<' in html
    assert "streamChanged" in r.headers["HX-Trigger"]
    assert t.status == "Pending"
    entry = AuditEntry.objects.get(action="ticket.status")
    assert (entry.outcome, entry.target, entry.params["status"], entry.inbox) == (
        "ok",
        t.id,
        "Pending",
        INBOX,
    )


def test_closing_marks_addressed_and_leaves_the_default_queue(client_agent, sandbox):
    t = next(
        x
        for x in box(sandbox).tickets.values()
        if x.status == "Open" and x.unaddressed and not contact_of(sandbox, x.id).blocked
    )
    assert t.id in row_ids(client_agent.get(QUEUE, {"q": contact_of(sandbox, t.id).phone}))
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "Closed"})
    assert r.status_code == 302 and r["Location"] == ticket_url(t.id)
    followed = client_agent.get(r["Location"]).content.decode()
    assert "Closed (and marked addressed)." in followed
    assert t.status == "Closed" and t.unaddressed is False
    assert t.id not in row_ids(client_agent.get(QUEUE, {"q": contact_of(sandbox, t.id).phone}))


def test_an_ignored_status_change_says_so_and_is_audited_as_failed(client_agent, sandbox):
    victor = ticket_by_phone(sandbox, BLOCKED_PHONE)
    r = post(client_agent, f"/i/{INBOX}/tickets/{victor.id}/update/", {"status": "Closed"}, **HX)
    html = r.content.decode()
    assert "Not changed: status left at Open (Avochato ignored the change to Closed)" in html
    assert victor.status == "Open"
    entry = AuditEntry.objects.get(action="ticket.status")
    assert entry.outcome == "failed" and "ignored" in entry.error


def test_an_agent_toggles_addressed(client_agent, sandbox):
    t = next(x for x in box(sandbox).tickets.values() if x.status == "Open" and x.unaddressed)
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/update/", {"unaddressed": "false"}, **HX)
    assert "Marked addressed." in r.content.decode() and t.unaddressed is False
    assert AuditEntry.objects.get(action="ticket.addressed").params == {"unaddressed": "false"}


def test_a_lead_assigns_and_an_agent_cannot(client_lead, client_agent, sandbox):
    t = next(x for x in box(sandbox).tickets.values() if x.status == "Open")
    omar = user_id(sandbox, "omar.haddad@acme.example")
    url = f"/i/{INBOX}/tickets/{t.id}/update/"
    assert post(client_agent, url, {"owner": omar}).status_code == 403
    assert api_calls(sandbox, "PUT") == []
    assert 'id="owner-select"' not in page(client_agent, t.id)
    r = post(client_lead, url, {"owner": omar}, **HX)
    assert "Owner set to Omar Haddad." in r.content.decode() and t.user_id == omar
    assert AuditEntry.objects.get(action="ticket.owner").params == {"user_id": omar}
    r = post(client_lead, url, {"owner": "unassign"}, **HX)
    assert t.user_id is None and "Owner set to nobody" in r.content.decode()


def test_a_bad_update_is_refused_before_the_api(client_agent, sandbox):
    t = next(iter(box(sandbox).tickets.values()))
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "closed"}, **HX)
    assert r.status_code == 422 and "Select a valid choice" in r.content.decode()
    assert api_calls(sandbox, "PUT") == []


# --- contact panel -------------------------------------------------------------------------------------
def test_the_contact_panel_shows_facts_flags_and_previous_tickets(client_agent, sandbox):
    inbox = box(sandbox)
    contact = next(c for c in inbox.contacts.values() if len(inbox.tickets_of(c.id)) > 1)
    current, *_ = reversed(inbox.tickets_of(contact.id))
    html = unescape(page(client_agent, current.id))
    panel = re.search(r'<section id="contact-panel".*?</section>', html, re.S).group(0)
    assert contact.name in panel and contact.phone in panel
    for tag in contact.tags:
        assert tag in panel
    previous = re.search(r'<section class="panel previous-panel".*?</section>', html, re.S).group(0)
    for older in inbox.tickets_of(contact.id)[:-1]:
        assert f'href="{ticket_url(older.id)}"' in previous
    victor = ticket_by_phone(sandbox, BLOCKED_PHONE)
    html = page(client_agent, victor.id)
    assert '<span class="badge badge-bad">Blocked</span>' in html
    assert "Abusive messages; blocked by Omar." in html


def test_tags_are_added_and_removed(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+15551234567")
    contact = contact_of(sandbox, t.id)
    url = f"/i/{INBOX}/tickets/{t.id}/tags/"
    r = post(client_agent, url, {"tag": "  needs  callback ", "op": "add"}, **HX)
    html = r.content.decode()
    assert "needs callback" in contact.tags and "Tag “needs callback” added." in html
    assert html.lstrip().startswith('<section id="contact-panel"')
    [call] = api_calls(sandbox, "POST")
    assert call["path"] == f"/v1/contacts/{contact.id}/tags" and call["params"]["tag"] == "needs callback"
    r = post(client_agent, url, {"tag": "important", "op": "remove"})
    assert r.status_code == 302 and "important" not in contact.tags
    assert api_calls(sandbox, "DELETE")[0]["params"]["tag"] == "important"
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "target", "outcome"))
    assert actions == [("contact.tag_add", contact.id, "ok"), ("contact.tag_remove", contact.id, "ok")]


def test_adding_a_tag_the_contact_already_has_says_so_and_writes_nothing(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+16175558544")
    contact = contact_of(sandbox, t.id)
    assert "vip" in contact.tags
    before = list(contact.tags)
    url = f"/i/{INBOX}/tickets/{t.id}/tags/"
    r = post(client_agent, url, {"tag": " vip ", "op": "add"}, **HX)
    html = unescape(r.content.decode())
    assert r.status_code == 200 and html.lstrip().startswith('<section id="contact-panel"')
    assert f"{contact.name} already has the tag “vip”." in html and "added" not in html
    assert api_calls(sandbox, "POST") == [] and list(contact.tags) == before
    entry = AuditEntry.objects.get()  # the attempt, with nothing written
    assert (entry.action, entry.target, entry.outcome) == ("contact.tag_add", contact.id, "ok")
    assert entry.params["unchanged"] is True
    # Without htmx: the same note after the redirect.
    r = post(client_agent, url, {"tag": "vip", "op": "add"}, follow=True)
    assert "already has the tag “vip”." in unescape(r.content.decode())
    assert api_calls(sandbox, "POST") == []


def test_a_tag_with_markup_is_escaped(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+15551234567")
    post(client_agent, f"/i/{INBOX}/tickets/{t.id}/tags/", {"tag": "<b>vip</b>", "op": "add"})
    html = page(client_agent, t.id)
    assert "<b>vip</b>" not in html and "&lt;b&gt;vip&lt;/b&gt;" in html


def test_a_custom_event_is_logged_into_the_stream(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+15551234567")
    url = f"/i/{INBOX}/tickets/{t.id}/events/"
    r = post(client_agent, url, {"type": "sale", "context": "Upgraded to Pro", "revenue": "49.90"}, **HX)
    assert r.status_code == 200 and "Logged “sale”." in r.content.decode()
    assert "streamChanged" in r.headers["HX-Trigger"]
    event = box(sandbox).stream(t)[-1]
    assert (event.element_type, event.type, event.context, event.revenue) == (
        "CustomEvent",
        "sale",
        "Upgraded to Pro",
        49.9,
    )
    entry = AuditEntry.objects.get(action="ticket.event")
    assert entry.outcome == "ok" and entry.params["revenue"] == 49.9
    assert "Upgraded to Pro" in page(client_agent, t.id)


def test_a_custom_event_without_a_type_is_refused(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+15551234567")
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/events/", {"type": " ", "revenue": "abc"}, **HX)
    assert r.status_code == 422
    assert "This field is required." in r.content.decode() and "Enter a number." in r.content.decode()
    assert api_calls(sandbox, "POST") == []


# --- presence and untrusted content ------------------------------------------------------------------
def test_the_page_shows_who_else_has_the_ticket_open(client_agent, client_lead, sandbox):
    t = ticket_by_phone(sandbox, "+15551234567")
    page(client_lead, t.id)
    r = client_agent.get(ticket_url(t.id))
    assert r.context["others_viewing"] == ["Lead Tester"]
    assert "Also open by Lead Tester" in r.content.decode()
    beat = client_lead.get(f"/i/{INBOX}/tickets/{t.id}/presence/", **HX).content.decode()
    assert "Also open by Agent Tester" in beat
    assert api_calls(sandbox, path="/v1/tickets/" + t.id + "/presence") == []


def test_message_bodies_are_escaped_and_links_not_followed(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+15551234567")
    inbox = box(sandbox)
    with sandbox.state.lock:
        inbox.add_event(
            t,
            SmsMessage(
                event_id="evil000001",
                element_id="evil000002",
                ticket_id=t.id,
                sent_at=time.time(),
                contact_id=t.contact_id,
                direction="in",
                status="received",
                message='<img src=x onerror="alert(1)"> see http://evil.example/x',
            ),
        )
    html = page(client_agent, t.id)
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; see http://evil.example/x" in html
    assert 'href="http://evil.example/x"' not in html


def test_the_ticket_page_for_an_unknown_ticket_is_a_404_panel(client_agent, sandbox):
    r = client_agent.get(ticket_url("nosuchticket"))
    assert r.status_code == 404 and "Not found" in r.content.decode()


def test_an_api_error_on_update_is_shown_in_place_and_audited(client_agent, sandbox):
    t = next(x for x in box(sandbox).tickets.values() if x.status == "Open")
    sandbox.faults.add("/v1/tickets/*", method="PUT", status=422)
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "Pending"}, **HX)
    html = r.content.decode()
    assert r.status_code == 200 and html.lstrip().startswith('<div id="ticket-state"')
    assert 'class="state-note bad" role="alert"' in html
    assert t.status == "Open"
    entry = AuditEntry.objects.get(action="ticket.status")
    assert entry.outcome == "failed" and entry.error


def test_an_empty_tag_is_refused_before_the_api(client_agent, sandbox):
    t = ticket_by_phone(sandbox, "+15551234567")
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/tags/", {"tag": "   ", "op": "add"}, **HX)
    assert r.status_code == 422 and 'class="state-note bad" role="alert"' in r.content.decode()
    assert api_calls(sandbox, "POST") == [] and AuditEntry.objects.count() == 0


# --- the contact as it was a moment ago (rendered while the contact is read) ---------------------
def _regions(html: str) -> dict[str, str]:
    """What shows the contact, without what differs on every load (the draft key, the token)."""
    html = re.sub(r'name="(idempotency_key|csrfmiddlewaretoken)" value="[^"]*"', "", html)
    grab = {
        "h1": r"<h1>.*?</h1>",
        "panel": r'<section id="contact-panel".*?</section>',
        "composer": r'<section id="composer".*?</section>',
    }
    return {k: re.search(rx, html, re.S).group(0) for k, rx in grab.items()}


def test_a_second_load_renders_the_contact_while_reading_it_and_shows_the_same(
    client_agent, sandbox, monkeypatch
):
    from avodash import http

    guessed = []
    response = http.Rendered.response
    monkeypatch.setattr(
        http.Rendered,
        "response",
        lambda self, **kw: guessed.append(kw.get("guessed")) or response(self, **kw),
    )
    ticket = ticket_by_phone(sandbox, BLOCKED_PHONE)  # a contact with flags, tags and notes
    first = page(client_agent, ticket.id)
    sandbox.clear_log()
    again = page(client_agent, ticket.id)
    assert guessed == [False, True]  # the first load had nothing to go on
    assert _regions(again) == _regions(first) and "<!--late" not in again
    assert api_calls(sandbox, "GET", f"/v1/contacts/{ticket.contact_id}")  # still read, every load


def test_a_contact_changed_since_the_last_load_shows_as_it_is_now(client_agent, sandbox):
    ticket = next(t for t in box(sandbox).tickets.values() if t.status != "Closed")
    contact = contact_of(sandbox, ticket.id)
    before = page(client_agent, ticket.id)
    assert "Replying is switched off" not in before
    with sandbox.state.lock:  # changed in Avochato, not through avodash
        contact.name, contact.opted_out = "Renamed Since", True
    html = page(client_agent, ticket.id)
    assert "<h1>Renamed Since</h1>" in html
    assert "Renamed Since" in _regions(html)["panel"]
    assert "Replying is switched off" in _regions(html)["composer"]
