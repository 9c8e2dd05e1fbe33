"""team.services against the sandbox: what the on/offboarding jobs and the pages call."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from avodash.avochato import NotFoundError, ValidationError
from avodash.avochato.django import get_client
from team import services
from tests.helpers import INBOX, api_calls
from tests.team.conftest import open_ticket_ids, uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return get_client(INBOX)


def test_user_get_by_id_and_by_email(client, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    by_id = services.user_get(client, user=sam)
    by_email = services.user_get(client, user="Sam.Rivera@acme.example")
    assert by_id == by_email
    assert by_id.role == "member" and by_id.enabled is True and by_id.details_loaded
    assert by_id.added_at is not None and by_id.signed_in_at is not None
    assert by_id.signed_in_at.tzinfo is not None
    assert [c["path"] for c in api_calls(sandbox, "GET", "/v1/users")] == [f"/v1/users/{sam}", "/v1/users/_"]
    with pytest.raises(NotFoundError):
        services.user_get(client, user="nobody@nowhere.example")


def test_users_list_has_roles_and_is_invalidated_by_writes(client, sandbox):
    users = services.users_list(client)
    assert {u.email for u in users} == {
        sandbox.state.users[m].email for m in sandbox.state.inbox(INBOX).members
    }
    assert all(u.details_loaded and u.role in services.ROLES for u in users)
    sandbox.clear_log()
    assert services.users_list(client) == users
    assert api_calls(sandbox) == []
    services.user_role_update(client, user="jordan.lee@acme.example", role="manager")
    jordan = next(u for u in services.users_list(client) if u.email == "jordan.lee@acme.example")
    assert jordan.role == "manager"


def test_a_failed_write_also_invalidates_the_cached_team(client, sandbox):
    services.users_list(client)
    with pytest.raises(ValidationError):
        services.user_add(client, email="jordan.lee@acme.example")  # already a member
    sandbox.clear_log()
    services.users_list(client)
    assert api_calls(sandbox, "GET", "/v1/users"), "the cached list should have been dropped"


def test_the_cache_version_survives_eviction_without_reusing_numbers(client, sandbox):
    services.users_list(client)
    before = services._team_version(INBOX)
    cache.delete(services._version_key(INBOX))  # evicted, as a shared cache may do
    services.team_cache_invalidate(subdomain=INBOX)
    assert services._team_version(INBOX) > before


def test_user_inboxes_and_open_ticket_count(client, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    assert [i.subdomain for i in services.user_inboxes(client, user=sam)] == ["acme-sales", "acme-support"]
    assert [i.name for i in services.user_inboxes(client, user="sam.rivera@acme.example")] == [
        "Acme Sales",
        "Acme Support",
    ]
    assert services.user_open_ticket_count(client, user_id=sam) == len(open_ticket_ids(sandbox, sam))
    assert set(services.user_open_ticket_ids(client, user_id=sam)) == open_ticket_ids(sandbox, sam)


def test_writes_by_email_use_the_underscore_segment(client, sandbox):
    user = services.user_disable(client, user="tom.becker@acme.example")
    assert user.enabled is False
    call = [c for c in api_calls(sandbox) if c["method"] == "POST"][0]
    assert call["path"] == "/v1/users/_/disable"
    assert call["params"]["email"] == "tom.becker@acme.example"
    assert services.user_enable(client, user="tom.becker@acme.example").enabled is True


def test_user_add_tells_a_new_user_from_an_existing_one(client, sandbox):
    new = services.user_add(client, email="fresh@acme.example", name="Fresh Face", role="member")
    assert new.invited is True and new.user.name == "Fresh Face" and new.user.role == "member"
    existing = services.user_add(client, email="chloe.nguyen@acme.example", role="manager")
    assert existing.invited is False and existing.user.role == "manager"
    assert "already had an Avochato login" in existing.outcome


def test_user_add_and_mfa_phone_refuse_bad_input_before_any_call(client, sandbox):
    with pytest.raises(ValueError):
        services.user_add(client, email="x@acme.example", role="admin")
    with pytest.raises(ValueError):
        services.user_mfa_phone_set(client, user="tom.becker@acme.example", phone="4155550100")
    assert api_calls(sandbox) == []


def test_password_reset_and_delete_return_the_apis_message(client, sandbox):
    tom = uid(sandbox, "tom.becker@acme.example")
    assert "tom.becker@acme.example" in services.user_password_reset(client, user=tom)
    assert "removed" in services.user_delete(client, user=tom)
    assert tom not in sandbox.state.inbox(INBOX).members


def test_tickets_handover_pages_and_puts_in_chunks(client, sandbox):
    grace, sam = uid(sandbox, "grace.kim@acme.example"), uid(sandbox, "sam.rivera@acme.example")
    tickets = open_ticket_ids(sandbox, grace)
    assert len(tickets) > 3
    result = services.tickets_handover(client, from_user_id=grace, to_user_id=sam, chunk_size=3)
    assert result.ok and set(result.moved) == tickets and set(result.found) == tickets
    puts = [c for c in api_calls(sandbox) if c["method"] == "PUT"]
    assert len(puts) == -(-len(tickets) // 3)
    assert all(len(c["path"].removeprefix("/v1/tickets/").split(",")) <= 3 for c in puts)
    assert open_ticket_ids(sandbox, grace) == set()
    assert "Handed over" in result.summary
    # running it again finds nothing left: a resumed job does no harm
    again = services.tickets_handover(client, from_user_id=grace, to_user_id=sam)
    assert again.found == () and again.summary == "No open tickets to hand over."


def test_tickets_handover_reports_failed_chunks_and_goes_on(client, sandbox):
    grace, sam = uid(sandbox, "grace.kim@acme.example"), uid(sandbox, "sam.rivera@acme.example")
    tickets = sorted(open_ticket_ids(sandbox, grace))
    first = services.user_open_ticket_ids(client, user_id=grace)[:2]
    sandbox.faults.add(f"/v1/tickets/{'%2C'.join(first)}", method="PUT", status=422)
    sandbox.faults.add(f"/v1/tickets/{','.join(first)}", method="PUT", status=422)
    result = services.tickets_handover(client, from_user_id=grace, to_user_id=sam, chunk_size=2)
    assert not result.ok
    assert {tid for tid, _ in result.failed} == set(first)
    assert set(result.moved) == set(tickets) - set(first)
    assert open_ticket_ids(sandbox, grace) == set(first)


def test_tickets_handover_refuses_the_same_user(client):
    with pytest.raises(ValueError):
        services.tickets_handover(client, from_user_id="a", to_user_id="a")
