"""Forms of the ticket page: the header controls, the contact's tags, a custom event, and the
event stream's position (polling and scrolling back)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from avodash.domain.tickets import AUTOASSIGN, STATUSES, UNASSIGN, TicketChange


class TicketUpdateForm(forms.Form):
    """One control of the ticket header: status, owner, or addressed."""

    status = forms.ChoiceField(required=False, choices=[("", "—"), *((s, s) for s in STATUSES)])
    owner = forms.CharField(required=False, max_length=64)
    unaddressed = forms.ChoiceField(required=False, choices=[("", "—"), ("true", "true"), ("false", "false")])

    def __init__(self, data=None, *, user_ids: set[str] = frozenset(), **kwargs):
        super().__init__(data, **kwargs)
        self.user_ids = user_ids

    def clean_owner(self) -> str:
        owner = self.cleaned_data.get("owner") or ""
        if owner and owner not in (UNASSIGN, AUTOASSIGN) and owner not in self.user_ids:
            raise forms.ValidationError("Choose an owner from the list.")
        return owner

    def clean(self):
        data = super().clean()
        if not self.errors and self.change().empty:
            raise forms.ValidationError("Nothing to change.")
        return data

    def change(self) -> TicketChange:
        d = self.cleaned_data
        un = d.get("unaddressed")
        return TicketChange(
            status=d.get("status") or None,
            owner=d.get("owner") or None,
            unaddressed=None if not un else un == "true",
        )


class TagForm(forms.Form):
    tag = forms.CharField(max_length=64, label="Tag")
    op = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")], initial="add")

    def clean_tag(self) -> str:
        tag = " ".join(self.cleaned_data["tag"].split())
        if not tag:
            raise forms.ValidationError("Enter a tag.")
        if "," in tag:
            raise forms.ValidationError("A tag cannot contain a comma.")
        return tag


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
