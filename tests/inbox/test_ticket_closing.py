"""Closing from the ticket page: the next ticket of the queue the person came from, Undo
(status, owner and addressed state back, audited), Reopen, and the choice to stay."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from avodash.models import AuditEntry
from inbox.closing import SESSION_KEY
from inbox.models import Preference
from tests.helpers import INBOX, post
from tests.inbox.support import HTMX, QUEUE, box, row_ids, text_of, ticket_url

UNADDRESSED = "unaddressed=on&order=oldest_activity"


def queue_ids(client, qs: str = UNADDRESSED) -> list[str]:
    return row_ids(client.get(f"{QUEUE}?{qs}"))


def close(client, ticket_id: str, origin: str = UNADDRESSED, **extra):
    return post(client, f"{ticket_url(ticket_id)}close/", {"from": origin, "name": "Someone"}, **extra)


def undo(client, ticket_id: str):
    return post(client, f"{ticket_url(ticket_id)}undo-close/", {"from": UNADDRESSED})


def owned_unaddressed(sandbox):
    """An unaddressed ticket of the queue that has an owner (what Undo must give back)."""
    inbox = box(sandbox)
    return next(t for t in inbox.tickets.values() if t.unaddressed and t.user_id and t.status != "Closed")


def test_queue_links_carry_the_queue_and_back_returns_to_it(client_agent, sandbox):
    page = text_of(client_agent.get(f"{QUEUE}?{UNADDRESSED}"))
    first = queue_ids(client_agent)[0]
    assert f'{ticket_url(first)}?from=unaddressed%3Don%26order%3Doldest_activity"' in page
    ticket_page = text_of(
        client_agent.get(f"{ticket_url(first)}?from=unaddressed%3Don%26order%3Doldest_activity")
    )
    assert f'class="back-link" href="{QUEUE}?unaddressed=on&amp;order=oldest_activity"' in ticket_page


def test_a_forged_from_keeps_only_the_queues_filters(client_agent, sandbox):
    first = queue_ids(client_agent)[0]
    ticket_page = text_of(
        client_agent.get(f"{ticket_url(first)}?from=status%3DOpen%26evil%3D%22x%26owner%3D..%2F")
    )
    assert f'class="back-link" href="{QUEUE}?status=Open"' in ticket_page


def test_closing_goes_to_the_next_ticket_of_the_queue(client_agent, sandbox):
    ids = queue_ids(client_agent)
    r = close(client_agent, ids[0])
    assert r.status_code == 302
    target = urlsplit(r["Location"])
    assert target.path == ticket_url(ids[1])
    assert parse_qs(target.query) == {"from": [UNADDRESSED]}
    assert box(sandbox).tickets[ids[0]].status == "Closed"
    # The next page offers Undo.
    page = text_of(client_agent.get(r["Location"]))
    assert 'id="undo-toast"' in page and "Closed the ticket with <strong>Someone</strong>." in page


def test_closing_from_the_middle_goes_to_the_one_after(client_agent, sandbox):
    ids = queue_ids(client_agent, "status=any")
    r = close(client_agent, ids[2], origin="status=any")
    assert urlsplit(r["Location"]).path == ticket_url(ids[3])


def test_closing_with_htmx_is_a_client_redirect(client_agent, sandbox):
    ids = queue_ids(client_agent)
    r = close(client_agent, ids[0], **HTMX)
    assert urlsplit(r["HX-Redirect"]).path == ticket_url(ids[1])


def test_the_last_ticket_closed_goes_back_to_the_queue(client_agent, sandbox):
    ticket = owned_unaddressed(sandbox)
    qs = f"owner={ticket.user_id}&unaddressed=on"
    for other in box(sandbox).tickets.values():
        if other.user_id == ticket.user_id and other.id != ticket.id:
            other.unaddressed = False
    assert queue_ids(client_agent, qs) == [ticket.id]
    r = close(client_agent, ticket.id, origin=qs)
    assert r["Location"] == f"{QUEUE}?{qs}"
    assert 'id="undo-toast"' in text_of(client_agent.get(r["Location"]))


def test_undo_puts_status_owner_and_addressed_back_in_one_audited_action(client_agent, sandbox):
    ticket = owned_unaddressed(sandbox)
    status, owner = ticket.status, ticket.user_id
    close(client_agent, ticket.id)
    assert ticket.status == "Closed" and ticket.unaddressed is False
    r = undo(client_agent, ticket.id)
    assert urlsplit(r["Location"]).path == ticket_url(ticket.id)
    assert (ticket.status, ticket.user_id, ticket.unaddressed) == (status, owner, True)
    entry = AuditEntry.objects.get(action="ticket.undo_close")
    assert entry.outcome == AuditEntry.OK and entry.target == ticket.id
    assert entry.params == {"status": status, "user_id": owner, "unaddressed": "true"}
    closed = AuditEntry.objects.get(action="ticket.status")
    assert closed.params["before"] == {"status": status, "owner_id": owner, "unaddressed": True}
    # Once only.
    assert "Too late to undo" in text_of(client_agent.get(undo(client_agent, ticket.id)["Location"]))


def test_undo_after_the_window_is_refused(client_agent, sandbox):
    ticket = owned_unaddressed(sandbox)
    close(client_agent, ticket.id)
    session = client_agent.session
    session[SESSION_KEY]["at"] -= 60
    session.save()
    r = undo(client_agent, ticket.id)
    assert ticket.status == "Closed"
    assert "Too late to undo that close: use Reopen on the ticket." in text_of(
        client_agent.get(r["Location"])
    )
    assert not AuditEntry.objects.filter(action="ticket.undo_close").exists()


def test_a_closed_ticket_has_a_reopen_button(client_agent, sandbox):
    ticket = owned_unaddressed(sandbox)
    close(client_agent, ticket.id)
    page = text_of(client_agent.get(ticket_url(ticket.id)))
    assert 'id="reopen-ticket"' in page and 'id="close-ticket"' not in page
    r = post(client_agent, f"{ticket_url(ticket.id)}update/", {"status": "Open"}, **HTMX)
    assert ticket.status == "Open"
    assert 'id="close-ticket"' in text_of(r)


def test_the_person_may_choose_to_stay(client_agent, agent, sandbox):
    ids = queue_ids(client_agent)
    r = post(client_agent, f"{ticket_url(ids[0])}after-close/", {"after_close": "stay"}, **HTMX)
    assert r.status_code == 204
    assert Preference.objects.get(user=agent).after_close == "stay"
    r = close(client_agent, ids[0])
    assert urlsplit(r["Location"]).path == ticket_url(ids[0])
    assert 'value="stay" selected' in text_of(client_agent.get(r["Location"]))


def test_closing_needs_the_status_permission(client_agent, agent, sandbox):
    from django.contrib.auth.models import Permission

    agent.groups.clear()
    agent.user_permissions.add(Permission.objects.get(codename="view_tickets"))
    ticket = owned_unaddressed(sandbox)
    assert close(client_agent, ticket.id).status_code == 403
    assert ticket.status != "Closed"


def test_a_close_for_another_inbox_is_refused(client_agent, sandbox):
    ticket = owned_unaddressed(sandbox)
    r = post(client_agent, f"{ticket_url(ticket.id)}close/", {"from": ""}, inbox="acme-sales")
    assert r.status_code == 400 and ticket.status != "Closed"
    assert INBOX  # the URL's inbox


def test_send_and_close_sends_closes_and_goes_to_the_next_ticket(client_agent, sandbox):
    from tests.inbox.support import message_posts, outbound, reply, ticket_for

    bob = ticket_for(sandbox, "+15551234567")
    r = reply(client_agent, sandbox, text="All done, thanks!", and_close="1", **{"from": "status=any"})
    assert len(message_posts(sandbox)) == 1
    assert outbound(sandbox, bob.id)[-1].message == "All done, thanks!"
    assert bob.status == "Closed"
    target = urlsplit(r["HX-Redirect"])
    assert target.path != ticket_url(bob.id) and parse_qs(target.query) == {"from": ["status=any"]}
    page = text_of(client_agent.get(r["HX-Redirect"]))
    assert "Sent to Bob McTest." in page and 'id="undo-toast"' in page


def test_send_and_close_that_is_not_sent_closes_nothing(client_agent, sandbox):
    from tests.inbox.support import reply, ticket_for

    bob = ticket_for(sandbox, "+15551234567")
    status = bob.status
    r = reply(client_agent, sandbox, text="x" * 1700, and_close="1")
    assert r.status_code == 422 and bob.status == status
