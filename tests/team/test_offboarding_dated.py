"""Dated offboarding: it waits, visible and cancellable, then runs by itself at its time
through the real database queue and worker loop (time is moved, not slept)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from avodash.models import AuditEntry
from team.models import Job
from tests.team.support import assert_job, last_job, run_worker, user_id

pytestmark = pytest.mark.usefixtures("db_tasks", "no_rate_limit")

SAM = "sam.rivera@acme.example"
MAYA = "maya.patel@acme.example"


@pytest.fixture
def later(monkeypatch):
    """Move the clock forward: `later(hours=2)`."""

    def move(**delta):
        real = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: real + timedelta(**delta))

    return move


def _schedule(client, sandbox, run_at) -> Job:
    maya = user_id(sandbox, MAYA)
    r = client.post(
        "/team/offboard/",
        {
            "email": SAM,
            "action": "disable",
            "scheduled": "cancel",
            "when": "later",
            "run_at": timezone.localtime(run_at).strftime("%Y-%m-%dT%H:%M"),
            "in_acme-support": "on",
            "to_acme-support": maya,
            "in_acme-sales": "on",
            "to_acme-sales": maya,
            "confirm": "yes",
        },
    )
    job = last_job()
    assert r.status_code == 302 and r["Location"] == f"/team/jobs/{job.pk}/"
    return job


def _writes(sandbox) -> list:
    return [r for r in sandbox.requests if r["method"] != "GET"]


def test_a_dated_offboarding_waits_then_runs_by_itself_at_its_time(client_itadmin, itadmin, sandbox, later):
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    his = {
        t.id
        for t in sandbox.state.inbox("acme-sales").tickets.values()
        if t.user_id == sam and t.status != "Closed"
    }
    job = _schedule(client_itadmin, sandbox, timezone.now() + timedelta(hours=1))
    assert job.status == Job.SCHEDULED
    task = DBTaskResult.objects.get(id=job.task_id)
    assert abs(task.run_after - job.run_after) < timedelta(seconds=1)

    # Visible and cancellable until then.
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Scheduled for" in page and "Cancel the scheduled run" in page
    assert SAM in client_itadmin.get("/team/jobs/").content.decode()
    assert "Offboard sam.rivera@acme.example" in client_itadmin.get("/team/").content.decode()

    sandbox.clear_log()
    run_worker()  # before its time: nothing happens
    assert_job(job, Job.SCHEDULED)
    assert _writes(sandbox) == []
    assert sandbox.state.inbox("acme-sales").members[sam].enabled is True

    later(hours=1, minutes=1)
    run_worker()
    assert_job(job, Job.DONE)
    for sub in ("acme-support", "acme-sales"):
        assert sandbox.state.inbox(sub).members[sam].enabled is False
    assert {sandbox.state.inbox("acme-sales").tickets[t].user_id for t in his} == {maya}
    # Audited in the name of the operator who scheduled it.
    steps = AuditEntry.objects.filter(params__job=job.pk, inbox__in=["acme-support", "acme-sales"])
    assert (
        steps.exclude(action="tickets.bulk_update").count() == 6
    )  # + the handovers' ticket entries and {e.actor_id for e in steps} == {itadmin.pk}
    assert AuditEntry.objects.filter(action="team.job_schedule", params__job=job.pk, actor=itadmin).exists()


def test_a_dated_offboarding_cancelled_before_its_time_never_runs(client_itadmin, sandbox, later):
    sam = user_id(sandbox, SAM)
    job = _schedule(client_itadmin, sandbox, timezone.now() + timedelta(hours=3))
    sandbox.clear_log()
    r = client_itadmin.post(f"/team/jobs/{job.pk}/cancel/")
    assert r.status_code == 302
    assert_job(job, Job.CANCELLED)
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Cancelled by Itadmin Tester (itadmin)" in page and "Nothing was changed in Avochato" in page
    assert AuditEntry.objects.filter(action="team.job_cancel", params__job=job.pk).exists()

    later(hours=4)
    run_worker()
    assert_job(job, Job.CANCELLED)
    assert _writes(sandbox) == []
    assert sandbox.state.inbox("acme-support").members[sam].enabled is True
    assert set(job.steps.values_list("status", flat=True)) == {"cancelled"}


def test_a_started_job_can_no_longer_be_cancelled(client_itadmin, sandbox, later):
    job = _schedule(client_itadmin, sandbox, timezone.now() + timedelta(hours=1))
    later(hours=2)
    run_worker()
    r = client_itadmin.post(f"/team/jobs/{job.pk}/cancel/", follow=True)
    assert "can no longer be cancelled" in r.content.decode()
    assert_job(job, Job.DONE)


def test_an_operator_who_lost_the_inbox_meanwhile_does_not_act_there(client_itadmin, itadmin, sandbox, later):
    from avodash.models import InboxGrant

    sam = user_id(sandbox, SAM)
    job = _schedule(client_itadmin, sandbox, timezone.now() + timedelta(hours=1))
    InboxGrant.objects.filter(user=itadmin).delete()
    InboxGrant.objects.create(user=itadmin, subdomain="acme-sales")
    later(hours=2)
    run_worker()
    assert_job(job, Job.FAILED)
    assert sandbox.state.inbox("acme-support").members[sam].enabled is True
    assert sandbox.state.inbox("acme-sales").members[sam].enabled is False
    failed = job.steps.get(
        inbox="acme-support", position__in=job.steps.filter(inbox="acme-support").values("position")[:1]
    )
    assert "no longer granted the inbox acme-support" in failed.error


def test_the_worker_runs_a_job_started_now(client_itadmin, sandbox):
    """Without a date the job is queued; the worker picks it up on its next pass."""
    maya = user_id(sandbox, MAYA)
    client_itadmin.post(
        "/team/offboard/",
        {
            "email": SAM,
            "action": "disable",
            "scheduled": "keep",
            "when": "now",
            "in_acme-sales": "on",
            "to_acme-sales": maya,
            "confirm": "yes",
        },
    )
    job = last_job()
    assert job.status == Job.QUEUED
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page  # the page polls while it is live
    run_worker()
    assert_job(job, Job.DONE)
    r = client_itadmin.get(f"/team/jobs/{job.pk}/", headers={"HX-Request": "true"})
    body = r.content.decode()
    assert "<html" not in body and 'id="job-progress"' in body and "hx-trigger" not in body


def test_a_job_no_worker_takes_says_so(client_itadmin, sandbox, later):
    maya = user_id(sandbox, MAYA)
    client_itadmin.post(
        "/team/offboard/",
        {
            "email": SAM,
            "action": "disable",
            "scheduled": "keep",
            "when": "now",
            "in_acme-sales": "on",
            "to_acme-sales": maya,
            "confirm": "yes",
        },
    )
    job = last_job()
    assert "no worker has started it" not in client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    later(minutes=5)
    assert "no worker has started it" in client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
