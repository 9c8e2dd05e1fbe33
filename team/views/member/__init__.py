"""One member of an inbox: their page, and the IT admin's actions on them (add, role, MFA phone,
password reset, disable, enable, remove).

Leads read (`avodash.view_team`); IT admins also act (`avodash.manage_team`); agents get
403 everywhere here. Every write goes through a form, is audited, and ends in a redirect
with a flash message, or re-renders the page with the error at the form and the input kept.
Destructive actions (disable, remove) go through a confirmation that names the user and
the inbox: a page of its own without JS, loaded inline with htmx.
"""

from team.views.member.actions import (
    user_add,
    user_disable,
    user_enable,
    user_mfa_phone,
    user_password_reset,
    user_remove,
    user_role,
)
from team.views.member.page import user_page

__all__ = [
    "user_add",
    "user_disable",
    "user_enable",
    "user_mfa_phone",
    "user_page",
    "user_password_reset",
    "user_remove",
    "user_role",
]
