"""A team lead texts every VIP: drafts a broadcast to the tag, sees the audience counted,
publishes it (a double click publishes once), is told when it goes out, and once it has, sees its stats; then takes a contact off a
campaign step."""

from __future__ import annotations

import os
import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.helpers import api_calls

INBOX = "acme-support"


def vips(sandbox) -> int:
    box = sandbox.state.inbox(INBOX)
    return sum(1 for c in box.contacts.values() if c.visible and "vip" in c.tags)


def draft_to_vips(page, live_server) -> None:
    page.goto(f"{live_server.url}/i/{INBOX}/")
    page.locator(".subnav").get_by_role("link", name="Broadcasts").click()
    page.get_by_role("link", name="New broadcast").click()
    composer = page.locator("#broadcast-composer")
    composer.get_by_label("Name").fill("Closed Friday")
    composer.get_by_label("Message").fill("Hi $first_name, our store is closed this Friday for inventory.")
    expect(composer.locator("[data-segments]")).to_have_text("1")
    composer.get_by_label("Contacts tagged").fill("vip")
    expect(page.locator("#audience-count")).to_contain_text("Saving adds: tagged vip")


@pytest.mark.django_db(transaction=True)
def test_broadcast_to_a_tag_published_once(page, live_server, lead, sandbox):
    login(page, live_server, lead)
    draft_to_vips(page, live_server)
    page.get_by_role("button", name="Save draft").click()

    expected = vips(sandbox)
    expect(page.locator("#flash")).to_contain_text("Draft saved")
    expect(page.locator("#audience-count")).to_contain_text(f"{expected} contacts in the audience now")
    assert any(c["path"].endswith("/audience_count") for c in api_calls(sandbox, "GET", "/v1/broadcasts/"))

    page.get_by_role("button", name="Publish…").click()
    confirm = page.locator(".confirm-panel")
    expect(confirm).to_contain_text(f"Send to {expected} contacts?")
    confirm.get_by_role("button", name=f"Send to {expected} contacts now").dblclick()

    # The API answers a draft scheduled ~10 s ahead (the reference's example): said as such.
    expect(page.locator("#flash")).to_contain_text("Publishing “Closed Friday”: scheduled to send at")
    expect(page.locator(".page-head")).to_contain_text("Publishing: scheduled to send at")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    sandbox.deliver_due(at=time.time() + 11)  # ten seconds later it has gone out
    page.reload()
    expect(page.locator(".page-head")).to_contain_text("Sent")
    expect(page.locator('[data-stat="attempted"]')).to_have_text(str(expected))
    expect(page.locator('[data-stat="delivered"]')).not_to_have_text("0")
    assert len([c for c in api_calls(sandbox, "POST") if c["path"].endswith("/publish")]) == 1


@pytest.mark.django_db(transaction=True)
def test_remove_a_contact_from_a_campaign_step(page, live_server, lead, sandbox):
    box = sandbox.state.inbox(INBOX)
    pm = next(p for p in box.pending.values() if p.campaign_key == "one" and not p.aborted)
    contact = box.contacts[pm.contact_id]
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/")
    page.locator(".subnav").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="one", exact=True).click()
    page.get_by_role("link", name=f"Remove {contact.name} from one").click()
    confirm = page.locator(".confirm-panel")
    expect(confirm).to_contain_text("Remove this contact from “one”?")
    expect(confirm).to_contain_text(contact.name)
    confirm.get_by_role("button", name="Remove from “one”").click()
    expect(page.locator("#flash")).to_contain_text("The contact is being removed from “one”")
    expect(page.get_by_text("No follow-up of this step is queued.")).to_be_visible()
    assert pm.aborted and contact.id not in box.campaign("one").enrolled


@pytest.mark.screenshots
@pytest.mark.django_db(transaction=True)
def test_outreach_screenshots(request, page, live_server, lead, sandbox):
    """docs/screenshots/broadcast-composer.png and campaign.png (`-m screenshots`)."""
    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    out = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots")
    os.makedirs(out, exist_ok=True)
    login(page, live_server, lead)
    draft_to_vips(page, live_server)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#audience-count")).to_contain_text("in the audience now")
    page.locator("#broadcast-composer").get_by_label("Phone numbers").fill("(415) 555-0199")
    expect(page.locator("#audience-count")).to_contain_text("Saving adds: 1 phone number")
    page.mouse.move(5, 5)
    page.screenshot(path=os.path.join(out, "broadcast-composer.png"), full_page=True)
    page.goto(f"{live_server.url}/i/{INBOX}/campaigns/one/")
    page.mouse.move(5, 5)
    page.screenshot(path=os.path.join(out, "campaign.png"), full_page=True)
    assert re.search(r"campaign", page.title(), re.I)
