"""The ticket queue: filters (each and combined), names not ids, pagination, call budget."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from avodash.avochato.django import get_client
from avodash.domain.inboxes import inboxes_all
from avodash.domain.users import inbox_users
from tests.helpers import INBOX, api_calls
from tests.inbox.support import QUEUE, box, open_tickets, row_ids, ticket_by_phone, user_id

pytestmark = pytest.mark.django_db

ADMIN_EMAIL = "admin@avodash.example"


def ticket_calls(sandbox) -> list[dict]:
    return [c for c in api_calls(sandbox, "GET", "/v1/tickets") if c["path"] == "/v1/tickets"]


def test_it_shows_not_closed_tickets_most_recent_activity_first(client_agent, sandbox):
    r = client_agent.get(QUEUE)
    assert r.status_code == 200
    ids = row_ids(r)
    inbox = box(sandbox)
    expected = sorted(open_tickets(sandbox), key=lambda t: (-t.last_activity_at, t.id))
    assert ids == [t.id for t in expected[:30]]
    assert f"of {len(expected)}" in r.content.decode()
    assert all(inbox.tickets[i].status != "Closed" for i in ids)


def test_a_row_shows_names_not_ids(client_agent, sandbox):
    r = client_agent.get(QUEUE)
    html = r.content.decode()
    inbox = box(sandbox)
    first = inbox.tickets[row_ids(r)[0]]
    contact = inbox.contacts[first.contact_id]
    row = re.search(rf'data-ticket="{first.id}".*?</tr>', html, re.S).group(0)
    assert contact.name in row and contact.phone in row
    assert contact.id not in row, "the contact id leaked into the row"
    assert f'badge-{first.status}">{first.status}<' in row
    if first.user_id:
        owner = sandbox.state.users[first.user_id]
        assert owner.name in row and first.user_id not in row
    else:
        assert "Unassigned" in row


def test_a_queue_page_costs_two_calls_in_two_rounds_once_the_directory_knows_the_inbox(client_agent, sandbox):
    inboxes_all()  # the inbox list belongs to access, not to the queue
    inbox_users(client=get_client(INBOX))  # the inbox's first use fills the local directory
    sandbox.clear_log()
    r = client_agent.get(QUEUE)
    assert r.status_code == 200 and len(row_ids(r)) == 30
    calls = [(c["method"], c["path"]) for c in api_calls(sandbox)]
    assert len(calls) == 2, calls
    assert calls[0] == ("GET", "/v1/tickets")  # round 1
    assert calls[1][1].startswith("/v1/contacts/") and calls[1][1].count(",") >= 20  # round 2: one batch
    # Owners' names come from the directory: no users call, now or on the next load.
    sandbox.clear_log()
    client_agent.get(QUEUE)
    assert [c["path"] for c in api_calls(sandbox)][0] == "/v1/tickets" and len(api_calls(sandbox)) == 2


def test_the_first_use_of_an_inbox_lists_its_users_once(client_agent, sandbox):
    inboxes_all()
    sandbox.clear_log()
    client_agent.get(QUEUE)
    users_calls = [c for c in api_calls(sandbox) if c["path"] == "/v1/users"]
    assert len(users_calls) == 1  # one page lists the whole demo team
    sandbox.clear_log()
    client_agent.get(QUEUE)
    assert not [c for c in api_calls(sandbox) if c["path"].startswith("/v1/users")]


def test_the_row_activity_comes_in_one_batched_call(client_agent, sandbox):
    r = client_agent.get(QUEUE)
    ids = row_ids(r)
    sandbox.clear_log()
    r = client_agent.get(f"/i/{INBOX}/tickets/activity/", {"ids": ",".join(ids)}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    calls = api_calls(sandbox)
    # Batched: the first call asks for every row; later rounds only for rows not seen yet.
    assert 1 <= len(calls) <= 3, [c["path"] for c in calls]
    assert calls[0]["path"] == f"/v1/tickets/{','.join(ids)}/events"
    assert all(c["path"].startswith("/v1/tickets/") and c["path"].endswith("/events") for c in calls)
    html = r.content.decode().replace("&#x27;", "'")
    inbox = box(sandbox)
    for tid in ids:
        t = inbox.tickets[tid]
        # a Call names no ticket (as in the reference), so a merged stream cannot count it
        last = [e for e in inbox.stream(t) if e.element_type != "Call"][-1]
        last_msg = [e for e in inbox.stream(t) if e.element_type == "SmsMessage"][-1]
        when = re.search(rf'<span id="act-{tid}" hx-swap-oob="true"><time datetime="([^"]+)"', html).group(1)
        assert datetime.fromisoformat(when).timestamp() == pytest.approx(last.sent_at, abs=0.001)
        snippet = re.search(rf'<div id="snip-{tid}"[^>]*>(.*?)</div>', html, re.S)
        if snippet:  # where available: the latest message of the ticket
            assert last_msg.message[:30] in snippet.group(1)
    assert sum(f'<div id="snip-{tid}"' in html for tid in ids) >= 25


@pytest.mark.parametrize("status", ["New", "Open", "Pending", "Closed"])
def test_it_filters_by_status(client_agent, sandbox, status):
    r = client_agent.get(QUEUE, {"status": status})
    inbox = box(sandbox)
    expected = [t for t in inbox.tickets.values() if t.status == status]
    ids = row_ids(r)
    assert ids and all(inbox.tickets[i].status == status for i in ids)
    assert f"of {len(expected)}" in r.content.decode()
    assert ticket_calls(sandbox)[-1]["params"]["status"] == status


def test_any_status_includes_closed_tickets(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"status": "any", "order": "oldest"})
    assert f"of {len(box(sandbox).tickets)}" in r.content.decode()
    assert "Closed" in {box(sandbox).tickets[i].status for i in row_ids(r)}
    r = client_agent.get(QUEUE, {"status": "any", "order": "newest"})
    assert "Closed" not in {box(sandbox).tickets[i].status for i in row_ids(r)[:5]}


def test_it_filters_by_owner(client_agent, sandbox):
    omar = user_id(sandbox, "omar.haddad@acme.example")
    r = client_agent.get(QUEUE, {"owner": omar})
    inbox = box(sandbox)
    expected = [t for t in open_tickets(sandbox) if t.user_id == omar]
    assert sorted(row_ids(r)) == sorted(t.id for t in expected)
    assert ticket_calls(sandbox)[-1]["params"]["user_id"] == omar
    assert all(inbox.tickets[i].user_id == omar for i in row_ids(r))


def test_owner_me_is_the_inbox_user_with_my_email(client_admin, sandbox):
    me = user_id(sandbox, ADMIN_EMAIL)
    r = client_admin.get(QUEUE, {"owner": "me"})
    assert r.status_code == 200
    assert sorted(row_ids(r)) == sorted(t.id for t in open_tickets(sandbox) if t.user_id == me)
    assert ticket_calls(sandbox)[-1]["params"]["user_id"] == me


def test_owner_me_is_disabled_and_refused_without_a_matching_user(client_lead, sandbox):
    r = client_lead.get(QUEUE)
    html = r.content.decode()
    assert re.search(r'<option value="me"[^>]*disabled', html)
    assert "no Avochato user of this inbox has your email" in html
    sandbox.clear_log()
    r = client_lead.get(QUEUE, {"owner": "me"})
    assert r.status_code == 422
    assert "no user has your email" in r.content.decode()
    # The queue is still shown, without the owner filter it could not apply.
    [call] = ticket_calls(sandbox)
    assert "user_id" not in call["params"]
    assert len(row_ids(r)) == 30


def test_it_filters_unassigned(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"owner": "none", "status": "any"})
    expected = [t for t in box(sandbox).tickets.values() if t.user_id is None]
    assert expected
    assert f"of {len(expected)}" in r.content.decode()
    assert all(box(sandbox).tickets[i].user_id is None for i in row_ids(r))


def test_unaddressed_view_sorts_longest_wait_first_and_shows_the_wait(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"unaddressed": "on", "order": "oldest_activity"})
    html = r.content.decode()
    inbox = box(sandbox)
    expected = sorted(
        (t for t in open_tickets(sandbox) if t.unaddressed), key=lambda t: (t.last_activity_at, t.id)
    )
    assert row_ids(r) == [t.id for t in expected[:30]]
    assert ticket_calls(sandbox)[-1]["params"]["unaddressed"] == "on"
    assert ">Waiting<" in html and "since the customer's last message" in html
    assert all(inbox.tickets[i].unaddressed for i in row_ids(r))


def test_it_searches_by_contact_name_and_phone(client_agent, sandbox):
    victor = ticket_by_phone(sandbox, "+16505550199")
    for q in ("Victor Crane", "+16505550199", 'name:"Victor Crane"'):
        r = client_agent.get(QUEUE, {"q": q})
        assert row_ids(r) == [victor.id], q


def test_it_accepts_a_field_query(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"q": "status:Pending"})
    inbox = box(sandbox)
    assert row_ids(r) and all(inbox.tickets[i].status == "Pending" for i in row_ids(r))
    assert ticket_calls(sandbox)[-1]["params"]["query"] == "status:Pending"


def test_filters_combine(client_agent, sandbox):
    omar = user_id(sandbox, "omar.haddad@acme.example")
    r = client_agent.get(QUEUE, {"status": "Open", "owner": omar, "unaddressed": "on", "order": "newest"})
    params = ticket_calls(sandbox)[-1]["params"]
    assert (params["status"], params["user_id"], params["unaddressed"], params["order"]) == (
        "Open",
        omar,
        "on",
        "newest",
    )
    expected = sorted(
        (
            t
            for t in box(sandbox).tickets.values()
            if t.status == "Open" and t.user_id == omar and t.unaddressed
        ),
        key=lambda t: (-t.created_at, t.id),
    )
    assert row_ids(r) == [t.id for t in expected]


def test_filters_stay_in_the_links(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"status": "Open", "q": "order"})
    html = r.content.decode()
    # The next page keeps the filters; the filter form shows them.
    assert (
        re.search(r'href="[^"]*\?status=Open&amp;q=order&amp;after=\w+&amp;n=2"', html)
        or "Next page" not in html
    )
    assert 'value="order"' in html
    assert re.search(r'<option value="Open" selected>', html)


def test_pagination_follows_the_cursor(client_agent, sandbox):
    r1 = client_agent.get(QUEUE)
    html = r1.content.decode()
    nxt = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    r2 = client_agent.get(nxt)
    ids1, ids2 = row_ids(r1), row_ids(r2)
    assert len(ids2) == 30 and not set(ids1) & set(ids2)
    assert ticket_calls(sandbox)[-1]["params"]["after"] == ids1[-1]
    assert "Showing 31–60 of" in r2.content.decode()
    expected = sorted(open_tickets(sandbox), key=lambda t: (-t.last_activity_at, t.id))
    assert ids2 == [t.id for t in expected[30:60]]
    assert "First page" in r2.content.decode()


@pytest.mark.parametrize(
    ("params", "dropped"),
    [
        ({"status": "Bogus"}, "status"),
        ({"order": "sideways"}, None),
        ({"owner": "../users"}, "user_id"),
        ({"after": "a\x01b"}, "after"),
        ({"after": "a\nb"}, "after"),
        ({"after": "x" * 201}, "after"),
        ({"q": "x" * 300}, "query"),
        ({"status": "any", "q": "bob OR alice"}, None),
    ],
)
def test_a_bad_filter_is_a_422_with_a_message_and_the_queue_without_it(
    client_agent, sandbox, params, dropped
):
    r = client_agent.get(QUEUE, params)
    assert r.status_code == 422
    assert 'class="errorlist' in r.content.decode()
    [call] = ticket_calls(sandbox)  # the queue is still fetched, with the bad value dropped
    if dropped:
        assert dropped not in call["params"]
    assert call["params"]["order"] == "most_recent_activity"
    assert "bob" not in call["params"].get("query", "") and "xxxx" not in call["params"].get("query", "")
    assert row_ids(r), "the queue is shown"


def test_bad_values_in_the_address_show_the_default_queue_with_errors_at_the_fields(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"status": "foo", "order": "zzz"})
    assert r.status_code == 422
    html = unescape(r.content.decode())
    assert row_ids(r) == row_ids(client_agent.get(QUEUE)), "the default queue is shown"
    assert 'class="page-head"' in html and '<section id="queue"' in html  # the whole page, not a form alone
    status_field = re.search(
        r'<div class="field has-error">\s*<label for="f-status">.*?</div>\s*</div>', html, re.S
    )
    assert (
        status_field
        and "“foo” is not a status: showing tickets that are not closed." in status_field.group(0)
    )
    assert re.search(r'<option value="" selected>Not closed</option>', html)
    order_field = re.search(r'<label for="f-order">.*?</div>\s*</div>', html, re.S).group(0)
    assert "“zzz” is not an order" in order_field
    assert '<option value="most_recent_activity" selected>' in order_field
    assert 'aria-invalid="true"' in status_field.group(0)


def test_best_match_without_a_search_falls_back_to_the_default_order_with_a_note(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"order": "best_match"})
    assert r.status_code == 200
    html = unescape(r.content.decode())
    assert ticket_calls(sandbox)[-1]["params"]["order"] == "most_recent_activity"
    assert len(row_ids(r)) == 30
    assert "“Best match” needs a search text: ordered by most recent activity instead." in html
    assert '<option value="most_recent_activity" selected>' in html
    # With a search text it is used as asked.
    client_agent.get(QUEUE, {"order": "best_match", "q": "refund"})
    assert ticket_calls(sandbox)[-1]["params"]["order"] == "best_match"
    # htmx answers with the queue only: the note comes inside it.
    r = client_agent.get(QUEUE, {"order": "best_match"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    fragment = unescape(r.content.decode())
    assert r.status_code == 200 and fragment.lstrip().startswith('<section id="queue"')
    assert 'class="notice filter-notice"' in fragment and "needs a search text" in fragment


def test_an_owner_who_is_not_a_user_of_the_inbox_is_refused_at_the_field(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"owner": "bogus"})
    assert r.status_code == 422
    html = unescape(r.content.decode())
    owner_field = re.search(r'<label for="f-owner">.*?</div>\s*</div>', html, re.S).group(0)
    assert "“bogus” is not a user of this inbox: showing every owner." in owner_field
    assert '<option value="" selected>Anyone</option>' in owner_field
    [call] = ticket_calls(sandbox)
    assert "user_id" not in call["params"]
    assert row_ids(r) == row_ids(client_agent.get(QUEUE))
    # A real user of the inbox is still a filter.
    omar = user_id(sandbox, "omar.haddad@acme.example")
    r = client_agent.get(QUEUE, {"owner": omar})
    assert r.status_code == 200 and ticket_calls(sandbox)[-1]["params"]["user_id"] == omar


def unescape(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


# --- phone search -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    ["(617) 555-8544", "617-555-8544", "617.555.8544", "617 555 8544", "+1 (617) 555-8544", "1-617-555-8544"],
)
def test_a_formatted_phone_search_finds_the_contact(client_agent, sandbox, typed):
    ava = ticket_by_phone(sandbox, "+16175558544")
    r = client_agent.get(QUEUE, {"q": typed})
    assert r.status_code == 200
    assert ticket_calls(sandbox)[-1]["params"]["query"] == "+16175558544"
    assert ava.id in row_ids(r)
    # The search box keeps what was typed.
    assert f'value="{typed}"' in unescape(r.content.decode())


def test_phone_query_leaves_other_searches_alone():
    from avodash.domain.phones import search_term as phone_query

    assert phone_query("+44 20 7946 0958") == "+442079460958"
    for text in ("6175558544", "49945", "bob 617-555-8544", "555-8544", "status:Open", "+1 617", "refund"):
        assert phone_query(text) == text


def test_htmx_filtering_answers_with_the_queue_region(client_agent, sandbox):
    r = client_agent.get(QUEUE, {"status": "New"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    html = r.content.decode()
    assert html.lstrip().startswith('<section id="queue"')
    assert "<html" not in html


def test_quick_views_link_to_their_filters(client_admin, sandbox):
    html = client_admin.get(QUEUE).content.decode()
    assert 'href="/i/acme-support/tickets/?unaddressed=on&amp;order=oldest_activity"' in html
    assert 'href="/i/acme-support/tickets/?owner=me"' in html
    assert 'href="/i/acme-support/tickets/?owner=none"' in html


def test_untrusted_names_are_escaped_in_rows(client_agent, sandbox):
    victor = ticket_by_phone(sandbox, "+16505550199")
    box(sandbox).contacts[victor.contact_id].name = '<script>alert("x")</script>'
    html = client_agent.get(QUEUE, {"q": "+16505550199"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_an_api_fault_is_a_friendly_panel_not_an_error_page(client_agent, sandbox):
    sandbox.faults.add("/v1/tickets", method="GET", status=500)
    r = client_agent.get(QUEUE)
    assert r.status_code == 502
    assert 'class="error-panel"' in r.content.decode() and "Traceback" not in r.content.decode()
    r = client_agent.get(QUEUE, {"status": "New"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    assert r.status_code == 502 and r.content.decode().lstrip().startswith('<div class="error-panel"')


def test_the_queue_names_its_contacts_from_the_second_round_and_a_failed_second_round_is_a_fault_panel(
    client_agent, sandbox
):
    # The page is made while its contacts are asked for: the names arrive after it was rendered.
    victor = ticket_by_phone(sandbox, "+16505550199")
    box(sandbox).contacts[victor.contact_id].name = "Victor <Late>"
    html = client_agent.get(QUEUE, {"q": "+16505550199"}).content.decode()
    assert '<a class="contact-link"' in html and "Victor &lt;Late&gt;</a>" in html
    assert "<!--late" not in html
    sandbox.faults.add("/v1/contacts/*", method="GET", status=500)
    r = client_agent.get(QUEUE)
    body = r.content.decode()
    assert r.status_code == 502 and 'class="error-panel"' in body
    assert "<!--late" not in body and "Victor" not in body
