"""What the queue's bulk form and the ticket header's form share: the owner checked against
the inbox's users, and the change they ask for as one `TicketChange`."""

from __future__ import annotations

from django import forms

from avodash.domain.tickets import AUTOASSIGN, UNASSIGN, TicketChange


class TicketChangeForm(forms.Form):
    """A form with `status`, `owner` and an addressed field. `ADDRESSED_FIELD` names that
    field, and `UNADDRESSED` the value of it that means "mark unaddressed"."""

    ADDRESSED_FIELD = "unaddressed"
    UNADDRESSED = "true"

    def __init__(self, data=None, *, user_ids: set[str] = frozenset(), **kwargs):
        super().__init__(data, **kwargs)
        self.user_ids = user_ids

    def clean_owner(self) -> str:
        owner = self.cleaned_data.get("owner") or ""
        if owner and owner not in (UNASSIGN, AUTOASSIGN) and owner not in self.user_ids:
            raise forms.ValidationError("Choose an owner from the list.")
        return owner

    def change(self) -> TicketChange:
        d = self.cleaned_data
        addressed = d.get(self.ADDRESSED_FIELD)
        return TicketChange(
            status=d.get("status") or None,
            owner=d.get("owner") or None,
            unaddressed=None if not addressed else addressed == self.UNADDRESSED,
        )
