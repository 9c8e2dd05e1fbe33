"""Onboarding one person into several inboxes: per-inbox outcome, refusals, retry, audit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from avodash.models import AuditEntry
from avodash.roles import IT_ADMIN
from team.models import Job, JobStep
from tests.team.support import assert_job, calls, last_job

pytestmark = pytest.mark.usefixtures("immediate", "no_rate_limit")

NEW = "nora.new@acme.example"
ALL3 = ["acme-support", "acme-sales", "globex-help"]


def _refuse_user_admin(sandbox, subdomain: str) -> None:
    """Make the API credential a plain member of one inbox: Avochato refuses user admin there."""
    api = sandbox.state.user_by_email("api@avodash.example")
    sandbox.state.inbox(subdomain).members[api.id].role = "member"


def _onboard(client, **data):
    form = {"email": NEW, "name": "Nora New", "role": "manager", "phone": "+1 415 555 0188", "inboxes": ALL3}
    form.update(data)
    return client.post("/team/onboard/", form)


def test_it_shows_the_form_with_granted_inboxes(client_itadmin):
    r = client_itadmin.get("/team/onboard/")
    assert r.status_code == 200
    for name in ("Acme Support", "Acme Sales", "Globex Help"):
        assert name in r.content.decode()


def test_it_onboards_into_three_inboxes_reports_a_refusal_and_retries_only_it(client_itadmin, sandbox):
    _refuse_user_admin(sandbox, "globex-help")
    r = _onboard(client_itadmin)
    job = last_job()
    assert r.status_code == 302 and r["Location"] == f"/team/jobs/{job.pk}/"
    assert job.status == Job.FAILED

    page = client_itadmin.get(r["Location"]).content.decode()
    assert "added as manager" in page
    assert "Requires manager or owner role" in page  # the refusal, and why
    assert "Retry failed steps" in page

    user = sandbox.state.user_by_email(NEW)
    assert user.name == "Nora New" and user.pending_mfa_phone == "+14155550188"
    assert sandbox.state.inbox("acme-support").members[user.id].role == "manager"
    assert sandbox.state.inbox("acme-sales").members[user.id].role == "manager"
    assert user.id not in sandbox.state.inbox("globex-help").members
    posted = calls(sandbox, "POST", "/v1/users")
    assert sorted(c["subdomain"] for c in posted) == sorted(ALL3)
    assert all(c["params"].get("phone") == "+14155550188" for c in posted)

    # Avochato is fixed; retry: only globex-help is sent again.
    sandbox.state.inbox("globex-help").members[
        sandbox.state.user_by_email("api@avodash.example").id
    ].role = "owner"
    sandbox.clear_log()
    r = client_itadmin.post(f"/team/jobs/{job.pk}/retry/")
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.DONE
    assert [c["subdomain"] for c in calls(sandbox, "POST", "/v1/users")] == ["globex-help"]
    assert sandbox.state.inbox("globex-help").members[user.id].role == "manager"
    attempts = dict(job.steps.values_list("inbox", "attempts"))
    assert attempts == {"acme-support": 1, "acme-sales": 1, "globex-help": 2}


def test_the_form_warns_from_the_directory_that_they_are_already_in_a_chosen_inbox(client_itadmin, sandbox):
    data = {"email": "maya.patel@acme.example", "role": "member", "inboxes": ["acme-support", "globex-help"]}
    r = client_itadmin.post("/team/onboard/", data)
    assert r.status_code == 422
    page = r.content.decode()
    assert "maya.patel@acme.example is already in Acme Support (as manager)." in page
    assert 'name="acknowledged" value="True"' in page
    assert calls(sandbox, "POST", "/v1/users") == [] and last_job() is None
    assert "POST /v1/users" not in page  # words, not API routes


def test_it_says_already_a_member_without_adding_again(client_itadmin, sandbox):
    r = client_itadmin.post(
        "/team/onboard/",
        {
            "email": "maya.patel@acme.example",
            "role": "member",
            "inboxes": ["acme-support", "globex-help"],
            "acknowledged": "True",
        },
    )
    assert r.status_code == 302
    steps = {s.inbox: s for s in last_job().steps.all()}
    assert steps["acme-support"].outcome == "already a member as manager: role unchanged (asked for member)"
    assert steps["globex-help"].outcome.startswith("added as member")
    assert [c["subdomain"] for c in calls(sandbox, "POST", "/v1/users")] == ["globex-help"]
    # Her role in acme-support is left alone.
    maya = sandbox.state.user_by_email("maya.patel@acme.example")
    assert sandbox.state.inbox("acme-support").members[maya.id].role == "manager"


def test_a_role_per_inbox(client_itadmin, sandbox):
    r = client_itadmin.post(
        "/team/onboard/",
        {
            "email": "nora.new@acme.example",
            "role": "member",
            "role_acme-sales": "manager",
            "inboxes": ["acme-support", "acme-sales"],
        },
    )
    assert r.status_code == 302
    nora = sandbox.state.user_by_email("nora.new@acme.example")
    assert sandbox.state.inbox("acme-support").members[nora.id].role == "member"
    assert sandbox.state.inbox("acme-sales").members[nora.id].role == "manager"


def test_it_validates_email_and_phone_before_any_call(client_itadmin, sandbox):
    r = _onboard(client_itadmin, email="not-an-email", phone="555-0188")
    assert r.status_code == 422
    body = r.content.decode()
    assert "Enter a valid email address." in body
    assert "E.164" in body
    assert 'value="not-an-email"' in body  # the input is kept
    assert calls(sandbox, "POST", "/v1/users") == []
    assert not Job.objects.exists()


def test_it_refuses_an_inbox_not_granted(client_outsider, outsider, sandbox):
    outsider.groups.set([Group.objects.get(name=IT_ADMIN)])  # an IT admin granted only globex-help
    r = client_outsider.post("/team/onboard/", {"email": NEW, "role": "member", "inboxes": ["acme-support"]})
    assert r.status_code == 422
    assert "not one of the available choices" in r.content.decode()
    assert calls(sandbox, "POST", "/v1/users") == []


def test_every_step_is_audited_in_the_operators_name(client_itadmin, itadmin, sandbox):
    _refuse_user_admin(sandbox, "acme-sales")
    _onboard(client_itadmin)
    job = last_job()
    entries = AuditEntry.objects.filter(action="team.user_add").order_by("id")
    assert [(e.inbox, e.outcome) for e in entries] == [
        ("acme-support", "ok"),
        ("acme-sales", "failed"),
        ("globex-help", "ok"),
    ]
    assert all(e.actor_id == itadmin.pk and e.actor_name == "Itadmin Tester (itadmin)" for e in entries)
    assert all(e.target == NEW and e.params["job"] == job.pk for e in entries)
    assert "Requires manager or owner role" in entries[1].error
    assert AuditEntry.objects.filter(action="team.job_start", params__job=job.pk).exists()
    # The actor's name survives their deletion.
    itadmin.delete()
    assert (
        AuditEntry.objects.filter(action="team.user_add", actor_name="Itadmin Tester (itadmin)").count() == 3
    )


def test_a_step_records_its_outcome_before_the_next_starts(client_itadmin, sandbox):
    _onboard(client_itadmin, inboxes=["acme-support", "acme-sales"])
    s1, s2 = last_job().steps.order_by("position")
    assert s1.status == s2.status == JobStep.DONE
    assert s1.finished_at <= s2.started_at


def test_an_add_whose_answer_was_lost_is_read_back_and_is_done_not_failed(client_itadmin, sandbox):
    # Avochato adds her but the answer comes back mangled: the step reads the membership back.
    sandbox.faults.add("/v1/users", method="POST", body="<html>proxy error</html>", times=1)
    _onboard(client_itadmin, inboxes=["acme-support"])
    job = last_job()
    assert_job(job, Job.DONE)
    step = job.steps.get()
    assert step.status == JobStep.DONE
    assert step.outcome.startswith("added as manager (confirmed by reading it back after:")
    user = sandbox.state.user_by_email(NEW)
    assert user.id in sandbox.state.inbox("acme-support").members
    assert len(calls(sandbox, "POST", "/v1/users")) == 1  # read back, not sent twice
    entry = AuditEntry.objects.get(action="team.user_add", target=NEW)
    assert entry.outcome == AuditEntry.OK


def test_an_add_that_verifiably_did_not_happen_fails_and_a_retry_adds_them(client_itadmin, sandbox):
    # A 502 from a proxy: the add may have gone through. Read back: she is not a member.
    sandbox.faults.add("/v1/users", method="POST", status=502, times=1)
    _onboard(client_itadmin, inboxes=["acme-support"])
    job = last_job()
    step = job.steps.get()
    assert step.status == JobStep.FAILED
    assert "Checked: they are not a member, so nothing was added" in step.error
    assert sandbox.state.user_by_email(NEW) is None
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Checked: they are not a member" in page

    sandbox.clear_log()
    client_itadmin.post(f"/team/jobs/{job.pk}/retry/")
    assert_job(job, Job.DONE)
    assert len(calls(sandbox, "POST", "/v1/users")) == 1
    assert sandbox.state.user_by_email(NEW).id in sandbox.state.inbox("acme-support").members
