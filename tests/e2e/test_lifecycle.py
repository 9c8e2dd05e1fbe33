"""An IT admin onboards a new person into two inboxes, then offboards them with a handover,
watching each job's progress page finish. A real database worker runs the jobs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.team.support import run_worker  # the real db_worker loop, once

pytestmark = pytest.mark.django_db(transaction=True)
NEW = "lena.lifecycle@acme.example"
MAYA = "maya.patel@acme.example"


def test_onboard_into_two_inboxes_then_offboard_with_a_handover(page, live_server, itadmin, sandbox):
    sandbox.set_rate_limit(None)
    login(page, live_server, itadmin)
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()

    # Onboard: one form, two inboxes.
    page.get_by_role("link", name="Onboard someone").click()
    page.get_by_label("Email").fill(NEW)
    page.get_by_label("Name").fill("Lena Lifecycle")
    page.get_by_label("Role (every chosen inbox").select_option("member")
    page.get_by_label("MFA phone").fill("+14155550166")
    page.get_by_label("Acme Support", exact=True).check()
    page.get_by_label("Acme Sales", exact=True).check()
    page.get_by_role("button", name="Add to the chosen inboxes").click()

    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    progress = page.locator("#job-progress")
    expect(progress.locator(".people-title .badge")).to_have_text("Queued")
    expect(progress).to_contain_text("0 of 2 steps finished")
    run_worker()
    expect(progress.locator(".people-title .badge")).to_have_text("Done")  # the page polls: no reload
    expect(progress).to_contain_text("2 of 2 steps finished")
    expect(progress.get_by_text("added as member, MFA phone pending verification")).to_have_count(2)
    lena = sandbox.state.user_by_email(NEW)
    assert {s for s, i in sandbox.state.inboxes.items() if lena.id in i.members} == {
        "acme-support",
        "acme-sales",
    }

    # Some conversations land on her in Acme Support.
    support = sandbox.state.inbox("acme-support")
    mine = [t for t in support.tickets.values() if t.status != "Closed"][:2]
    for t in mine:
        t.user_id = lena.id

    # Offboard her: the plan, a successor, then the progress page.
    page.get_by_role("link", name="Offboard", exact=True).click()
    page.get_by_label("Who is leaving?").fill(NEW)
    page.get_by_role("button", name="Find", exact=True).click()
    plan = page.locator(".people-plan-table")
    expect(plan.locator("tbody tr")).to_have_count(2)
    support_row = plan.locator("tr", has_text="Acme Support")
    expect(support_row.locator("td.num")).to_have_text("2")
    maya = sandbox.state.user_by_email(MAYA)
    page.get_by_label("Open tickets in Acme Support go to").select_option(maya.id)
    page.get_by_label("Open tickets in Acme Sales go to").select_option(maya.id)
    page.get_by_role("button", name=f"Check and offboard {NEW}").click()
    page.get_by_role("button", name=f"Yes, offboard {NEW}").click()

    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    progress = page.locator("#job-progress")
    expect(progress.locator(".people-title .badge")).to_have_text("Queued")
    run_worker()
    expect(progress.locator(".people-title .badge")).to_have_text("Done")
    expect(progress).to_contain_text("6 of 6 steps finished")
    expect(progress).to_contain_text("2 open tickets handed to Maya Patel")
    assert {t.user_id for t in mine} == {maya.id}
    for sub in ("acme-support", "acme-sales"):
        assert sandbox.state.inbox(sub).members[lena.id].enabled is False


SHOT_CSV = (
    "email,name,role,phone,inboxes\n"
    "ravi.new@acme.example,Ravi New,member,+14155550190,acme-support;acme-sales\n"
    "maya.patel@acme.example,Maya Patel,member,,acme-support;globex-help\n"
    "not-an-email,Broken Row,member,,acme-support\n"
    "lena.new@acme.example,Lena Ng,boss,,acme-support\n"
    "ola.new@acme.example,Ola Berg,member,555-1234,acme-support\n"
    "kim.new@acme.example,Kim Park,member,,acme-support;initech\n"
    "zoe.new@acme.example,Zoe New,manager,,globex-help\n"
)


@pytest.mark.screenshots
def test_lifecycle_screenshots(request, page, live_server, itadmin, sandbox):
    """docs/screenshots/onboard.png, onboard-csv-preview.png, offboard-plan.png,
    offboard-progress.png (run with `-m screenshots`; AVODASH_SCREENSHOTS=dir
    writes them elsewhere)."""
    import os

    from django.utils import timezone

    from team.models import Job, JobStep

    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    sandbox.set_rate_limit(None)
    out = os.environ.get("AVODASH_SCREENSHOTS") or os.path.join(
        os.path.dirname(__file__), "..", "..", "docs", "screenshots"
    )
    os.makedirs(out, exist_ok=True)
    itadmin.first_name, itadmin.last_name = "Ivy", "Tech"
    itadmin.save()
    login(page, live_server, itadmin)

    page.goto(f"{live_server.url}/team/onboard/")
    page.get_by_label("Email").fill("nora.new@acme.example")
    page.get_by_label("Name").fill("Nora New")
    page.get_by_label("MFA phone").fill("+14155550188")
    page.get_by_label("Acme Sales", exact=True).check()
    page.get_by_label("Acme Support", exact=True).check()
    page.get_by_label("Role in Acme Sales").select_option("manager")
    page.screenshot(path=os.path.join(out, "onboard.png"))

    page.goto(f"{live_server.url}/team/onboard/csv/")
    page.locator("input[type=file]").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": SHOT_CSV.encode()}
    )
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("heading", name="Dry run: people.csv")).to_be_visible()
    page.screenshot(path=os.path.join(out, "onboard-csv-preview.png"))

    sam = "sam.rivera@acme.example"
    page.goto(f"{live_server.url}/team/offboard/?email={sam}")
    maya = sandbox.state.user_by_email(MAYA)
    page.get_by_label("Open tickets in Acme Support go to").select_option(maya.id)
    page.screenshot(path=os.path.join(out, "offboard-plan.png"))

    page.get_by_role("button", name=f"Check and offboard {sam}").click()
    page.get_by_role("button", name=f"Yes, offboard {sam}").click()
    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    job = Job.objects.order_by("-pk").first()
    now = timezone.now()
    steps = list(job.steps.order_by("position"))
    for s, (status, outcome) in zip(
        steps,
        [("done", "no pending scheduled messages left"), ("done", "disabled"), ("running", "")],
        strict=False,
    ):
        JobStep.objects.filter(pk=s.pk).update(
            status=status,
            outcome=outcome,
            attempts=1,
            started_at=now,
            finished_at=now if status == "done" else None,
        )
    Job.objects.filter(pk=job.pk).update(
        status=Job.RUNNING, started_at=now, heartbeat_at=now + timezone.timedelta(hours=1)
    )
    page.reload()
    expect(page.locator(".people-title .badge")).to_have_text("Running")
    page.screenshot(path=os.path.join(out, "offboard-progress.png"))
