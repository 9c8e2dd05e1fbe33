"""The ticket page's composer: send now, attribution, guards, failures that keep the draft."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache

from avodash.models import AuditEntry, InboxGrant
from inbox.idempotency import new_key
from inbox.services.presence import presence_touch
from tests.helpers import INBOX, OTHER_INBOX, post, wait_for
from tests.inbox.support import (
    BLOCKED,
    BOB,
    HTMX,
    LANDLINE,
    OPTED_OUT,
    draft_key,
    message_posts,
    outbound,
    reply,
    send_url,
    text_of,
    ticket_for,
    ticket_url,
    user_id,
)


def test_it_sends_a_reply_into_the_stream(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = len(outbound(sandbox, ticket.id))

    r = reply(client_agent, sandbox, text="Your order ships today.")

    assert r.status_code == 200
    page = text_of(r)
    assert "Sent to Bob McTest." in page
    assert "streamChanged" in r["HX-Trigger"]
    sent = outbound(sandbox, ticket.id)
    assert len(sent) == before + 1
    assert sent[-1].message.startswith("Your order ships today.")
    (call,) = message_posts(sandbox)
    assert call["params"]["phone"] == BOB
    assert call["params"]["mark_addressed"] == "true"
    # A fresh composer: empty, with a new draft key.
    assert "Your order ships today." not in page
    assert 'name="idempotency_key"' in page


def test_it_records_the_send_in_the_audit_trail(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    reply(client_agent, sandbox, text="Audited hello")

    entry = AuditEntry.objects.get(action="message.send")
    assert entry.outcome == AuditEntry.OK
    assert entry.inbox == INBOX
    assert entry.target == ticket.id
    assert entry.params["to"] == BOB
    assert entry.params["text"] == "Audited hello"
    assert entry.params["message_id"] == outbound(sandbox, ticket.id)[-1].event_id
    assert entry.params["send_as"] == "API user"


def test_it_sends_as_the_person_when_their_email_is_an_inbox_user(client_admin, sandbox):
    ticket = ticket_for(sandbox, BOB)
    page = text_of(client_admin.get(ticket_url(ticket.id)))
    assert "Sending as <strong>Avery Admin</strong> (you)" in page

    reply(client_admin, sandbox)

    (call,) = message_posts(sandbox)
    assert call["params"]["send_as_user_email"] == "admin@avodash.example"
    assert outbound(sandbox, ticket.id)[-1].sender_id == user_id(sandbox, "admin@avodash.example")


def test_it_sends_as_the_api_user_otherwise_and_says_so(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    page = text_of(client_agent.get(ticket_url(ticket.id)))
    assert "Sending as <strong>the inbox's API user</strong>" in html.unescape(page)
    assert "agent@avodash.test is not a user of this inbox" in page  # said in words, not on hover

    reply(client_agent, sandbox)

    (call,) = message_posts(sandbox)
    assert "send_as_user_email" not in call["params"]
    assert outbound(sandbox, ticket.id)[-1].sender_id == user_id(sandbox, "api@avodash.example")


def test_it_posts_and_redirects_without_javascript(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = reply(client_agent, sandbox, htmx=False, text="No JS here")
    assert r.status_code == 302
    assert r["Location"] == ticket_url(ticket.id)
    page = text_of(client_agent.get(r["Location"]))
    assert "Sent to Bob McTest." in page
    assert len(message_posts(sandbox)) == 1


def test_it_passes_media_and_tags(client_agent, sandbox):
    reply(client_agent, sandbox, text="", media_url="https://example.com/receipt.png", tags="vip, refund")
    (call,) = message_posts(sandbox)
    assert call["params"]["media_url"] == "https://example.com/receipt.png"
    assert call["params"]["tags"] == "vip,refund"
    contact = sandbox.state.inbox(INBOX).contact_by_phone(BOB)
    assert {"vip", "refund"} <= set(contact.tags)


def test_it_leaves_addressed_alone_when_unticked(client_agent, sandbox):
    reply(client_agent, sandbox, mark_addressed="")
    (call,) = message_posts(sandbox)
    assert "mark_addressed" not in call["params"]


# --- guards: nothing reaches the API ------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "   "}, "Write a message (or give a media URL)."),
        ({"text": "x" * 1601}, "The message is 1,601 characters; the limit is 1,600."),
        (
            {"text": "hi", "media_url": "ftp://example.com/a.png"},
            "must be a web address starting with https://",
        ),
        ({"text": "hi", "media_url": "not a url"}, "Enter a valid URL."),
        ({"text": "hi", "tags": "a" * 70}, "A tag has at most 64 characters."),
    ],
)
def test_it_refuses_bad_input_before_any_api_call(client_agent, sandbox, fields, message):
    r = reply(client_agent, sandbox, **fields)
    page = html.unescape(text_of(r))
    assert r.status_code == 422  # a form coming back to be corrected (avodash.http.FORM_ERROR)
    assert "Not sent" in page
    assert message in page
    assert message_posts(sandbox) == []


def test_it_counts_line_breaks_as_one_character(client_agent, sandbox):
    text = "a\r\n" * 533 + "a"  # 1600 characters once CRLF is a line break
    r = reply(client_agent, sandbox, text=text)
    assert r.status_code == 200
    assert len(message_posts(sandbox)) == 1


def test_it_keeps_the_text_when_refusing(client_agent, sandbox):
    r = reply(client_agent, sandbox, text="y" * 1700)
    assert "y" * 1700 in text_of(r)


def test_it_switches_the_composer_off_for_an_opted_out_contact(client_agent, sandbox):
    ticket = ticket_for(sandbox, OPTED_OUT)
    page = text_of(client_agent.get(ticket_url(ticket.id)))
    assert "Replying is switched off." in page
    assert "Olivia Martin has opted out of messages from this inbox" in page
    assert send_url(ticket.id) not in page


@pytest.mark.parametrize(("phone", "reason"), [(OPTED_OUT, "has opted out"), (BLOCKED, "is blocked")])
def test_it_refuses_to_send_to_opted_out_or_blocked(client_agent, sandbox, phone, reason):
    r = reply(client_agent, sandbox, phone, text="Are you there?")
    page = text_of(r)
    assert "Not sent." in page
    assert reason in page
    assert "Are you there?" in page  # the draft, to copy
    assert message_posts(sandbox) == []


def test_it_shows_the_apis_refusal_and_keeps_the_draft(client_agent, sandbox):
    r = reply(client_agent, sandbox, LANDLINE, text="Please call us back")
    page = html.unescape(text_of(r))
    assert "Not sent: Avochato refused it." in page
    assert "is a landline and cannot receive text messages" in page
    assert "Please call us back" in page
    assert AuditEntry.objects.get(action="message.send").outcome == AuditEntry.FAILED


# --- a reply goes to the ticket's own contact, whatever the form says ------------------------------
@pytest.mark.parametrize("other", ["another ticket's contact", "no such contact"])
def test_a_reply_naming_another_contact_is_refused(client_agent, sandbox, other):
    ticket = ticket_for(sandbox, BOB)
    someone_else = ticket_for(sandbox, LANDLINE).contact_id if other != "no such contact" else "nosuchcontact"
    assert someone_else != ticket.contact_id
    sandbox.clear_log()

    r = reply(client_agent, sandbox, text="Meant for Bob", contact_id=someone_else, key="9" * 32)

    page = html.unescape(text_of(r))
    assert r.status_code == 422  # a form coming back (avodash.http.FORM_ERROR)
    assert "Not sent: this reply was addressed to someone other than the ticket's contact." in page
    assert "Replies on this ticket go to its contact, Bob McTest" in page
    assert "Nothing was sent." in page
    assert "Meant for Bob" in page  # the draft is kept
    assert message_posts(sandbox) == []
    # Refused before the API call, and recorded as such (tests/inbox/test_messaging_audit.py).
    (entry,) = AuditEntry.objects.filter(action="message.send")
    assert entry.outcome == AuditEntry.FAILED and entry.params["refused"] == "contact mismatch"
    # The draft comes back addressed to the ticket's contact, with its key (nothing was claimed).
    assert f'name="contact_id" value="{ticket.contact_id}"' in page
    assert draft_key(page) == "9" * 32


def test_a_reply_without_javascript_naming_another_contact_is_refused(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    other = ticket_for(sandbox, LANDLINE).contact_id
    r = reply(client_agent, sandbox, htmx=False, text="Meant for Bob", contact_id=other)
    assert r.status_code == 302
    page = html.unescape(text_of(client_agent.get(ticket_url(ticket.id))))
    assert "addressed to someone other than the ticket's contact" in page
    assert "Meant for Bob" in page
    assert message_posts(sandbox) == []


def test_a_reply_goes_to_the_tickets_contact_and_the_audit_says_so(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = reply(client_agent, sandbox, text="Hello Bob", contact_id="")  # no cross-check: the ticket decides
    assert "Sent to Bob McTest." in text_of(r)
    (call,) = message_posts(sandbox)
    assert call["params"]["phone"] == BOB
    entry = AuditEntry.objects.get(action="message.send")
    assert (entry.target, entry.params["to"], entry.params["contact"]) == (ticket.id, BOB, ticket.contact_id)


def test_a_reply_to_a_ticket_that_does_not_exist_is_refused(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = post(
        client_agent,
        send_url("NoSuchTicket"),
        {"idempotency_key": new_key(), "contact_id": ticket.contact_id, "text": "Anyone?", "action": "send"},
        **HTMX,
    )
    page = text_of(r)
    assert r.status_code == 422
    assert "Not sent: this ticket was not found." in page
    assert "Anyone?" in page
    assert message_posts(sandbox) == []


# --- failures: the draft stays, and the person is told sent / not sent / unknown ----------------
def test_it_keeps_the_draft_on_429_and_says_not_sent(client_agent, sandbox):
    sandbox.faults.add("/v1/messages", method="POST", status=429, retry_after="4")
    ticket = ticket_for(sandbox, BOB)
    before = len(outbound(sandbox, ticket.id))
    r = reply(client_agent, sandbox, text="Rate limited draft", key="a" * 32)
    page = text_of(r)
    assert r.status_code == 422  # the draft comes back: not sent
    assert "Not sent: Avochato asked us to slow down." in page
    assert "Nothing was sent" in page and "in 5 seconds" in page
    assert "Rate limited draft" in page
    assert len(message_posts(sandbox)) == 1  # a POST is never retried
    new = draft_key(page)
    assert new != "a" * 32  # not sent: a retry is a deliberate new attempt
    assert AuditEntry.objects.get(action="message.send").params["delivery"] == "not sent"

    # Everyone waits out Retry-After (a pause shared through the cache); once it has passed,
    # pressing Send again (the new key) does send it.
    sandbox.faults.clear()
    cache.clear()  # the 4 seconds pass
    again = reply(client_agent, sandbox, text="Rate limited draft", key=new)
    assert "Sent to Bob McTest." in text_of(again)
    assert len(message_posts(sandbox)) == 2
    assert len(outbound(sandbox, ticket.id)) == before + 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_5xx_is_unknown_and_pressing_send_again_does_not_resend(client_agent, sandbox, status):
    """A gateway's 500/502/504 may come after Avochato sent the message: never "not sent"."""
    sandbox.faults.add("/v1/messages", method="POST", status=status)
    ticket = ticket_for(sandbox, BOB)
    key = "c" * 32

    r = reply(client_agent, sandbox, text="Server error draft", key=key)

    page = html.unescape(text_of(r))
    assert "Not sent" not in page
    assert "Unknown whether it was sent." in page
    assert f"Avochato answered with an error (HTTP {status}) after the message reached it" in page
    assert "so it may have been sent" in page
    assert "pressing Send again will not resend this draft" in page
    assert f'href="{ticket_url(ticket.id)}#stream-scroll"' in page  # check the conversation
    assert "Server error draft" in page
    assert draft_key(page) == key  # the key is kept: a resubmit replays, never resends
    assert len(message_posts(sandbox)) == 1
    entry = AuditEntry.objects.get(action="message.send")
    assert entry.outcome == AuditEntry.UNKNOWN and entry.params["delivery"] == "unknown"

    # Pressing Send again, even once Avochato is well, does not reach the API.
    sandbox.faults.clear()
    again = reply(client_agent, sandbox, text="Server error draft", key=key)
    assert "Unknown whether it was sent." in text_of(again)
    assert draft_key(text_of(again)) == key
    assert len(message_posts(sandbox)) == 1

    # Only a deliberate new draft (after checking) gets a new key.
    fresh = reply(client_agent, sandbox, text="Server error draft", key=key, action="redraft")
    assert draft_key(text_of(fresh)) != key
    assert len(message_posts(sandbox)) == 1


