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


def _open_ids(sandbox) -> set[str]:
    inbox = sandbox.state.inboxes[INBOX]
    return {t.id for t in inbox.tickets.values() if t.status == "Open"}


@pytest.mark.parametrize("order", ["most_recent_activity", "oldest"])
def test_a_cursor_walk_survives_its_cursor_ticket_being_closed_mid_walk(client, sandbox, order):
    """The `after` cursor's ticket leaves the filter between pages: the walk ends, never loops,
    and still reaches every ticket that stayed in the filter (the sandbox's rule: see
    `_start_after` in its ticket list)."""
    before = _open_ids(sandbox)
    assert len(before) > 12
    with sandbox.state.lock:  # a blocked contact's ticket ignores status changes: none here
        for contact in sandbox.state.inboxes[INBOX].contacts.values():
            contact.blocked = False
    walk = client.iter_cursor(("tickets",), {"status": "Open", "limit": 5, "order": order}, key="tickets")
    first = [next(walk)["id"] for _ in range(5)]
    client.put(("tickets", first[-1]), data={"status": "Closed"})  # the cursor's ticket leaves "Open"
    assert sandbox.state.inboxes[INBOX].tickets[first[-1]].status == "Closed"
    rest = [t["id"] for t in walk]
    assert set(first[:-1] + rest) == before - {first[-1]}
    assert first[-1] not in rest
    gets = [c for c in api_calls(sandbox) if c["method"] == "GET"]
    assert len(gets) <= len(before) // 5 + 3  # a page more at most (the start over), no loop
