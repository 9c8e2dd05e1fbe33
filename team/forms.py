"""Forms for the team pages: list filters (GET) and every team write, validated before any API call."""

from __future__ import annotations

from django import forms

from team.lifecycle import e164_suggestion
from team.services import ROLES, is_e164

ROLE_CHOICES = [(r, r.capitalize()) for r in ROLES]
PHONE_HELP = "E.164 format: + then country code and number, like +14155551234."


def _clean_phone(value: str, *, hint: bool = False) -> str:
    """E.164 or a ValidationError; with `hint`, the message offers the E.164 form of a US number
    typed the local way (the user page offers it as a button instead)."""
    phone = "".join(value.split()).replace("-", "").replace("(", "").replace(")", "")
    if not is_e164(phone):
        suggestion = e164_suggestion(value) if hint else ""
        raise forms.ValidationError(
            "Enter the phone number in E.164 format: + then the country code and number, like +14155551234."
            + (f" Did you mean {suggestion}?" if suggestion else "")
        )
    return phone


class TeamFilterForm(forms.Form):
    """The team list's filters. Unknown values are an error (400), not silently ignored."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *ROLE_CHOICES])
    enabled = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Enabled or disabled"), ("yes", "Enabled"), ("no", "Disabled")],
    )
    mfa = forms.ChoiceField(
        required=False, label="MFA", choices=[("", "Any MFA state"), ("incomplete", "MFA incomplete")]
    )
    format = forms.ChoiceField(required=False, choices=[("", "Page"), ("csv", "CSV")])

    def filter(self, users: list) -> list:
        data = self.cleaned_data
        q = (data.get("q") or "").strip().lower()
        out = []
        for u in users:
            if q and q not in (u.name or "").lower() and q not in (u.email or "").lower():
                continue
            if data.get("role") and u.role != data["role"]:
                continue
            if data.get("enabled") == "yes" and u.enabled is not True:
                continue
            if data.get("enabled") == "no" and u.enabled is not False:
                continue
            if data.get("mfa") == "incomplete" and not u.mfa_incomplete:
                continue
            out.append(u)
        return out

    @property
    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(k) for k in ("q", "role", "enabled", "mfa"))


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
        return _clean_phone(value, hint=True) if value.strip() else ""


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES, label="Role")


class MfaPhoneForm(forms.Form):
    phone = forms.CharField(max_length=32, label="MFA phone", help_text=PHONE_HELP)

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data["phone"])


class ConfirmForm(forms.Form):
    """A destructive action goes ahead only with `confirm=yes` (sent by the confirmation page)."""

    confirm = forms.ChoiceField(choices=[("yes", "yes")])


class RemoveForm(ConfirmForm):
    """Remove a user; optionally hand their open tickets to a colleague first."""

    handover_to = forms.ChoiceField(required=False, label="Their open tickets")

    def __init__(self, *args, colleagues: list | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handover_to"].choices = [("", "Leave them unassigned")] + [
            (u.id, f"Hand them to {u.display_name}" + (f" ({u.email})" if u.email else ""))
            for u in (colleagues or [])
        ]
