"""The jobs list's filters, and the job page's retry (of every failed step, or of one)."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from avodash.forms import date_in_range
from team.models import Job


class RetryForm(forms.Form):
    step = forms.IntegerField(required=False, min_value=1)


class JobFilterForm(forms.Form):
    """GET: the jobs list's filters. Who ran it, for whom, what, its status, when it was made."""

    person = forms.CharField(required=False, max_length=254, label="For whom")
    by = forms.CharField(required=False, max_length=150, label="Run by")
    kind = forms.ChoiceField(required=False, label="Kind", choices=[("", "Any kind"), *Job.KINDS])
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Any status"), *((s, n.capitalize()) for s, n in Job.STATUSES if s != Job.DRAFT)],
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_since(self):
        return date_in_range(self.cleaned_data.get("since"))

    def clean_until(self):
        return date_in_range(self.cleaned_data.get("until"))

    def filter(self, jobs: QuerySet[Job]) -> QuerySet[Job]:
        d = self.cleaned_data
        if d.get("person"):
            jobs = jobs.filter(Q(subject__icontains=d["person"]) | Q(title__icontains=d["person"]))
        if d.get("by"):
            jobs = jobs.filter(Q(run_by_name__icontains=d["by"]) | Q(created_by_name__icontains=d["by"]))
        if d.get("kind"):
            jobs = jobs.filter(kind=d["kind"])
        if d.get("status"):
            jobs = jobs.filter(status=d["status"])
        if d.get("since"):
            jobs = jobs.filter(created_at__date__gte=d["since"])
        if d.get("until"):
            jobs = jobs.filter(created_at__date__lte=d["until"])
        return jobs
