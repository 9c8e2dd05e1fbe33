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


def _inbox_choices(known, current: list[str] = ()) -> list[tuple[str, str]]:
    """Every known inbox, "every inbox", and the user's grants for inboxes that no longer
    exist (so they show, flagged, and can be removed; never added)."""
    from accounts.grants import EVERY_INBOX_LABEL

    choices = [("*", EVERY_INBOX_LABEL)] + [(i.subdomain, f"{i.name} ({i.subdomain})") for i in known]
    reachable = {i.subdomain for i in known} | {"*"}
    choices += [(s, f"{s} — no longer exists") for s in sorted(current) if s not in reachable]
    return choices


class AccessForm(forms.Form):
    role = forms.ChoiceField(label="Role", required=False)
    inboxes = forms.MultipleChoiceField(label="Inboxes", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, known, current: list[str] = (), **kwargs):
        from accounts.grants import ROLES

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "No role (cannot use avodash)")] + [(r, r) for r in ROLES]
        self.fields["inboxes"].choices = _inbox_choices(known, current)


class InviteForm(AccessForm):
    email = forms.EmailField(label="Email")
    name = forms.CharField(label="Name", max_length=150, required=False)
    field_order = ["email", "name", "role", "inboxes"]

    def clean_email(self) -> str:
        from django.contrib.auth.models import User

        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists() or User.objects.filter(username=email).exists():
            raise forms.ValidationError("Someone with this email already has a dashboard login.")
        return email
