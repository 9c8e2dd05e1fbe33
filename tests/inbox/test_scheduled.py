"""The scheduled page: everything queued, filters, cancel one or several (with confirmation),
who may cancel what, and the ticket page's own pending messages."""

from __future__ import annotations

import html
import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest

from avodash.domain import scheduled as scheduled_svc
from avodash.models import AuditEntry
from tests.helpers import INBOX, api_calls, post
from tests.inbox.support import (
    BOB,
    HTMX,
    box,
    pending_of,
    reply,
    text_of,
    ticket_for,
    user_id,
)

URL = f"/i/{INBOX}/scheduled/"
CANCEL = f"/i/{INBOX}/scheduled/cancel/"


def pending(sandbox):
    """The inbox's pending (not cancelled, not sent) messages, soonest first."""
    found = [p for p in box(sandbox).pending.values() if not p.aborted and not p.sent_element_id]
    return sorted(found, key=lambda p: p.scheduled_for)


def deletes(sandbox):
    return api_calls(sandbox, "DELETE", "/v1/messages/")


def list_params(sandbox) -> dict:
    (call,) = api_calls(sandbox, "GET", "/v1/messages/scheduled")
    return call["params"]


# --- the list ------------------------------------------------------------------------------------
def test_it_lists_what_is_queued_with_names(client_agent, sandbox):
    r = client_agent.get(URL)
    assert r.status_code == 200
    page = html.unescape(text_of(r))
    first = pending(sandbox)[0]
    contact = box(sandbox).contacts[first.contact_id]
    assert contact.name in page
    assert first.message[:60] in page
    assert sandbox.state.users[first.sender_id].name in page  # who scheduled it, by name
    assert "Cancelled" not in page  # cancelled ones only on request
    assert "aborted: false" in list_params(sandbox)["query"]


def test_it_includes_cancelled_ones_on_request_with_who_cancelled(client_agent, sandbox):
    cancelled = next(p for p in box(sandbox).pending.values() if p.aborted)
    page = html.unescape(text_of(client_agent.get(URL + "?cancelled=on")))
    assert "aborted" not in list_params(sandbox).get("query", "")
    assert "Cancelled" in page
    assert f"by {cancelled.aborted_by}" in page
    assert "time not reported" in page


@pytest.mark.parametrize(
    ("query", "param", "expected"),
    [
        ("?contact={cid}", "contact_id", "{cid}"),
        ("?sender={uid}", "sender_id", "{uid}"),
        ("?q=refund", "query", "refund aborted: false"),
        ("?ticket={tid}", "ticket_id", "{tid}"),
        ("?to_number={phone_q}", "to", "{phone}"),
    ],
)
def test_each_filter_reaches_the_api(client_agent, sandbox, query, param, expected):
    first = pending(sandbox)[0]
    values = {
        "cid": first.contact_id,
        "uid": first.sender_id,
        "tid": first.ticket_id,
        "phone": first.to,
        "phone_q": first.to.replace("+", "%2B"),
    }
    r = client_agent.get(URL + query.format(**values))
    assert r.status_code == 200
    assert list_params(sandbox)[param] == expected.format(**values)


def test_the_window_filter_uses_the_viewers_days(client_agent, sandbox):
    client_agent.cookies["tz"] = "America%2FChicago"
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    today = datetime.now(chicago).date()
    end = today + timedelta(days=1)
    r = client_agent.get(URL + f"?window_from={today}&window_to={end}")
    assert r.status_code == 200
    params = list_params(sandbox)["scheduled_for"]
    assert float(params["from"]) == datetime.combine(today, time.min, tzinfo=chicago).timestamp()
    assert (
        float(params["to"]) == datetime.combine(end + timedelta(days=1), time.min, tzinfo=chicago).timestamp()
    )
    shown = [p for p in pending(sandbox) if p.scheduled_for < float(params["to"])]
    page = html.unescape(text_of(r))
    for p in shown:
        assert p.message[:40] in page


