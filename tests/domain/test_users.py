"""The users domain against the sandbox: the directory-backed selectors and the write-through
services the team pages, the owner pickers and the on/offboarding jobs all use."""

from __future__ import annotations

import pytest

from avodash.avochato import NotFoundError, ValidationError
from avodash.avochato.django import get_client
from avodash.domain import directory
from avodash.domain import users as services
from avodash.domain.errors import ActionError
from avodash.domain.tickets import user_open_ticket_count, user_open_ticket_ids
from tests.helpers import INBOX, api_calls
from tests.team.conftest import open_ticket_ids, uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return get_client(INBOX)


def test_user_get_by_id_and_by_email(client, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    by_id = services.inbox_user(client=client, user=sam)
    by_email = services.inbox_user(client=client, user="Sam.Rivera@acme.example")
    assert by_id == by_email
    assert by_id.role == "member" and by_id.enabled is True and by_id.details_loaded
    assert by_id.added_at is not None and by_id.signed_in_at is not None
    assert by_id.signed_in_at.tzinfo is not None
    # The first read lists the inbox and reads details into the directory; the second is local.
    assert api_calls(sandbox, "GET", "/v1/users/_") == []
    with pytest.raises(NotFoundError):
        services.inbox_user(client=client, user="nobody@nowhere.example")


def test_inbox_users_have_roles_and_writes_show_at_once(client, sandbox):
    users = services.inbox_users(client=client)
    assert {u.email for u in users} == {
        sandbox.state.users[m].email for m in sandbox.state.inbox(INBOX).members
    }
    assert all(u.details_loaded and u.role in services.ROLES for u in users)
    sandbox.clear_log()
    assert services.inbox_users(client=client) == users
    assert api_calls(sandbox) == []  # the directory: no call per page, none per user
    services.user_role_update(client=client, user="jordan.lee@acme.example", role="manager")
    jordan = next(u for u in services.inbox_users(client=client) if u.email == "jordan.lee@acme.example")
    assert jordan.role == "manager"


def test_a_disabled_or_removed_user_is_not_offered_as_an_owner(client, sandbox):
    tom = uid(sandbox, "tom.becker@acme.example")
    assert tom in {u.id for u in services.owner_choices(client=client)}
    services.user_disable(client=client, user=tom)
    assert tom not in {u.id for u in services.owner_choices(client=client)}
    assert tom in {u.id for u in services.inbox_users(client=client)}  # still named on their tickets
    services.user_enable(client=client, user=tom)
    assert tom in {u.id for u in services.owner_choices(client=client)}
    services.user_delete(client=client, user=tom)
    assert tom not in {u.id for u in services.inbox_users(client=client)}


def test_a_failed_write_changes_nothing_in_the_directory(client, sandbox):
    before = services.inbox_users(client=client)
    with pytest.raises(ValidationError):
        services.user_add(client=client, email="jordan.lee@acme.example")  # already a member
    assert services.inbox_users(client=client) == before


def test_a_change_made_outside_avodash_shows_after_the_background_run(client, sandbox, settings):
    settings.DIRECTORY_REFRESH_SECONDS = settings.DIRECTORY_LIST_SECONDS = 60  # every member each run
    tom = uid(sandbox, "tom.becker@acme.example")
    services.inbox_users(client=client)
    sandbox.state.inbox(INBOX).members[tom].enabled = False  # disabled in Avochato's own screens
    assert services.inbox_user(client=client, user=tom).enabled is True  # not seen yet
    directory.sync_inbox(subdomain=INBOX)  # what the db_worker runs on its schedule
    assert services.inbox_user(client=client, user=tom).enabled is False


def test_user_inboxes_and_open_ticket_count(client, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    for sub in ("acme-sales", "acme-support", "globex-help"):
        services.inbox_users(client=get_client(sub))
    assert [i.subdomain for i in services.user_inboxes(client=client, user=sam)] == [
        "acme-sales",
        "acme-support",
    ]
    assert [i.name for i in services.user_inboxes(client=client, user=sam)] == ["Acme Sales", "Acme Support"]
    assert user_open_ticket_count(client=client, user_id=sam) == len(open_ticket_ids(sandbox, sam))
    assert set(user_open_ticket_ids(client=client, user_id=sam)) == open_ticket_ids(sandbox, sam)


def test_writes_by_email_use_the_underscore_segment(client, sandbox):
    user = services.user_disable(client=client, user="tom.becker@acme.example")
    assert user.enabled is False
    call = [c for c in api_calls(sandbox) if c["method"] == "POST"][0]
    assert call["path"] == "/v1/users/_/disable"
    assert call["params"]["email"] == "tom.becker@acme.example"
    assert services.user_enable(client=client, user="tom.becker@acme.example").enabled is True


def test_user_add_tells_a_new_user_from_an_existing_one(client, sandbox):
    new = services.user_add(client=client, email="fresh@acme.example", name="Fresh Face", role="member")
    assert new.invited is True and new.user.name == "Fresh Face" and new.user.role == "member"
    existing = services.user_add(client=client, email="chloe.nguyen@acme.example", role="manager")
    assert existing.invited is False and existing.user.role == "manager"
    assert "already had an Avochato login" in existing.outcome


def test_user_add_and_mfa_phone_refuse_bad_input_before_any_call(client, sandbox):
    with pytest.raises(ActionError):
        services.user_add(client=client, email="x@acme.example", role="admin")
    with pytest.raises(ActionError):
        services.user_mfa_phone_set(client=client, user="tom.becker@acme.example", phone="4155550100")
    assert api_calls(sandbox) == []


def test_password_reset_and_delete_return_the_apis_message(client, sandbox):
    tom = uid(sandbox, "tom.becker@acme.example")
    assert "tom.becker@acme.example" in services.user_password_reset(client=client, user=tom)
    assert "removed" in services.user_delete(client=client, user=tom)
    assert tom not in sandbox.state.inbox(INBOX).members


def test_a_read_back_asks_the_api_and_writes_the_directory_through(client, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    assert services.inbox_user(client=client, user=sam).role == "member"
    with sandbox.state.lock:  # a change the directory has not seen
        sandbox.state.inbox(INBOX).members[sam].role = "manager"
    sandbox.clear_log()
    assert services.user_read_back(client=client, user=sam).role == "manager"
    assert api_calls(sandbox, "GET", f"/v1/users/{sam}")
    assert directory.member(subdomain=INBOX, user=sam).role == "manager"
    with sandbox.state.lock:
        del sandbox.state.inbox(INBOX).members[sam]
    assert services.user_read_back(client=client, user=sam) is None
    assert directory.member(subdomain=INBOX, user=sam) is None


def test_a_doubted_user_is_read_from_the_api_next_time(client, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    services.inbox_user(client=client, user=sam)
    sandbox.clear_log()
    services.inbox_user(client=client, user=sam)
    assert api_calls(sandbox, "GET", f"/v1/users/{sam}") == []  # trusted: local
    services.user_doubt(client=client, user=sam)
    assert services.inbox_user(client=client, user=sam).details_loaded
    assert api_calls(sandbox, "GET", f"/v1/users/{sam}")
