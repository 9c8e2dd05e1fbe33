"""The person page's forms: roles per inbox, the actions per inbox or for all at once, and the
type-ahead that finds a person."""

from __future__ import annotations

from django import forms

from avodash.domain.users import role_change_needs_confirmation
from team.forms.choices import ROLE_CHOICES
from team.forms.member import mfa_phone_clean
from team.person import PersonInbox, PersonPage


class FindForm(forms.Form):
    """GET: part of a name, an email or a phone."""

    q = forms.CharField(max_length=100, required=False, label="Name, email or phone")


class PersonRolesForm(forms.Form):
    """One role per inbox of theirs; only the changed ones are sent."""

    confirm = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes")])

    def __init__(self, *args, person: PersonPage, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        for m in person.inboxes:
            self.fields[f"role_{m.inbox.subdomain}"] = forms.ChoiceField(
                choices=ROLE_CHOICES, required=False, initial=m.user.role, label=f"Role in {m.inbox.name}"
            )

    @property
    def chosen(self) -> dict[str, str]:
        """subdomain -> the role shown in its select: the one sent (kept when the form comes
        back), else their role now."""
        return {m.inbox.subdomain: self.role_field(m).value() or "" for m in self.person.inboxes}

    def role_field(self, m: PersonInbox) -> forms.BoundField:
        return self[f"role_{m.inbox.subdomain}"]

    def changes(self) -> list[tuple[PersonInbox, str | None, str]]:
        """(inbox of theirs, role now, role asked) for every inbox whose role changes."""
        out = []
        for m in self.person.inboxes:
            new = self.cleaned_data.get(f"role_{m.inbox.subdomain}") or ""
            if new and new != m.user.role:
                out.append((m, m.user.role, new))
        return out

    @property
    def needs_confirmation(self) -> bool:
        return self.cleaned_data.get("confirm") != "yes" and any(
            role_change_needs_confirmation(old, new) for _m, old, new in self.changes()
        )


class PersonActionForm(forms.Form):
    """An action in the chosen inboxes of theirs (disable, enable), or for the person (MFA phone,
    password reset: both belong to their Avochato login, one call)."""

    action = forms.ChoiceField(
        choices=[
            ("disable", "Disable"),
            ("enable", "Enable"),
            ("password_reset", "Send a password reset"),
            ("mfa_phone", "Set the MFA phone"),
        ]
    )
    inboxes = forms.MultipleChoiceField(required=False, label="In")
    phone = forms.CharField(max_length=32, required=False, label="MFA phone")
    confirm = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes")])

    def __init__(self, *args, person: PersonPage, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["inboxes"].choices = [(m.inbox.subdomain, m.inbox.name) for m in person.inboxes]

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return mfa_phone_clean(value, hint=True) if value.strip() else ""

    def clean(self):
        d = super().clean()
        action = d.get("action")
        if action in ("disable", "enable") and not d.get("inboxes"):
            self.add_error("inboxes", "Choose at least one inbox.")
        if action == "mfa_phone" and not d.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "Enter the phone that receives their sign-in codes.")
        return d

    def chosen(self) -> list[PersonInbox]:
        subs = set(self.cleaned_data.get("inboxes") or [])
        return [m for m in self.person.inboxes if m.inbox.subdomain in subs]
