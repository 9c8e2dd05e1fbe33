"""A job whose worker died continues by itself: the watch task re-queues it once its lease ran
out, the dead worker's django-tasks row is closed (not RUNNING forever), the interrupted step is
checked before anything is done again and finishes the audit row it began. Resume uses the
same lease. (The same with a real worker process killed with SIGKILL: test_job_kill.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from avodash.audit import audit_begin
from avodash.models import AuditEntry
from team.jobs import watch_jobs
from team.jobs.lease import WORKER_LOST
from team.models import Job, JobStep
from tests.team.support import assert_job, calls, last_job, run_worker, user_id

pytestmark = pytest.mark.usefixtures("db_tasks", "no_rate_limit")

SAM = "sam.rivera@acme.example"
MAYA = "maya.patel@acme.example"
INBOX = "acme-support"


def _plan(client, sandbox) -> Job:
    data = {
        "email": SAM,
        "action": "disable",
        "scheduled": "keep",
        "when": "now",
        "in_acme-support": "on",
        "to_acme-support": user_id(sandbox, MAYA),
        "confirm": "yes",
    }
    assert client.post("/team/offboard/", data).status_code == 302
    return last_job()


def _die_mid_handover(job: Job, sandbox, *, seconds_ago: float) -> DBTaskResult:
    """What a worker killed in the middle of the handover leaves: its task row RUNNING, the job
    RUNNING with its last heartbeat `seconds_ago`, the step running with a pending audit row,
    three of Sam's tickets already moved."""
    row = DBTaskResult.objects.get(pk=job.task_id)
    then = timezone.now() - timedelta(seconds=seconds_ago)
    DBTaskResult.objects.filter(pk=row.pk).update(
        status=TaskResultStatus.RUNNING, started_at=then, worker_ids=["dead-worker"]
    )
    Job.objects.filter(pk=job.pk).update(
        status=Job.RUNNING, started_at=then, heartbeat_at=then, lease_token="dead-run"
    )
    step = job.steps.get(action=JobStep.REASSIGN_TICKETS)
    entry = audit_begin(actor=job.run_by, inbox=INBOX, action="team.tickets_handover", target=SAM)
    JobStep.objects.filter(pk=step.pk).update(
        status=JobStep.RUNNING, attempts=1, started_at=then, audit_entry=entry
    )
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    his = sorted(
        t.id for t in sandbox.state.inbox(INBOX).tickets.values() if t.user_id == sam and t.status != "Closed"
    )
    for tid in his[:3]:
        sandbox.state.inbox(INBOX).tickets[tid].user_id = maya
    sandbox.clear_log()
    return row


def _make_watch_due() -> None:
    DBTaskResult.objects.filter(task_path=watch_jobs.module_path, status=TaskResultStatus.READY).update(
        run_after=timezone.now()
    )


def test_a_job_whose_worker_died_continues_by_itself(client_itadmin, sandbox, settings):
    settings.TEAM_JOB_LEASE = 30
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    his = sorted(
        t.id for t in sandbox.state.inbox(INBOX).tickets.values() if t.user_id == sam and t.status != "Closed"
    )
    job = _plan(client_itadmin, sandbox)
    assert DBTaskResult.objects.filter(
        task_path=watch_jobs.module_path, status=TaskResultStatus.READY
    ).exists()
    dead = _die_mid_handover(job, sandbox, seconds_ago=31)
    step = job.steps.get(action=JobStep.REASSIGN_TICKETS)

    _make_watch_due()
    run_worker()  # a new worker: the watch is due, re-queues the job, then runs it

    assert_job(job, Job.DONE)
    dead.refresh_from_db()
    assert dead.status == TaskResultStatus.FAILED and dead.exception_class_path == WORKER_LOST
    assert "no heartbeat since" in dead.traceback
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    # The interrupted handover re-queried his tickets: only the four left were moved, once.
    puts = [c for c in sandbox.requests if c["method"] == "PUT"]
    assert len(puts) == 1 and set(puts[0]["path"].split("/")[-1].split(",")) == set(his[3:])
    assert {sandbox.state.inbox(INBOX).tickets[t].user_id for t in his} == {maya}
    assert len(calls(sandbox, "POST", f"/v1/users/{sam}/disable")) == 1
    step.refresh_from_db()
    assert step.attempts == 2 and step.status == JobStep.DONE
    # It finished the audit row the dead run began: one row for the handover, ok.
    [entry] = AuditEntry.objects.filter(action="team.tickets_handover")
    assert entry.pk == step.audit_entry_id and entry.outcome == AuditEntry.OK
    resumed = AuditEntry.objects.get(action="team.job_resume", params__job=job.pk)
    assert resumed.actor is None and resumed.actor_name == "avodash (its worker stopped)"
    assert resumed.params["automatic"] is True


