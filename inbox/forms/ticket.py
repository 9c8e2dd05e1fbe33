"""Forms of the ticket page: the header controls, the contact's tags, a custom event, and the
event stream's position (polling and scrolling back)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from avodash.domain.tags import clean_tag
from avodash.domain.tickets import STATUSES
from inbox.forms.change import TicketChangeForm


class TicketUpdateForm(TicketChangeForm):
    """One control of the ticket header: status, owner, or addressed."""

    status = forms.ChoiceField(required=False, choices=[("", "—"), *((s, s) for s in STATUSES)])
    owner = forms.CharField(required=False, max_length=64)
    unaddressed = forms.ChoiceField(required=False, choices=[("", "—"), ("true", "true"), ("false", "false")])

    def clean(self):
        data = super().clean()
        if not self.errors and self.change().empty:
            raise forms.ValidationError("Nothing to change.")
        return data


class TagForm(forms.Form):
    tag = forms.CharField(max_length=64, label="Tag")
    op = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")], initial="add")

    def clean_tag(self) -> str:
        try:
            return clean_tag(self.cleaned_data["tag"])  # the one tag rule (avodash.domain.tags)
        except ValueError as err:
            raise forms.ValidationError(str(err)) from None


class CustomEventForm(forms.Form):
    type = forms.CharField(max_length=64, label="Type", help_text="For example: sale, click, refund.")
    context = forms.CharField(
        required=False, max_length=1000, label="Context", widget=forms.Textarea(attrs={"rows": 2})
    )
    revenue = forms.DecimalField(
        required=False,
        label="Revenue",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("-1000000000"),
        max_value=Decimal("1000000000"),
    )

    def clean_type(self) -> str:
        value = " ".join(self.cleaned_data["type"].split())
        if not value:
            raise forms.ValidationError("Enter the event type.")
        return value


class StreamQueryForm(forms.Form):
    """Polling (`after`: newest event time shown) or scrolling back (`page`, `before`)."""

    after = forms.FloatField(required=False, min_value=0)
    before = forms.FloatField(required=False, min_value=0)
    page = forms.IntegerField(required=False, min_value=1, max_value=500)
    state = forms.RegexField(required=False, regex=r"^[A-Za-z]+\.[A-Za-z0-9_-]+\.[01]$", max_length=80)
