"""Page details from the new-user review: unique ids on every people/team page, the API user
without actions on the compliance page, and "Did you mean" for a US phone typed the local way."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.team.support import last_job, offboard_now, user_id

pytestmark = pytest.mark.usefixtures("db_tasks", "no_rate_limit")

SAM = "sam.rivera@acme.example"
CSV = (
    "email,name,role,phone,inboxes\n"
    "ravi.new@acme.example,Ravi New,member,+14155550190,acme-support;acme-sales\n"
    "maya.patel@acme.example,Maya Patel,member,,acme-support;globex-help\n"
    "ola.new@acme.example,Ola,member,(415) 555-0134,acme-support\n"
)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v]


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(i for i, n in Counter(parser.ids).items() if n > 1)


def test_no_people_or_team_page_has_two_elements_with_one_id(client_itadmin, sandbox):
    c = client_itadmin
    sam, jordan = user_id(sandbox, SAM), user_id(sandbox, "jordan.lee@acme.example")
    c.post("/team/onboard/csv/", {"file": SimpleUploadedFile("p.csv", CSV.encode(), "text/csv")})
    preview = f"/team/onboard/csv/{last_job().pk}/"
    job = offboard_now(c, sandbox)
    pages = [
        "/team/",
        "/team/compliance/",
        "/team/onboard/",
        "/team/onboard/csv/",
        preview,
        "/team/offboard/",
        f"/team/offboard/?email={SAM}",
        f"/team/jobs/{job.pk}/",
        "/team/jobs/",
        "/i/acme-support/team/",
        f"/i/acme-support/team/{sam}/",
        "/i/acme-support/team/add/",
        f"/i/acme-support/team/{jordan}/disable/",
        f"/i/acme-support/team/{jordan}/remove/",
        f"/i/acme-support/team/{jordan}/password-reset/",
        f"/team/people/{sam}/",
        "/team/people/find/?q=ri",
        "/team/offboard/?email=ri",
        "/team/compliance/?state=all",
    ]
    for url in pages:
        r = c.get(url)
        assert r.status_code == 200, url
        assert duplicate_ids(r.content.decode()) == [], url
    # The offboarding plan posts the email in a hidden field of its own id.
    plan = c.get(f"/team/offboard/?email={SAM}").content.decode()
    assert plan.count('id="id_email"') == 1 and 'id="id_plan_email"' in plan


def test_compliance_marks_the_api_user_and_offers_no_actions_against_it(client_itadmin, sandbox):
    api = user_id(sandbox, "api@avodash.example")
    grace = user_id(sandbox, "grace.kim@acme.example")
    r = client_itadmin.get("/team/compliance/")
    rows = r.context["rows"]
    assert {row.is_api_user for row in rows if row.user.id == api} == {True}
    assert not any(row.is_api_user for row in rows if row.user.id != api)
    page = r.content.decode()
    assert page.count(">API user</span>") == sum(1 for row in rows if row.user.id == api) > 0
    assert f"/team/{api}/password-reset/" not in page and f"/team/{api}/#h-phone" not in page
    assert f"/i/acme-support/team/{grace}/#h-phone" in page  # others keep their actions
    assert 'name="who"' not in page


def test_onboarding_offers_the_e164_form_of_a_us_number(client_itadmin, sandbox):
    r = client_itadmin.post(
        "/team/onboard/",
        {
            "email": "nora.new@acme.example",
            "role": "member",
            "phone": "(415) 555-0188",
            "inboxes": ["acme-support"],
        },
    )
    assert r.status_code == 422
    assert "Did you mean +14155550188?" in r.content.decode()
    r = client_itadmin.post(
        "/team/onboard/csv/", {"file": SimpleUploadedFile("p.csv", CSV.encode(), "text/csv")}
    )
    page = client_itadmin.get(r["Location"]).content.decode()
    assert (
        "Phone “(415) 555-0134”: Enter the number in E.164 format: + then the country code and number, "
        "like +14155551234. Did you mean +14155550134?" in page
    )
