"""Team pages against hostile input: user references in the URL, formulas in the CSV,
inboxes the viewer has no grant for."""

from __future__ import annotations

import csv
import io

import pytest

from avodash.models import AuditEntry
from avodash.sandbox.state import Membership, User
from team.services import TeamUser
from team.urls import user_ref_ok
from team.views import _team_csv
from tests.helpers import INBOX, api_calls, post
from tests.team.conftest import membership, team_url, uid

pytestmark = pytest.mark.django_db

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


# --- the user reference in the URL ---------------------------------------------------------------
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


@pytest.mark.parametrize(("path", "data"), [a for a in ACTIONS if a[0] not in ("disable/", "remove/")])
def test_writes_addressed_by_email_go_to_the_fetched_users_id(client_itadmin, sandbox, path, data):
    sam = uid(sandbox, SAM)
    sandbox.clear_log()
    r = post(client_itadmin, team_url(f"{SAM}/{path}"), data)
    assert r.status_code == 302, r.content[:300]
    assert r["Location"] == team_url(f"{sam}/")
    writes = _writes(sandbox)
    assert writes and all(w["path"].startswith(f"/v1/users/{sam}") for w in writes), writes
    assert not [c for c in api_calls(sandbox) if c["path"].startswith("/v1/users/_/")]
    assert AuditEntry.objects.get().target == sam


def test_the_password_reset_message_names_the_fetched_user_not_the_posted_text(client_itadmin, sandbox):
    sam = uid(sandbox, SAM)
    r = post(
        client_itadmin, team_url(f"{sam}/password-reset/"), {"confirm": "yes", "who": "<b>someone else</b>"}
    )
    html = client_itadmin.get(r["Location"]).content.decode()
    assert f"Password reset email sent to {SAM}." in html
    assert "someone else" not in html


# --- CSV -------------------------------------------------------------------------------------------
def test_every_api_text_column_of_the_team_csv_is_formula_safe(client_lead, sandbox):
    evil_id = "-2+3"
    with sandbox.state.lock:
        sandbox.state.users[evil_id] = User(
            id=evil_id, num_id=99999, email="@evil.example", name="+SUM(1,2)", created_at=1.0e9
        )
        sandbox.state.inbox(INBOX).members[evil_id] = Membership(
            user_id=evil_id, role="=cmd|' /C calc'!A0", enabled=True, added_at=1.0e9
        )
    r = client_lead.get(team_url("?format=csv"))
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    evil = next(row for row in rows if row["id"].endswith(evil_id))
    assert evil["id"] == "'-2+3"
    assert evil["role"].startswith("'=")
    assert evil["name"] == "'+SUM(1,2)" and evil["email"] == "'@evil.example"


def test_team_csv_escapes_id_and_role_directly():
    user = TeamUser(id='=HYPERLINK("x")', name="\tTab", email="-x@y", role="@role", enabled=True)
    text = _team_csv(INBOX, [user]).content.decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["id"] == '\'=HYPERLINK("x")' and row["role"] == "'@role"
    assert row["name"] == "'\tTab" and row["email"] == "'-x@y"


# --- inboxes the viewer has no grant for -----------------------------------------------------------
def test_the_user_page_hides_inboxes_the_viewer_is_not_granted(client_outsider, sandbox):
    # Aisha is in acme-support and globex-help; the outsider is granted globex-help only.
    aisha = uid(sandbox, "aisha.khan@acme.example")
    r = client_outsider.get(team_url(f"{aisha}/", subdomain="globex-help"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Globex Help" in html
    for leak in ("Acme Support", "acme-support", "+15105551234"):
        assert leak not in html, leak
    assert "And 1 other inbox you have no access to." in html


def test_the_user_page_counts_several_hidden_inboxes(client_outsider, sandbox):
    # Diego: globex-help and acme-support; add him to acme-sales too.
    diego = uid(sandbox, "diego.alvarez@globex.example")
    with sandbox.state.lock:
        sandbox.state.inbox("acme-sales").members[diego] = Membership(
            user_id=diego, role="member", enabled=True, added_at=1.0e9
        )
    html = client_outsider.get(team_url(f"{diego}/", subdomain="globex-help")).content.decode()
    assert "And 2 other inboxes you have no access to." in html
    assert "Acme Sales" not in html and "acme-sales" not in html


def test_a_viewer_granted_everything_sees_every_inbox_and_no_hidden_line(client_lead, sandbox):
    aisha = uid(sandbox, "aisha.khan@acme.example")
    html = client_lead.get(team_url(f"{aisha}/")).content.decode()
    assert "Globex Help" in html and "Acme Support" in html
    assert 'href="/i/globex-help/team/' in html
    assert "you have no access to" not in html
