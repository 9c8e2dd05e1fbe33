"""Message search: every parameter of "Search Messages", paging, the not-delivered quick filter,
links to the ticket at the message, CSV export with its cap."""

from __future__ import annotations

import csv
import html
import io
import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest

from avodash.sandbox.state import SmsMessage
from inbox.services import messages as message_svc
from tests.helpers import INBOX, api_calls
from tests.inbox.support import BOB, HTMX, box, text_of, ticket_for, user_id

URL = f"/i/{INBOX}/messages/"


def searches(sandbox) -> list[dict]:
    return [c["params"] for c in api_calls(sandbox, "GET", "/v1/messages") if c["path"] == "/v1/messages"]


def messages(sandbox) -> list[SmsMessage]:
    found = [e for e in box(sandbox).events.values() if isinstance(e, SmsMessage)]
    return sorted(found, key=lambda m: -m.created_at)


def row_ids(response) -> list[str]:
    return re.findall(r'#ev-([A-Za-z0-9]+)"', text_of(response))[::2]  # row link + "Open ticket"


def test_it_shows_the_newest_25_and_pages_on_request(client_agent, sandbox):
    r = client_agent.get(URL)
    assert r.status_code == 200
    newest = messages(sandbox)
    assert row_ids(r) == [m.event_id for m in newest[:25]]
    (only,) = searches(sandbox)  # one page, not everything
    assert only["page"] == "1" and "status" not in only and "query" not in only
    assert "?page=2" in text_of(r)

    r2 = client_agent.get(URL + "?page=2")
    assert row_ids(r2) == [m.event_id for m in newest[25:50]]
    assert searches(sandbox)[-1]["page"] == "2"


def test_results_link_to_their_ticket_at_the_message(client_agent, sandbox):
    r = client_agent.get(URL)
    m = messages(sandbox)[0]
    assert f'href="/i/{INBOX}/tickets/{m.ticket_id}/#ev-{m.event_id}"' in text_of(r)


def test_results_show_contact_names_and_senders(client_agent, sandbox):
    page = html.unescape(text_of(client_agent.get(URL)))
    m = next(m for m in messages(sandbox)[:25] if m.direction == "out" and m.sender_id)
    assert box(sandbox).contacts[m.contact_id].name in page
    assert sandbox.state.users[m.sender_id].name in page


@pytest.mark.parametrize(
    ("query", "param", "value"),
    [
        ("q=refund", "query", "refund"),
        ("direction=in", "direction", "in"),
        ("status=failed", "status", "failed"),
        ("from_number=%2B15551234567", "from", "+15551234567"),
        ("to_number=%2B1+555+123+4567", "to", "+15551234567"),
        ("contact={contact}", "contact_id", "{contact}"),
        ("ticket={ticket}", "ticket_id", "{ticket}"),
        ("sender={sender}", "sender_id", "{sender}"),
    ],
)
def test_each_filter_reaches_the_api_and_narrows_the_results(client_agent, sandbox, query, param, value):
    ticket = ticket_for(sandbox, BOB)
    ids = {
        "contact": ticket.contact_id,
        "ticket": ticket.id,
        "sender": user_id(sandbox, "omar.haddad@acme.example"),
    }
    r = client_agent.get(f"{URL}?{query.format(**ids)}")
    assert r.status_code == 200
    assert searches(sandbox)[0][param] == value.format(**ids)
    shown = {m.event_id: m for m in messages(sandbox)}
    rows = [shown[i] for i in row_ids(r)]
    assert rows, "the demo data has matches for every filter"
    check = {
        "query": lambda m: "refund" in m.message.lower(),
        "direction": lambda m: m.direction == "in",
        "status": lambda m: m.status == "failed",
        "from": lambda m: m.from_ == BOB,
        "to": lambda m: m.to == BOB,
        "contact_id": lambda m: m.contact_id == ticket.contact_id,
        "ticket_id": lambda m: m.ticket_id == ticket.id,
        "sender_id": lambda m: m.sender_id == ids["sender"],
    }[param]
    assert all(check(m) for m in rows)


