"""The team page: every user with role, status and MFA; filters; CSV; upstream calls and cache."""

from __future__ import annotations

import csv
import io
import time

import pytest

from avodash.domain import directory
from avodash.domain.users import InboxUser
from avodash.sandbox.state import Membership, User
from team.views.team import team_csv
from tests.helpers import INBOX, api_calls, post
from tests.team.conftest import team_url, uid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]


def _members(sandbox, subdomain: str = INBOX) -> list[str]:
    return list(sandbox.state.inbox(subdomain).members)


def _rows(response) -> str:
    return response.content.decode()


def _csv_text(response) -> str:
    """A CSV export streams (avodash.exports.csv_response)."""
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def _user_calls(sandbox) -> tuple[list[dict], list[dict]]:
    calls = [c for c in api_calls(sandbox, "GET") if c["path"].startswith("/v1/users")]
    lists = [c for c in calls if c["path"] == "/v1/users"]
    details = [c for c in calls if c["path"] != "/v1/users"]
    return lists, details


def test_it_shows_every_user_with_role_status_and_mfa(client_lead, sandbox):
    r = client_lead.get(team_url())
    assert r.status_code == 200
    html = _rows(r)
    for user_id in _members(sandbox):
        user = sandbox.state.users[user_id]
        assert user.name in html
        assert user.email in html
    # Priya is disabled, Omar an owner, Grace has MFA incomplete (seed.py)
    priya = html[html.index("Priya Shah") :][:1500]
    assert "Disabled" in priya
    omar = html[html.index("Omar Haddad") :][:1500]
    assert "Owner" in omar
    grace = html[html.index("Grace Kim") :][:1500]
    assert "Incomplete" in grace
    assert f'href="/i/{INBOX}/team/{uid(sandbox, "grace.kim@acme.example")}/"' in html


def test_it_reads_the_list_plus_details_in_parallel_and_caches_them(client_lead, sandbox):
    n = len(_members(sandbox))
    sandbox.faults.add("/v1/users/*", method="GET", latency_ms=150)
    sandbox.clear_log()
    assert client_lead.get(team_url()).status_code == 200
    lists, details = _user_calls(sandbox)
    assert len(lists) == 1 and lists[0]["params"].get("page") in ("1", 1)
    assert len(details) == n
    assert {c["path"] for c in details} == {f"/v1/users/{u}" for u in _members(sandbox)}
    # One after another, no detail call would start before the first one had answered.
    first_answered = min(c["time"] + c["duration_ms"] / 1000 for c in details)
    in_flight = sum(c["time"] < first_answered for c in details)
    assert in_flight > 1, "details not fetched in parallel"

    sandbox.clear_log()
    r = client_lead.get(team_url())
    assert r.status_code == 200
    assert "Jordan Lee" in _rows(r)
    assert _user_calls(sandbox) == ([], []), "second load should come from the cache"


def test_it_shows_a_team_write_at_once_without_reading_the_list_again(client_itadmin, sandbox):
    # Writes go through to the local directory from the API's answer (avodash.domain.users).
    jordan = uid(sandbox, "jordan.lee@acme.example")
    client_itadmin.get(team_url())
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert r.status_code == 302
    sandbox.clear_log()
    r = client_itadmin.get(team_url("?role=manager"))
    assert _user_calls(sandbox) == ([], [])
    assert "Jordan Lee" in _rows(r)


def test_it_pages_the_users_list_until_a_short_page(client_lead, sandbox):
    st = sandbox.state
    with st.lock:
        inbox = st.inbox(INBOX)
        for n in range(30):
            user = User(
                id=f"extra{n:05d}",
                num_id=st.new_num(),
                email=f"extra{n}@acme.example",
                name=f"Extra Person {n:02d}",
                created_at=time.time() - 86400,
            )
            st.users[user.id] = user
            inbox.members[user.id] = Membership(
                user_id=user.id, role="member", enabled=True, added_at=time.time() - 3600
            )
    total = len(inbox.members)
    sandbox.clear_log()
    r = client_lead.get(team_url())
    assert r.status_code == 200
    lists, details = _user_calls(sandbox)
    assert [str(c["params"].get("page")) for c in lists] == ["1", "2"]
    assert len(details) == total
    assert "Extra Person 29" in _rows(r) and "Jordan Lee" in _rows(r)
    assert f"{total} users" in _rows(r)


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("role=owner", ["Omar Haddad", "Avery Admin"], ["Jordan Lee", "Maya Patel"]),
        ("role=manager", ["Maya Patel"], ["Omar Haddad", "Jordan Lee"]),
        ("enabled=no", ["Priya Shah"], ["Jordan Lee"]),
        ("enabled=yes", ["Jordan Lee"], ["Priya Shah"]),
        ("mfa=incomplete", ["Grace Kim"], ["Jordan Lee", "Tom Becker", "Avery Admin"]),
        ("q=rivera", ["Sam Rivera"], ["Jordan Lee"]),
    ],
)
def test_it_filters_the_team(client_lead, query, present, absent):
    r = client_lead.get(team_url(f"?{query}"))
    assert r.status_code == 200
    html = _rows(r)
    body = html[html.index("<tbody>") :]
    for name in present:
        assert name in body, (query, name)
    for name in absent:
        assert name not in body, (query, name)


