"""Inboxes by host name (INBOX_HOST_DOMAIN): an inbox's pages at plain paths on its own host,
the cross-inbox pages on the bare domain, the path form everywhere, one grant check."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.helpers import INBOX, OTHER_INBOX, api_calls, post
from tests.inbox.support import BOB, HTMX, box, ticket_for

DOMAIN = "avodash.localhost"
ACME = f"{INBOX}.{DOMAIN}:8000"
SALES = f"{OTHER_INBOX}.{DOMAIN}:8000"
BARE = f"{DOMAIN}:8000"


@pytest.fixture
def hosts(settings):
    """The setting on, with what settings.py derives from it (tests change settings late)."""
    settings.INBOX_HOST_DOMAIN = DOMAIN
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "." + DOMAIN]
    settings.SESSION_COOKIE_DOMAIN = settings.CSRF_COOKIE_DOMAIN = DOMAIN
    settings.CSRF_TRUSTED_ORIGINS = [f"http://{DOMAIN}:8000", f"http://*.{DOMAIN}:8000"]
    return DOMAIN


def get(client: Client, host: str, path: str, **extra):
    return client.get(path, HTTP_HOST=host, **extra)


def body(response) -> str:
    return response.content.decode()


# --- off: nothing changes ---------------------------------------------------------------------


def test_it_changes_nothing_when_the_setting_is_off(client_lead):
    assert django_settings.INBOX_HOST_DOMAIN == ""
    r = client_lead.get(f"/i/{INBOX}/tickets/")
    assert r.status_code == 200
    assert f'href="/i/{INBOX}/messages/"' in body(r)
    assert f'href="/i/{OTHER_INBOX}/tickets/"' in body(r)  # the switcher, same kind of page
    assert client_lead.get("/tickets/").status_code == 404


# --- an inbox's host ------------------------------------------------------------------------


def test_an_inbox_host_serves_the_inbox_pages_at_plain_paths(hosts, client_lead):
    for path, heading in [
        ("/", "Overview"),
        ("/tickets/", "Tickets"),
        ("/messages/", "Messages"),
        ("/scheduled/", "Scheduled"),
        ("/team/", "Team"),
    ]:
        r = get(client_lead, ACME, path)
        assert r.status_code == 200, path
        assert heading in body(r), path
        assert r.context["current_inbox"].subdomain == INBOX


def test_a_ticket_page_is_served_at_its_plain_path(hosts, client_lead, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = get(client_lead, ACME, f"/tickets/{ticket.id}/")
    assert r.status_code == 200
    assert "Bob McTest" in body(r)


def test_links_are_relative_on_the_inbox_host_and_absolute_to_other_hosts(hosts, client_lead):
    page = body(get(client_lead, ACME, "/tickets/"))
    assert 'href="/messages/"' in page and 'href="/scheduled/"' in page  # the sub-navigation
    assert f"/i/{INBOX}/" not in page  # nothing in the path form
    # The switcher goes to the same kind of page on the other inbox's host (the port kept).
    assert f'href="http://{SALES}/tickets/"' in page
    # The cross-inbox pages live on the bare domain.
    assert f'href="http://{BARE}/team/"' in page and f'href="http://{BARE}/audit/"' in page
    # Sign-in pages are served on every host: logging out stays here.
    assert 'action="/accounts/logout/"' in page


def test_the_bare_domain_serves_the_cross_inbox_pages(hosts, client_lead):
    assert "People" in body(get(client_lead, BARE, "/team/"))
    assert get(client_lead, BARE, "/audit/").status_code == 200
    # The landing page goes to the last inbox used, on that inbox's host.
    get(client_lead, ACME, "/")
    r = get(client_lead, BARE, "/")
    assert r.status_code == 302 and r["Location"] == f"http://{ACME}/"
    # Links from the bare domain to an inbox are absolute.
    page = body(get(client_lead, BARE, "/team/"))
    assert f'href="http://{ACME}/' in page and 'href="/audit/"' in page


def test_the_path_form_keeps_working_on_every_host(hosts, client_lead, sandbox):
    # A bookmark in the path form moves to the host form.
    r = get(client_lead, BARE, f"/i/{INBOX}/tickets/?status=Open")
    assert r.status_code == 302 and r["Location"] == f"http://{ACME}/tickets/?status=Open"
    r = get(client_lead, ACME, f"/i/{INBOX}/messages/")
    assert r.status_code == 302 and r["Location"] == "/messages/"
    r = get(client_lead, ACME, f"/i/{OTHER_INBOX}/")
    assert r.status_code == 302 and r["Location"] == f"http://{SALES}/"
    # htmx requests and forms are answered where they are sent.
    assert get(client_lead, ACME, f"/i/{OTHER_INBOX}/tickets/", **HTMX).status_code == 200
    ticket = ticket_for(sandbox, BOB)
    r = post(client_lead, f"/i/{INBOX}/tickets/{ticket.id}/update/", {"status": "Closed"}, HTTP_HOST=BARE)
    assert r.status_code == 302 and r["Location"] == f"http://{ACME}/tickets/{ticket.id}/"


def test_redirects_after_a_form_stay_on_the_inbox_host(hosts, client_lead, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = post(
        client_lead,
        f"/tickets/{ticket.id}/update/",
        {"status": "Closed"},
        HTTP_HOST=ACME,
    )
    assert r.status_code == 302 and r["Location"] == f"/tickets/{ticket.id}/"
    assert box(sandbox).tickets[ticket.id].status == "Closed"


# --- the same access rules ----------------------------------------------------------------


def test_an_ungranted_inbox_host_is_our_404(hosts, client_outsider, sandbox):
    for path in ("/", "/tickets/", "/team/", f"/tickets/{ticket_for(sandbox, BOB).id}/"):
        r = get(client_outsider, ACME, path)
        assert r.status_code == 404, path
        assert "Page not found" in body(r), path  # our page, not Django's technical 404
        assert f'href="http://{BARE}/"' in body(r), path  # "Go to your inbox": the landing page
    assert get(client_outsider, f"globex-help.{DOMAIN}", "/tickets/").status_code == 200


def test_unknown_and_malformed_inbox_hosts_are_our_404(hosts, client_admin):
    assert get(client_admin, f"no-such-inbox.{DOMAIN}", "/tickets/").status_code == 404
    r = get(client_admin, f"a.b.{DOMAIN}:8000", "/")
    assert r.status_code == 404 and "Page not found" in body(r)
    assert f'href="http://{BARE}/"' in body(r)
    assert get(client_admin, f"-x.{DOMAIN}", "/").status_code == 404


def test_a_host_outside_the_domain_is_refused_not_redirected(hosts, client_admin):
    r = get(client_admin, "evil.example.com", "/i/acme-support/")
    assert r.status_code == 400 and "Location" not in r


def test_an_inbox_host_asks_for_login_on_that_host(hosts):
    r = get(Client(), ACME, "/tickets/")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/?next=/tickets/"


def test_role_permissions_apply_on_the_inbox_host(hosts, client_agent):
    assert get(client_agent, ACME, "/team/add/").status_code == 403
    assert get(client_agent, ACME, "/tickets/").status_code == 200


def test_a_form_naming_another_inbox_is_refused_on_an_inbox_host(hosts, client_admin, sandbox):
    ticket = ticket_for(sandbox, BOB)
    sandbox.clear_log()
    # Posted on acme-support's host, the form names acme-sales (a stale tab): refused.
    data = {"contact_id": ticket.contact_id, "text": "Hello", "action": "send"}
    r = post(client_admin, f"/tickets/{ticket.id}/send/", data, inbox=OTHER_INBOX, HTTP_HOST=ACME)
    assert r.status_code == 400 and b"Nothing was sent" in r.content
    # A form from acme-support's page sent to acme-sales's host: refused too.
    r = post(client_admin, f"/tickets/{ticket.id}/update/", {"status": "Closed"}, HTTP_HOST=SALES)
    assert r.status_code == 400 and b"Nothing was sent" in r.content
    assert [c for c in api_calls(sandbox) if c["method"] != "GET"] == []


# --- files, cookies, settings --------------------------------------------------------------


def test_csv_files_are_named_for_the_inbox_host(hosts, client_lead):
    r = get(client_lead, ACME, "/messages/?format=csv")
    assert r.status_code == 200
    assert f'filename="messages-{INBOX}.{DOMAIN}-' in r["Content-Disposition"]
    r = get(client_lead, ACME, "/team/?format=csv")
    assert f'filename="team-{INBOX}.{DOMAIN}.csv"' in r["Content-Disposition"]


def test_one_sign_in_for_every_host(hosts, lead):
    c = Client()
    r = c.post("/accounts/login/", {"login": "lead", "password": "pw-lead"}, HTTP_HOST=BARE)
    assert r.status_code == 302
    assert r.cookies["sessionid"]["domain"] == DOMAIN
    assert get(c, ACME, "/tickets/").status_code == 200
    assert get(c, SALES, "/tickets/").status_code == 200


def _environ() -> dict:
    """This process's environment without what the settings under test derive, or what the
    test run itself sets (DJANGO_ALLOW_ASYNC_UNSAFE fails `check --deploy`)."""
    skip = ("INBOX_HOST", "ALLOWED_HOSTS", "CSRF_", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "PORT")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


def _settings_with(env: dict) -> dict:
    """settings.py read in a fresh interpreter with this environment."""
    code = (
        "import json, avodash.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
        "('ALLOWED_HOSTS', 'CSRF_TRUSTED_ORIGINS', 'SESSION_COOKIE_DOMAIN', 'CSRF_COOKIE_DOMAIN')}))"
    )
    clean = _environ()
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_settings_are_derived_from_the_domain():
    prod = _settings_with({"INBOX_HOST_DOMAIN": "dash.example.com", "DEBUG": "off", "SECRET_KEY": "x" * 60})
    assert prod["ALLOWED_HOSTS"] == [".dash.example.com"]
    assert prod["CSRF_TRUSTED_ORIGINS"] == ["https://dash.example.com", "https://*.dash.example.com"]
    assert prod["SESSION_COOKIE_DOMAIN"] == prod["CSRF_COOKIE_DOMAIN"] == "dash.example.com"
    dev = _settings_with({"INBOX_HOST_DOMAIN": "avodash.localhost", "DEBUG": "on", "PORT": "8123"})
    assert ".avodash.localhost" in dev["ALLOWED_HOSTS"] and "127.0.0.1" in dev["ALLOWED_HOSTS"]
    assert "http://*.avodash.localhost:8123" in dev["CSRF_TRUSTED_ORIGINS"]
    assert "http://avodash.localhost:8123" in dev["CSRF_TRUSTED_ORIGINS"]
    off = _settings_with({"DEBUG": "off", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "dash.example.com"})
    assert off["SESSION_COOKIE_DOMAIN"] is None and off["CSRF_TRUSTED_ORIGINS"] == []


def test_check_deploy_is_clean_with_the_setting_on():
    env = {
        **_environ(),
        "INBOX_HOST_DOMAIN": "dash.example.com",
        "DEBUG": "off",
        "SECRET_KEY": "k3y-" + "q9Zx7-Lm2p" * 6,
    }
    out = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_bare_localhost_is_refused_as_the_domain():
    with pytest.raises(subprocess.CalledProcessError) as err:
        _settings_with({"INBOX_HOST_DOMAIN": "localhost", "DEBUG": "on"})
    assert "two labels" in err.value.stderr


def test_a_form_from_another_host_is_refused_by_the_csrf_check_with_our_page(hosts, lead, sandbox):
    c = Client(enforce_csrf_checks=True)
    c.force_login(lead)
    get(c, ACME, "/tickets/")  # the CSRF cookie
    ticket = ticket_for(sandbox, BOB)
    sandbox.clear_log()
    data = {"inbox": INBOX, "status": "Closed", "csrfmiddlewaretoken": c.cookies["csrftoken"].value}
    # What Chromium sends across hosts under Referrer-Policy: same-origin.
    r = c.post(f"/tickets/{ticket.id}/update/", data, HTTP_HOST=SALES, HTTP_ORIGIN="null")
    assert r.status_code == 403 and "Nothing was sent" in body(r)
    assert [x for x in api_calls(sandbox) if x["method"] != "GET"] == []
    # The same form from its own host passes the check.
    r = c.post(f"/tickets/{ticket.id}/update/", data, HTTP_HOST=ACME, HTTP_ORIGIN=f"http://{ACME}")
    assert r.status_code == 302


def test_the_address_bar_keeps_the_host_form_after_an_htmx_filter(hosts, client_lead):
    r = get(client_lead, ACME, "/tickets/?status=Open", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    assert r.status_code == 200
    assert r["HX-Push-Url"] == "/tickets/?status=Open"


def test_a_missing_slash_is_added_on_the_inbox_host(hosts, client_lead):
    r = get(client_lead, ACME, "/tickets?status=Open")
    assert r.status_code == 301 and r["Location"] == "/tickets/?status=Open"
