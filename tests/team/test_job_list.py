"""The jobs list: who ran each job, for whom, when and its status, with filters; reached from
the person page."""

from __future__ import annotations

import pytest

from team.models import Job
from tests.team.support import offboard_now, user_id

pytestmark = pytest.mark.usefixtures("db_tasks", "no_rate_limit")

SAM = "sam.rivera@acme.example"


def _onboard(client, email: str) -> None:
    client.post("/team/onboard/", {"email": email, "role": "member", "inboxes": ["acme-support"]})


def test_the_list_says_who_ran_each_job_and_for_whom(client_itadmin, sandbox):
    job = offboard_now(client_itadmin, sandbox)
    page = client_itadmin.get("/team/jobs/").content.decode()
    assert f"Offboarding #{job.pk}" in page and "Sam Rivera" in page and "Itadmin Tester" in page
    assert f'href="/team/people/{SAM}/"' in page


def test_filters_by_person_runner_kind_and_status(client_itadmin, client_admin, sandbox):
    offboard_now(client_itadmin, sandbox)
    _onboard(client_admin, "nora.new@acme.example")
    jobs = lambda **q: {j.subject for j in client_itadmin.get("/team/jobs/", q).context["waiting"]}  # noqa: E731
    assert jobs() == {SAM, "nora.new@acme.example"}
    assert jobs(person="nora") == {"nora.new@acme.example"}
    assert jobs(by="itadmin") == {SAM}
    assert jobs(kind="onboard") == {"nora.new@acme.example"}
    assert jobs(status="done") == set()
    r = client_itadmin.get("/team/jobs/", {"status": "nonsense"})
    assert r.status_code == 422 and "That filter is not valid." in r.content.decode()


def test_the_person_page_lists_their_jobs_and_links_to_the_filtered_list(client_itadmin, sandbox):
    job = offboard_now(client_itadmin, sandbox)
    page = client_itadmin.get(f"/team/people/{user_id(sandbox, SAM)}/").content.decode()
    assert f'href="/team/jobs/{job.pk}/"' in page
    assert "/team/jobs/?person=sam.rivera%40acme.example" in page
    assert Job.objects.count() == 1