def test_the_date_range_is_whole_days_in_the_viewers_zone(client_agent, sandbox):
    client_agent.cookies["tz"] = "Europe%2FParis"
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    today = datetime.now(paris).date()
    start = today - timedelta(days=2)
    r = client_agent.get(f"{URL}?created_from={start}&created_to={today}")
    assert r.status_code == 200
    created = searches(sandbox)[0]["created_at"]
    lo = datetime.combine(start, time.min, tzinfo=paris).timestamp()
    hi = datetime.combine(today + timedelta(days=1), time.min, tzinfo=paris).timestamp()
    assert float(created["from"]) == lo and float(created["to"]) == hi
    shown = {m.event_id: m for m in messages(sandbox)}
    assert all(lo <= shown[i].created_at <= hi for i in row_ids(r))
    assert "Dates in Europe/Paris" in text_of(r)


def test_the_not_delivered_quick_filter_finds_failed_and_undelivered(client_agent, sandbox):
    page = text_of(client_agent.get(URL))
    assert f'href="{URL}?status=not_delivered"' in page
    sandbox.clear_log()

    r = client_agent.get(URL + "?status=not_delivered")
    statuses = sorted(p["status"] for p in searches(sandbox))
    assert statuses == ["failed", "undelivered"]
    shown = {m.event_id: m for m in messages(sandbox)}
    rows = [shown[i] for i in row_ids(r)]
    expected = [m for m in messages(sandbox) if m.status in ("failed", "undelivered")]
    assert {m.event_id for m in rows} == {m.event_id for m in expected[:50]}
    assert {"failed", "undelivered"} <= {m.status for m in rows}
    assert [m.created_at for m in rows] == sorted((m.created_at for m in rows), reverse=True)
    assert "badge-bad" in text_of(r)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from_number=415-555-1234", "Did you mean +14155551234?"),
        ("?to_number=abc", "Enter the number in E.164 format"),
        ("?status=lost", "Select a valid choice."),
        ("?direction=sideways", "Select a valid choice."),
        ("?created_from=2030-01-05&created_to=2030-01-01", "The end date is before the start date."),
        ("?ticket=a%2Fb", "That is not a valid id."),
        ("?page=9999", "Ensure this value is less than or equal to 400."),
        ("?created_to=9999-12-31", "Enter a date no later than 9998-12-31."),
        ("?created_from=9999-12-31", "Enter a date no later than 9998-12-31."),
        ("?created_to=9999-12-31&format=csv", "Enter a date no later than 9998-12-31."),
    ],
)
def test_a_bad_search_is_a_422_with_a_message(client_agent, sandbox, query, message):
    r = client_agent.get(URL + query)
    assert r.status_code == 422
    assert message in html.unescape(text_of(r))
    assert searches(sandbox) == []


