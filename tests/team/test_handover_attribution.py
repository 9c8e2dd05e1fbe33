"""A ticket handed over by avodash names the person who did it on the ticket page, not
Avochato's "Avodash API": the handover writes audit entries the ticket page matches."""

from __future__ import annotations

import pytest

from tests.team.conftest import open_ticket_ids, team_url, uid
from tests.team.support import assert_job, offboard_now

pytestmark = pytest.mark.usefixtures("immediate", "no_rate_limit")

SAM = "sam.rivera@acme.example"


def _owner_line(client, ticket_id: str) -> str:
    page = client.get(f"/i/acme-support/tickets/{ticket_id}/").content.decode()
    start = page.rindex("Assigned to <strong>Maya Patel</strong>")
    return page[start : start + 200]


def test_a_ticket_handed_over_by_an_offboarding_job_names_the_it_admin(client_itadmin, sandbox):
    sam = uid(sandbox, SAM)
    ticket = sorted(open_ticket_ids(sandbox, sam))[0]
    job = offboard_now(client_itadmin, sandbox)
    assert_job(job, "done")
    line = _owner_line(client_itadmin, ticket)
    assert "by Itadmin Tester" in line and "(via avodash)" in line, line


def test_a_ticket_handed_over_when_removing_someone_names_the_it_admin(client_itadmin, sandbox):
    sam, maya = uid(sandbox, SAM), uid(sandbox, "maya.patel@acme.example")
    ticket = sorted(open_ticket_ids(sandbox, sam))[0]
    r = client_itadmin.post(
        team_url(f"{sam}/remove/"), {"inbox": "acme-support", "confirm": "yes", "handover_to": maya}
    )
    assert r.status_code == 302
    assert "by Itadmin Tester" in _owner_line(client_itadmin, ticket)
