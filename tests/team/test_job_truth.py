"""A step whose answer was lost reads its target back: done when the effect is there, failed
when it verifiably is not (a retry may send it again), unknown when it cannot be read back
(shown as such, holding later steps back). Every attempt has one audit row, begun before its
first API call and finished with the truth."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from team.models import Job, JobStep
from tests.team.support import assert_job, calls, last_job, run_worker, user_id

pytestmark = pytest.mark.usefixtures("db_tasks", "no_rate_limit")

SAM = "sam.rivera@acme.example"
MAYA = "maya.patel@acme.example"
LOST = "<html><body>502 Bad Gateway</body></html>"  # processed by Avochato, the answer mangled
INBOX = "acme-support"


def _plan(client, sandbox, **extra) -> Job:
    """Offboard Sam from acme-support (tickets to Maya, cancel his scheduled messages, then
    disable); queued, not run yet: the test sets its faults, then plays the worker."""
    data = {
        "email": SAM,
        "action": "disable",
        "scheduled": "cancel",
        "when": "now",
        "in_acme-support": "on",
        "to_acme-support": user_id(sandbox, MAYA),
        "confirm": "yes",
        **extra,
    }
    assert client.post("/team/offboard/", data).status_code == 302
    job = last_job()
    assert job.status == Job.QUEUED
    sandbox.clear_log()
    return job


def _steps(job: Job) -> dict[str, JobStep]:
    return {s.action: s for s in job.steps.all()}


def _his_tickets(sandbox, uid: str) -> set[str]:
    inbox = sandbox.state.inbox(INBOX)
    return {t.id for t in inbox.tickets.values() if t.user_id == uid and t.status != "Closed"}


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, inbox=INBOX).order_by("pk"))


def test_a_handover_whose_answer_was_lost_is_read_back_ticket_by_ticket(client_itadmin, sandbox):
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    his = _his_tickets(sandbox, sam)
    job = _plan(client_itadmin, sandbox)
    sandbox.faults.add("/v1/tickets/*", method="PUT", body=LOST, times=1)
    run_worker()
    assert_job(job, Job.DONE)
    step = _steps(job)[JobStep.REASSIGN_TICKETS]
    assert step.outcome == f"{len(his)} of {len(his)} open tickets handed to Maya Patel"
    assert sorted(step.result["ticket_ids"]) == sorted(his)
    assert len([c for c in sandbox.requests if c["method"] == "PUT"]) == 1  # read back, not resent
    assert {sandbox.state.inbox(INBOX).tickets[t].user_id for t in his} == {maya}
    [entry] = _audit("team.tickets_handover")
    assert entry.outcome == AuditEntry.OK and entry.params["tickets"] == len(his)
    assert not AuditEntry.objects.filter(outcome=AuditEntry.PENDING).exists()


def test_a_cancel_whose_answer_was_lost_is_read_back(client_itadmin, sandbox):
    sam = user_id(sandbox, SAM)
    [pending] = [
        p for p in sandbox.state.inbox(INBOX).pending.values() if p.sender_id == sam and not p.aborted
    ]
    job = _plan(client_itadmin, sandbox)
    sandbox.faults.add("/v1/messages/*", method="DELETE", body=LOST, times=1)
    run_worker()
    assert_job(job, Job.DONE)
    assert _steps(job)[JobStep.CANCEL_SCHEDULED].outcome == "1 scheduled message cancelled"
    assert len(calls(sandbox, "DELETE", f"/v1/messages/{pending.event_id}")) == 1
    assert pending.aborted
    [entry] = _audit("team.scheduled_cancel")
    assert entry.outcome == AuditEntry.OK


def test_a_disable_that_verifiably_did_not_happen_fails_and_a_retry_disables(client_itadmin, sandbox):
    sam = user_id(sandbox, SAM)
    job = _plan(client_itadmin, sandbox, scheduled="keep")
    sandbox.faults.add(f"/v1/users/{sam}/disable", method="POST", status=502, times=1)
    run_worker()
    assert_job(job, Job.FAILED)
    step = _steps(job)[JobStep.DISABLE_USER]
    assert step.status == JobStep.FAILED
    assert "Checked: they are still enabled; a retry disables them." in step.error
    assert sandbox.state.inbox(INBOX).members[sam].enabled is True
    [entry] = _audit("team.user_disable")
    assert entry.outcome == AuditEntry.FAILED and "still enabled" in entry.error

    client_itadmin.post(f"/team/jobs/{job.pk}/retry/")
    run_worker()
    assert_job(job, Job.DONE)
    assert sandbox.state.inbox(INBOX).members[sam].enabled is False
    assert [c["status"] for c in calls(sandbox, "POST", f"/v1/users/{sam}/disable")] == [502, 200]
    assert [e.outcome for e in _audit("team.user_disable")] == [AuditEntry.FAILED, AuditEntry.OK]


def test_a_cancel_that_cannot_be_read_back_is_unknown_and_holds_the_disable_back(client_itadmin, sandbox):
    sam = user_id(sandbox, SAM)
    [pending] = [
        p for p in sandbox.state.inbox(INBOX).pending.values() if p.sender_id == sam and not p.aborted
    ]
    job = _plan(client_itadmin, sandbox)
    path = f"/v1/messages/{pending.event_id}"
    sandbox.faults.add(path, method="DELETE", body=LOST, times=1)
    sandbox.faults.add(path, method="GET", status=503)
    run_worker()
    assert_job(job, Job.FAILED)
    steps = _steps(job)
    assert steps[JobStep.REASSIGN_TICKETS].status == JobStep.DONE
    assert steps[JobStep.CANCEL_SCHEDULED].status == JobStep.UNKNOWN
    assert "reading the message back failed too" in steps[JobStep.CANCEL_SCHEDULED].error
    assert steps[JobStep.DISABLE_USER].status == JobStep.BLOCKED
    assert "has an unknown outcome" in steps[JobStep.DISABLE_USER].outcome
    assert sandbox.state.inbox(INBOX).members[sam].enabled is True  # held back, not disabled
    [entry] = _audit("team.scheduled_cancel")
    assert entry.outcome == AuditEntry.UNKNOWN
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Outcome unknown — check" in page and "Check and retry" in page
    assert "1 outcome unknown" in page and "could not be read back" in page

    sandbox.faults.clear()
    position = steps[JobStep.CANCEL_SCHEDULED].position
    client_itadmin.post(f"/team/jobs/{job.pk}/retry/", {"step": position})
    run_worker()
    assert_job(job, Job.DONE)
    # The cancel had gone through: the retry found nothing pending and sent nothing again.
    assert len(calls(sandbox, "DELETE", path)) == 1
    assert _steps(job)[JobStep.CANCEL_SCHEDULED].outcome == "no pending scheduled messages left"
    assert sandbox.state.inbox(INBOX).members[sam].enabled is False
    assert [e.outcome for e in _audit("team.scheduled_cancel")] == [AuditEntry.UNKNOWN, AuditEntry.OK]


def test_a_remove_whose_answer_was_lost_is_read_back(client_itadmin, sandbox):
    sam = user_id(sandbox, SAM)
    job = _plan(client_itadmin, sandbox, action="remove", scheduled="keep")
    sandbox.faults.add(f"/v1/users/{sam}", method="DELETE", body=LOST, times=1)
    run_worker()
    assert_job(job, Job.DONE)
    assert _steps(job)[JobStep.REMOVE_USER].outcome.startswith("removed (confirmed by reading it back")
    assert len(calls(sandbox, "DELETE", f"/v1/users/{sam}")) == 1
    assert sam not in sandbox.state.inbox(INBOX).members
    [entry] = _audit("team.user_remove")
    assert entry.outcome == AuditEntry.OK
