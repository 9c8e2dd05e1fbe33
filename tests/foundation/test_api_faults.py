"""Upstream faults become a friendly panel, never a Django error page."""

from __future__ import annotations

import pytest

from tests.helpers import INBOX

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_failing_inbox_list_shows_a_friendly_page(client_admin, sandbox, status):
    sandbox.faults.add("/v1/accounts*", status=status)
    r = client_admin.get("/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "could not be loaded" in body
    assert "Traceback" not in body


def test_a_non_json_answer_is_explained(client_admin, sandbox):
    sandbox.faults.add("/v1/accounts*", body="<html>Bad gateway</html>")
    r = client_admin.get(f"/i/{INBOX}/")
    assert r.status_code == 502
    body = r.content.decode()
    assert "Avochato could not complete this" in body
    assert "&lt;html&gt;" not in body and "<html>Bad gateway" not in body


def test_rate_limiting_is_explained_with_the_wait(client_admin, sandbox):
    sandbox.faults.add("/v1/accounts*", status=429)
    r = client_admin.get(f"/i/{INBOX}/")
    assert r.status_code == 503
    body = r.content.decode()
    assert "Avochato is busy, retrying…" in body
    assert "asks again by itself in 2 seconds" in body
    assert '<meta http-equiv="refresh" content="2">' in body


def _no_budget_left(settings) -> None:
    """Every slot taken: Avochato's 429 paused the credential for a minute."""
    from avodash.avochato.django import get_client

    settings.AVOCHATO_RATE_LIMIT = 18.0
    settings.AVOCHATO_PAGE_BUDGET = 15.0
    get_client(INBOX).rate_limiter.pause(60)


def test_a_page_says_busy_within_2_seconds_when_the_budget_is_spent(client_admin, sandbox, settings):
    import time

    client_admin.get(f"/i/{INBOX}/")  # the inbox list, before the budget is gone
    _no_budget_left(settings)
    sandbox.clear_log()
    started = time.monotonic()
    r = client_admin.get(f"/i/{INBOX}/tickets/")
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"the page waited {elapsed:.1f} s"
    assert r.status_code == 503 and r["Retry-After"] == "2" and r["X-Avodash-Retry"] == "2"
    body = r.content.decode()
    assert "Avochato is busy, retrying…" in body
    assert "holding its requests back to stay within the API&#x27;s rate limit" in body
    assert '<meta http-equiv="refresh" content="2">' in body  # asks again by itself (no script: CSP)
    assert f'href="/i/{INBOX}/tickets/">Retry now' in body
    assert [c for c in sandbox.requests if not c["path"].startswith("/_sandbox")] == []


def test_an_htmx_region_says_busy_and_app_js_retries_it(client_admin, sandbox, settings):
    client_admin.get(f"/i/{INBOX}/")
    _no_budget_left(settings)
    r = client_admin.get(f"/i/{INBOX}/tickets/", HTTP_HX_REQUEST="true")
    assert r.status_code == 503 and r["X-Avodash-Retry"] == "2"
    body = r.content.decode()
    assert 'data-busy-retry="2"' in body and "<html" not in body and "http-equiv" not in body


def test_a_busy_form_post_is_never_repeated_by_itself(client_admin, sandbox, settings):
    from avodash.avochato.django import get_client
    from tests.helpers import api_calls, post

    ticket = next(t.id for t in sandbox.state.inbox(INBOX).tickets.values() if t.status != "Closed")
    client_admin.get(f"/i/{INBOX}/")
    _no_budget_left(settings)
    r = post(client_admin, f"/i/{INBOX}/tickets/{ticket}/update/", {"status": "closed"})
    assert "X-Avodash-Retry" not in r and "http-equiv" not in r.content.decode()
    # The ticket page says so once (nothing was changed) and does not repeat the POST by itself.
    assert r.status_code == 302
    limiter = get_client(INBOX).rate_limiter
    limiter._pauses.delete(limiter._pause_key)  # the API's pause is over
    page = client_admin.get(r["Location"]).content.decode()
    assert "Not changed (status closed): Avochato is busy" in page and "http-equiv" not in page
    assert api_calls(sandbox, "PUT") == []


def test_htmx_requests_get_the_panel_alone(client_admin, sandbox):
    sandbox.faults.add("/v1/accounts*", status=500)
    r = client_admin.get(f"/i/{INBOX}/", HTTP_HX_REQUEST="true")
    assert r.status_code == 502
    body = r.content.decode()
    assert "error-panel" in body and "<html" not in body


def test_a_page_never_waits_past_its_budget(client_admin, sandbox, settings):
    """All of a page's API calls share one budget, timeouts and retries included."""
    import time

    settings.AVOCHATO_PAGE_BUDGET = 2.0
    settings.AVOCHATO_TIMEOUT = 1.0
    client_admin.get(f"/i/{INBOX}/")  # warm the inbox list
    sandbox.faults.add("/v1/tickets*", hang=True)
    started = time.monotonic()
    r = client_admin.get(f"/i/{INBOX}/tickets/")
    elapsed = time.monotonic() - started
    assert elapsed < 3.5, f"the page waited {elapsed:.1f} s"
    assert r.status_code in (200, 504)
    body = r.content.decode()
    assert "Traceback" not in body
    assert "did not answer in time" in body


def test_a_flash_shown_on_an_error_page_does_not_show_again(client_itadmin, sandbox):
    from tests.helpers import post

    jordan = next(u.id for u in sandbox.state.users.values() if u.email == "jordan.lee@acme.example")
    # A role change leaves a flash for the next page; that page is an API fault.
    r = post(client_itadmin, f"/i/{INBOX}/team/{jordan}/role/", {"role": "manager"})
    assert r.status_code == 302
    sandbox.faults.add("/v1/tickets*", status=500, times=1)
    r = client_itadmin.get(f"/i/{INBOX}/tickets/")
    assert r.status_code == 502
    assert "is now manager" in r.content.decode()
    r = client_itadmin.get(f"/i/{INBOX}/team/")
    assert r.status_code == 200
    assert "is now manager" not in r.content.decode()


def _wait_out(client, url: str, pause: float):
    import time

    from avodash.avochato.django import get_client

    get_client(INBOX).rate_limiter.pause(pause)
    started = time.monotonic()
    r = client.get(url, HTTP_HX_REQUEST="true")
    return r, time.monotonic() - started


def test_the_team_load_panel_waits_out_a_short_pause(client_admin, sandbox, settings):
    """The page is on screen and the panel says "Loading…": it waits up to
    AVOCHATO_PANEL_RATE_WAIT for the budget instead of answering busy after 1.5 s."""
    from django.core.cache import cache

    client_admin.get(f"/i/{INBOX}/")
    settings.AVOCHATO_RATE_LIMIT = 18.0
    settings.AVOCHATO_PAGE_BUDGET = 15.0
    r, waited = _wait_out(client_admin, f"/i/{INBOX}/load/", 3)
    assert r.status_code == 200 and "X-Avodash-Retry" not in r and waited >= 2.5
    cache.clear()  # what it counted is kept for everyone: count again
    r, waited = _wait_out(client_admin, f"/i/{INBOX}/load/", 8)  # past its allowance: busy, as any region
    assert r.status_code == 503 and r["X-Avodash-Retry"] == "2"


def test_the_chart_is_read_at_background_priority(client_admin, sandbox, settings):
    """The chart pages through two weeks of messages: it takes the background share (pages come
    first), waits out a pause, and says busy past LOW_PRIORITY_SECONDS."""
    from django.core.cache import cache

    from avodash.avochato import django as avodjango

    client_admin.get(f"/i/{INBOX}/")
    settings.AVOCHATO_RATE_LIMIT = 18.0
    settings.AVOCHATO_BACKGROUND_BUDGET = 30.0
    r, waited = _wait_out(client_admin, f"/i/{INBOX}/charts/", 3)
    assert r.status_code == 200 and waited >= 2.5
    assert "Messages per day" in r.content.decode() or "<svg" in r.content.decode()
    cache.clear()
    settings.AVOCHATO_RATE_LIMIT = 18.0
    avodjango.LOW_PRIORITY_SECONDS, old = 2.0, avodjango.LOW_PRIORITY_SECONDS
    try:
        r, waited = _wait_out(client_admin, f"/i/{INBOX}/charts/", 5)
    finally:
        avodjango.LOW_PRIORITY_SECONDS = old
    assert r.status_code == 503 and r["X-Avodash-Retry"] == "2" and waited < 2.5
