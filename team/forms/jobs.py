"""The job page's retry (of every failed step, or of one)."""

from __future__ import annotations

from django import forms


class RetryForm(forms.Form):
    step = forms.IntegerField(required=False, min_value=1)
