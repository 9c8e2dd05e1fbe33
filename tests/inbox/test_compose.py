"""The new-message page: any phone number, E.164 guard with a suggestion, contact checks."""

from __future__ import annotations

import html

import pytest

from avodash.domain import phones
from avodash.models import AuditEntry
from inbox.idempotency import new_key
from inbox.services.messages import sms_segments
from tests.helpers import INBOX, api_calls, post
from tests.inbox.support import BLOCKED, BOB, OPTED_OUT, box, draft_key, message_posts, text_of

URL = f"/i/{INBOX}/compose/"
# An existing, reachable contact with a valid NANP number (Bob's +1 555 123 4567 is not one:
# its exchange starts with 1, so the new-message page refuses it before any call).
NINA = "+16505550142"


def compose(client, **fields):
    data = {
        "idempotency_key": new_key(),
        "phone": "+14155550123",
        "text": "Hello there",
        "action": "send",
        **fields,
    }
    return post(client, URL, data)


def test_the_page_has_a_blank_draft(client_agent, sandbox):
    r = client_agent.get(URL)
    page = html.unescape(text_of(r))
    assert r.status_code == 200
    assert "New message" in page and 'name="phone"' in page and 'name="idempotency_key"' in page
    assert "Sending as <strong>the inbox's API user</strong>" in page
    assert 'from <span title="+15105551234">(510) 555-1234</span>' in page  # the inbox's number, national
    # format with E.164 on hover: the API lists no others
    assert api_calls(sandbox, "POST") == []


def test_it_texts_a_new_number_and_opens_the_conversation(client_agent, sandbox):
    r = compose(client_agent, phone="+1 415 555 0123", text="Welcome aboard")
    contact = box(sandbox).contact_by_phone("+14155550123")
    ticket = box(sandbox).current_ticket(contact.id)
    assert r.status_code == 302
    assert r["Location"] == f"/i/{INBOX}/tickets/{ticket.id}/"
    (call,) = message_posts(sandbox)
    assert call["params"]["phone"] == "+14155550123"
    assert "mark_addressed" not in call["params"]  # off by default for a new message
    assert AuditEntry.objects.get(action="message.send").target == "+14155550123"


def test_a_us_number_without_country_code_gets_a_suggestion(client_agent, sandbox):
    r = compose(client_agent, phone="(415) 555-1234", text="Keep me")
    page = html.unescape(text_of(r))
    assert r.status_code == 422  # the form comes back to be corrected
    assert "Enter the number in E.164 format" in page
    assert "Did you mean +14155551234?" in page
    assert 'data-fill-phone="+14155551234"' in page
    assert "Keep me" in page
    assert api_calls(sandbox, "POST") == [] and api_calls(sandbox, "GET", "/v1/contacts") == []


@pytest.mark.parametrize("phone", ["", "12", "+0123", "call me", "+1415555123456789"])
def test_it_refuses_what_is_not_a_phone(client_agent, sandbox, phone):
    r = compose(client_agent, phone=phone)
    assert r.status_code == 422  # the form comes back to be corrected
    assert message_posts(sandbox) == []


@pytest.mark.parametrize(
    ("phone", "says"),
    [
        ("+1415555", "too short: it has 7 digits after the +"),
        ("+1 415 555 123", "exactly 10 digits after +1"),
        ("+1 415 555 12345", "exactly 10 digits after +1"),
        ("+1 015 555 1234", "area code (the 3 digits after +1) never starts with 0 or 1"),
        ("+1 115 555 1234", "area code (the 3 digits after +1) never starts with 0 or 1"),
        (BOB, "exchange (the 3 digits after the area code) never starts with 0 or 1"),
        ("+1 415 055 1234", "exchange (the 3 digits after the area code) never starts with 0 or 1"),
        ("+44 20 79", "too short"),
        ("+4420794609581234", "too long"),
        ("+0 415 555 1234", "country code never starts with 0"),
        ("+1 415 555 12a4", "only digits after the +"),
    ],
)
def test_a_short_or_invalid_number_is_refused_at_the_field_before_any_call(
    client_agent, sandbox, phone, says
):
    sandbox.clear_log()
    r = compose(client_agent, phone=phone, text="Keep this draft")
    page = html.unescape(text_of(r))
    assert r.status_code == 422  # the form comes back to be corrected
    assert "Not sent: check the phone number below." in page
    # The message is at the phone field, in our words (not the API's refusal).
    field = page[page.index('class="field phone-field has-error"') :]
    field = field[: field.index("</div>")]
    assert says in field
    assert "Keep this draft" in page
    assert message_posts(sandbox) == []
    assert api_calls(sandbox, "GET", "/v1/contacts") == []  # not even the contact lookup
    assert not AuditEntry.objects.filter(action="message.send").exists()


@pytest.mark.parametrize(
    "phone", ["+14155550123", "+1 (415) 555-0123", "+442079460958", "+61 2 9374 4000", "+8613812345678"]
)
def test_valid_numbers_pass_the_local_check(phone):
    assert phones.to_e164(phone) is not None


@pytest.mark.parametrize(("phone", "reason"), [(OPTED_OUT, "has opted out"), (BLOCKED, "is blocked")])
def test_it_checks_the_contact_before_sending(client_agent, sandbox, phone, reason):
    r = compose(client_agent, phone=phone, text="Still there?")
    page = html.unescape(text_of(r))
    assert r.status_code == 422  # the form comes back to be corrected
    assert reason in page and "Still there?" in page
    assert message_posts(sandbox) == []
    (lookup,) = api_calls(sandbox, "GET", "/v1/contacts")
    assert lookup["params"]["query"] == f'phone:"{phone}"'


