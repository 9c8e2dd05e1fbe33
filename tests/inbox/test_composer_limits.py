"""The composer's limit: a long paste is kept whole, refused with how far over it is, and
nothing goes to Avochato. Bad filters answer with the message at the field."""

from __future__ import annotations

import html

from tests.helpers import INBOX
from tests.inbox.support import BOB, HTMX, message_posts, reply, text_of, ticket_for, ticket_url


def test_the_text_box_does_not_cut_a_long_paste(client_agent, sandbox):
    page = text_of(client_agent.get(ticket_url(ticket_for(sandbox, BOB).id)))
    textarea = page[page.index("<textarea") : page.index(">", page.index("<textarea"))]
    assert "data-composer-text" in textarea
    assert "maxlength" not in textarea


def test_a_5000_character_message_is_refused_whole_with_nothing_sent(client_agent, sandbox):
    text = "z" * 5000
    r = reply(client_agent, sandbox, text=text)
    page = html.unescape(text_of(r))
    assert r.status_code == 422
    assert text in page
    assert "Shorten it by 3,400." in page
    assert (
        "Limit exceeded by <strong data-over-by>3,400</strong> character<span data-over-plural>s</span>"
        in page
    )
    assert message_posts(sandbox) == []


def test_a_bad_filter_puts_each_message_at_its_field(client_agent, sandbox):
    url = f"/i/{INBOX}/scheduled/?to_number=abc&window_from=2026-05-10&window_to=2026-05-01"
    r = client_agent.get(url, **HTMX)
    page = html.unescape(text_of(r))
    assert r.status_code == 422
    assert 'id="id_to_number-errors" class="errorlist field-errors" hx-swap-oob="true"' in page
    assert "The end date is before the start date." in page
    assert page.count("E.164") == 1  # once, at the field


def test_a_reversed_message_search_puts_the_message_at_the_date(client_agent, sandbox):
    r = client_agent.get(f"/i/{INBOX}/messages/?created_from=2026-05-10&created_to=2026-05-01", **HTMX)
    page = text_of(r)
    assert r.status_code == 422
    assert page.count("The end date is before the start date.") == 1
    assert 'id="id_created_to-errors"' in page
