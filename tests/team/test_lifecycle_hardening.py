"""People pages against hostile input: dates out of range, formulas in the compliance CSV,
inboxes outside the operator's grants."""

from __future__ import annotations

import csv
import io

import pytest

from avodash.models import InboxGrant
from team.models import Job
from tests.conftest import IT_ADMIN, make_user
from tests.team.lifecycle_support import immediate, no_rate_limit, user_id  # noqa: F401

pytestmark = pytest.mark.usefixtures("immediate", "no_rate_limit")

SAM = "sam.rivera@acme.example"
MAYA = "maya.patel@acme.example"


@pytest.mark.parametrize("tz", ["", "America%2FLos_Angeles", "Pacific%2FKiritimati"])
@pytest.mark.parametrize("run_at", ["9999-12-31T23:59", "0001-01-01T00:00", "9999-01-01T00:00"])
def test_a_run_at_out_of_range_is_a_form_error(client_itadmin, sandbox, tz, run_at):
    client_itadmin.cookies["tz"] = tz
    maya = user_id(sandbox, MAYA)
    r = client_itadmin.post(
        "/team/offboard/",
        {
            "email": SAM,
            "action": "disable",
            "scheduled": "cancel",
            "when": "later",
            "run_at": run_at,
            "in_acme-support": "on",
            "to_acme-support": maya,
        },
    )
    assert r.status_code == 400
    assert "Enter a date between the years 1900 and 9998." in r.content.decode()
    assert not Job.objects.exists()


def test_compliance_csv_escapes_every_api_text_column(client_itadmin, sandbox):
    grace = user_id(sandbox, "grace.kim@acme.example")
    with sandbox.state.lock:
        user = sandbox.state.users[grace]
        user.name, user.email = "=1+2", "+cmd@x.example"
        sandbox.state.inbox("acme-support").members[grace].role = "@SUM(1)"
    r = client_itadmin.get("/team/compliance/", {"inbox": "acme-support", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    row = next(row for row in rows if row["email"].endswith("cmd@x.example"))
    assert row["name"] == "'=1+2" and row["email"] == "'+cmd@x.example" and row["role"] == "'@sum(1)"


def test_the_offboarding_plan_only_counts_inboxes_outside_the_grants(client, db, sandbox):
    operator = make_user("it-globex", IT_ADMIN, subdomains=("globex-help",))
    client.force_login(operator)
    r = client.get("/team/offboard/", {"email": "aisha.khan@acme.example"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Globex Help" in html
    for leak in ("Acme Support", "acme-support", "+15105551234"):
        assert leak not in html, leak
    assert "And 1 other inbox you have no access to" in html
    assert InboxGrant.objects.filter(user=operator).count() == 1
