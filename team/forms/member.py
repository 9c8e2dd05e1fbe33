"""Every write on one member of an inbox: add, role, MFA phone, and the confirmations of
destructive actions (disable, remove with an optional handover)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from avodash.domain import phones
from team.forms.choices import ROLE_CHOICES

PHONE_HELP = "E.164 format: + then country code and number, like +14155551234."


def mfa_phone_clean(value: str, *, hint: bool = False) -> str:
    """E.164 (a valid number: it receives the MFA codes) or a ValidationError; with `hint`, the
    message offers the E.164 form of a number typed the local way (the user page offers it as
    a button instead)."""
    phone = phones.to_e164(value)
    if phone is None:
        suggest_in = settings.PHONE_REGION if hint else None
        raise forms.ValidationError(phones.field_error(value, suggest_in=suggest_in))
    return phone


class UserAddForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email")
    name = forms.CharField(
        max_length=100, required=False, label="Name", help_text="Used only if they are new to Avochato."
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="member", label="Role", widget=forms.RadioSelect)
    phone = forms.CharField(
        max_length=32,
        required=False,
        label="MFA phone (optional)",
        help_text=PHONE_HELP + " They confirm it by SMS.",
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return mfa_phone_clean(value, hint=True) if value.strip() else ""


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES, label="Role")


class MfaPhoneForm(forms.Form):
    phone = forms.CharField(max_length=32, label="MFA phone", help_text=PHONE_HELP)

    def clean_phone(self) -> str:
        return mfa_phone_clean(self.cleaned_data["phone"])


def _phone(user) -> str:
    return f" · {phones.display(user.phone)}" if user.phone else ""


class ConfirmForm(forms.Form):
    """A destructive action goes ahead only with `confirm=yes` (sent by the confirmation page)."""

    confirm = forms.ChoiceField(choices=[("yes", "yes")])


class RemoveForm(ConfirmForm):
    """Remove a user; optionally hand their open tickets to a colleague first."""

    handover_to = forms.ChoiceField(required=False, label="Their open tickets")

    def __init__(self, *args, colleagues: list | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handover_to"].choices = [("", "Leave them unassigned")] + [
            (u.id, f"Hand them to {u.display_name}" + (f" ({u.email})" if u.email else "") + _phone(u))
            for u in (colleagues or [])
        ]
        self.fields["handover_to"].widget.attrs["data-typeahead"] = ""
