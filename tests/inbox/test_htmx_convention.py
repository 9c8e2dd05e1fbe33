"""One htmx convention for every inbox screen: a region answers with `Vary: HX-Request`, a form
sent back to be corrected answers 422, and the grant is decided before any view decorator."""

from __future__ import annotations

import pytest

from tests.helpers import INBOX, post
from tests.inbox.support import BOB, HTMX, QUEUE, reply, ticket_for

pytestmark = pytest.mark.django_db


def test_an_htmx_region_varies_on_hx_request(client_agent, sandbox):
    region = client_agent.get(QUEUE, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    assert region.status_code == 200 and region.content.decode().lstrip().startswith('<section id="queue"')
    assert "HX-Request" in region["Vary"]
    page = client_agent.get(QUEUE)
    assert "HX-Request" in page["Vary"], "the full page too, so a cache keeps them apart"


def test_an_htmx_fragment_endpoint_varies_on_hx_request(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = client_agent.get(f"/i/{INBOX}/tickets/{ticket.id}/presence/", **HTMX)
    assert r.status_code == 200 and "HX-Request" in r["Vary"]


@pytest.mark.parametrize("htmx", [True, False])
def test_a_re_rendered_invalid_form_answers_422(client_agent, sandbox, htmx):
    extra = HTMX if htmx else {}
    r = client_agent.get(f"/i/{INBOX}/messages/", {"direction": "sideways"}, **extra)
    assert r.status_code == 422 and "Select a valid choice." in r.content.decode()
    r = reply(client_agent, sandbox, text="   ", htmx=True)
    assert r.status_code == 422 and "Not sent" in r.content.decode()
    t = ticket_for(sandbox, BOB)
    r = post(client_agent, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "closed"}, **extra)
    assert r.status_code == (422 if htmx else 302)


def test_other_errors_keep_their_status(client_agent, client_outsider, sandbox):
    t = ticket_for(sandbox, BOB)
    assert client_outsider.get(f"/i/{INBOX}/tickets/{t.id}/state/", **HTMX).status_code == 404
    r = post(
        client_agent, f"/i/{INBOX}/tickets/{t.id}/update/", {"status": "Closed"}, inbox="acme-sales", **HTMX
    )
    assert r.status_code == 400 and "Nothing was sent" in r.content.decode()
    assert "HX-Request" in r["Vary"]


def test_the_method_is_checked_before_the_stale_form(client_agent, sandbox):
    """One decorator order: the HTTP method first, then the inbox view's checks."""
    r = post(client_agent, QUEUE, {"status": "Closed"}, inbox="acme-sales")
    assert r.status_code == 405