def test_media_alone_is_enough(client_agent, sandbox):
    r = compose(client_agent, phone=NINA, text="", media_url="https://example.com/map.png")
    assert r.status_code == 302
    assert message_posts(sandbox)[0]["params"]["media_url"] == "https://example.com/map.png"


def test_a_failure_keeps_the_draft_on_the_page(client_agent, sandbox):
    # Retry-After 1: the resend below waits out the API's pause (a page waits at most
    # AVOCHATO_RATE_WAIT, 1.5 s, for the limiter; a longer pause would say "busy").
    sandbox.faults.add("/v1/messages", method="POST", status=429, retry_after="1")
    key = new_key()
    r = compose(client_agent, phone=NINA, text="Draft that must survive", idempotency_key=key)
    page = text_of(r)
    assert r.status_code == 422  # the draft comes back (not sent)
    assert "Not sent: Avochato asked us to slow down." in page
    assert "Draft that must survive" in page and 'value="+16505550142"' in page
    new = draft_key(page)
    assert new != key  # certainly not sent: sending it again is a new attempt
    sandbox.faults.clear()
    assert (
        compose(client_agent, phone=NINA, text="Draft that must survive", idempotency_key=new).status_code
        == 302
    )
    assert len(message_posts(sandbox)) == 2


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_5xx_is_unknown_here_too_and_a_resubmit_does_not_resend(client_agent, sandbox, status):
    """Same words and rule as the ticket composer: a 5xx may come after the message went out."""
    sandbox.faults.add("/v1/messages", method="POST", status=status)
    key = new_key()
    r = compose(client_agent, phone=NINA, text="Draft that must survive", idempotency_key=key)
    page = html.unescape(text_of(r))
    assert r.status_code == 422  # the draft comes back (unknown)
    assert "Not sent" not in page
    assert "Unknown whether it was sent." in page
    assert f"Avochato answered with an error (HTTP {status}) after the message reached it" in page
    assert "so it may have been sent" in page
    assert "pressing Send again will not resend this draft" in page
    assert f'href="/i/{INBOX}/messages/?to_number=%2B16505550142"' in page
    assert "Draft that must survive" in page and 'value="+16505550142"' in page
    assert draft_key(page) == key

    sandbox.faults.clear()
    again = compose(client_agent, phone=NINA, text="Draft that must survive", idempotency_key=key)
    assert "Unknown whether it was sent." in text_of(again)
    assert len(message_posts(sandbox)) == 1


def test_it_schedules_from_the_new_message_page(client_agent, sandbox):
    r = compose(client_agent, phone=NINA, action="schedule", when="in_1h", text="In an hour")
    assert r.status_code == 302
    (call,) = message_posts(sandbox)
    assert "scheduled_for" in call["params"]


def test_the_phone_can_be_prefilled_from_a_link(client_agent, sandbox):
    assert 'value="+16505550142"' in text_of(client_agent.get(URL + "?phone=%2B16505550142"))


# --- the rules themselves ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "e164", "suggestion"),
    [
        ("+14155551234", "+14155551234", None),
        ("+1 (415) 555-1234", "+14155551234", None),
        ("(415) 555-1234", None, "+14155551234"),
        ("1-415-555-1234", None, "+14155551234"),
        ("415.555.1234", None, "+14155551234"),
        ("555-1234", None, None),
        ("+44 20 7946 0958", "+442079460958", None),
        ("(015) 555-1234", None, None),
    ],
)
def test_phone_rules(raw, e164, suggestion):
    assert phones.to_e164(raw) == e164
    assert phones.suggestion(raw) == suggestion


@pytest.mark.parametrize(
    ("text", "segments", "encoding"),
    [
        ("", 0, "GSM-7"),
        ("a" * 160, 1, "GSM-7"),
        ("a" * 161, 2, "GSM-7"),
        ("a" * 306, 2, "GSM-7"),
        ("a" * 307, 3, "GSM-7"),
        ("[" * 80, 1, "GSM-7"),  # extension characters count twice
        ("[" * 81, 2, "GSM-7"),
        ("é" * 160, 1, "GSM-7"),
        ("ç" * 70, 1, "UCS-2"),
        ("ç" * 71, 2, "UCS-2"),
        ("🙂" * 35, 1, "UCS-2"),  # two UTF-16 units each
        ("🙂" * 36, 2, "UCS-2"),
    ],
)
def test_segment_estimate(text, segments, encoding):
    est = sms_segments(text)
    assert (est.segments, est.encoding) == (segments, encoding)


def test_an_unknown_outcome_links_to_the_numbers_messages(client_agent, sandbox, settings):
    settings.AVOCHATO_TIMEOUT = 0.5
    sandbox.faults.add("/v1/messages", method="POST", hang=True, hang_seconds=2)
    r = compose(client_agent, phone=NINA, text="Lost in transit?")
    page = html.unescape(text_of(r))
    assert "Unknown whether it was sent." in page
    link = f"/i/{INBOX}/messages/?to_number=%2B16505550142"
    assert f'href="{link}"' in page
    assert client_agent.get(link).status_code == 200
