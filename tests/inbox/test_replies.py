"""Saved replies: managed by leads on /i/<subdomain>/replies/, inserted in the composer with
their placeholders filled in; an unknown placeholder is refused."""

from __future__ import annotations

import html

from avodash.models import AuditEntry
from inbox.models import SavedReply
from tests.helpers import INBOX, OTHER_INBOX, post
from tests.inbox.support import BOB, message_posts, reply, text_of, ticket_for, ticket_url

URL = f"/i/{INBOX}/replies/"


def add(
    client,
    name: str = "thanks",
    text: str = "Hi {contact.first_name}, {agent.first_name} from {inbox.name} here.",
):
    return post(client, URL, {"name": name, "text": text})


def test_a_lead_adds_a_reply_and_it_is_audited(client_lead, sandbox):
    r = add(client_lead)
    assert r.status_code == 302
    saved = SavedReply.objects.get(inbox=INBOX, name="thanks")
    assert saved.text.startswith("Hi {contact.first_name}")
    assert AuditEntry.objects.get(action="saved_reply.create").outcome == AuditEntry.OK
    assert "/thanks" in text_of(client_lead.get(URL))


def test_an_unknown_placeholder_is_refused_at_the_field(client_lead, sandbox):
    r = add(client_lead, text="Hello {contact.last_name}!")
    page = html.unescape(text_of(r))
    assert r.status_code == 422
    assert (
        "Unknown placeholder {contact.last_name}: use {contact.first_name}, {agent.first_name}, {inbox.name}."
        in page
    )
    assert "Hello {contact.last_name}!" in page  # the draft is kept
    assert not SavedReply.objects.exists()


def test_names_are_unique_per_inbox(client_lead, sandbox):
    add(client_lead)
    r = add(client_lead, text="Other")
    assert r.status_code == 422 and "already a reply named /thanks" in text_of(r)
    assert (
        post(
            client_lead, f"/i/{OTHER_INBOX}/replies/", {"name": "thanks", "text": "x"}, inbox=OTHER_INBOX
        ).status_code
        == 302
    )


def test_a_reply_is_changed_and_removed(client_lead, sandbox):
    add(client_lead)
    saved = SavedReply.objects.get()
    post(client_lead, f"{URL}{saved.id}/", {"name": "thanks", "text": "Changed"})
    saved.refresh_from_db()
    assert saved.text == "Changed"
    post(client_lead, f"{URL}{saved.id}/remove/", {})
    assert not SavedReply.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="saved_reply.").count() == 3


def test_agents_cannot_manage_replies(client_agent, sandbox):
    assert client_agent.get(URL).status_code == 403
    assert add(client_agent).status_code == 403


def test_the_composer_offers_the_reply_filled_in(client_agent, client_lead, sandbox):
    add(client_lead)
    ticket = ticket_for(sandbox, BOB)
    page = html.unescape(text_of(client_agent.get(ticket_url(ticket.id))))
    assert 'data-reply-name="thanks"' in page
    assert 'data-reply-text="Hi Bob, Agent from Acme Support here."' in page
    assert "Manage saved replies" not in page  # agents use them, leads manage them


def test_without_javascript_the_reply_link_fills_the_composer_and_the_count(
    client_agent, client_lead, sandbox
):
    add(client_lead)
    ticket = ticket_for(sandbox, BOB)
    page = text_of(client_agent.get(ticket_url(ticket.id) + "?reply=thanks"))
    filled = "Hi Bob, Agent from Acme Support here."
    assert f"{filled}</textarea>" in html.unescape(page)
    assert f"<span data-chars>{len(filled)}</span>" in page


def test_a_message_with_a_placeholder_left_is_not_sent(client_agent, sandbox):
    r = reply(client_agent, sandbox, text="Hi {contact.first_name}!")
    assert r.status_code == 422
    assert "still has {contact.first_name}" in html.unescape(text_of(r))
    assert message_posts(sandbox) == []