def test_a_schedule_answered_with_a_5xx_is_unknown_too(client_agent, sandbox):
    sandbox.faults.add("/v1/messages", method="POST", status=502)
    key = "d" * 32
    fields = {"action": "schedule", "when": "tomorrow_9", "text": "Later, maybe"}
    r = reply(client_agent, sandbox, key=key, **fields)
    assert "Unknown whether it was sent." in text_of(r)
    sandbox.faults.clear()
    reply(client_agent, sandbox, key=key, **fields)
    assert len(message_posts(sandbox)) == 1
    assert AuditEntry.objects.get(action="message.schedule").params["delivery"] == "unknown"


def test_a_4xx_refusal_is_not_sent_and_gets_a_new_key(client_agent, sandbox):
    sandbox.faults.add("/v1/messages", method="POST", status=422)
    r = reply(client_agent, sandbox, text="Refused draft", key="e" * 32)
    page = text_of(r)
    assert "Not sent: Avochato refused it." in page
    assert "Refused draft" in page
    assert draft_key(page) != "e" * 32


def test_it_keeps_the_draft_on_a_timeout_and_says_unknown(client_agent, sandbox, settings):
    settings.AVOCHATO_TIMEOUT = 0.5
    sandbox.faults.add("/v1/messages", method="POST", hang=True, hang_seconds=3)
    ticket = ticket_for(sandbox, BOB)
    key = "b" * 32

    r = reply(client_agent, sandbox, text="Did this go?", key=key)

    page = text_of(r)
    assert "Unknown whether it was sent." in page
    assert "pressing Send again will not resend this draft" in page
    assert f'href="{ticket_url(ticket.id)}#stream-scroll"' in page
    assert "Did this go?" in page
    assert draft_key(page) == key  # same key: pressing Send again replays "unknown"
    assert AuditEntry.objects.get(action="message.send").params["delivery"] == "unknown"

    # Pressing Send again does not send again, although the sandbox did get the first one.
    sandbox.faults.clear()
    again = reply(client_agent, sandbox, text="Did this go?", key=key)
    assert "Unknown whether it was sent." in text_of(again)
    wait_for(lambda: message_posts(sandbox))  # the sandbox logs a hung request once it lets go of it
    assert len(message_posts(sandbox)) == 1
    assert outbound(sandbox, ticket.id)[-1].message.startswith("Did this go?")

    # A deliberate new draft gets a new key and keeps the text.
    fresh = reply(client_agent, sandbox, text="Did this go?", key=key, action="redraft")
    assert draft_key(text_of(fresh)) != key
    assert "Did this go?" in text_of(fresh)
    assert len(message_posts(sandbox)) == 1


