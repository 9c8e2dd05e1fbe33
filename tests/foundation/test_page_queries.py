"""A page's local cost does not grow with the organisation: the database queries each main page
makes are the same with a dozen users as with 160 (no query per person), an inbox's members and
the inbox list are read once per page however many parts of it ask, and loading a page writes
no session row when nothing in the session changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from avodash.domain import directory
from tests.helpers import INBOX

PAGES = [
    ("inbox home", "/i/{inbox}/"),
    ("ticket queue", "/i/{inbox}/tickets/"),
    ("ticket page", "/i/{inbox}/tickets/{ticket}/"),
    ("message search", "/i/{inbox}/messages/"),
    ("scheduled", "/i/{inbox}/scheduled/"),
    ("team", "/i/{inbox}/team/"),
    ("people directory", "/team/"),
    ("compliance", "/team/compliance/"),
]


def _url(sandbox, url: str) -> str:
    with sandbox.state.lock:
        inbox = sandbox.state.inbox(INBOX)
        ticket = next(t.id for t in inbox.tickets.values() if t.status != "Closed" and t.user_id)
    return url.format(inbox=INBOX, ticket=ticket)


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize(("label", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_a_pages_queries_do_not_grow_with_the_directory(client_itadmin, sandbox, label, url):
    url = _url(sandbox, url)
    client_itadmin.get(url)  # the first use fills the directory
    small = len(_queries(client_itadmin, url))
    sandbox.add_users(INBOX, 150)
    directory.sync_inbox(subdomain=INBOX)  # what the db_worker runs: the new members listed
    client_itadmin.get(url)
    large = len(_queries(client_itadmin, url))
    assert large == small, f"{label}: {small} queries with the demo team, {large} with 150 more people"


@pytest.mark.parametrize(
    "url",
    [
        "/i/{inbox}/tickets/",  # the owner filter and the bulk owner picker, and the owners' names
        "/i/{inbox}/tickets/{ticket}/",  # the owner picker, the stream's people, the contact's owner
        "/i/{inbox}/scheduled/",  # the senders' names and the sender filter
    ],
)
def test_a_page_reads_the_inbox_members_and_the_inbox_list_once(client_lead, sandbox, url):
    url = _url(sandbox, url)
    client_lead.get(url)
    sql = _queries(client_lead, url)
    assert sum('FROM "avodash_directorymembership"' in q for q in sql) == 1, sql
    inbox_list = [q for q in sql if 'FROM "avodash_directoryinbox"' in q and " WHERE " not in q]
    assert len(inbox_list) == 1, sql


def test_a_page_seen_again_writes_no_session(client_agent, sandbox):
    url = _url(sandbox, "/i/{inbox}/tickets/")
    client_agent.get(url)  # the session remembers the inbox (`/` goes back to it)
    sql = _queries(client_agent, url)
    assert not [q for q in sql if "django_session" in q and not q.startswith("SELECT")], sql
    assert client_agent.session["last_inbox"] == INBOX
    client_agent.get("/i/acme-sales/tickets/")
    assert client_agent.session["last_inbox"] == "acme-sales"
