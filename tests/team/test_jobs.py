"""The job page: progress per step and inbox, a cancelled job that does not read as a success,
and the htmx progress region (never cached in place of the page)."""

from __future__ import annotations

import re

import pytest

from team.models import Job
from tests.team.support import offboard_now

pytestmark = pytest.mark.usefixtures("db_tasks", "no_rate_limit")


def test_a_job_cancelled_before_it_ran_says_so_and_does_not_look_finished(client_itadmin, sandbox):
    job = offboard_now(client_itadmin, sandbox)  # queued in the database: no worker has run it
    assert client_itadmin.post(f"/team/jobs/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.status == Job.CANCELLED
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    assert "Cancelled before it ran: 6 steps not run" in page
    assert "steps finished" not in page and "0 done" not in page
    assert (
        "people-progress-cancelled" in page and 'class="people-bar-cancelled" style="width: 100.0%"' in page
    )
    assert 'role="progressbar"' not in page
    assert [r for r in sandbox.requests if r["method"] != "GET"] == []


def test_the_job_page_lists_steps_in_one_table_grouped_per_inbox(client_itadmin, sandbox):
    job = offboard_now(client_itadmin, sandbox)
    page = client_itadmin.get(f"/team/jobs/{job.pk}/").content.decode()
    heads = re.findall(r'<th scope="rowgroup" colspan="7">([^<]+)</th>', page)
    assert sorted(heads) == ["Acme Sales", "Acme Support"]
    assert page.count('<table class="data people-step-table">') == 1
    assert "0 of 6 steps finished" in page


def test_the_progress_fragment_is_never_cached_as_the_page(client_itadmin, sandbox):
    # Back/Forward after a job must show the whole page, not the bare fragment htmx polled.
    job = offboard_now(client_itadmin, sandbox)
    fragment = client_itadmin.get(f"/team/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment.get("Vary", "")
    page = client_itadmin.get(f"/team/jobs/{job.pk}/")
    assert "<html" in page.content.decode() and "HX-Request" in page.get("Vary", "")
