"""The sign-in form: allauth's, refusing local passwords under SSO_ONLY (superusers excepted)."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings

from accounts import sso


class LoginForm(AllauthLoginForm):
    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "user", None)
        if settings.SSO_ONLY and sso.enabled() and user is not None and not user.is_superuser:
            raise forms.ValidationError(
                f"Sign in with {settings.SSO_LABEL}: local passwords are for break-glass admins only."
            )
        return cleaned
