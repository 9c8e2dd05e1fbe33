"""Team pages of one inbox: /i/<subdomain>/team/..."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import path, register_converter

from team import views

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

app_name = "team"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("add/", views.user_add, name="add"),
    path("<user:user_id>/", views.user_page, name="user"),
    path("<user:user_id>/role/", views.user_role, name="role"),
    path("<user:user_id>/disable/", views.user_disable, name="disable"),
    path("<user:user_id>/enable/", views.user_enable, name="enable"),
    path("<user:user_id>/mfa-phone/", views.user_mfa_phone, name="mfa_phone"),
    path("<user:user_id>/password-reset/", views.user_password_reset, name="password_reset"),
    path("<user:user_id>/remove/", views.user_remove, name="remove"),
]