def test_filters_by_sender_show_only_theirs(client_agent, sandbox):
    admin = user_id(sandbox, "admin@avodash.example")
    page = html.unescape(text_of(client_agent.get(URL + f"?sender={admin}")))
    theirs = [p for p in pending(sandbox) if p.sender_id == admin]
    others = [p for p in pending(sandbox) if p.sender_id != admin]
    assert theirs and all(p.message[:40] in page for p in theirs)
    assert not any(
        p.message[:50] in page for p in others if p.message[:50] not in {t.message[:50] for t in theirs}
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?window_from=2030-01-02&window_to=2030-01-01", "The end date is before the start date."),
        ("?window_from=someday", "Enter a valid date."),
        ("?contact=../users", "That is not a valid id."),
        ("?to_number=(415)%20555-1234", "Did you mean +14155551234?"),
        ("?page=0", "Ensure this value is greater than or equal to 1."),
        ("?window_to=9999-12-31", "Enter a date no later than 9998-12-31."),
        ("?window_from=9999-12-31", "Enter a date no later than 9998-12-31."),
    ],
)
def test_a_bad_filter_is_a_422_with_a_message(client_agent, sandbox, query, message):
    r = client_agent.get(URL + query)
    assert r.status_code == 422
    assert message in html.unescape(text_of(r))
    assert api_calls(sandbox, "GET", "/v1/messages/scheduled") == []


def test_the_list_is_readable_by_every_role_and_explains_the_cancel_rule(client_agent, client_lead, sandbox):
    assert "You can cancel the messages you scheduled yourself" in text_of(client_agent.get(URL))
    assert "You can cancel any pending message" in text_of(client_lead.get(URL))


# --- cancelling ---------------------------------------------------------------------------------------
def test_a_lead_cancels_one_after_confirming(client_lead, sandbox):
    target = pending(sandbox)[0]
    contact = box(sandbox).contacts[target.contact_id]

    ask = post(client_lead, CANCEL, {"ids": target.event_id})
    assert ask.status_code == 200
    page = html.unescape(text_of(ask))
    assert "Cancel 1 scheduled message?" in page
    assert contact.name in page and target.message[:60] in page
    assert deletes(sandbox) == [] and not target.aborted

    done = post(client_lead, CANCEL, {"ids": target.event_id, "confirm": "on"})
    assert done.status_code == 302 and done["Location"] == URL
    assert target.aborted
    (call,) = deletes(sandbox)
    assert call["path"] == f"/v1/messages/{target.event_id}"
    entry = AuditEntry.objects.get(action="message.cancel")
    assert entry.outcome == AuditEntry.OK and entry.target == target.event_id

    after = html.unescape(text_of(client_lead.get(URL + "?cancelled=on")))
    assert "Cancelled 1 scheduled message." in after
    assert "by Lead Tester (lead)" in after  # who, from the audit trail; and when
    assert "0 minutes ago" in after


def test_choosing_is_a_get_that_never_cancels(client_lead, sandbox):
    a, b, *_ = pending(sandbox)
    r = client_lead.get(CANCEL, {"ids": [a.event_id, b.event_id], "confirm": "on", "back": "cancelled=on"})
    page = text_of(r)
    assert r.status_code == 200 and "Cancel 2 scheduled messages?" in page
    assert 'method="post"' in page and 'name="back" value="cancelled=on"' in page
    assert deletes(sandbox) == [] and not a.aborted
    done = post(
        client_lead, CANCEL, {"ids": [a.event_id, b.event_id], "confirm": "on", "back": "cancelled=on"}
    )
    assert done["Location"] == URL + "?cancelled=on"  # back to the same filtered list


def test_the_list_links_each_row_to_its_confirmation(client_lead, sandbox):
    first = pending(sandbox)[0]
    page = html.unescape(text_of(client_lead.get(URL + "?q=")))
    assert f'href="{CANCEL}?ids={first.event_id}&back=q%3D"' in page


def test_a_lead_cancels_several_at_once(client_lead, sandbox):
    a, b, *_ = pending(sandbox)
    ask = post(client_lead, CANCEL, {"ids": [a.event_id, b.event_id]})
    assert "Cancel 2 scheduled messages?" in text_of(ask)
    post(client_lead, CANCEL, {"ids": [a.event_id, b.event_id], "confirm": "on"})
    assert a.aborted and b.aborted
    assert len(deletes(sandbox)) == 2
    entry = AuditEntry.objects.get(action="message.cancel")  # one row for the action
    assert entry.outcome == AuditEntry.OK
    assert sorted(entry.params["cancelled"]) == sorted([a.event_id, b.event_id])


def test_the_confirmation_comes_inline_with_htmx(client_lead, sandbox):
    target = pending(sandbox)[0]
    r = post(client_lead, CANCEL, {"ids": target.event_id}, **HTMX)
    page = text_of(r)
    assert r.status_code == 200
    assert "<html" not in page and "confirm-panel" in page
    assert 'name="confirm" value="on"' in page


