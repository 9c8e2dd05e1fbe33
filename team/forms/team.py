"""The team list's filters (GET)."""

from __future__ import annotations

from django import forms

from team.forms.choices import ROLE_CHOICES


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