@pytest.mark.parametrize("tz", ["UTC", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_the_last_and_first_days_work_in_every_zone(client_agent, sandbox, tz):
    client_agent.cookies["tz"] = tz
    for query in ("?created_to=9998-12-31", "?created_from=0001-01-01", "?created_to=9998-12-31&format=csv"):
        assert client_agent.get(URL + query).status_code == 200, query


def test_strange_numbers_from_the_api_do_not_break_the_page(client_agent, sandbox):
    """JSON lets Infinity, NaN and 1e400 through: they become "unknown", not a 500."""
    found = messages(sandbox)[:3]
    found[0].segments, found[0].error_code = float("inf"), float("inf")
    found[1].segments, found[1].error_code = 10**400, float("-inf")
    found[2].segments, found[2].error_code = float("nan"), "not a number"
    assert client_agent.get(URL).status_code == 200
    rows = {r["message_id"]: r for r in _csv_rows(client_agent.get(URL + "?format=csv"))}
    for m in found:
        assert rows[m.event_id]["segments"] == ""


@pytest.mark.parametrize(
    "raw", [float("inf"), float("-inf"), float("nan"), 10**400, "1e400", "x", None, True]
)
def test_a_strange_number_becomes_none(raw):
    parsed = message_svc.message_from_api({"event_id": "e1", "segments": raw, "error_code": raw})
    assert parsed.segments is None and parsed.error_code is None


def test_only_web_links_are_kept_as_media():
    parsed = message_svc.message_from_api(
        {
            "event_id": "e1",
            "contents": [
                {"url": "javascript:alert(1)"},
                {"url": "https://example.com/a.png"},
                " JaVaScRiPt:x",
            ],
            "media_url": "data:text/html,<script>alert(1)</script>",
        }
    )
    assert parsed.media_urls == ("https://example.com/a.png",)


def test_htmx_gets_the_results_region(client_agent, sandbox):
    r = client_agent.get(URL + "?direction=out", **HTMX)
    page = text_of(r)
    assert r.status_code == 200 and page.lstrip().startswith('<div id="message-results"')
    bad = client_agent.get(URL + "?status=lost", **HTMX)
    assert bad.status_code == 422 and "That search is not valid:" in text_of(bad)


def test_message_bodies_are_escaped(client_agent, sandbox):
    m = messages(sandbox)[0]
    m.message = '<script>alert("x")</script>'
    page = text_of(client_agent.get(URL))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_an_empty_search_says_what_to_do(client_agent, sandbox):
    page = text_of(client_agent.get(URL + "?q=zzqqxxnothing"))
    assert "No messages match this search." in page
    assert "clear the search" in page


# --- CSV --------------------------------------------------------------------------------------------
def _csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_the_csv_export_holds_every_match(client_agent, sandbox):
    r = client_agent.get(URL + "?direction=out&format=csv")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"] and "first-" not in r["Content-Disposition"]
    rows = _csv_rows(r)
    outs = [m for m in messages(sandbox) if m.direction == "out"]
    assert len(rows) == len(outs) > 25
    assert {row["message_id"] for row in rows} == {m.event_id for m in outs}
    first = rows[0]
    assert first["direction"] == "sent" and first["contact"] and first["ticket_id"]


def test_the_csv_export_stops_at_the_cap_and_says_so(client_agent, sandbox, monkeypatch):
    monkeypatch.setattr(message_svc, "EXPORT_CAP", 30)
    r = client_agent.get(URL + "?format=csv")
    rows = _csv_rows(r)
    assert len(rows) == 30
    assert "first-30" in r["Content-Disposition"]
    assert r["X-Avodash-Capped"] == "30"
    assert len(searches(sandbox)) <= message_svc.EXPORT_PARALLEL_PAGES  # pages fetched a few at a time


def test_the_csv_defuses_spreadsheet_formulas(client_agent, sandbox):
    m = messages(sandbox)[0]
    m.message = '=HYPERLINK("http://evil")'
    rows = _csv_rows(client_agent.get(URL + "?format=csv"))
    row = next(r for r in rows if r["message_id"] == m.event_id)
    assert row["text"].startswith("'=")


def test_the_csv_defuses_every_text_that_came_from_the_api(client_agent, sandbox):
    out = next(m for m in messages(sandbox) if m.direction == "out")
    out.status = "=cmd|' /C calc'!A0"
    out.error_code, out.error_description, out.reason = 0, "@SUM(1+1)", None
    out.message = "-2+3"
    rows = _csv_rows(client_agent.get(URL + "?format=csv"))
    row = next(r for r in rows if r["message_id"] == out.event_id)
    assert row["status"] == "'=cmd|' /C calc'!A0"
    assert row["to"] == "'" + out.to and row["to"].startswith("'+")  # phones start with +
    assert row["from"] == "'" + out.from_
    assert row["error"] == "'@SUM(1+1)"
    assert row["text"] == "'-2+3"
    for r in rows:  # nothing anywhere starts a formula
        assert not any(v and v[0] in "=+-@\t\r" for v in r.values()), r


def test_the_csv_defuses_ids_and_media_too():
    from inbox.views.search import _csv

    m = message_svc.Message(
        id="-1+1",
        ticket_id="-ticket",
        contact_id="@contact",
        status="\tqueued",
        from_phone="+15550000001",
        to_phone="\r=1",
        media_urls=("=not-a-url",),
        body="fine",
    )
    (row,) = _csv_rows(_csv(INBOX, [m], capped=False))
    assert row["message_id"] == "'-1+1"
    assert row["ticket_id"] == "'-ticket"
    assert row["contact_id"] == "'@contact"
    assert row["status"] == "'\tqueued"
    assert row["from"] == "'+15550000001"
    assert row["to"] == "'\r=1"
    assert row["media"] == "'=not-a-url"
    assert row["text"] == "fine"


def test_the_page_offers_the_export_with_its_cap(client_agent, sandbox):
    page = text_of(client_agent.get(URL + "?direction=in"))
    assert "format=csv" in page and "up to 2,000" in page


def test_a_page_costs_two_rounds_not_a_call_per_row(client_agent, sandbox):
    client_agent.get(URL)  # warms the users cache
    sandbox.clear_log()
    client_agent.get(URL + "?page=2")
    paths = sorted(c["path"].split("/")[2] for c in sandbox.requests if c["path"].startswith("/v1/"))
    assert paths == ["contacts", "messages"]  # one search, one batched contact fetch; users cached


# --- the contact filter takes a phone number as a person types it, or a contact id ------------------
def contact_lookups(sandbox) -> list[dict]:
    return [c["params"] for c in api_calls(sandbox, "GET", "/v1/contacts") if c["path"] == "/v1/contacts"]


def test_the_contact_field_is_labelled_for_a_phone_or_an_id(client_agent, sandbox):
    page = text_of(client_agent.get(URL))
    assert '<label for="id_contact">Contact (phone or id)</label>' in page
    assert "Contact id" not in page


@pytest.mark.parametrize("typed", ["+1 555 123 4567", "(555) 123-4567", "555.123.4567", "1-555-123-4567"])
def test_a_phone_in_the_contact_field_finds_the_contacts_messages(client_agent, sandbox, typed):
    ticket = ticket_for(sandbox, BOB)
    r = client_agent.get(URL, {"contact": typed})
    page = html.unescape(text_of(r))
    assert r.status_code == 200
    (lookup,) = contact_lookups(sandbox)  # one contact search for the number
    assert lookup["query"] == f'phone:"{BOB}"'
    (search,) = searches(sandbox)
    assert search["contact_id"] == ticket.contact_id and "to" not in search and "from" not in search
    note = page.replace("<strong>", "").replace("</strong>", "")
    assert f'messages with Bob McTest (<span title="{BOB}">(555) 123-4567</span>)' in note
    shown = {m.event_id: m for m in messages(sandbox)}
    rows = [shown[i] for i in row_ids(r)]
    assert rows and all(m.contact_id == ticket.contact_id for m in rows)
    assert f'value="{typed}"' in page  # the field keeps what was typed


def test_a_number_no_contact_has_is_said_plainly_without_searching(client_agent, sandbox):
    r = client_agent.get(URL, {"contact": "(415) 555-0999"}, **HTMX)
    page = html.unescape(text_of(r))
    assert r.status_code == 200
    assert 'has the number <span title="+14155550999">(415) 555-0999</span>.' in page
    assert "No messages were searched." in page
    assert len(contact_lookups(sandbox)) == 1
    assert searches(sandbox) == []  # no message search call


def test_a_contact_id_still_works_in_the_contact_field(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    page = html.unescape(text_of(client_agent.get(URL, {"contact": ticket.contact_id})))
    assert contact_lookups(sandbox) == []
    assert searches(sandbox)[0]["contact_id"] == ticket.contact_id
    assert "messages with <strong>Bob McTest</strong>" in page


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Bob McTest", "Enter the contact's phone number"),
        ("+1 555 123 456", "exactly 10 digits after +1"),
        ("+1415555", "too short"),
    ],
)
def test_what_is_neither_a_phone_nor_an_id_is_refused_before_any_call(client_agent, sandbox, typed, says):
    r = client_agent.get(URL, {"contact": typed})
    page = html.unescape(text_of(r))
    assert r.status_code == 422
    field_errors = page[page.index('id="id_contact-errors"') :]
    assert says in field_errors[: field_errors.index("</ul>")]  # at the field
    assert contact_lookups(sandbox) == [] and searches(sandbox) == []


def test_the_csv_export_resolves_a_phone_too(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = client_agent.get(URL, {"contact": "(555) 123-4567", "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert {s["contact_id"] for s in searches(sandbox)} == {ticket.contact_id}
    rows = _csv_rows(r)
    assert rows and {row["contact_id"] for row in rows} == {ticket.contact_id}


def test_results_offer_to_narrow_to_their_ticket(client_agent, sandbox):
    m = messages(sandbox)[0]
    page = html.unescape(
        text_of(client_agent.get(URL, {"direction": "in" if m.direction == "in" else "out"}))
    )
    assert f"?direction={m.direction}&ticket={m.ticket_id}" in page
    assert "Only this ticket" in page
    # Once narrowed, the rows of that ticket do not offer it again.
    narrowed = html.unescape(text_of(client_agent.get(URL, {"ticket": m.ticket_id})))
    assert "Only this ticket</a>" not in narrowed
