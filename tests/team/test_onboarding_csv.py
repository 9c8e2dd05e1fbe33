"""Bulk onboarding from CSV: template, dry run with every row checked, apply as a job."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from team.models import Job
from tests.team.support import calls, last_job

pytestmark = pytest.mark.usefixtures("immediate", "no_rate_limit")

CSV = (
    "email,name,role,phone,inboxes\n"
    "ravi.new@acme.example,Ravi New,member,+14155550190,acme-support;acme-sales\n"
    "maya.patel@acme.example,Maya Patel,member,,acme-support;globex-help\n"
    "not-an-email,Broken,member,,acme-support\n"
    "lena.new@acme.example,Lena,boss,,acme-support\n"
    "ola.new@acme.example,Ola,member,555-1234,acme-support\n"
    "kim.new@acme.example,Kim,member,,acme-support;initech\n"
    "ravi.new@acme.example,Ravi Again,member,,globex-help\n"
    "\n"
    "zoe.new@acme.example,Zoe New,manager,,globex-help\n"
)


def _upload(client, text: str = CSV, name: str = "people.csv"):
    return client.post("/team/onboard/csv/", {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def test_it_offers_a_template(client_itadmin):
    r = client_itadmin.get("/team/onboard/csv/template.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r.content.decode().splitlines()[0] == "email,name,role,phone,inboxes"


def test_the_dry_run_checks_every_row_and_sends_nothing(client_itadmin, sandbox):
    r = _upload(client_itadmin)
    job = last_job()
    assert r.status_code == 302 and r["Location"] == f"/team/onboard/csv/{job.pk}/"
    assert job.status == Job.DRAFT
    page = client_itadmin.get(r["Location"]).content.decode()
    assert "“not-an-email” is not an email address." in page
    assert "Role “boss” is not one of member, manager, owner." in page
    assert "Phone “555-1234”: Enter the number in E.164 format" in page
    assert "Not an inbox you are granted: initech." in page
    assert "ravi.new@acme.example is already on line 2." in page
    # Maya is a manager in acme-support; the file asks for member: her role is kept, and said so.
    assert "already a member as manager: role unchanged" in page
    assert "Roles of existing members are not changed." in page
    assert page.count("will be added") == 4  # Ravi ×2, Maya in globex-help, Zoe
    assert "Apply 3 rows" in page
    # The counts agree: 4 additions + 1 already a member = the 5 steps of the 3 valid rows.
    assert (r2 := client_itadmin.get(r["Location"])).context["adds"] == 4
    assert r2.context["already"] == 1 and r2.context["steps"] == 5
    assert "3 valid rows → 4 inbox additions, 1 already a member (no change); 5 rows with errors" in page
    # Only each inbox's members list was read; nothing was written.
    assert calls(sandbox, "POST", "/v1/users") == []
    assert {c["subdomain"] for c in calls(sandbox, "GET", "/v1/users")} == {
        "acme-support",
        "acme-sales",
        "globex-help",
    }
    assert sorted((s.row, s.inbox) for s in job.steps.all()) == [
        (2, "acme-sales"),
        (2, "acme-support"),
        (3, "acme-support"),
        (3, "globex-help"),
        (10, "globex-help"),
    ]


def test_applying_runs_the_valid_rows_and_shows_a_result_per_row(client_itadmin, sandbox):
    _upload(client_itadmin)
    job = last_job()
    r = client_itadmin.post(f"/team/onboard/csv/{job.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/team/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Job.DONE
    st = sandbox.state
    ravi = st.user_by_email("ravi.new@acme.example")
    assert ravi.id in st.inbox("acme-support").members and ravi.id in st.inbox("acme-sales").members
    assert ravi.pending_mfa_phone == "+14155550190"
    assert st.inbox("globex-help").members[st.user_by_email("zoe.new@acme.example").id].role == "manager"
    for bad in ("lena.new@acme.example", "ola.new@acme.example", "kim.new@acme.example"):
        assert st.user_by_email(bad) is None
    assert len(calls(sandbox, "POST", "/v1/users")) == 4  # Maya in acme-support: already a member

    page = client_itadmin.get(r["Location"]).content.decode()
    assert "5 of 5 steps finished" in page
    assert page.count("Not applied") == 5
    assert "already a member as manager: role unchanged (asked for member)" in page
    assert st.inbox("acme-support").members[st.user_by_email("maya.patel@acme.example").id].role == "manager"
    # Applying twice does not run it twice.
    assert client_itadmin.post(f"/team/onboard/csv/{job.pk}/").status_code == 302
    assert len(calls(sandbox, "POST", "/v1/users")) == 4


def test_a_file_without_the_columns_is_refused(client_itadmin, sandbox):
    r = _upload(client_itadmin, "mail;who\nx@y.z;X\n")
    assert r.status_code == 422
    assert "missing: email, inboxes" in r.content.decode()
    assert not Job.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(client_itadmin):
    r = client_itadmin.post(
        "/team/onboard/csv/",
        {"file": SimpleUploadedFile("p.csv", "email,inboxes\nzoë@x.example,acme-support\n".encode("utf-16"))},
    )
    assert r.status_code == 422
    assert "not UTF-8" in r.content.decode()


def test_nothing_to_apply_when_every_row_is_bad(client_itadmin, sandbox):
    _upload(client_itadmin, "email,inboxes\nbad,acme-support\n")
    job = last_job()
    page = client_itadmin.get(f"/team/onboard/csv/{job.pk}/").content.decode()
    assert "No valid row to apply." in page
    r = client_itadmin.post(f"/team/onboard/csv/{job.pk}/")
    assert r.status_code == 422
    assert "nothing to do" in r.content.decode()


def test_someone_elses_draft_is_not_found(client_itadmin, client_admin):
    _upload(client_itadmin)
    job = last_job()
    assert client_admin.get(f"/team/onboard/csv/{job.pk}/").status_code == 404


def test_the_role_column_takes_inbox_role_pairs(client_itadmin, sandbox):
    text = (
        "email,name,role,phone,inboxes\n"
        "nora.new@acme.example,Nora,acme-support:manager;acme-sales:member,,acme-support;acme-sales\n"
        "ivo.new@acme.example,Ivo,acme-support:boss,,acme-support\n"
        "una.new@acme.example,Una,globex-help:owner,,acme-support\n"
    )
    r = _upload(client_itadmin, text)
    page = client_itadmin.get(r["Location"]).content.decode()
    assert "will be added as manager" in page and "will be added as member" in page
    assert "Role “boss” for acme-support is not one of member, manager, owner." in page
    assert "Role given for globex-help, which is not in this row&#x27;s inboxes." in page
    client_itadmin.post(r["Location"])
    nora = sandbox.state.user_by_email("nora.new@acme.example")
    assert sandbox.state.inbox("acme-support").members[nora.id].role == "manager"
    assert sandbox.state.inbox("acme-sales").members[nora.id].role == "member"
