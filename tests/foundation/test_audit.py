"""The audit helper records every write attempt; the audit page filters and exports."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from avodash.audit import audit_record, audited
from avodash.avochato import ValidationError
from avodash.models import AuditEntry

pytestmark = pytest.mark.django_db


def _request(user):
    req = RequestFactory().post("/x", REMOTE_ADDR="10.1.2.3")
    req.user = user
    return req


def test_audited_records_success(agent):
    with audited(
        _request(agent),
        action="ticket.status",
        target=["t1", "t2"],
        params={"status": "Closed", "auth_secret": "s3cr3t"},
        inbox="acme-support",
    ):
        pass
    e = AuditEntry.objects.get()
    assert (e.action, e.outcome, e.inbox, e.target, e.ip) == (
        "ticket.status",
        "ok",
        "acme-support",
        "t1,t2",
        "10.1.2.3",
    )
    assert e.params == {"status": "Closed"}, "secrets must not be recorded"
    assert e.actor == agent and "agent" in e.actor_name


def test_audited_records_failure_and_reraises(agent):
    with pytest.raises(ValidationError):
        with audited(_request(agent), action="message.send", target="+15550001111", inbox="acme-support"):
            raise ValidationError(status=422, errors=["Message is too long"])
    e = AuditEntry.objects.get()
    assert e.outcome == "failed"
    assert "too long" in e.error


def test_the_block_names_the_target_once_it_knows_it(agent):
    """A user addressed by email: the entry is pending under the email, finished under their id."""
    with audited(
        _request(agent), action="team.user_role", target="sam@x.example", inbox="acme-support"
    ) as audit:
        assert AuditEntry.objects.get().target == "sam@x.example"
        audit.target = "s2UFlpPQgB"
    assert AuditEntry.objects.get().target == "s2UFlpPQgB"


def test_unstorable_text_in_an_attempt_is_recorded_cleaned(agent):
    """NULs and lone surrogates (PostgreSQL refuses both) in what is recorded at the start, at
    the end (a save of a few fields) and after the fact: the save hook cleans them all."""
    bad = "a\x00b\ud800c"
    with pytest.raises(ValidationError):
        with audited(
            _request(agent), action="message.send", target=[bad], params={bad: bad}, inbox=bad
        ) as audit:
            audit.target, audit.extra = f"t{bad}", {"more": [bad]}
            raise ValidationError(status=422, errors=[bad])
    audit_record(actor=None, actor_name=bad, inbox=bad, action="user.disable", target=bad, error=bad)
    for e in AuditEntry.objects.all():
        texts = [e.actor_name, e.inbox, e.target, e.error, str(e.params)]
        assert not any("\x00" in t or "\ud800" in t for t in texts), texts
    first = AuditEntry.objects.get(action="message.send")
    assert (first.target, first.inbox, first.outcome) == ("ta\ufffdb\ufffdc", "a\ufffdb\ufffdc", "failed")
    assert first.params == {"a\ufffdb\ufffdc": "a\ufffdb\ufffdc", "more": ["a\ufffdb\ufffdc"]}
    assert "a\ufffdb\ufffdc" in first.error


def test_entries_survive_the_actors_deletion(agent):
    audit_record(actor=agent, inbox="acme-support", action="user.disable", target="u1")
    agent.delete()
    e = AuditEntry.objects.get()
    assert e.actor is None and "agent" in e.actor_name


def _seed_entries(agent, lead):
    audit_record(actor=agent, inbox="acme-support", action="ticket.status", target="t1")
    audit_record(
        actor=lead,
        inbox="acme-sales",
        action="ticket.assign",
        target="t2",
        params={"to": "Maya"},
        outcome=AuditEntry.FAILED,
        error="Not allowed",
    )
    audit_record(actor=lead, inbox="globex-help", action="user.disable", target="u9")


def test_the_audit_page_filters(client_itadmin, agent, lead):
    _seed_entries(agent, lead)
    body = client_itadmin.get("/audit/").content.decode()
    assert "ticket.status" in body and "ticket.assign" in body and "user.disable" in body
    body = client_itadmin.get("/audit/?outcome=failed").content.decode()
    assert "Not allowed" in body and 'title="ticket.status"' not in body
    body = client_itadmin.get("/audit/?inbox=globex-help").content.decode()
    assert 'title="user.disable"' in body and 'title="ticket.assign"' not in body
    body = client_itadmin.get("/audit/?actor=agent").content.decode()
    assert 'title="ticket.status"' in body and 'title="user.disable"' not in body


def test_the_audit_page_rejects_a_bad_filter(client_itadmin):
    r = client_itadmin.get("/audit/?since=2026-05-02&until=2026-05-01")
    assert r.status_code == 400
    assert "on or before" in r.content.decode()


def test_the_audit_csv_export(client_itadmin, agent, lead):
    _seed_entries(agent, lead)
    r = client_itadmin.get("/audit/?format=csv&outcome=failed")
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(r.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("time,actor")
    assert len(lines) == 2 and "ticket.assign" in lines[1]
    assert '{""to"": ""Maya""}' in lines[1], "params as JSON"


def test_agents_cannot_read_the_audit(client_agent):
    assert client_agent.get("/audit/").status_code == 403


def test_leads_see_only_their_inboxes(client_outsider, agent, lead):
    _seed_entries(agent, lead)
    body = client_outsider.get("/audit/").content.decode()
    assert 'title="user.disable"' in body  # globex-help: granted
    assert 'title="ticket.status"' not in body and 'title="ticket.assign"' not in body


def test_the_audit_page_names_actions_inboxes_and_links_tickets(client_itadmin, agent):
    audit_record(actor=agent, inbox="acme-support", action="ticket.status", target="t1")
    body = client_itadmin.get("/audit/").content.decode()
    assert "Ticket status" in body and "Acme Support" in body
    assert 'href="/i/acme-support/tickets/t1/"' in body


@pytest.mark.parametrize("tz", ["", "America%2FLos_Angeles", "Pacific%2FKiritimati"])
@pytest.mark.parametrize(
    "query", ["until=9999-12-31", "since=0001-01-01", "since=1899-12-31", "until=9999-12-31&format=csv"]
)
def test_out_of_range_dates_are_a_form_error_not_a_crash(client_itadmin, agent, tz, query):
    audit_record(actor=agent, inbox="acme-support", action="ticket.status", target="t1")
    client_itadmin.cookies["tz"] = tz
    r = client_itadmin.get(f"/audit/?{query}")
    assert r.status_code == 400
    assert "Enter a date between the years 1900 and 9998." in r.content.decode()


def test_dates_at_the_edges_of_the_range_still_filter(client_itadmin, agent):
    audit_record(actor=agent, inbox="acme-support", action="ticket.status", target="t1")
    client_itadmin.cookies["tz"] = "America%2FLos_Angeles"
    r = client_itadmin.get("/audit/?since=1900-01-01&until=9998-12-31")
    assert r.status_code == 200 and "ticket.status" in r.content.decode()
