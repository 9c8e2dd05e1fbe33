"""A person logs in, lands in their inbox, switches inbox, reads the audit trail, logs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login


@pytest.mark.django_db(transaction=True)
def test_login_switch_inbox_and_logout(page, live_server, superuser):
    page.goto(f"{live_server.url}/i/acme-support/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct username and password")

    login(page, live_server, superuser)
    expect(page.locator(".sandbox-banner")).to_contain_text("Sandbox")
    switcher = page.locator("#inbox-switcher summary")
    expect(switcher).to_contain_text("Acme")

    switcher.click()
    page.get_by_role("menuitem", name=re.compile("Globex Help")).click()
    expect(page).to_have_url(re.compile(r"/i/globex-help/"))
    expect(page.locator("#inbox-switcher summary")).to_contain_text("Globex Help")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/i/globex-help/"))  # the last inbox used

    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()

    page.locator(".user-menu summary").click()
    page.get_by_role("menuitem", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