def test_nothing_selected_is_a_message_not_an_error_page(client_lead, sandbox):
    r = post(client_lead, CANCEL, {})
    assert r.status_code == 302
    assert "Choose at least one scheduled message to cancel." in text_of(client_lead.get(r["Location"]))
    r = post(client_lead, CANCEL, {"ids": "a/../b"}, **HTMX)
    assert r.status_code == 422 and "not a valid message id" in text_of(r)
    assert deletes(sandbox) == []


def test_an_agent_cannot_cancel_someone_elses(client_agent, sandbox):
    target = pending(sandbox)[0]
    r = post(client_agent, CANCEL, {"ids": target.event_id, "confirm": "on"})
    assert r.status_code == 403
    assert deletes(sandbox) == [] and not target.aborted
    page = text_of(client_agent.get(URL))
    assert "?ids=" not in page and 'name="ids"' not in page  # no cancel buttons


def test_an_agent_cancels_what_they_scheduled(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = {p.event_id for p in pending_of(sandbox, ticket.id)}
    reply(client_agent, sandbox, action="schedule", when="tomorrow_9", text="Mine to cancel")
    (mine,) = [p for p in pending_of(sandbox, ticket.id) if p.event_id not in before]

    page = text_of(client_agent.get(URL))
    assert f"?ids={mine.event_id}&" in page
    assert page.count(f'href="{CANCEL}?ids=') == 1  # only theirs
    r = post(client_agent, CANCEL, {"ids": mine.event_id, "confirm": "on"})
    assert r.status_code == 302
    assert mine.aborted


def test_an_agent_cannot_cancel_several_at_once(client_agent, sandbox):
    a, b, *_ = pending(sandbox)
    r = post(client_agent, CANCEL, {"ids": [a.event_id, b.event_id], "confirm": "on"})
    assert r.status_code == 403
    assert deletes(sandbox) == []


def test_a_cancel_that_fails_says_so(client_lead, sandbox):
    target = pending(sandbox)[0]
    sandbox.faults.add("/v1/messages/*", method="DELETE", status=500)
    r = post(client_lead, CANCEL, {"ids": target.event_id, "confirm": "on"})
    page = html.unescape(text_of(client_lead.get(r["Location"])))
    assert "1 could not be cancelled" in page
    assert AuditEntry.objects.get(action="message.cancel").outcome == AuditEntry.FAILED


def test_the_ticket_page_cancels_inline_and_returns_to_the_ticket(client_lead, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = {p.event_id for p in pending_of(sandbox, ticket.id)}
    reply(client_lead, sandbox, action="schedule", when="tomorrow_9", text="Cancel me from the ticket")
    (mine,) = [p for p in pending_of(sandbox, ticket.id) if p.event_id not in before]

    r = post(client_lead, CANCEL, {"ids": mine.event_id, "ticket": ticket.id, "confirm": "on"}, **HTMX)
    page = text_of(r)
    assert r.status_code == 200
    assert "Cancelled 1 scheduled message." in page
    assert "Cancel me from the ticket" not in page  # gone from the ticket's pending list
    assert mine.aborted
    # Without JavaScript: the confirmation page, then back to the ticket.
    reply(client_lead, sandbox, action="schedule", when="monday_9", text="Second one")
    (second,) = [p for p in pending_of(sandbox, ticket.id) if not p.aborted and p.event_id not in before]
    done = post(client_lead, CANCEL, {"ids": second.event_id, "ticket": ticket.id, "confirm": "on"})
    assert done["Location"] == f"/i/{INBOX}/tickets/{ticket.id}/"


def test_the_scheduled_region_reloads_for_htmx_only(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    url = f"/i/{INBOX}/tickets/{ticket.id}/scheduled/"
    assert client_agent.get(url)["Location"] == f"{URL}?ticket={ticket.id}"
    r = client_agent.get(url, **HTMX)
    assert r.status_code == 200 and 'id="ticket-scheduled"' in text_of(r)


def test_the_list_costs_two_rounds_not_a_call_per_row(client_agent, sandbox):
    client_agent.get(URL)  # warms the users cache
    sandbox.clear_log()
    client_agent.get(URL + "?cancelled=on")
    paths = sorted(c["path"].split("/")[2] for c in sandbox.requests if c["path"].startswith("/v1/"))
    assert paths == ["contacts", "messages"]


def test_the_ticket_page_adds_one_call_for_its_scheduled_messages(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    client_agent.get(f"/i/{INBOX}/tickets/{ticket.id}/")
    sandbox.clear_log()
    client_agent.get(f"/i/{INBOX}/tickets/{ticket.id}/")
    mine = [c for c in sandbox.requests if c["path"].startswith("/v1/messages")]
    assert [c["path"] for c in mine] == ["/v1/messages/scheduled"]


@pytest.mark.parametrize("tz", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_the_last_and_first_days_work_in_every_zone(client_agent, sandbox, tz):
    client_agent.cookies["tz"] = tz
    for query in ("?window_to=9998-12-31", "?window_from=0001-01-01"):
        assert client_agent.get(URL + query).status_code == 200, query


# --- attachments: a link only to a web page -----------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("https://example.com/a.png", "https://example.com/a.png"),
        ("http://example.com/a.png", "http://example.com/a.png"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example/x", None),
        (42, None),
    ],
)
def test_a_scheduled_messages_media_is_a_web_link_or_nothing(raw, url):
    parsed = scheduled_svc.scheduled_from_api({"event_id": "e1", "media_url": raw})
    assert parsed.media_url == url
    assert parsed.media_text  # still known to have an attachment, as text


def test_a_non_web_attachment_is_shown_as_text_never_a_link(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    reply(client_agent, sandbox, action="schedule", when="tomorrow_9", text="With a picture")
    (mine,) = [p for p in pending_of(sandbox, ticket.id) if p.message.startswith("With a picture")]
    mine.media_url = "javascript:alert(document.cookie)"
    for page in (
        text_of(client_agent.get(URL)),
        text_of(client_agent.get(f"/i/{INBOX}/tickets/{ticket.id}/")),
    ):
        assert "attachment (not a web link)" in page
        assert 'href="javascript:' not in page.replace("&#x27;", "'")


def test_a_ticket_id_from_the_api_that_is_not_an_id_is_not_linked():
    parsed = scheduled_svc.scheduled_from_api({"event_id": "e1", "ticket_id": "../../admin"})
    assert parsed.ticket_id is None
    assert scheduled_svc.scheduled_from_api({"event_id": "e1", "ticket_id": "Ab_9-x"}).ticket_id == "Ab_9-x"


# --- the ticket page asks in the page, naming the message, and every time has its zone -------------
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def la_time(ts: float) -> str:
    """'Sat 28 Nov 09:00 PST': what the messaging screens show for a scheduled time."""
    local = datetime.fromtimestamp(ts, LA)
    year = f" {local.year}" if local.year != datetime.now(LA).year else ""
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M} {local:%Z}"


def schedule_on_bob(client, sandbox, text: str):
    ticket = ticket_for(sandbox, BOB)
    before = {p.event_id for p in pending_of(sandbox, ticket.id)}
    reply(client, sandbox, action="schedule", when="tomorrow_9", text=text)
    (mine,) = [p for p in pending_of(sandbox, ticket.id) if p.event_id not in before]
    return ticket, mine


def test_the_ticket_page_cancel_asks_in_the_page_not_with_a_browser_dialog(client_lead, sandbox):
    client_lead.cookies["tz"] = "America%2FLos_Angeles"
    ticket, mine = schedule_on_bob(client_lead, sandbox, "Did the part arrive?")
    page = html.unescape(text_of(client_lead.get(f"/i/{INBOX}/tickets/{ticket.id}/")))
    assert "hx-confirm" not in page and "confirm(" not in page
    ask = f"{CANCEL}?ids={mine.event_id}&ticket={ticket.id}"
    # A link (a GET that only asks): the confirmation page without JavaScript, the panel in
    # the page with htmx.
    assert f'href="{ask}"' in page and f'hx-get="{ask}"' in page
    assert 'hx-target="#ticket-scheduled-confirm"' in page and 'id="ticket-scheduled-confirm"' in page
    assert la_time(mine.scheduled_for) in page  # the time, with its zone
    assert la_time(mine.scheduled_for).split()[-1] in ("PST", "PDT")

    sandbox.clear_log()
    r = client_lead.get(CANCEL, {"ids": mine.event_id, "ticket": ticket.id}, **HTMX)
    panel = html.unescape(text_of(r))
    assert r.status_code == 200 and "<html" not in panel and "confirm-panel" in panel
    assert "Cancel 1 scheduled message?" in panel
    assert "Did the part arrive?" in panel  # the message text
    assert "to <strong>Bob McTest</strong>" in panel  # the recipient
    assert f"<strong>{la_time(mine.scheduled_for)}</strong>" in panel  # the time and its zone
    # Its buttons swap the ticket's scheduled region rather than leaving the page.
    assert f'hx-post="{CANCEL}" hx-target="#ticket-scheduled"' in panel
    assert f'hx-get="/i/{INBOX}/tickets/{ticket.id}/scheduled/"' in panel
    assert deletes(sandbox) == [] and not mine.aborted  # asking cancels nothing

    done = post(client_lead, CANCEL, {"ids": mine.event_id, "ticket": ticket.id, "confirm": "on"}, **HTMX)
    assert "Cancelled 1 scheduled message." in text_of(done) and 'id="ticket-scheduled"' in text_of(done)
    assert mine.aborted


def test_the_ticket_page_cancel_works_without_javascript(client_agent, sandbox):
    client_agent.cookies["tz"] = "America%2FLos_Angeles"
    ticket, mine = schedule_on_bob(client_agent, sandbox, "No JS here")
    r = client_agent.get(CANCEL, {"ids": mine.event_id, "ticket": ticket.id})
    page = html.unescape(text_of(r))
    assert r.status_code == 200 and "<html" in page
    assert "No JS here" in page and "Bob McTest" in page and la_time(mine.scheduled_for) in page
    # A full page: no htmx swaps that would need the ticket page around them.
    assert 'hx-target="#ticket-scheduled"' not in page
    assert f'href="/i/{INBOX}/tickets/{ticket.id}/"' in page  # "Keep it" goes back to the ticket
    assert not mine.aborted

    done = post(client_agent, CANCEL, {"ids": mine.event_id, "ticket": ticket.id, "confirm": "on"})
    assert done["Location"] == f"/i/{INBOX}/tickets/{ticket.id}/"
    assert mine.aborted


def test_scheduled_times_carry_their_zone_everywhere(client_lead, sandbox):
    client_lead.cookies["tz"] = "America%2FLos_Angeles"
    ticket, mine = schedule_on_bob(client_lead, sandbox, "Zone check")
    when = la_time(mine.scheduled_for)
    # The scheduled list (and its cancel labels), the list's confirmation, the ticket region.
    listing = html.unescape(text_of(client_lead.get(URL)))
    assert f"<strong>{when}</strong>" in listing
    assert f"Cancel the message to Bob McTest at {when}" in listing
    confirm = html.unescape(text_of(client_lead.get(CANCEL, {"ids": mine.event_id}, **HTMX)))
    assert when in confirm
    region = html.unescape(text_of(client_lead.get(f"/i/{INBOX}/tickets/{ticket.id}/scheduled/", **HTMX)))
    assert f"<strong>{when}</strong>" in region
    assert f"Cancel the message to Bob McTest scheduled for {when}" in region  # named, not a number
    # The composer's quick picks, and the outcome of scheduling.
    page = html.unescape(text_of(client_lead.get(f"/i/{INBOX}/tickets/{ticket.id}/")))
    assert re.search(
        r"Tomorrow 9:00</span> <span class=\"muted small\">\w{3} \d{1,2} \w{3} 09:00 P[SD]T<", page
    )
    r = reply(client_lead, sandbox, action="schedule", when="monday_9", text="Monday one")
    assert re.search(r"Scheduled for Mon \d{1,2} \w{3}( \d{4})? 09:00 P[SD]T\.", html.unescape(text_of(r)))


def test_local_when_names_the_zone_and_the_year_only_when_it_differs():
    from django.utils import timezone

    la_now = datetime(2026, 11, 27, 8, 0, tzinfo=LA)
    with timezone.override(LA):
        assert (
            scheduled_svc.local_when(datetime(2026, 11, 28, 9, 0, tzinfo=LA), now=la_now)
            == "Sat 28 Nov 09:00 PST"
        )
        assert (
            scheduled_svc.local_when(datetime(2027, 7, 4, 9, 0, tzinfo=LA), now=la_now)
            == "Sun 4 Jul 2027 09:00 PDT"
        )
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert (
            scheduled_svc.local_when(datetime(2026, 11, 28, 17, 0, tzinfo=LA), now=la_now)
            == "Sun 29 Nov 01:00 UTC"
        )
    assert scheduled_svc.local_when(None) == "—"
