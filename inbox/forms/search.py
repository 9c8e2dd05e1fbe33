"""The message search's form: every parameter of "Search Messages", from the URL."""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from django import forms
from django.utils import timezone

from inbox.forms.filters import (
    MAX_PAGE,
    FieldErrorsMixin,
    PhoneFilterMixin,
    check_day,
    contact_phone_or_id,
    day_start,
)
from inbox.forms.ids import id_validator
from inbox.services.messages import DELIVERY_STATUSES, NOT_DELIVERED, MessageFilters


class MessageSearchForm(FieldErrorsMixin, PhoneFilterMixin, forms.Form):
    """Every parameter of "Search Messages", from the URL (so a search can be shared)."""

    at_field = (
        "q",
        "created_from",
        "created_to",
        "from_number",
        "to_number",
        "contact",
        "ticket",
    )  # the page shows these errors under the field
    q = forms.CharField(required=False, max_length=200, label="Text")
    direction = forms.ChoiceField(
        required=False, choices=[("", "In and out"), ("in", "Received"), ("out", "Sent")]
    )
    status = forms.ChoiceField(
        required=False,
        label="Delivery",
        choices=[
            ("", "Any status"),
            *((s, s.capitalize()) for s in DELIVERY_STATUSES),
            (NOT_DELIVERED, "Failed or undelivered"),
        ],
    )
    from_number = forms.CharField(required=False, max_length=40, label="From")
    to_number = forms.CharField(required=False, max_length=40, label="To")
    contact = forms.CharField(
        required=False,
        max_length=64,
        label="Contact (phone or id)",
        help_text="A phone number in any format, like (415) 555-1234, or a contact id.",
    )
    ticket = forms.CharField(required=False, max_length=64, validators=[id_validator], label="Ticket id")
    sender = forms.CharField(required=False, max_length=64, validators=[id_validator], label="Sent by")
    created_from = forms.DateField(
        required=False, label="From date", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        required=False, label="To date", widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    format = forms.ChoiceField(required=False, choices=[("", "Page"), ("csv", "CSV")])

    FILTERS = (
        "q",
        "direction",
        "status",
        "from_number",
        "to_number",
        "contact",
        "ticket",
        "sender",
        "created_from",
        "created_to",
    )

    def clean_from_number(self) -> str | None:
        return self._phone("from_number")

    def clean_contact(self) -> str | None:
        """A contact id, or an E.164 phone (starting with +) that the view resolves to the
        contact (`contact_phone`); never both."""
        phone, contact_id = contact_phone_or_id(self.cleaned_data.get("contact") or "")
        return phone or contact_id

    @property
    def contact_phone(self) -> str | None:
        """The contact filter when it is a phone number (to resolve to the contact's id)."""
        value = (getattr(self, "cleaned_data", None) or {}).get("contact") or ""
        return value if value.startswith("+") else None

    def clean_created_from(self) -> date | None:
        return check_day(self.cleaned_data.get("created_from"))

    def clean_created_to(self) -> date | None:
        return check_day(self.cleaned_data.get("created_to"))

    def clean_to_number(self) -> str | None:
        return self._phone("to_number")

    def clean(self):
        data = super().clean()
        lo, hi = data.get("created_from"), data.get("created_to")
        if lo and hi and lo > hi:
            self.add_error("created_to", "The end date is before the start date.")
        return data

    @property
    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(k) for k in self.FILTERS)

    def filters(self, tz: tzinfo | None = None, *, contact_id: str | None = None) -> MessageFilters:
        """The API's filters. A phone in the contact field is not a filter by itself: the
        view resolves it to the contact and passes `contact_id`."""
        d = self.cleaned_data
        tz = tz or timezone.get_current_timezone()
        if contact_id is None and not self.contact_phone:
            contact_id = d.get("contact") or None
        return MessageFilters(
            query=(d.get("q") or "").strip(),
            direction=d.get("direction") or None,
            status=d.get("status") or None,
            from_phone=d.get("from_number"),
            to_phone=d.get("to_number"),
            contact_id=contact_id,
            ticket_id=d.get("ticket") or None,
            sender_id=d.get("sender") or None,
            created_from=day_start(d["created_from"], tz) if d.get("created_from") else None,
            created_to=day_start(d["created_to"] + timedelta(days=1), tz) if d.get("created_to") else None,
        )
