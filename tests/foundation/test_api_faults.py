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
    assert "slow down" in r.content.decode()


def test_htmx_requests_get_the_panel_alone(client_admin, sandbox):
    sandbox.faults.add("/v1/accounts*", status=500)
    r = client_admin.get(f"/i/{INBOX}/", HTTP_HX_REQUEST="true")
    assert r.status_code == 502
    body = r.content.decode()
    assert "error-panel" in body and "<html" not in body
