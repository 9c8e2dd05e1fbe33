"""Every main page at its floor: the API calls and sequential rounds each page makes, counted
in the sandbox's log (calls whose time intervals overlap are one round). The sandbox answers
after a fixed latency so that calls made in parallel overlap. Counts, not timings.

`warm`: the page loaded once before (caches and local directory filled). `cold`: the cache
emptied first (the local directory stays: it is the database, not a cache).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.helpers import INBOX, rounds

LATENCY_MS = 40


def _ids(sandbox) -> tuple[str, str]:
    state = sandbox.state
    with state.lock:
        inbox = state.inbox(INBOX)
        ticket = next(t.id for t in inbox.tickets.values() if t.status != "Closed")
        user = next(m.user_id for m in inbox.members.values() if not state.users[m.user_id].is_api)
    return ticket, user


def _load(client, sandbox, url: str) -> tuple[int, int]:
    sandbox.clear_log()
    r = client.get(url)
    assert r.status_code == 200, url
    calls = [c for c in sandbox.requests if not c["path"].startswith("/_sandbox")]
    return len(calls), rounds(calls)


# page, URL, warm rounds, cold rounds (cache emptied; the local directory kept)
PAGES = [
    ("inbox home", "/i/{inbox}/", 1, 1),
    ("ticket queue", "/i/{inbox}/tickets/", 2, 2),
    ("ticket page", "/i/{inbox}/tickets/{ticket}/", 2, 2),
    ("message search", "/i/{inbox}/messages/", 2, 2),
    ("scheduled", "/i/{inbox}/scheduled/", 2, 2),
    ("team", "/i/{inbox}/team/", 0, 0),
    ("people directory", "/team/", 0, 0),
    ("compliance", "/team/compliance/", 0, 0),
]


@pytest.fixture(params=[0, 3], ids=["unshared", "shared reads"])
def shared_ttl(request, settings):
    """Shared reads (AVOCHATO_SHARED_READ_TTL) only ever remove calls: the floor holds either way."""
    settings.AVOCHATO_SHARED_READ_TTL = request.param
    return request.param


@pytest.fixture
def latency(sandbox):
    sandbox.set_latency(LATENCY_MS)
    yield
    sandbox.set_latency(0)


@pytest.mark.parametrize(("label", "url", "warm", "cold"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_makes_no_more_rounds_than_its_floor(
    client_itadmin, sandbox, latency, shared_ttl, label, url, warm, cold
):
    ticket, user = _ids(sandbox)
    url = url.format(inbox=INBOX, ticket=ticket, user=user)
    _load(client_itadmin, sandbox, url)  # the first use fills the caches and the directory
    calls, n = _load(client_itadmin, sandbox, url)
    assert n <= warm, f"{label} warm: {n} rounds in {calls} calls"
    cache.clear()
    calls, n = _load(client_itadmin, sandbox, url)
    assert n <= cold, f"{label} cold: {n} rounds in {calls} calls"


@pytest.mark.parametrize("url", ["/i/{inbox}/team/", "/team/", "/team/compliance/"])
def test_directory_pages_make_no_api_call_once_filled(client_itadmin, sandbox, url):
    url = url.format(inbox=INBOX)
    client_itadmin.get(url)
    cache.clear()  # the credential's own id too: the directory keeps it
    sandbox.clear_log()
    assert client_itadmin.get(url).status_code == 200
    assert [c["path"] for c in sandbox.requests] == []


def test_the_credentials_own_user_is_read_once_and_kept_in_the_directory(client_itadmin, sandbox):
    """`GET /v1/whoami` is asked by the directory's accounts pass, not by pages: with every cache
    emptied, the compliance page still marks the API user, and asks nothing."""
    from avodash.models import DirectoryCredential

    client_itadmin.get("/team/compliance/")
    with sandbox.state.lock:
        api_user = next(u.id for u in sandbox.state.users.values() if u.is_api)
    assert list(DirectoryCredential.objects.values_list("user_id", flat=True)) == [api_user]
    cache.clear()
    sandbox.clear_log()
    page = client_itadmin.get("/team/compliance/?state=all")
    assert page.status_code == 200
    assert [c["path"] for c in sandbox.requests] == []
    assert 'credential acts as">API user</span>' in page.content.decode()
