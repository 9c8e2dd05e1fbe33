"""Offboarding across inboxes: the plan, handover, scheduled messages, disable/remove, retry,
resume, and what the sandbox looks like afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from avodash.models import AuditEntry, InboxGrant
from team.models import Job, JobStep
from tests.conftest import IT_ADMIN, make_user
from tests.team.support import DATABASE, IMMEDIATE, assert_job, calls, last_job, user_id

pytestmark = pytest.mark.usefixtures("immediate", "no_rate_limit")

SAM = "sam.rivera@acme.example"
MAYA = "maya.patel@acme.example"
BOTH = ("acme-support", "acme-sales")


def _owners(sandbox) -> dict[tuple[str, str], str | None]:
    return {(sub, t.id): t.user_id for sub, i in sandbox.state.inboxes.items() for t in i.tickets.values()}


def _members(sandbox) -> dict[tuple[str, str], tuple[str, bool]]:
    return {
        (sub, uid): (m.role, m.enabled)
        for sub, i in sandbox.state.inboxes.items()
        for uid, m in i.members.items()
    }


def _pending(sandbox) -> dict[tuple[str, str], bool]:
    return {
        (sub, p.event_id): p.aborted for sub, i in sandbox.state.inboxes.items() for p in i.pending.values()
    }


def _open_of(sandbox, sub: str, uid: str) -> set[str]:
    return {
        t.id for t in sandbox.state.inbox(sub).tickets.values() if t.user_id == uid and t.status != "Closed"
    }


def _form(sandbox, **extra) -> dict:
    maya = user_id(sandbox, MAYA)
    data = {
        "email": SAM,
        "action": "disable",
        "scheduled": "cancel",
        "when": "now",
        "in_acme-support": "on",
        "to_acme-support": maya,
        "in_acme-sales": "on",
        "to_acme-sales": maya,
        "confirm": "yes",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_the_plan_shows_each_inbox_with_role_state_tickets_and_scheduled_messages(client_itadmin, sandbox):
    r = client_itadmin.get("/team/offboard/", {"email": SAM})
    assert r.status_code == 200
    plan = r.context["person"]
    assert plan.user_id == user_id(sandbox, SAM)
    rows = {m.inbox.subdomain: m for m in plan.memberships}
    assert set(rows) == set(BOTH)
    sam = user_id(sandbox, SAM)
    for sub in BOTH:
        assert rows[sub].user.role == "member" and rows[sub].user.enabled is True
        assert rows[sub].open_tickets == len(_open_of(sandbox, sub, sam))
    assert len(rows["acme-support"].scheduled) == 1 and rows["acme-sales"].scheduled == []
    page = r.content.decode()
    assert "1 pending" in page and "would go out in their name" in page
    assert "Maya Patel" in page  # a successor to choose
    # The scheduled search asked Avochato by sender.
    searches = calls(sandbox, "GET", "/v1/messages/scheduled")
    assert {c["params"].get("sender_id") for c in searches} == {sam}


def test_an_unknown_person_is_reported(client_itadmin):
    r = client_itadmin.get("/team/offboard/", {"email": "nobody@nowhere.example"})
    assert r.status_code == 404
    assert "is not a member of any inbox you are granted" in r.content.decode()


def test_offboarding_hands_tickets_over_cancels_scheduled_and_disables_in_both_inboxes(
    client_itadmin, itadmin, sandbox
):
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    his = {sub: _open_of(sandbox, sub, sam) for sub in BOTH}
    assert all(his.values())
    owners, members, pending = _owners(sandbox), _members(sandbox), _pending(sandbox)

    r = client_itadmin.post("/team/offboard/", _form(sandbox))
    job = last_job()
    assert r.status_code == 302 and r["Location"] == f"/team/jobs/{job.pk}/"
    assert_job(job, Job.DONE)
    # Per inbox (in the inboxes' name order), in order: handover, scheduled messages, disable.
    assert [(s.inbox, s.action) for s in job.steps.all()] == [
        ("acme-sales", "reassign_tickets"),
        ("acme-sales", "cancel_scheduled"),
        ("acme-sales", "disable_user"),
        ("acme-support", "reassign_tickets"),
        ("acme-support", "cancel_scheduled"),
        ("acme-support", "disable_user"),
    ]

    # The sandbox: exactly his open tickets moved to Maya, he is disabled, his message cancelled...
    after_owners, after_members, after_pending = _owners(sandbox), _members(sandbox), _pending(sandbox)
    for sub in BOTH:
        for tid in his[sub]:
            assert after_owners[(sub, tid)] == maya
        assert after_members[(sub, sam)] == ("member", False)
    cancelled = {k for k, aborted in after_pending.items() if aborted and not pending[k]}
    assert len(cancelled) == 1 and next(iter(cancelled))[0] == "acme-support"
    # ...and nothing else changed.
    moved = {(sub, tid) for sub in BOTH for tid in his[sub]}
    assert {k: v for k, v in after_owners.items() if k not in moved} == {
        k: v for k, v in owners.items() if k not in moved
    }
    assert {k: v for k, v in after_members.items() if k[1] != sam} == {
        k: v for k, v in members.items() if k[1] != sam
    }
    assert {k: v for k, v in after_pending.items() if k not in cancelled} == {
        k: v for k, v in pending.items() if k not in cancelled
    }

    page = client_itadmin.get(r["Location"]).content.decode()
    assert f"{len(his['acme-support'])} open tickets handed to Maya Patel" in page
    assert "1 scheduled message cancelled" in page
    assert "6 of 6 steps finished" in page

    # Every step is in the audit trail, in the operator's name.
    audit = AuditEntry.objects.filter(params__job=job.pk).exclude(action="team.job_start").order_by("id")
    # (A handover also names the moved tickets, for the ticket pages' attribution.)
    assert [(e.inbox, e.action, e.outcome) for e in audit] == [
        ("acme-sales", "team.tickets_handover", "ok"),
        ("acme-sales", "tickets.bulk_update", "ok"),
        ("acme-sales", "team.scheduled_cancel", "ok"),
        ("acme-sales", "team.user_disable", "ok"),
        ("acme-support", "team.tickets_handover", "ok"),
        ("acme-support", "tickets.bulk_update", "ok"),
        ("acme-support", "team.scheduled_cancel", "ok"),
        ("acme-support", "team.user_disable", "ok"),
    ]
    assert {e.actor_id for e in audit} == {itadmin.pk}


def test_remove_with_autoassign_in_one_inbox_and_nobody_in_the_other_keeping_scheduled(
    client_itadmin, sandbox
):
    sam = user_id(sandbox, SAM)
    his = {sub: _open_of(sandbox, sub, sam) for sub in BOTH}
    pending = _pending(sandbox)
    r = client_itadmin.post(
        "/team/offboard/",
        _form(
            sandbox,
            action="remove",
            scheduled="keep",
            **{"to_acme-support": "autoassign", "to_acme-sales": "unassign"},
        ),
    )
    assert r.status_code == 302
    job = last_job()
    assert_job(job, Job.DONE)
    # With auto-assignment they are disabled first (auto-assignment skips disabled people).
    assert [(s.inbox, s.action) for s in job.steps.all()] == [
        ("acme-sales", "reassign_tickets"),
        ("acme-sales", "remove_user"),
        ("acme-support", "disable_user"),
        ("acme-support", "reassign_tickets"),
        ("acme-support", "remove_user"),
    ]
    st = sandbox.state
    for sub in BOTH:
        assert sam not in st.inbox(sub).members
    support_owners = {st.inbox("acme-support").tickets[t].user_id for t in his["acme-support"]}
    assert None not in support_owners and sam not in support_owners  # auto-assigned to colleagues
    assert {st.inbox("acme-sales").tickets[t].user_id for t in his["acme-sales"]} == {None}
    assert _pending(sandbox) == pending  # kept
    assert {c["params"].get("user_id") for c in sandbox.requests if c["method"] == "PUT"} == {
        "autoassign",
        "unassign",
    }


def test_only_the_chosen_inboxes_are_touched(client_itadmin, sandbox):
    sam = user_id(sandbox, SAM)
    client_itadmin.post("/team/offboard/", _form(sandbox, **{"in_acme-sales": None}))
    assert {s.inbox for s in last_job().steps.all()} == {"acme-support"}
    assert sandbox.state.inbox("acme-sales").members[sam].enabled is True
    assert not [c for c in sandbox.requests if c["method"] != "GET" and c["subdomain"] == "acme-sales"]


def test_a_failed_handover_holds_back_that_inbox_and_a_retry_does_not_redo_finished_steps(
    client_itadmin, sandbox
):
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    his = {sub: _open_of(sandbox, sub, sam) for sub in BOTH}
    # Avochato fails the handover in acme-support (a PUT naming one of his tickets there), once.
    sandbox.faults.add(f"/v1/tickets/*{sorted(his['acme-support'])[0]}*", method="PUT", status=500, times=1)
    client_itadmin.post("/team/offboard/", _form(sandbox))
    job = last_job()
    assert_job(job, Job.FAILED)
    steps = {(s.inbox, s.action): s for s in job.steps.all()}
    assert steps[("acme-support", "reassign_tickets")].status == JobStep.FAILED
    assert steps[("acme-support", "cancel_scheduled")].status == JobStep.BLOCKED
    assert steps[("acme-support", "disable_user")].status == JobStep.BLOCKED
    assert all(
        steps[(sub, a)].status == JobStep.DONE
        for sub in ["acme-sales"]
        for a in ("reassign_tickets", "cancel_scheduled", "disable_user")
    )
    # Not disabled where the handover failed: his tickets would be stranded.
    assert sandbox.state.inbox("acme-support").members[sam].enabled is True
    assert _open_of(sandbox, "acme-support", sam) == his["acme-support"]
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Held back" in page and "did not succeed in acme-support" in page

    sandbox.clear_log()
    r = client_itadmin.post(
        f"/team/jobs/{job.pk}/retry/", {"step": steps[("acme-support", "reassign_tickets")].position}
    )
    assert r.status_code == 302
    job.refresh_from_db()
    assert_job(job, Job.DONE)
    writes = [(c["method"], c["subdomain"]) for c in sandbox.requests if c["method"] != "GET"]
    assert writes and all(sub == "acme-support" for _, sub in writes)  # acme-sales not redone
    assert {sandbox.state.inbox("acme-support").tickets[t].user_id for t in his["acme-support"]} == {maya}
    assert sandbox.state.inbox("acme-support").members[sam].enabled is False
    attempts = {(s.inbox, s.action): s.attempts for s in job.steps.all()}
    assert attempts[("acme-sales", "disable_user")] == 1
    assert attempts[("acme-support", "reassign_tickets")] == 2
    failed = AuditEntry.objects.get(action="team.tickets_handover", outcome="failed")
    assert failed.inbox == "acme-support" and failed.params["job"] == job.pk


def test_a_crashed_job_resumes_and_rechecks_the_interrupted_step(client_itadmin, itadmin, sandbox, settings):
    """The worker died mid-handover: part of his tickets had moved. Resume re-queries the rest."""
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    his = sorted(_open_of(sandbox, "acme-support", sam))
    settings.TASKS = DATABASE  # queued, not run: the "worker" below dies
    client_itadmin.post("/team/offboard/", _form(sandbox, scheduled="keep", **{"in_acme-sales": None}))
    job = last_job()
    assert job.status == Job.QUEUED
    # The crash: running, no heartbeat for ten minutes, the handover caught mid-way.
    old = timezone.now() - timedelta(minutes=10)
    Job.objects.filter(pk=job.pk).update(status=Job.RUNNING, started_at=old, heartbeat_at=old)
    job.steps.filter(position=1).update(status=JobStep.RUNNING, attempts=1, started_at=old)
    for tid in his[:3]:
        sandbox.state.inbox("acme-support").tickets[tid].user_id = maya

    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Stalled" in page and "Resume" in page
    settings.TASKS = IMMEDIATE
    sandbox.clear_log()
    r = client_itadmin.post(f"/team/jobs/{job.pk}/resume/")
    assert r.status_code == 302
    assert_job(job, Job.DONE)
    step = job.steps.get(position=1)
    assert step.attempts == 2 and step.result["tickets"] == len(his) - 3
    assert {sandbox.state.inbox("acme-support").tickets[t].user_id for t in his} == {maya}
    puts = [c for c in sandbox.requests if c["method"] == "PUT"]
    assert len(puts) == 1 and set(puts[0]["path"].split("/")[-1].split(",")) == set(his[3:])
    assert sandbox.state.inbox("acme-support").members[sam].enabled is False
    assert AuditEntry.objects.filter(action="team.job_resume", params__job=job.pk, actor=itadmin).exists()


def test_the_plan_refuses_a_past_date(client_itadmin, sandbox):
    r = client_itadmin.post("/team/offboard/", _form(sandbox, when="later", run_at="2001-01-01T09:00"))
    assert r.status_code == 422
    assert "Choose a time in the future." in r.content.decode()
    assert not Job.objects.exists()


def test_a_rate_limited_step_waits_and_goes_on(client_itadmin, sandbox):
    """A 429 means Avochato did nothing: the job waits out Retry-After and sends the POST again."""
    sam = user_id(sandbox, SAM)
    sandbox.faults.add(f"/v1/users/{sam}/disable", method="POST", status=429, retry_after="0.2", times=1)
    client_itadmin.post("/team/offboard/", _form(sandbox, scheduled="keep", **{"in_acme-sales": None}))
    job = last_job()
    assert_job(job, Job.DONE)
    disables = calls(sandbox, "POST", f"/v1/users/{sam}/disable")
    assert [c["status"] for c in disables] == [429, 200]
    assert sandbox.state.inbox("acme-support").members[sam].enabled is False


def test_the_plan_counts_inboxes_outside_the_operators_grants_without_naming_them(
    client_itadmin, itadmin, sandbox
):
    from avodash.models import InboxGrant

    InboxGrant.objects.filter(user=itadmin).delete()
    InboxGrant.objects.create(user=itadmin, subdomain="acme-support")
    r = client_itadmin.get("/team/offboard/", {"email": "aisha.khan@acme.example"})
    person = r.context["person"]
    assert [m.inbox.subdomain for m in person.memberships] == ["acme-support"]
    assert person.elsewhere == ["globex-help"]
    html = r.content.decode()
    # An ungranted inbox looks like one that does not exist: a count, no name or subdomain.
    assert "And 1 other inbox you have no access to: this plan leaves it untouched." in html
    assert "globex-help" not in html and "Globex Help" not in html and "+14155550300" not in html
    assert not [c for c in sandbox.requests if c["subdomain"] == "globex-help"]


@pytest.mark.parametrize("tz", ["", "America%2FLos_Angeles", "Pacific%2FKiritimati"])
@pytest.mark.parametrize("run_at", ["9999-12-31T23:59", "0001-01-01T00:00", "9999-01-01T00:00"])
def test_a_run_at_out_of_range_is_a_form_error(client_itadmin, sandbox, tz, run_at):
    client_itadmin.cookies["tz"] = tz
    maya = user_id(sandbox, MAYA)
    r = client_itadmin.post(
        "/team/offboard/",
        {
            "email": SAM,
            "action": "disable",
            "scheduled": "cancel",
            "when": "later",
            "run_at": run_at,
            "in_acme-support": "on",
            "to_acme-support": maya,
        },
    )
    assert r.status_code == 422
    assert "Enter a date between the years 1900 and 9998." in r.content.decode()
    assert not Job.objects.exists()


def test_the_offboarding_plan_only_counts_inboxes_outside_the_grants(client, db, sandbox):
    operator = make_user("it-globex", IT_ADMIN, subdomains=("globex-help",))
    client.force_login(operator)
    r = client.get("/team/offboard/", {"email": "aisha.khan@acme.example"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Globex Help" in html
    for leak in ("Acme Support", "acme-support", "+15105551234"):
        assert leak not in html, leak
    assert "And 1 other inbox you have no access to" in html
    assert InboxGrant.objects.filter(user=operator).count() == 1
