from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.db.models import Q
from django.utils import timezone

from avodash.models import AuditEntry

# Dates typed into filters stay well inside what datetime and the time zones can hold:
# 9999-12-31 in Los Angeles is past datetime.max in UTC (OverflowError), and 0001-01-01
# east of Greenwich is before datetime.min.
MIN_YEAR = 1900
MAX_YEAR = 9998


def date_in_range(value):
    """Raise a form error for a date (or datetime) outside MIN_YEAR..MAX_YEAR; else return it."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise forms.ValidationError(f"Enter a date between the years {MIN_YEAR} and {MAX_YEAR}.")
    return value


def _outcome_q(outcome: str) -> Q:
    """A pending entry older than AuditEntry.PENDING_STALE_AFTER is an attempt that died: unknown."""
    stale = Q(outcome=AuditEntry.PENDING, created_at__lt=timezone.now() - AuditEntry.PENDING_STALE_AFTER)
    if outcome == AuditEntry.UNKNOWN:
        return Q(outcome=AuditEntry.UNKNOWN) | stale
    if outcome == AuditEntry.PENDING:
        return Q(outcome=AuditEntry.PENDING) & ~stale
    return Q(outcome=outcome)


class AuditFilterForm(forms.Form):
    inbox = forms.CharField(required=False, max_length=100)
    actor = forms.CharField(required=False, max_length=150, label="Actor contains")
    action = forms.CharField(required=False, max_length=64)
    outcome = forms.ChoiceField(required=False, choices=[("", "Any")] + AuditEntry.OUTCOMES)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    page = forms.IntegerField(required=False, min_value=1)
    format = forms.ChoiceField(required=False, choices=[("", "html"), ("csv", "csv")])

    def clean_since(self):
        return date_in_range(self.cleaned_data.get("since"))

    def clean_until(self):
        return date_in_range(self.cleaned_data.get("until"))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("“From” must be on or before “To”.")
        return data

    def filter(self, qs):
        d = self.cleaned_data
        tz = timezone.get_current_timezone()
        if d.get("inbox"):
            qs = qs.filter(inbox=d["inbox"])
        if d.get("actor"):
            qs = qs.filter(actor_name__icontains=d["actor"])
        if d.get("action"):
            qs = qs.filter(action=d["action"])
        if d.get("outcome"):
            qs = qs.filter(_outcome_q(d["outcome"]))
        if d.get("since"):
            qs = qs.filter(created_at__gte=datetime.combine(d["since"], time.min, tzinfo=tz))
        if d.get("until"):
            qs = qs.filter(created_at__lte=datetime.combine(d["until"], time.max, tzinfo=tz))
        return qs
