"""The team app's URLs: the pages of one inbox (/i/<subdomain>/team/..., namespace `team`) and
the people pages across inboxes (/team/..., namespace `people`)."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import path, register_converter

from team.views import freshness, jobs, member, offboarding, onboarding, people, person, team

USER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EMAIL_MAX = 254


def user_ref_ok(value: str) -> bool:
    """A user as a URL may name one: an opaque id, or an email (the API's `_` + `email=`).

    Not `_` itself (the API's "by email" marker, with no email), and nothing with a comma or
    whitespace (`a,b` is a list of users to the API: one URL must never act on several).
    """
    if USER_ID_RE.match(value):
        return value != "_"
    if "@" not in value or len(value) > EMAIL_MAX or "," in value or any(c.isspace() for c in value):
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


class UserRefConverter:
    """`<user:user_id>`: a user id or email; anything else does not match (404, no API call)."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        if not user_ref_ok(value):
            raise ValueError("not a user id or email")
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UserRefConverter, "user")


team_patterns = [
    path("", team.team_list, name="list"),
    path("add/", member.user_add, name="add"),
    path("<user:user_id>/", member.user_page, name="user"),
    path("<user:user_id>/role/", member.user_role, name="role"),
    path("<user:user_id>/disable/", member.user_disable, name="disable"),
    path("<user:user_id>/enable/", member.user_enable, name="enable"),
    path("<user:user_id>/mfa-phone/", member.user_mfa_phone, name="mfa_phone"),
    path("<user:user_id>/password-reset/", member.user_password_reset, name="password_reset"),
    path("<user:user_id>/remove/", member.user_remove, name="remove"),
]

# People across inboxes, at /team/ (namespace `people`).
people_patterns = [
    path("", people.directory, name="directory"),
    path("people/find/", person.find, name="find"),
    path("people/<user:ref>/", person.person, name="person"),
    path("people/<user:ref>/roles/", person.person_roles, name="person_roles"),
    path("people/<user:ref>/act/", person.person_act, name="person_act"),
    path("compliance/", people.compliance, name="compliance"),
    path("directory/freshness/", freshness.directory_freshness, name="directory_freshness"),
    path("directory/refresh/", freshness.directory_refresh, name="directory_refresh"),
    path("compliance/act/", people.compliance_act, name="compliance_act"),
    path("onboard/", onboarding.onboard, name="onboard"),
    path("onboard/csv/", onboarding.onboard_csv, name="onboard_csv"),
    path("onboard/csv/template.csv", onboarding.onboard_csv_template, name="onboard_csv_template"),
    path("onboard/csv/<int:job_id>/", onboarding.onboard_csv_preview, name="onboard_csv_preview"),
    path("offboard/", offboarding.offboard, name="offboard"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("jobs/<int:job_id>/", jobs.job, name="job"),
    path("jobs/<int:job_id>/retry/", jobs.job_retry, name="job_retry"),
    path("jobs/<int:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/resume/", jobs.job_resume, name="job_resume"),
]

team_urls = (team_patterns, "team")
people_urls = (people_patterns, "people")