def test_it_keeps_the_draft_without_javascript_through_the_redirect(client_agent, sandbox):
    sandbox.faults.add("/v1/messages", method="POST", status=503)
    ticket = ticket_for(sandbox, BOB)
    r = reply(client_agent, sandbox, htmx=False, text="Kept across the redirect", key="f" * 32)
    assert r.status_code == 302 and r["Location"].startswith(ticket_url(ticket.id))
    page = text_of(client_agent.get(ticket_url(ticket.id)))
    assert "Kept across the redirect" in page
    assert "Unknown whether it was sent." in page
    assert draft_key(page) == "f" * 32
    # Shown once: a reload gives a clean composer.
    assert "Kept across the redirect" not in text_of(client_agent.get(ticket_url(ticket.id)))


# --- someone else has the ticket open --------------------------------------------------------------
def test_someone_else_viewing_is_one_notice_that_does_not_hold_the_reply(client_agent, lead, sandbox):
    ticket = ticket_for(sandbox, BOB)
    presence_touch(subdomain=INBOX, ticket_id=ticket.id, user_id=lead.pk, name="Lead Tester")
    page = text_of(client_agent.get(ticket_url(ticket.id)))
    assert page.count("Lead Tester") == 1  # the header's notice, once
    assert "Send anyway" not in page and "data-others" not in page

    r = reply(client_agent, sandbox, text="Me first")
    assert "Sent to Bob McTest." in text_of(r)
    assert len(message_posts(sandbox)) == 1