def test_a_job_within_its_lease_is_left_alone_and_resume_is_refused(client_itadmin, sandbox, settings):
    settings.TEAM_JOB_LEASE = 30
    job = _plan(client_itadmin, sandbox)
    row = _die_mid_handover(job, sandbox, seconds_ago=10)
    _make_watch_due()
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.RUNNING and not job.is_stale
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING  # maybe alive: not touched
    assert [c for c in sandbox.requests if c["method"] != "GET"] == []
    r = client_itadmin.post(f"/team/jobs/{job.pk}/resume/", follow=True)
    assert "This job is not stalled: nothing to resume." in r.content.decode()
    assert "Resume</button>" not in client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()

    # Past the lease: the page offers Resume, and it takes the job up at once.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=31))
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Stalled" in page and "takes the job up by itself shortly" in page and "Resume</button>" in page
    client_itadmin.post(f"/team/jobs/{job.pk}/resume/")
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    run_worker()
    assert_job(job, Job.DONE)
    resumed = AuditEntry.objects.get(action="team.job_resume", params__job=job.pk)
    assert resumed.actor_name == "Itadmin Tester (itadmin)" and resumed.params["automatic"] is False


def test_a_worker_that_died_before_claiming_its_job_is_replaced(client_itadmin, sandbox, settings):
    settings.TEAM_JOB_LEASE = 30
    job = _plan(client_itadmin, sandbox)
    then = timezone.now() - timedelta(seconds=31)
    DBTaskResult.objects.filter(pk=job.task_id).update(status=TaskResultStatus.RUNNING, started_at=then)
    dead = job.task_id
    _make_watch_due()
    run_worker()
    assert_job(job, Job.DONE)
    assert DBTaskResult.objects.get(pk=dead).status == TaskResultStatus.FAILED
    assert job.task_id != dead


def test_the_watch_stops_when_no_job_is_live(client_itadmin, sandbox):
    job = _plan(client_itadmin, sandbox)
    run_worker()
    assert_job(job, Job.DONE)
    _make_watch_due()
    run_worker()
    assert not DBTaskResult.objects.filter(
        task_path=watch_jobs.module_path, status=TaskResultStatus.READY
    ).exists()
    assert DBTaskResult.objects.filter(
        task_path=watch_jobs.module_path, status=TaskResultStatus.SUCCESSFUL
    ).exists()


def test_a_watch_whose_worker_died_is_closed_and_the_chain_then_ends(client_itadmin, sandbox, settings):
    settings.TEAM_JOB_LEASE = 30
    job = _plan(client_itadmin, sandbox)
    run_worker()
    assert_job(job, Job.DONE)
    # A worker killed while it ran a watch: that row stays RUNNING, nothing else is live.
    dead = watch_jobs.enqueue()
    then = timezone.now() - timedelta(seconds=32)
    DBTaskResult.objects.filter(pk=dead.id).update(status=TaskResultStatus.RUNNING, started_at=then)
    _make_watch_due()
    run_worker()
    row = DBTaskResult.objects.get(pk=dead.id)
    assert row.status == TaskResultStatus.FAILED and row.exception_class_path == WORKER_LOST
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
    _make_watch_due()
    run_worker()
    assert not DBTaskResult.objects.filter(
        task_path=watch_jobs.module_path, status=TaskResultStatus.READY
    ).exists()


def test_a_stalled_job_with_no_watch_queued_gets_one_when_its_page_is_seen(client_itadmin, sandbox, settings):
    """A job orphaned with no watch waiting (a worker killed before this code was deployed)."""
    settings.TEAM_JOB_LEASE = 30
    job = _plan(client_itadmin, sandbox)
    _die_mid_handover(job, sandbox, seconds_ago=31)
    DBTaskResult.objects.filter(task_path=watch_jobs.module_path).delete()
    assert "Stalled" in client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    _make_watch_due()
    run_worker()
    assert_job(job, Job.DONE)
