"""Forms for onboarding, offboarding, CSV import and the people pages. Everything is
validated here, before any API call."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from avodash.forms import date_in_range
from avodash.inboxes import Inbox
from team import lifecycle
from team.lifecycle import HANDOVER_AUTOASSIGN, HANDOVER_NOBODY, LifecycleError, Person
from team.services import ROLE_HELP, ROLES

ROLE_CHOICES = [(r, r.capitalize()) for r in ROLES]
PHONE_HELP = "Optional. E.164: + then country code and number, like +14155551234. They confirm it by SMS."


def _inbox_choices(inboxes: list[Inbox]) -> list[tuple[str, str]]:
    return [(i.subdomain, i.name) for i in inboxes]


class OnboardForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email")
    name = forms.CharField(
        max_length=100, required=False, label="Name", help_text="Used if they are new to Avochato."
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="member", label="Role")
    phone = forms.CharField(max_length=32, required=False, label="MFA phone", help_text=PHONE_HELP)
    inboxes = forms.MultipleChoiceField(
        label="Inboxes",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one inbox."},
    )

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inboxes"].choices = _inbox_choices(inboxes)
        self.role_help = ROLE_HELP

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data.get("name", "").split())

    def clean_phone(self) -> str:
        try:
            return lifecycle.normalize_phone(self.cleaned_data.get("phone", ""))
        except LifecycleError as err:
            raise forms.ValidationError(err.message) from None


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns: email, name, role, phone, inboxes.")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > lifecycle.MAX_CSV_BYTES:
            raise forms.ValidationError(
                f"The file is too large (at most {lifecycle.MAX_CSV_BYTES // 1024} KB)."
            )
        return f


class FindPersonForm(forms.Form):
    """GET: the email of the person to offboard."""

    email = forms.EmailField(max_length=254, label="Their email")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class OffboardForm(forms.Form):
    """The plan's choices: built from the person's memberships (one handover per inbox)."""

    # Its own id: the page's find form above has the visible `id_email`.
    email = forms.EmailField(widget=forms.HiddenInput(attrs={"id": "id_plan_email"}))
    action = forms.ChoiceField(
        label="In each chosen inbox",
        choices=[
            ("disable", "Disable (reversible: history kept, can be re-enabled)"),
            ("remove", "Remove from the inbox (their Avochato login remains)"),
        ],
        initial="disable",
        widget=forms.RadioSelect,
    )
    scheduled = forms.ChoiceField(
        label="Their pending scheduled messages",
        choices=[("cancel", "Cancel them"), ("keep", "Keep them (they go out in their name)")],
        initial="cancel",
        widget=forms.RadioSelect,
    )
    when = forms.ChoiceField(
        label="When",
        choices=[("now", "Now"), ("later", "On a date (their last day)")],
        initial="now",
        widget=forms.RadioSelect,
    )
    run_at = forms.DateTimeField(
        required=False,
        label="Date and time",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Your local time. It runs by itself then, and can be cancelled until then.",
    )

    def __init__(self, *args, person: Person, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.inbox_fields: list[tuple[lifecycle.Membership, forms.BoundField, forms.BoundField]] = []
        for m in person.memberships:
            sub = m.inbox.subdomain
            self.fields[f"in_{sub}"] = forms.BooleanField(required=False, initial=True, label=m.inbox.name)
            choices = [
                (HANDOVER_AUTOASSIGN, "Auto-assignment"),
                (HANDOVER_NOBODY, "Nobody (unassigned)"),
            ]
            colleagues = [
                (u.id, f"{u.display_name}" + (f" ({u.email})" if u.email else "")) for u in m.colleagues
            ]
            if colleagues:
                choices.append(("Successor", colleagues))
            self.fields[f"to_{sub}"] = forms.ChoiceField(
                choices=choices,
                initial=HANDOVER_AUTOASSIGN,
                required=False,
                label=f"Open tickets in {m.inbox.name} go to",
            )
            self.inbox_fields.append((m, self[f"in_{sub}"], self[f"to_{sub}"]))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email != self.person.email:
            raise forms.ValidationError("The plan changed: find the person again.")
        return email

    def clean_run_at(self):
        # 9999-12-31T23:59 in a zone west of UTC is past datetime.max once stored in UTC.
        return date_in_range(self.cleaned_data.get("run_at"))

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            run_at = data.get("run_at")
            if run_at is None:
                self.add_error("run_at", "Choose the date and time it should run.")
            elif run_at <= timezone.now():
                self.add_error("run_at", "Choose a time in the future.")
        chosen = [m for m in self.person.memberships if data.get(f"in_{m.inbox.subdomain}")]
        if not chosen:
            raise forms.ValidationError("Choose at least one inbox.")
        for m in chosen:
            if not data.get(f"to_{m.inbox.subdomain}"):
                self.add_error(
                    f"to_{m.inbox.subdomain}", f"Choose who gets their open tickets in {m.inbox.name}."
                )
        return data

    def choices(self) -> list[lifecycle.OffboardChoice]:
        out = []
        for m in self.person.memberships:
            sub = m.inbox.subdomain
            if not self.cleaned_data.get(f"in_{sub}"):
                continue
            to = self.cleaned_data[f"to_{sub}"]
            name = next((u.display_name for u in m.colleagues if u.id == to), "")
            out.append(lifecycle.OffboardChoice(subdomain=sub, handover=to, handover_name=name))
        return out

    @property
    def run_after(self):
        return self.cleaned_data.get("run_at") if self.cleaned_data.get("when") == "later" else None


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    inbox = forms.ChoiceField(required=False, label="Inbox")
    mfa = forms.ChoiceField(
        required=False, label="MFA", choices=[("", "Any MFA state"), ("missing", "MFA missing")]
    )

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [("", "Every inbox"), *_inbox_choices(inboxes)]

    def filter(self, people: list[lifecycle.DirectoryPerson]) -> list[lifecycle.DirectoryPerson]:
        d = self.cleaned_data
        q = (d.get("q") or "").strip().lower()
        out = []
        for p in people:
            if q and q not in (p.name or "").lower() and q not in (p.email or "").lower():
                continue
            if d.get("inbox") and d["inbox"] not in p.memberships:
                continue
            if d.get("mfa") == "missing" and not p.mfa_issue:
                continue
            out.append(p)
        return out


class ComplianceFilterForm(forms.Form):
    inbox = forms.ChoiceField(required=False, label="Inbox")
    issue = forms.ChoiceField(
        required=False,
        label="Problem",
        choices=[("", "Any problem"), ("2fa", "2FA not required"), ("verify", "No verified phone or app")],
    )
    format = forms.ChoiceField(required=False, choices=[("", "Page"), ("csv", "CSV")])

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [("", "Every inbox"), *_inbox_choices(inboxes)]

    def filter(self, rows: list[lifecycle.ComplianceRow]) -> list[lifecycle.ComplianceRow]:
        d = self.cleaned_data
        issue = {"2fa": "2FA not required", "verify": "no verified phone or app"}.get(d.get("issue") or "")
        return [
            r
            for r in rows
            if (not d.get("inbox") or r.inbox.subdomain == d["inbox"]) and (not issue or r.issue == issue)
        ]


class RetryForm(forms.Form):
    step = forms.IntegerField(required=False, min_value=1)
