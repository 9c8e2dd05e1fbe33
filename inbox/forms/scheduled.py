"""Forms of the scheduled list: its filters (GET) and cancelling (one or several, confirmed)."""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from django import forms
from django.utils import timezone

from avodash.domain.scheduled import ScheduledFilters
from inbox.forms.filters import MAX_PAGE, FieldErrorsMixin, PhoneFilterMixin, check_day, day_start
from inbox.forms.ids import ID_RE, id_validator
from inbox.idempotency import valid_key
from inbox.services.messages import MAX_LENGTH, schedule_window

CANCEL_MAX = 100


class ScheduledFilterForm(FieldErrorsMixin, PhoneFilterMixin, forms.Form):
    """The scheduled list's filters: contact (by phone, or by id from a link), sender,
    scheduled window, include cancelled."""

    at_field = ("to_number", "window_from", "window_to")  # the page shows these errors under the field
    q = forms.CharField(required=False, max_length=200, label="Text")
    to_number = forms.CharField(required=False, max_length=40, label="Contact phone")
    contact = forms.CharField(required=False, max_length=64, validators=[id_validator], label="Contact id")
    ticket = forms.CharField(required=False, max_length=64, validators=[id_validator], label="Ticket id")
    sender = forms.CharField(required=False, max_length=64, validators=[id_validator], label="Scheduled by")
    window_from = forms.DateField(
        required=False, label="Sends from", widget=forms.DateInput(attrs={"type": "date"})
    )
    window_to = forms.DateField(
        required=False, label="Sends until", widget=forms.DateInput(attrs={"type": "date"})
    )
    cancelled = forms.BooleanField(required=False, label="Include cancelled")
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    FILTERS = ("q", "to_number", "contact", "ticket", "sender", "window_from", "window_to", "cancelled")

    def clean_to_number(self) -> str | None:
        return self._phone("to_number")

    def clean_window_from(self) -> date | None:
        return check_day(self.cleaned_data.get("window_from"))

    def clean_window_to(self) -> date | None:
        return check_day(self.cleaned_data.get("window_to"))

    def clean(self):
        data = super().clean()
        lo, hi = data.get("window_from"), data.get("window_to")
        if lo and hi and lo > hi:
            self.add_error("window_to", "The end date is before the start date.")
        return data

    @property
    def is_filtered(self) -> bool:
        return any(self.cleaned_data.get(k) for k in self.FILTERS)

    def filters(self, tz: tzinfo | None = None) -> ScheduledFilters:
        d = self.cleaned_data
        tz = tz or timezone.get_current_timezone()
        return ScheduledFilters(
            query=(d.get("q") or "").strip(),
            contact_id=d.get("contact") or None,
            ticket_id=d.get("ticket") or None,
            sender_id=d.get("sender") or None,
            to_phone=d.get("to_number"),
            scheduled_from=day_start(d["window_from"], tz) if d.get("window_from") else None,
            scheduled_to=day_start(d["window_to"] + timedelta(days=1), tz) if d.get("window_to") else None,
            include_cancelled=bool(d.get("cancelled")),
        )


class CancelForm(forms.Form):
    """Cancel one or several scheduled messages; `confirm` is the second step."""

    ids = forms.CharField(required=False)  # read with getlist in clean_ids
    confirm = forms.BooleanField(required=False)
    ticket = forms.CharField(required=False, max_length=64, validators=[id_validator])

    def clean_ids(self) -> list[str]:
        ids = [i.strip() for i in self.data.getlist("ids") if i.strip()]
        if not ids:
            raise forms.ValidationError("Choose at least one scheduled message to cancel.")
        if len(ids) > CANCEL_MAX:
            raise forms.ValidationError(f"At most {CANCEL_MAX} messages at once.")
        if not all(ID_RE.match(i) for i in ids):
            raise forms.ValidationError("That is not a valid message id.")
        return list(dict.fromkeys(ids))


class RescheduleForm(forms.Form):
    """Change a pending message: its text and when it goes out (checked before any call)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(strip=False, label="Message", widget=forms.Textarea(attrs={"rows": 4}))
    scheduled_at = forms.DateTimeField(
        label="Goes out at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    back = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        if not valid_key(key):
            raise forms.ValidationError("This form is out of date: open the change again.")
        return key

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        if not text.strip():
            raise forms.ValidationError("Write the message.")
        if len(text) > MAX_LENGTH:
            raise forms.ValidationError(
                f"The message is {len(text):,} characters; the limit is {MAX_LENGTH:,}. "
                f"Shorten it by {len(text) - MAX_LENGTH:,}."
            )
        return text

    def clean_scheduled_at(self):
        value = self.cleaned_data["scheduled_at"]
        earliest, latest = schedule_window(timezone.now())
        if value < earliest:
            raise forms.ValidationError("That time has passed: pick a time at least a minute from now.")
        if value > latest:
            raise forms.ValidationError("Messages can be scheduled up to a year ahead.")
        return value
