"""Untrusted API data on the triage pages: link targets, odd numbers, opaque page cursors."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from avodash.avochato.django import get_client
from avodash.domain.parse import api_float as _float
from avodash.domain.parse import api_int as _int
from avodash.domain.parse import safe_web_url
from inbox.services.events import event_from_api
from tests.helpers import INBOX
from tests.inbox.support import QUEUE, box, row_ids, ticket_url

pytestmark = pytest.mark.django_db

BAD_URLS = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    "  javascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "jav&#x61;script:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "/relative/path",
    "https:alert(1)",
    "http://",
    "https://exa\x00mple.com/",
    "https://example.com/\x85x",
    "",
    "   ",
    None,
    42,
    ["https://example.com/"],
]


@pytest.mark.parametrize("value", BAD_URLS)
def test_safe_web_url_refuses_everything_but_web_links(value):
    assert safe_web_url(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com/a.mp3", "https://example.com/a.mp3"),
        ("HTTP://Example.com/x?y=1&z=2", "HTTP://Example.com/x?y=1&z=2"),
        ("  https://example.com/r\n", "https://example.com/r"),
        ("\x00https://example.com/r\x1f", "https://example.com/r"),
        ("https://exa\tmple.com/", "https://example.com/"),
    ],
)
def test_safe_web_url_keeps_http_and_https(value, expected):
    assert safe_web_url(value) == expected


def _call(sandbox):
    inbox = box(sandbox)
    for t in sorted(inbox.tickets.values(), key=lambda t: t.id):
        for e in inbox.stream(t):
            if e.element_type == "Call":
                return t, e
    raise AssertionError("the seed has no call")


def _message(sandbox):
    inbox = box(sandbox)
    for t in sorted(inbox.tickets.values(), key=lambda t: t.id):
        for e in inbox.stream(t):
            if e.element_type == "SmsMessage":
                return t, e
    raise AssertionError("the seed has no message")


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", " JAVASCRIPT:alert(1)", "data:text/html,x", "vbscript:x"]
)
def test_a_recording_url_that_is_not_a_web_link_is_never_a_link(client_agent, sandbox, url):
    t, e = _call(sandbox)
    e.recording_url = url
    r = client_agent.get(ticket_url(t.id))
    assert r.status_code == 200
    html = r.content.decode()
    li = re.search(rf'id="ev-{e.event_id}".*?</li>', html, re.S).group(0)
    assert "Recording</a>" not in li
    assert not re.search(r'href="\s*(javascript|data|vbscript):', html, re.I)


def test_media_urls_that_are_not_web_links_are_dropped(client_agent, sandbox):
    t, e = _message(sandbox)
    e.media_urls = ["javascript:alert(1)", "data:image/png;base64,AAAA", "https://cdn.example/ok.png"]
    html = client_agent.get(ticket_url(t.id)).content.decode()
    li = re.search(rf'id="ev-{e.event_id}".*?</li>', html, re.S).group(0)
    assert 'href="https://cdn.example/ok.png"' in li and "Attachment 1" in li
    assert "Attachment 2" not in li
    assert "javascript:" not in html and "data:image" not in html


def test_event_parsing_applies_safe_web_url_to_every_url_field():
    call = event_from_api({"element_type": "Call", "event_id": "c1", "recording_url": "javascript:x"})
    assert call.recording_url is None
    pending = event_from_api({"element_type": "PendingMessage", "event_id": "p1", "media_url": "data:x"})
    assert pending.media_url is None
    msg = event_from_api(
        {
            "element_type": "SmsMessage",
            "event_id": "m1",
            "contents": ["javascript:a", {"url": "vbscript:b"}, {"src": "https://x.example/1"}, 7],
            "media_urls": "https://not-a-list.example/",
            "media_url": " https://x.example/2 ",
        }
    )
    assert msg.media_urls == ("https://x.example/1", "https://x.example/2")


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "Infinity", "1e400", True])
def test_odd_numbers_from_the_api_become_none(value):
    assert _int(value) is None
    assert _float(value) is None


def test_infinite_numbers_in_the_stream_do_not_break_the_ticket_page(client_agent, sandbox):
    t, e = _message(sandbox)
    e.error_code = float("inf")
    e.segments = float("inf")
    _, c = _call(sandbox)
    c.duration = float("inf")
    assert client_agent.get(ticket_url(t.id)).status_code == 200
    assert client_agent.get(ticket_url(_call(sandbox)[0].id)).status_code == 200


# --- the queue's page cursor is opaque --------------------------------------------------------
ODD_CURSOR = "k=1&status=Closed a/b?c#d%2F+é"


def test_an_opaque_cursor_goes_to_the_api_as_it_came(client_agent, sandbox):
    sandbox.clear_log()
    r = client_agent.get(QUEUE, {"after": ODD_CURSOR, "n": "2"})
    assert r.status_code == 200
    calls = [c for c in sandbox.requests if c["method"] == "GET" and c["path"] == "/v1/tickets"]
    assert calls and calls[-1]["params"]["after"] == ODD_CURSOR
    # The cursor did not leak into other parameters (no status=Closed filter sneaked in).
    assert "status" not in calls[-1]["params"]


def test_the_next_page_link_carries_the_cursor_urlencoded(client_agent, sandbox):
    # The API's cursor format is unknown: answer the list once with a cursor full of URL syntax.
    envelope = get_client(INBOX).get(("tickets",), {"limit": 30, "order": "most_recent_activity"})
    envelope["data"]["last_key"] = ODD_CURSOR
    sandbox.faults.add("/v1/tickets", method="GET", body=json.dumps(envelope), times=1)
    r = client_agent.get(QUEUE, {"status": "Open", "q": "a b&c"})
    assert r.status_code == 200
    html = r.content.decode()
    href = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(href).query, keep_blank_values=True)
    assert query == {"status": ["Open"], "q": ["a b&c"], "after": [ODD_CURSOR], "n": ["2"]}
    # Following it sends the same cursor back.
    sandbox.clear_log()
    assert client_agent.get(href).status_code == 200
    calls = [c for c in sandbox.requests if c["method"] == "GET" and c["path"] == "/v1/tickets"]
    assert calls[-1]["params"]["after"] == ODD_CURSOR


def test_pagination_still_follows_the_sandbox_cursor(client_agent, sandbox):
    r1 = client_agent.get(QUEUE)
    nxt = re.search(r'href="([^"]+)" rel="next"', r1.content.decode()).group(1).replace("&amp;", "&")
    r2 = client_agent.get(nxt)
    assert r2.status_code == 200 and not set(row_ids(r1)) & set(row_ids(r2))
