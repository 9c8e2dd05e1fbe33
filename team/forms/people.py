"""The filters of the people pages (GET): the directory and MFA compliance."""

from __future__ import annotations

from django import forms

from avodash.domain.inboxes import Inbox
from avodash.domain.phones import search_term
from team import mfa, people
from team.forms.choices import inbox_choices


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    inbox = forms.ChoiceField(required=False, label="Inbox")
    mfa = forms.ChoiceField(
        required=False, label="MFA", choices=[("", "Any MFA state"), ("missing", "MFA needs action")]
    )

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [("", "Every inbox"), *inbox_choices(inboxes)]

    def filter(self, people: list[people.DirectoryPerson]) -> list[people.DirectoryPerson]:
        d = self.cleaned_data
        q = (d.get("q") or "").strip().lower()
        phone = search_term(q) if q else ""
        out = []
        for p in people:
            phones = [u.phone or "" for u in p.memberships.values()]
            if (
                q
                and q not in (p.name or "").lower()
                and q not in (p.email or "").lower()
                and not (len(phone) >= 3 and any(phone in n for n in phones))
            ):
                continue
            if d.get("inbox") and d["inbox"] not in p.memberships:
                continue
            if d.get("mfa") == "missing" and not p.mfa_issue:
                continue
            out.append(p)
        return out


STATE_CHOICES = [
    ("", "Needs action"),
    *((s, mfa.STATE_NAMES[s].capitalize()) for s in (*mfa.NEEDS_ACTION, mfa.COMPLIANT, mfa.DISABLED)),
    ("all", "Every state"),
]


class ComplianceFilterForm(forms.Form):
    inbox = forms.ChoiceField(required=False, label="Inbox")
    state = forms.ChoiceField(required=False, label="State", choices=STATE_CHOICES)
    format = forms.ChoiceField(required=False, choices=[("", "Page"), ("csv", "CSV")])

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [("", "Every inbox"), *inbox_choices(inboxes)]

    def filter(self, rows: list[people.ComplianceRow]) -> list[people.ComplianceRow]:
        d = self.cleaned_data if self.is_bound else {}
        state = d.get("state") or ""
        wanted = mfa.NEEDS_ACTION if not state else None if state == "all" else (state,)
        return [
            r
            for r in rows
            if (not d.get("inbox") or r.inbox.subdomain == d["inbox"])
            and (wanted is None or r.state in wanted)
        ]


class ComplianceActionForm(forms.Form):
    """The bulk actions of the compliance report: on the chosen rows (and the people a pasted
    list names), set MFA phones or send password resets."""

    action = forms.ChoiceField(
        choices=[("mfa_phone", "Set MFA phones from the list"), ("password_reset", "Send password resets")],
        label="Action",
    )
    pick = forms.MultipleChoiceField(required=False, label="Chosen people")
    phones = forms.CharField(
        required=False,
        max_length=20_000,
        label="MFA phones, one person a line",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "jane@example.com, +14155550123"}),
        help_text="Email (or name) and phone per line. People named here are included even when not ticked.",
    )

    def __init__(self, *args, rows: list[people.ComplianceRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = [r for r in rows if r.action]  # the states an API action fixes
        self.fields["pick"].choices = [(r.key, r.key) for r in self.rows]

    def clean(self):
        d = super().clean()
        lines, problems = mfa.phone_lines(d.get("phones") or "")
        for problem in problems:
            self.add_error("phones", problem)
        if d.get("action") == "mfa_phone" and not lines and not problems:
            self.add_error("phones", "Paste at least one line: who, then their phone.")
        if d.get("action") == "password_reset" and not d.get("pick"):
            raise forms.ValidationError("Tick the people who should get a password reset.")
        d["lines"] = lines
        return d
