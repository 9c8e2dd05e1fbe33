"""The filters of the people pages (GET): the directory and MFA compliance."""

from __future__ import annotations

from django import forms

from avodash.domain.inboxes import Inbox
from team import people
from team.forms.choices import inbox_choices


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    inbox = forms.ChoiceField(required=False, label="Inbox")
    mfa = forms.ChoiceField(
        required=False, label="MFA", choices=[("", "Any MFA state"), ("missing", "MFA missing")]
    )

    def __init__(self, *args, inboxes: list[Inbox], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].choices = [("", "Every inbox"), *inbox_choices(inboxes)]

    def filter(self, people: list[people.DirectoryPerson]) -> list[people.DirectoryPerson]:
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
        self.fields["inbox"].choices = [("", "Every inbox"), *inbox_choices(inboxes)]

    def filter(self, rows: list[people.ComplianceRow]) -> list[people.ComplianceRow]:
        d = self.cleaned_data
        issue = {"2fa": "2FA not required", "verify": "no verified phone or app"}.get(d.get("issue") or "")
        return [
            r
            for r in rows
            if (not d.get("inbox") or r.inbox.subdomain == d["inbox"]) and (not issue or r.issue == issue)
        ]
