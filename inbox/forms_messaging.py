"""Forms of the messaging screens: the composer (reply and new message), message search and
scheduled filters (GET), cancellation. Every guard runs here, before any API call.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from django import forms
from django.utils import timezone

from inbox.forms_triage import ID_RE, id_validator
from inbox.idempotency import valid_key
from inbox.services.contacts import clean_tag
from inbox.services.messages import (
    DELIVERY_STATUSES,
    MAX_LENGTH,
    NOT_DELIVERED,
    Draft,
    MessageFilters,
    ScheduledFilters,
    phone_normalize,
    phone_problem,
    phone_suggestion,
    schedule_presets,
    schedule_window,
)

SEND, SCHEDULE, REDRAFT = "send", "schedule", "redraft"
CUSTOM = "custom"
MAX_TAGS = 10
MAX_PAGE = 400
CANCEL_MAX = 100
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def local_input_value(value: datetime) -> str:
    """A datetime as a `datetime-local` input shows it, in the viewer's zone."""
    return timezone.localtime(value).strftime(DATETIME_INPUT)


class MessageForm(forms.Form):
    """The composer's fields. Subclasses say who the message goes to."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        required=False,
        strip=False,
        label="Message",
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "maxlength": MAX_LENGTH,
                "data-composer-text": "",
                "placeholder": "Write a message…",
            }
        ),
    )
    media_url = forms.URLField(
        required=False,
        max_length=2000,
        label="Media URL",
        assume_scheme="https",
        help_text="A picture or file on the web (MMS, 500 KB at most).",
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        label="Tags for the contact",
        help_text="Comma-separated; added to the contact.",
    )
    mark_addressed = forms.BooleanField(required=False, label="Mark the conversation addressed")
    action = forms.ChoiceField(
        required=False, choices=[(SEND, "Send now"), (SCHEDULE, "Schedule"), (REDRAFT, "New draft")]
    )
    when = forms.ChoiceField(required=False, label="When")
    scheduled_at = forms.DateTimeField(
        required=False,
        label="Date and time",
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    confirm_others = forms.BooleanField(required=False, label="Send anyway")

    def __init__(self, *args, tz: tzinfo | None = None, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz or timezone.get_current_timezone()
        self.now = now or timezone.now()
        self.presets = schedule_presets(self.tz, self.now)
        self.fields["when"].choices = [(k, label) for k, label, _ in self.presets] + [(CUSTOM, "Pick a time")]
        earliest, latest = schedule_window(self.now)
        self.fields["scheduled_at"].widget.attrs.update(
            min=local_input_value(earliest), max=local_input_value(latest)
        )
        self.phone_suggestion: str | None = None

    @property
    def action_value(self) -> str:
        data = getattr(self, "cleaned_data", None) or {}
        return data.get("action") or (self.data.get("action") if self.is_bound else None) or SEND

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data.get("idempotency_key") or ""
        if not valid_key(key):
            raise forms.ValidationError(
                "This form is out of date (it has no draft key). Nothing was sent: press Send again."
            )
        return key

    def clean_text(self) -> str:
        # Browsers send line breaks as CRLF; count them as the person sees them.
        text = (self.cleaned_data.get("text") or "").replace("\r\n", "\n")
        if len(text) > MAX_LENGTH:
            raise forms.ValidationError(
                f"The message is {len(text):,} characters; the limit is {MAX_LENGTH:,}. Shorten it by {len(text) - MAX_LENGTH:,}."
            )
        return text

    def clean_media_url(self) -> str:
        url = self.cleaned_data.get("media_url") or ""
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("The media URL must be a web address starting with https://.")
        return url

    def clean_tags(self) -> tuple[str, ...]:
        raw = self.cleaned_data.get("tags") or ""
        tags: list[str] = []
        for part in raw.split(","):
            if not part.strip():
                continue
            try:
                tags.append(clean_tag(part))
            except ValueError as err:
                raise forms.ValidationError(str(err)) from None
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags at once.")
        return tuple(dict.fromkeys(tags))

    def clean(self):
        data = super().clean()
        if data.get("action") == REDRAFT:
            return data
        if "text" in data and "media_url" in data and not data["text"].strip() and not data["media_url"]:
            self.add_error("text", "Write a message (or give a media URL).")
        if data.get("action") == SCHEDULE:
            data["scheduled_for"] = self._scheduled_for(data)
        return data

    def _scheduled_for(self, data) -> datetime | None:
        when = data.get("when") or (CUSTOM if data.get("scheduled_at") else "")
        if not when:
            self.add_error("when", "Choose when to send it.")
            return None
        if when == CUSTOM:
            value = data.get("scheduled_at")
            if value is None:
                if "scheduled_at" not in self.errors:
                    self.add_error("scheduled_at", "Pick a date and time.")
                return None
        else:
            value = next(w for k, _, w in self.presets if k == when)
        earliest, latest = schedule_window(self.now)
        if value < earliest:
            self.add_error(
                "scheduled_at",
                "That time has passed: pick a time in the future (at least a minute from now).",
            )
            return None
        if value > latest:
            self.add_error("scheduled_at", "Messages can be scheduled up to a year ahead.")
            return None
        return value

    def draft(self, *, phone: str, send_as_email: str | None) -> Draft:
        d = self.cleaned_data
        return Draft(
            phone=phone,
            text=d["text"],
            media_url=d.get("media_url") or None,
            mark_addressed=bool(d.get("mark_addressed")),
            tags=d.get("tags") or (),
            send_as_email=send_as_email,
        )


class ReplyForm(MessageForm):
    """The composer on a ticket page. The message goes to the ticket's own contact, looked
    up again from the ticket when sending; `contact_id` (the contact the page showed) is
    only a cross-check: the reply view refuses a form whose contact is not the ticket's."""

    contact_id = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, validators=[id_validator]
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "composer-%s")  # the ticket page has other forms
        super().__init__(*args, **kwargs)


