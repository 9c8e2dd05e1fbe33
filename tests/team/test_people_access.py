"""The permission split on every /team/ URL: Agent 403, Lead read-only, IT admin acts."""

from __future__ import annotations

import pytest

from team.models import Job, JobStep
from tests.team.support import PEOPLE_URLS

pytestmark = pytest.mark.usefixtures("immediate", "no_rate_limit")

READ_URLS = ["/team/", "/team/compliance/", "/team/jobs/"]
ACT_URLS = ["/team/onboard/", "/team/onboard/csv/", "/team/onboard/csv/template.csv", "/team/offboard/"]


@pytest.fixture
def job(itadmin) -> Job:
    job = Job.objects.create(
        kind=Job.ONBOARD,
        title="Onboard x@y.example",
        subject="x@y.example",
        created_by=itadmin,
        created_by_name="Itadmin Tester (itadmin)",
        status=Job.FAILED,
    )
    JobStep.objects.create(
        job=job,
        position=1,
        group="acme-support",
        inbox="acme-support",
        action=JobStep.ADD_USER,
        target="x@y.example",
        status=JobStep.FAILED,
        error="nope",
    )
    return job


def _job_urls(job: Job) -> list[str]:
    return [
        f"/team/jobs/{job.pk}/",
        f"/team/jobs/{job.pk}/retry/",
        f"/team/jobs/{job.pk}/cancel/",
        f"/team/jobs/{job.pk}/resume/",
        f"/team/onboard/csv/{job.pk}/",
    ]


def test_an_agent_gets_403_on_every_team_url(client_agent, job, sandbox):
    for url in PEOPLE_URLS + _job_urls(job):
        assert client_agent.get(url).status_code in (403, 405), url
        assert client_agent.post(url, {"email": "x@y.example"}).status_code in (403, 405), url
    assert not [r for r in sandbox.requests if r["method"] != "GET"]


def test_a_lead_reads_but_cannot_act(client_lead, job, sandbox):
    for url in READ_URLS + [f"/team/jobs/{job.pk}/"]:
        assert client_lead.get(url).status_code == 200, url
    for url in ACT_URLS:
        assert client_lead.get(url).status_code == 403, url
    for url in ACT_URLS[:2] + ["/team/offboard/"] + _job_urls(job)[1:]:
        assert (
            client_lead.post(
                url, {"email": "x@y.example", "role": "member", "inboxes": ["acme-support"]}
            ).status_code
            == 403
        ), url
    job.refresh_from_db()
    assert job.status == Job.FAILED
    assert not [r for r in sandbox.requests if r["method"] != "GET"]
    page = client_lead.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Retry failed steps" not in page and "An IT admin can retry them." in page


def test_an_it_admin_reaches_every_page(client_itadmin, job):
    for url in READ_URLS + ACT_URLS + [f"/team/jobs/{job.pk}/"]:
        assert client_itadmin.get(url).status_code == 200, url
    assert "Retry failed steps" in client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()


def test_logged_out_visitors_are_sent_to_login(client):
    r = client.get("/team/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_a_job_in_an_inbox_not_granted_is_not_found(client_outsider, job):
    assert client_outsider.get(f"/team/jobs/{job.pk}/").status_code == 404
    assert "Onboard x@y.example" not in client_outsider.get("/team/jobs/").content.decode()
