"""Offboarding refuses a second run for the same person, checks the form before asking for
confirmation, and finds the person by part of their name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from team.models import Job
from tests.team.support import last_job, user_id

pytestmark = pytest.mark.usefixtures("db_tasks", "no_rate_limit")

SAM = "sam.rivera@acme.example"


def _dated(sandbox, **extra) -> dict:
    maya = user_id(sandbox, "maya.patel@acme.example")
    run_at = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "email": SAM,
        "action": "disable",
        "scheduled": "cancel",
        "when": "later",
        "run_at": run_at,
        "in_acme-support": "on",
        "to_acme-support": maya,
        "in_acme-sales": "on",
        "to_acme-sales": maya,
        "confirm": "yes",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_a_second_offboarding_of_the_same_person_is_refused_with_a_link_to_the_first(client_itadmin, sandbox):
    r = client_itadmin.post("/team/offboard/", _dated(sandbox))
    first = last_job()
    assert r.status_code == 302 and first.status == Job.SCHEDULED
    # Back, and submit again.
    r = client_itadmin.post("/team/offboard/", _dated(sandbox))
    assert r.status_code == 422
    page = r.content.decode()
    assert "is already being offboarded" in page and f'href="/team/jobs/{first.pk}/"' in page
    assert Job.objects.filter(kind=Job.OFFBOARD).count() == 1
    # The plan says so before anyone fills it in.
    page = client_itadmin.get("/team/offboard/", {"email": SAM}).content.decode()
    assert f'href="/team/jobs/{first.pk}/"' in page and "Check and offboard" not in page


def test_a_cancelled_offboarding_does_not_block_a_new_one(client_itadmin, sandbox):
    client_itadmin.post("/team/offboard/", _dated(sandbox))
    client_itadmin.post(f"/team/jobs/{last_job().pk}/cancel/")
    assert client_itadmin.post("/team/offboard/", _dated(sandbox)).status_code == 302
    assert Job.objects.filter(kind=Job.OFFBOARD).count() == 2


def test_the_form_is_checked_before_the_confirmation(client_itadmin, sandbox):
    r = client_itadmin.post("/team/offboard/", _dated(sandbox, run_at=None, confirm=None))
    assert r.status_code == 422
    page = r.content.decode()
    assert "Choose the date and time it should run." in page and "Yes, offboard" not in page
    r = client_itadmin.post("/team/offboard/", _dated(sandbox, confirm=None))
    assert r.status_code == 200
    page = r.content.decode()
    assert "Offboard Sam Rivera?" in page and "Yes, offboard" in page and "Maya Patel" in page
    assert not Job.objects.exists()


def test_find_the_person_by_part_of_their_name(client_itadmin, sandbox):
    r = client_itadmin.get("/team/offboard/", {"email": "rivera"})
    assert r.status_code == 200 and r.context["person"].email == SAM
    r = client_itadmin.get("/team/offboard/", {"email": "an"})  # several people: pick one
    assert r.status_code == 200 and "person" not in r.context
    emails = {u.email for u, _ in r.context["found"]}
    assert {"jordan.lee@acme.example", "aisha.khan@acme.example"} <= emails
    assert "/team/offboard/?email=aisha.khan%40acme.example" in r.content.decode()
