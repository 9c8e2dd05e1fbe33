"""The user reference in a team URL: one id or one email, nothing else (404 before any API call)."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from team.urls import user_ref_ok
from tests.helpers import api_calls, post
from tests.team.conftest import membership, team_url, uid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]

SAM = "sam.rivera@acme.example"
JORDAN = "jordan.lee@acme.example"
ACTIONS = [
    ("role/", {"role": "manager"}),
    ("disable/", {"confirm": "yes"}),
    ("enable/", {}),
    ("mfa-phone/", {"phone": "+14155551234"}),
    ("password-reset/", {"confirm": "yes"}),
    ("remove/", {"confirm": "yes"}),
]


def _writes(sandbox) -> list[dict]:
    return [c for c in api_calls(sandbox) if c["method"] in ("PUT", "POST", "DELETE")]


def _user_calls(sandbox) -> list[dict]:
    """Calls about users or tickets (the 404 page itself may list the inboxes for the menu)."""
    return [c for c in api_calls(sandbox) if c["path"].startswith(("/v1/users", "/v1/tickets"))]


@pytest.mark.parametrize("path", [p for p, _ in ACTIONS])
def test_a_comma_list_of_ids_is_a_404_and_nothing_is_written(client_itadmin, sandbox, path):
    sam, jordan = uid(sandbox, SAM), uid(sandbox, JORDAN)
    data = dict(ACTIONS)[path]
    sandbox.clear_log()
    r = post(client_itadmin, team_url(f"{sam},{jordan}/{path}"), data)
    assert r.status_code == 404
    assert _writes(sandbox) == []
    assert _user_calls(sandbox) == [], "refused before any call about users"
    assert membership(sandbox, SAM).role == "member" and membership(sandbox, JORDAN).role == "member"
    assert membership(sandbox, SAM).enabled and membership(sandbox, JORDAN).enabled
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "ref",
    [
        "_",
        "%5F",
        "a%2Cb",
        "a,b",
        "a%20b",
        "a%09b",
        "a.b",
        "x" * 65,
        "bob@",
        "@x.example",
        "a,b@x.example",
        "a b@x.example",
    ],
)
def test_refs_that_are_not_one_id_or_one_email_are_a_404_before_any_api_call(client_lead, sandbox, ref):
    sandbox.clear_log()
    r = client_lead.get(team_url(f"{ref}/"))
    assert r.status_code == 404
    assert _user_calls(sandbox) == [] and _writes(sandbox) == []


def test_user_ref_ok():
    assert user_ref_ok("Pwebo1JXmD") and user_ref_ok("a_b-c") and user_ref_ok("sam.rivera@acme.example")
    for bad in ("_", "", "a,b", "a b", "a.b", "..", "x" * 65, "a@b@c", "a,b@x.example", " a@x.example"):
        assert not user_ref_ok(bad), bad
