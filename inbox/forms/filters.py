"""What the message search and the scheduled list filter on alike: days in the viewer's zone,
and phone numbers as a person types them."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

from django import forms
from django.conf import settings

from avodash.domain import phones
from inbox.forms.ids import ID_RE

MAX_PAGE = 400


# --- GET filters ---------------------------------------------------------------------------
# A filter's "to" day becomes the start of the next day in the viewer's zone: keep a margin
# from the calendar's end so that day + 1, the zone shift and the timestamp never overflow.
LAST_DAY = date(9998, 12, 31)


def day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def check_day(value: date | None) -> date | None:
    if value is not None and value > LAST_DAY:
        raise forms.ValidationError(f"Enter a date no later than {LAST_DAY.isoformat()}.")
    return value


class FieldErrorsMixin:
    """A filter form whose page shows most errors under their field (templates/inbox/
    _field_errors.html); `errors_elsewhere` are the rest (hidden fields, the whole form),
    for the one notice above the results."""

    at_field: tuple[str, ...] = ()

    def errors_elsewhere(self) -> list[str]:
        return [e for name, errs in self.errors.items() if name not in self.at_field for e in errs]


class PhoneFilterMixin:
    def _phone(self, name: str) -> str | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        phone = phones.to_e164(raw, strict=False)
        if phone is None:
            raise forms.ValidationError(
                phones.field_error(raw, strict=False, suggest_in=settings.PHONE_REGION)
            )
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
        phone = phones.to_e164(text, region=settings.PHONE_REGION, strict=False)
        if phone:
            return phone, None
        if text.startswith("+") or not ID_RE.match(text):
            raise forms.ValidationError(
                phones.field_error(text, region=settings.PHONE_REGION, strict=False)
                + " Or enter the contact's id."
            )
    if ID_RE.match(text):
        return None, text
    raise forms.ValidationError(
        "Enter the contact's phone number (like +14155551234 or (415) 555-1234) or their contact id."
    )
