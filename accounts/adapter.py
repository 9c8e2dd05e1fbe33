"""allauth adapters: who may sign in and how, with every attempt in the audit trail."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.contrib import messages
from django.shortcuts import redirect

from accounts import events, sessions, sso

NO_ACCESS = "Your organisation has not given you access to avodash. Ask IT to add you to an avodash group."


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words whether or not the account exists (no enumeration).
        "username_password_mismatch": "Please enter a correct username and password. "
        "Note that both fields may be case-sensitive.",
        "too_many_login_attempts": "Too many failed sign-ins. This sign-in is locked for a while: "
        "try again later, or ask IT.",
    }

    def add_message(
        self, request, level, message_template=None, message_context=None, extra_tags="", message=None
    ):
        if message_template in ("account/messages/logged_in.txt", "account/messages/logged_out.txt"):
            return  # signing in and out speak for themselves (as before allauth)
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def is_open_for_signup(self, request) -> bool:
        return False  # accounts are made by IT (invitations) or by single sign-on

    def pre_authenticate(self, request, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            events.record(
                request,
                "auth.lockout",
                target=credentials.get("username", ""),
                failed="too many failed sign-ins",
            )
            raise

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Step-up counts from the last authentication of any kind (sign-in included)."""
        request = context.request
        if request is not None and sessions.recently_authenticated(request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def authentication_failed(self, request, **credentials: Any) -> None:
        events.record(
            request, "auth.login_failed", target=credentials.get("username", ""), failed="wrong credentials"
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return sso.enabled()  # SSO users are provisioned at their first sign-in

    def pre_social_login(self, request, sociallogin) -> None:
        groups = sso.groups_from_claims(sociallogin.account.extra_data or {})
        access = sso.access_from_groups(groups)
        if not access.any:
            events.record(
                request,
                "auth.login_failed",
                user=sociallogin.user if sociallogin.is_existing else None,
                target=sociallogin.account.uid,
                failed="no avodash group at the identity provider",
                method="sso",
            )
            messages.error(request, NO_ACCESS)
            raise ImmediateHttpResponse(redirect("login"))
        if not sociallogin.is_existing:
            _link_invited(request, sociallogin)
        request.session["sso_access"] = {
            "role": access.role,
            "inboxes": sorted(access.inboxes),
            "groups": groups,
        }

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        if not user.username:
            user.username = (data.get("email") or sociallogin.account.uid)[:150]
        return user


LINK_REFUSED = (
    "An avodash login with your email exists already and cannot be linked to single sign-on "
    "automatically. Ask IT."
)


def _claims(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {}), **data}


def _link_invited(request, sociallogin) -> None:
    """First SSO sign-in of someone who already has a local login (invited, or made by IT)
    with the same email: link them, when the IdP vouches for the email. Never a superuser
    (the break-glass login stays local)."""
    from django.contrib.auth.models import User

    email = (sociallogin.user.email or "").strip()
    existing = User.objects.filter(email__iexact=email).first() if email else None
    if existing is None:
        return
    linked = existing.socialaccount_set.exists()
    if existing.is_superuser or linked or _claims(sociallogin).get("email_verified") is not True:
        events.record(
            request, "auth.login_failed", user=existing, target=existing.username, failed=LINK_REFUSED
        )
        messages.error(request, LINK_REFUSED)
        raise ImmediateHttpResponse(redirect("login"))
    sociallogin.connect(request, existing)