def test_it_answers_422_to_a_bad_filter_without_calling_the_api(client_lead, sandbox):
    r = client_lead.get(team_url("?role=admin"))
    assert r.status_code == 422
    assert "That filter is not valid" in _rows(r)
    assert _user_calls(sandbox) == ([], [])
    # From the filter form (htmx): the results region alone, with the error in it.
    r = client_lead.get(team_url("?role=admin"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="team-results")
    assert r.status_code == 422 and "HX-Request" in r["Vary"]
    html = _rows(r)
    assert html.lstrip().startswith('<div id="team-results"') and "That filter is not valid" in html


def test_it_says_so_when_nobody_matches(client_lead):
    r = client_lead.get(team_url("?q=nobody-by-that-name"))
    assert r.status_code == 200
    assert "Nobody matches these filters" in _rows(r)


def test_it_swaps_only_the_results_for_htmx(client_lead):
    r = client_lead.get(team_url("?role=owner"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="team-results")
    assert r.status_code == 200
    html = _rows(r)
    assert html.lstrip().startswith('<div id="team-results"')
    assert "<html" not in html and "Omar Haddad" in html


def test_it_exports_the_filtered_team_as_csv(client_lead, sandbox):
    with sandbox.state.lock:
        sandbox.state.users[uid(sandbox, "tom.becker@acme.example")].name = '=HYPERLINK("x")'
    r = client_lead.get(team_url("?enabled=yes&format=csv"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    assert f"team-{INBOX}.csv" in r["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_csv_text(r))))
    emails = {row["email"] for row in rows}
    assert "jordan.lee@acme.example" in emails
    assert "priya.shah@acme.example" not in emails  # disabled: filtered out
    jordan = next(row for row in rows if row["email"] == "jordan.lee@acme.example")
    assert jordan["role"] == "member" and jordan["enabled"] == "yes" and jordan["mfa_complete"] == "yes"
    grace = next(row for row in rows if row["email"] == "grace.kim@acme.example")
    assert grace["mfa_complete"] == "no" and grace["2fa_required"] == "yes"
    tom = next(row for row in rows if row["email"] == "tom.becker@acme.example")
    assert tom["name"].startswith("'="), "a formula from the API must not run in a spreadsheet"


def test_it_keeps_the_page_when_one_users_details_fail(client_lead, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    sandbox.faults.add(f"/v1/users/{jordan}", method="GET", status=500)
    r = client_lead.get(team_url())
    assert r.status_code == 200
    html = _rows(r)
    assert "Jordan Lee" in html
    assert "could not be read for 1 user" in html
    sandbox.faults.clear()
    # An incomplete directory is not taken as complete: the background refresh reads the missing
    # details (avodash.domain.directory), and the page shows them then.
    assert "1 user" in html and "background refresh" in html
    directory.sync_inbox(subdomain=INBOX)
    html = _rows(client_lead.get(team_url()))
    assert "could not be read" not in html
    jordan_row = html[html.index("Jordan Lee") :][:1500]
    assert "Member" in jordan_row and "Enabled" in jordan_row


def test_it_escapes_names_from_the_api(client_lead, sandbox):
    with sandbox.state.lock:
        sandbox.state.users[uid(sandbox, "tom.becker@acme.example")].name = "<script>alert(1)</script>"
    html = _rows(client_lead.get(team_url()))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


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
    rows = list(csv.DictReader(io.StringIO(_csv_text(r))))
    evil = next(row for row in rows if row["id"].endswith(evil_id))
    assert evil["id"] == "'-2+3"
    assert evil["role"].startswith("'=")
    assert evil["name"] == "'+SUM(1,2)" and evil["email"] == "'@evil.example"


def test_team_csv_escapes_id_and_role_directly():
    user = InboxUser(id='=HYPERLINK("x")', name="\tTab", email="-x@y", role="@role", enabled=True)
    text = _csv_text(team_csv(INBOX, [user]))
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["id"] == '\'=HYPERLINK("x")' and row["role"] == "'@role"
    assert row["name"] == "'\tTab" and row["email"] == "'-x@y"


def test_it_says_when_the_team_was_read_from_avochato(client_lead, sandbox):
    html = _rows(client_lead.get(team_url()))
    assert "Read from Avochato" in html and "as of <time" in html


def test_the_team_page_shows_each_persons_load_after_the_page(client_lead, sandbox):
    page = client_lead.get(team_url()).content.decode()
    assert 'id="team-load-title"' in page and f'hx-get="/i/{INBOX}/load/"' in page
    load = client_lead.get(f"/i/{INBOX}/load/", HTTP_HX_REQUEST="true").content.decode()
    assert "Longest wait" in load and "Aisha Khan" in load
