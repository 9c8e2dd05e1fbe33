"""Onboarding one person into several inboxes, and the CSV file of many."""

from __future__ import annotations

from django import forms
from django.conf import settings

from avodash.domain import phones
from avodash.domain.inboxes import Inbox
from avodash.domain.users import ROLE_HELP
from team import onboarding
from team.forms.choices import ROLE_CHOICES, inbox_choices

PHONE_HELP = "Optional. E.164: + then country code and number, like +14155551234. They confirm it by SMS."


class OnboardForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email")
    name = forms.CharField(
        max_length=100, required=False, label="Name", help_text="Used if they are new to Avochato."
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="member", label="Role")
    phone = forms.CharField(max_length=32, required=False, label="MFA phone", help_text=PHONE_HELP)
    inboxes = forms.MultipleChoiceField(
        label="Inboxes and their role",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one inbox."},
    )

    # Set when the person is already in a chosen inbox: submitting again adds them to the others.
    acknowledged = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inboxes"].choices = inbox_choices(inboxes)
        self.role_help = ROLE_HELP
        self.inbox_rows = []
        for inbox in inboxes:
            name = f"role_{inbox.subdomain}"
            self.fields[name] = forms.ChoiceField(
                choices=[("", "Same as above"), *ROLE_CHOICES], required=False, label=f"Role in {inbox.name}"
            )
            self.inbox_rows.append((inbox, self[name]))

    def roles(self) -> dict[str, str]:
        """inbox -> role, for the chosen inboxes (a role of its own, else the one above)."""
        d = self.cleaned_data
        return {sub: d.get(f"role_{sub}") or d["role"] for sub in d.get("inboxes", [])}

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data.get("name", "").split())

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        if not value.strip():
            return ""
        phone = phones.to_e164(value)  # a valid number: it receives the MFA codes
        if phone is None:
            raise forms.ValidationError(phones.field_error(value, suggest_in=settings.PHONE_REGION))
        return phone


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns: email, name, role, phone, inboxes.")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > onboarding.MAX_CSV_BYTES:
            raise forms.ValidationError(
                f"The file is too large (at most {onboarding.MAX_CSV_BYTES // 1024} KB)."
            )
        return f
