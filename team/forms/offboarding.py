"""Offboarding: find the person, then the plan's choices per inbox."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from avodash.domain import phones
from avodash.forms import date_in_range
from team import offboarding, people
from team.offboarding import HANDOVER_AUTOASSIGN, HANDOVER_NOBODY
from team.onboarding import email_error
from team.people import Person


def person_label(user) -> str:
    """How a person picker names someone: name (email) · phone, so any of them can be typed."""
    label = user.display_name + (f" ({user.email})" if user.email else "")
    return label + (f" · {phones.display(user.phone)}" if user.phone else "")


class FindPersonForm(forms.Form):
    """GET: who is leaving: their email, or part of their name, email or phone (then the
    directory's matches are offered)."""

    email = forms.CharField(max_length=254, label="Who is leaving?")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    @property
    def is_email(self) -> bool:
        return not email_error(self.cleaned_data.get("email", ""))


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

    confirm = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes")], widget=forms.HiddenInput)

    def __init__(self, *args, person: Person, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.inbox_fields: list[tuple[people.Membership, forms.BoundField, forms.BoundField]] = []
        for m in person.memberships:
            sub = m.inbox.subdomain
            self.fields[f"in_{sub}"] = forms.BooleanField(required=False, initial=True, label=m.inbox.name)
            choices = [
                (HANDOVER_AUTOASSIGN, "Auto-assignment"),
                (HANDOVER_NOBODY, "Nobody (unassigned)"),
            ]
            colleagues = [(u.id, person_label(u)) for u in m.colleagues]
            if colleagues:
                choices.append(("Successor", colleagues))
            self.fields[f"to_{sub}"] = forms.ChoiceField(
                choices=choices,
                initial=HANDOVER_AUTOASSIGN,
                required=False,
                label=f"Open tickets in {m.inbox.name} go to",
                widget=forms.Select(attrs={"data-typeahead": f"{HANDOVER_AUTOASSIGN},{HANDOVER_NOBODY}"}),
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

    def choices(self) -> list[offboarding.OffboardChoice]:
        out = []
        for m in self.person.memberships:
            sub = m.inbox.subdomain
            if not self.cleaned_data.get(f"in_{sub}"):
                continue
            to = self.cleaned_data[f"to_{sub}"]
            name = next((u.display_name for u in m.colleagues if u.id == to), "")
            out.append(offboarding.OffboardChoice(subdomain=sub, handover=to, handover_name=name))
        return out

    @property
    def run_after(self):
        return self.cleaned_data.get("run_at") if self.cleaned_data.get("when") == "later" else None