class ComposeForm(MessageForm):
    """A new message to any phone number."""

    phone = forms.CharField(
        max_length=40,
        label="To (phone number)",
        help_text="E.164: + then the country code and number, like +14155551234.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "placeholder": "+14155551234"}),
    )
    field_order = ["phone"]

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone") or ""
        phone = phone_normalize(raw)
        if phone is None:
            # Checked here, before any API call: a malformed number never reaches Avochato.
            self.phone_suggestion = phone_suggestion(raw)
            hint = f" Did you mean {self.phone_suggestion}?" if self.phone_suggestion else ""
            raise forms.ValidationError((phone_problem(raw) or "Enter a valid phone number.") + hint)
        return phone


# --- GET filters ---------------------------------------------------------------------------
# A filter's "to" day becomes the start of the next day in the viewer's zone: keep a margin
# from the calendar's end so that day + 1, the zone shift and the timestamp never overflow.
LAST_DAY = date(9998, 12, 31)


def _day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _check_day(value: date | None) -> date | None:
    if value is not None and value > LAST_DAY:
        raise forms.ValidationError(f"Enter a date no later than {LAST_DAY.isoformat()}.")
    return value


class _PhoneFilterMixin:
    def _phone(self, name: str) -> str | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        phone = phone_normalize(raw, strict=False)
        if phone is None:
            suggestion = phone_suggestion(raw, strict=False)
            hint = f" Did you mean {suggestion}?" if suggestion else ""
            raise forms.ValidationError((phone_problem(raw) or "Enter a valid phone number.") + hint)
        return phone


# What a person types as a phone number (digits with spaces, dashes, dots, brackets, maybe a +).
PHONE_TYPED_RE = re.compile(r"^\+?[\d\s\-().]+$")


def contact_phone_or_id(raw: str) -> tuple[str | None, str | None]:
    """The contact filter: (phone, None) for a phone number in any format a person types,
    normalised to E.164 as the composer does (a US number without +1 is taken as one), or
    (None, contact_id) for a contact id. Raises ValidationError for anything else."""
    text = (raw or "").strip()
    if not text:
        return None, None
    digits = re.sub(r"\D", "", text)
    looks_like_phone = text.startswith("+") or (
        PHONE_TYPED_RE.match(text) and (not text.isdigit() or len(digits) in (10, 11))
    )
    if looks_like_phone:
        phone = phone_normalize(text, strict=False) or phone_suggestion(text, strict=False)
        if phone:
            return phone, None
        if text.startswith("+") or not ID_RE.match(text):
            raise forms.ValidationError(
                (phone_problem(text) or "Enter a valid phone number.") + " Or enter the contact's id."
            )
    if ID_RE.match(text):
        return None, text
    raise forms.ValidationError(
        "Enter the contact's phone number (like +14155551234 or (415) 555-1234) or their contact id."
    )


class MessageSearchForm(_PhoneFilterMixin, forms.Form):
    """Every parameter of "Search Messages", from the URL (so a search can be shared)."""

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
        return _check_day(self.cleaned_data.get("created_from"))

    def clean_created_to(self) -> date | None:
        return _check_day(self.cleaned_data.get("created_to"))

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
            created_from=_day_start(d["created_from"], tz) if d.get("created_from") else None,
            created_to=_day_start(d["created_to"] + timedelta(days=1), tz) if d.get("created_to") else None,
        )


class ScheduledFilterForm(_PhoneFilterMixin, forms.Form):
    """The scheduled list's filters: contact (by phone, or by id from a link), sender,
    scheduled window, include cancelled."""

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
        return _check_day(self.cleaned_data.get("window_from"))

    def clean_window_to(self) -> date | None:
        return _check_day(self.cleaned_data.get("window_to"))

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
            scheduled_from=_day_start(d["window_from"], tz) if d.get("window_from") else None,
            scheduled_to=_day_start(d["window_to"] + timedelta(days=1), tz) if d.get("window_to") else None,
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
