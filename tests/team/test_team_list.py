"""The team page: every user with role, status and MFA; filters; CSV; upstream calls and cache."""

from __future__ import annotations

import csv
import io
import time

import pytest

from avodash.sandbox.state import Membership, User
from tests.helpers import INBOX, api_calls, post
from tests.team.conftest import team_url, uid

pytestmark = pytest.mark.django_db


def _members(sandbox, subdomain: str = INBOX) -> list[str]:
    return list(sandbox.state.inbox(subdomain).members)


def _rows(response) -> str:
    return response.content.decode()


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
    started = time.monotonic()
    assert client_lead.get(team_url()).status_code == 200
    elapsed = time.monotonic() - started
    lists, details = _user_calls(sandbox)
    assert len(lists) == 1 and lists[0]["params"].get("page") in ("1", 1)
    assert len(details) == n
    assert {c["path"] for c in details} == {f"/v1/users/{u}" for u in _members(sandbox)}
    # one call per row in a row would take n * 150 ms; in parallel a few rounds do
    assert elapsed < n * 0.15 * 0.6, f"{elapsed:.2f}s for {n} users: details not fetched in parallel"

    sandbox.clear_log()
    r = client_lead.get(team_url())
    assert r.status_code == 200
    assert "Jordan Lee" in _rows(r)
    assert _user_calls(sandbox) == ([], []), "second load should come from the cache"


def test_it_reads_the_list_again_after_a_team_write(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    client_itadmin.get(team_url())
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert r.status_code == 302
    sandbox.clear_log()
    r = client_itadmin.get(team_url("?role=manager"))
    lists, details = _user_calls(sandbox)
    assert len(lists) == 1 and len(details) == len(_members(sandbox))
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


def test_it_answers_400_to_a_bad_filter_without_calling_the_api(client_lead, sandbox):
    r = client_lead.get(team_url("?role=admin"))
    assert r.status_code == 400
    assert "That filter is not valid" in _rows(r)
    assert _user_calls(sandbox) == ([], [])


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
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
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
    sandbox.clear_log()
    client_lead.get(team_url())
    lists, _details = _user_calls(sandbox)
    assert len(lists) == 1, "an incomplete list must not be cached"


def test_it_escapes_names_from_the_api(client_lead, sandbox):
    with sandbox.state.lock:
        sandbox.state.users[uid(sandbox, "tom.becker@acme.example")].name = "<script>alert(1)</script>"
    html = _rows(client_lead.get(team_url()))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
