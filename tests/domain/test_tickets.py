"""The one ticket write service: bulk update with per-ticket checks, and a person's handover."""

from __future__ import annotations

import pytest

from avodash.avochato.django import get_client
from avodash.domain.errors import ActionError
from avodash.domain.tickets import AUTOASSIGN, UNASSIGN, tickets_handover, user_open_ticket_ids
from tests.helpers import INBOX, api_calls
from tests.team.conftest import open_ticket_ids, uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return get_client(INBOX)


def test_tickets_handover_pages_and_puts_in_chunks(client, sandbox):
    grace, sam = uid(sandbox, "grace.kim@acme.example"), uid(sandbox, "sam.rivera@acme.example")
    tickets = open_ticket_ids(sandbox, grace)
    assert len(tickets) > 3
    result = tickets_handover(client=client, from_user_id=grace, to=sam, chunk_size=3)
    assert result.ok and set(result.moved) == tickets and result.requested == len(tickets)
    puts = [c for c in api_calls(sandbox) if c["method"] == "PUT"]
    assert len(puts) == -(-len(tickets) // 3)
    assert all(len(c["path"].removeprefix("/v1/tickets/").split(",")) <= 3 for c in puts)
    assert open_ticket_ids(sandbox, grace) == set()
    assert "Handed over" in result.summary
    # running it again finds nothing left: a resumed job does no harm
    again = tickets_handover(client=client, from_user_id=grace, to=sam)
    assert again.requested == 0 and again.summary == "No open tickets to hand over."


def test_tickets_handover_reports_failed_chunks_and_goes_on(client, sandbox):
    grace, sam = uid(sandbox, "grace.kim@acme.example"), uid(sandbox, "sam.rivera@acme.example")
    tickets = sorted(open_ticket_ids(sandbox, grace))
    first = user_open_ticket_ids(client=client, user_id=grace)[:2]
    sandbox.faults.add(f"/v1/tickets/{'%2C'.join(first)}", method="PUT", status=422)
    sandbox.faults.add(f"/v1/tickets/{','.join(first)}", method="PUT", status=422)
    result = tickets_handover(client=client, from_user_id=grace, to=sam, chunk_size=2)
    assert not result.ok
    assert {o.ticket_id for o in result.failed} == set(first)
    assert set(result.moved) == set(tickets) - set(first)
    assert open_ticket_ids(sandbox, grace) == set(first)


@pytest.mark.parametrize("to", [UNASSIGN, AUTOASSIGN])
def test_tickets_handover_to_nobody_or_auto_assignment(client, sandbox, to):
    grace = uid(sandbox, "grace.kim@acme.example")
    # Auto-assignment picks among enabled members: offboarding disables the person first.
    sandbox.state.inbox(INBOX).members[grace].enabled = False
    tickets = open_ticket_ids(sandbox, grace)
    result = tickets_handover(client=client, from_user_id=grace, to=to)
    assert set(result.moved) == tickets
    assert open_ticket_ids(sandbox, grace) == set()


def test_auto_assignment_handing_a_ticket_back_to_the_same_person_is_not_moved(client, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")  # still enabled: auto-assignment may pick her
    result = tickets_handover(client=client, from_user_id=grace, to=AUTOASSIGN)
    back = [o.ticket_id for o in result.failed]
    assert set(back) == open_ticket_ids(sandbox, grace)
    assert all("same person" in o.message for o in result.failed)


def test_tickets_handover_refuses_the_same_user(client, sandbox):
    with pytest.raises(ActionError):
        tickets_handover(client=client, from_user_id="a", to="a")
    assert api_calls(sandbox) == []


def test_a_handover_summary_counts_in_words():
    from avodash.domain.tickets import HandoverResult, TicketOutcome

    one = HandoverResult(requested=1, outcomes=[TicketOutcome(ticket_id="t1", ok=True)])
    assert one.summary == "Handed over 1 of 1 open ticket."
    two = HandoverResult(requested=2, outcomes=[TicketOutcome(ticket_id="t1", ok=True)])
    assert two.summary.startswith("Handed over 1 of 2 open tickets.")
