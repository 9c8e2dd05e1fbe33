"""How fresh the local directory is, "Refresh now" with progress, and the directory in pages."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from avodash.domain import directory
from tests.team.support import user_id

pytestmark = pytest.mark.usefixtures("no_rate_limit")
INBOX = "acme-support"


def _region(client, inbox: str = "") -> str:
    r = client.get("/team/directory/freshness/", {"inbox": inbox} if inbox else {})
    assert r.status_code == 200
    assert "HX-Request" in r["Vary"]
    return r.content.decode()


def test_each_page_says_as_of_when_and_offers_refresh_now_to_it_admins(client_itadmin, client_lead, sandbox):
    for url in ("/team/", "/team/compliance/", f"/i/{INBOX}/team/"):
        page = client_itadmin.get(url).content.decode()
        assert re.search(r"as of <time[^>]*>\d\d:\d\d</time>", page), url
        assert "Refresh now" in page, url
        lead_page = client_lead.get(url).content.decode()
        assert "as of <time" in lead_page and "Refresh now" not in lead_page, url
    r = client_lead.post("/team/directory/refresh/", {"subdomain": INBOX})
    assert r.status_code == 403


def test_refresh_now_reads_everyone_again_and_shows_progress(client_itadmin, sandbox):
    client_itadmin.get("/team/")  # the first fill
    tom = user_id(sandbox, "tom.becker@acme.example")
    members = len(sandbox.state.inbox(INBOX).members)
    with sandbox.state.lock:  # changed in Avochato's own screens, not through avodash
        sandbox.state.inbox(INBOX).members[tom].role = "manager"

    r = client_itadmin.post("/team/directory/refresh/", {"subdomain": INBOX}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert f"0 of {members} people read again" in html
    assert 'hx-trigger="every 3s"' in html  # it polls for progress
    assert "Refreshing…" in html

    sandbox.clear_log()
    directory.sync_inbox(subdomain=INBOX)  # what the db_worker runs
    detail_reads = [c for c in sandbox.requests if re.fullmatch(r"/v1/users/[^/]+", c["path"])]
    assert len(detail_reads) == members  # everyone, not the usual rolling share

    html = _region(client_itadmin)
    assert "people read again" not in html and "Refreshing…" not in html
    assert 'hx-trigger="every 3s"' not in html
    page = client_itadmin.get(f"/i/{INBOX}/team/").content.decode()
    row = page[page.index("Tom Becker") :][:800]
    assert "Manager" in row


def test_refresh_now_is_limited_to_granted_inboxes(client_itadmin, itadmin, sandbox):
    itadmin.inbox_grants.all().delete()
    itadmin.inbox_grants.create(subdomain=INBOX)
    r = client_itadmin.post("/team/directory/refresh/", {"subdomain": "globex-help"})
    assert r.status_code == 404
    assert _region(client_itadmin).count("Refresh now") == 1
    assert client_itadmin.get("/team/directory/freshness/", {"inbox": "globex-help"}).status_code == 404


def test_refresh_now_without_javascript_goes_back_to_the_page(client_itadmin, sandbox):
    r = client_itadmin.post("/team/directory/refresh/", {"subdomain": INBOX, "next": f"/i/{INBOX}/team/"})
    assert r.status_code == 302 and r["Location"] == f"/i/{INBOX}/team/"
    r = client_itadmin.post("/team/directory/refresh/", {"subdomain": INBOX, "next": "https://evil.example/"})
    assert r["Location"] == "/team/"


def test_the_directory_comes_in_pages_of_a_hundred(client_lead, sandbox):
    sandbox.add_users(INBOX, 130)
    # Every inbox read by the background first (what db_worker does): this test is about the
    # pages, not about how much a first use reads within its time (a slow machine reads less).
    call_command("directory_sync", "--all", stdout=io.StringIO())
    first = client_lead.get("/team/")
    total = first.context["matching"]
    assert total > 130
    assert len(first.context["people"]) == 100
    html = first.content.decode()
    assert f"1–100 of {total}" in html and "Next →" in html
    second = client_lead.get("/team/", {"page": 2})
    assert len(second.context["people"]) == total - 100
    names = {p.id for p in first.context["people"]} | {p.id for p in second.context["people"]}
    assert len(names) == total  # every person once, over the pages
    narrowed = client_lead.get("/team/", {"q": "tom.becker"})
    assert [p.email for p in narrowed.context["people"]] == ["tom.becker@acme.example"]
