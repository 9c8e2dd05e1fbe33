"""An IT admin onboards a new person into two inboxes, then offboards them with a handover,
watching each job's progress page finish. A real database worker runs the jobs."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from avodash.roles import ROLE_PERMS
from tests.e2e.conftest import login
from tests.team.lifecycle_support import run_worker  # the real db_worker loop, once

pytestmark = pytest.mark.django_db(transaction=True)
NEW = "lena.lifecycle@acme.example"
MAYA = "maya.patel@acme.example"


@pytest.fixture
def role_groups(transactional_db):
    """The role groups come from a data migration that an earlier transactional test's flush wipes."""
    for role, codenames in ROLE_PERMS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="avodash", codename__in=codenames)
        )


def test_onboard_into_two_inboxes_then_offboard_with_a_handover(
    role_groups, page, live_server, itadmin, sandbox
):
    sandbox.set_rate_limit(None)
    login(page, live_server, itadmin)
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()

    # Onboard: one form, two inboxes.
    page.get_by_role("link", name="Onboard someone").click()
    page.get_by_label("Email").fill(NEW)
    page.get_by_label("Name").fill("Lena Lifecycle")
    page.get_by_label("Role").select_option("member")
    page.get_by_label("MFA phone").fill("+14155550166")
    page.get_by_label("Acme Support").check()
    page.get_by_label("Acme Sales").check()
    page.get_by_role("button", name="Add to the chosen inboxes").click()

    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    progress = page.locator("#job-progress")
    expect(progress.locator(".lc-title .badge")).to_have_text("Queued")
    expect(progress).to_contain_text("0 of 2 steps finished")
    run_worker()
    expect(progress.locator(".lc-title .badge")).to_have_text("Done")  # the page polls: no reload
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
    page.get_by_label("Their email").fill(NEW)
    page.get_by_role("button", name="Find").click()
    plan = page.locator(".lc-plan-table")
    expect(plan.locator("tbody tr")).to_have_count(2)
    support_row = plan.locator("tr", has_text="Acme Support")
    expect(support_row.locator("td.num")).to_have_text("2")
    maya = sandbox.state.user_by_email(MAYA)
    page.get_by_label("Open tickets in Acme Support go to").select_option(maya.id)
    page.get_by_label("Open tickets in Acme Sales go to").select_option(maya.id)
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=f"Offboard {NEW}").click()

    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    progress = page.locator("#job-progress")
    expect(progress.locator(".lc-title .badge")).to_have_text("Queued")
    run_worker()
    expect(progress.locator(".lc-title .badge")).to_have_text("Done")
    expect(progress).to_contain_text("6 of 6 steps finished")
    expect(progress).to_contain_text("2 open tickets handed to Maya Patel")
    assert {t.user_id for t in mine} == {maya.id}
    for sub in ("acme-support", "acme-sales"):
        assert sandbox.state.inbox(sub).members[lena.id].enabled is False