# --- access --------------------------------------------------------------------------------------
def test_it_needs_the_send_permission(sandbox, db):
    viewer = User.objects.create_user("viewer", password="pw", email="viewer@avodash.test")
    viewer.user_permissions.add(Permission.objects.get(codename="view_tickets"))
    InboxGrant.objects.create(user=viewer, subdomain="*")
    from django.test import Client

    c = Client()
    c.force_login(viewer)
    ticket = ticket_for(sandbox, BOB)
    assert "replying needs permission to send messages" in text_of(c.get(ticket_url(ticket.id)))
    assert reply(c, sandbox).status_code == 403
    assert message_posts(sandbox) == []


def test_it_refuses_a_stale_tab_for_another_inbox(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = post(
        client_agent, send_url(ticket.id), {"text": "hi", "contact_id": ticket.contact_id}, inbox=OTHER_INBOX
    )
    assert r.status_code == 400
    assert message_posts(sandbox) == []


def test_it_is_a_404_for_an_inbox_without_grant(client_outsider, sandbox):
    ticket = ticket_for(sandbox, BOB)
    assert reply(client_outsider, sandbox).status_code == 404
    assert client_outsider.get(f"/i/{INBOX}/compose/").status_code == 404
    assert message_posts(sandbox) == []
    del ticket


def test_a_get_is_not_allowed(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    assert client_agent.get(send_url(ticket.id), **HTMX).status_code == 405


def test_a_reply_costs_one_lookup_round_and_one_post(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    client_agent.get(ticket_url(ticket.id))  # the page warms the users cache
    sandbox.clear_log()
    reply(client_agent, sandbox)
    calls = [(c["method"], c["path"]) for c in sandbox.requests if c["path"].startswith("/v1/")]
    # The ticket (who the reply goes to) and the contact the page showed, fetched at once.
    assert sorted(calls[:2]) == [
        ("GET", f"/v1/contacts/{ticket.contact_id}"),
        ("GET", f"/v1/tickets/{ticket.id}"),
    ]
    assert calls[2:] == [("POST", "/v1/messages")]
