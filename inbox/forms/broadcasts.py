"""Forms of the broadcast screens: the composer (content and audience) and publishing.
Every rule (length, media URL, tags, phone numbers, contact ids, field filter, time) is checked
here, before any API call."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from django import forms
from django.utils import timezone

from avodash.domain import phones
from avodash.domain.broadcasts import FIELDS, MAX_LENGTH, Audience
from avodash.domain.tags import clean_tag
from inbox.forms.ids import ID_RE
from inbox.forms.message import media_url, message_text
from inbox.idempotency import valid_key

MAX_TAGS = 20
MAX_IDS = 500
MAX_PHONES = 500
DATETIME_INPUT = "%Y-%m-%dT%H:%M"
CUSTOM_FIELD_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_SPLIT = re.compile(r"[,;\n\r]+")
NOW, LATER = "now", "later"
LATEST = timedelta(days=365)


def _parts(raw: str) -> list[str]:
    return [p.strip() for p in _SPLIT.split(raw or "") if p.strip()]


class AudienceForm(forms.Form):
    """Who a save adds to the audience: tags, contact ids, phone numbers, one field filter."""

    tags = forms.CharField(
        required=False, max_length=1000, label="Contacts tagged", help_text="Comma-separated."
    )
    contact_ids = forms.CharField(
        required=False, max_length=20000, label="Contact ids", widget=forms.Textarea(attrs={"rows": 2})
    )
    phone_numbers = forms.CharField(
        required=False,
        max_length=20000,
        label="Phone numbers",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One a line or comma-separated; a number Avochato does not know becomes a new contact.",
    )
    field = forms.CharField(required=False, max_length=64, label="Contacts whose field")
    value = forms.CharField(required=False, max_length=200, label="is exactly")

    def __init__(self, *args, region: str = phones.DEFAULT_REGION, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region

    def clean_tags(self) -> tuple[str, ...]:
        tags = []
        for part in (self.cleaned_data.get("tags") or "").split(","):
            if part.strip():
                try:
                    tags.append(clean_tag(part))
                except ValueError as err:
                    raise forms.ValidationError(f"“{part.strip()[:40]}”: {err}") from None
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags at once.")
        return tuple(dict.fromkeys(tags))

    def clean_contact_ids(self) -> tuple[str, ...]:
        ids = _parts(self.cleaned_data.get("contact_ids") or "")
        bad = [i for i in ids if not ID_RE.match(i)]
        if bad:
            raise forms.ValidationError(f"Not a contact id: {', '.join(b[:30] for b in bad[:3])}.")
        if len(ids) > MAX_IDS:
            raise forms.ValidationError(f"At most {MAX_IDS} contact ids at once.")
        return tuple(dict.fromkeys(ids))

    def clean_phone_numbers(self) -> tuple[str, ...]:
        raw = _parts(self.cleaned_data.get("phone_numbers") or "")
        if len(raw) > MAX_PHONES:
            raise forms.ValidationError(f"At most {MAX_PHONES} phone numbers at once.")
        out, problems = [], []
        for item in raw:
            e164 = phones.to_e164(item, region=self.region)
            if e164 is None:
                problems.append(
                    f"“{item[:30]}”: {phones.problem(item, region=self.region) or 'not a phone number.'}"
                )
            else:
                out.append(e164)
        if problems:
            raise forms.ValidationError(
                " ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
            )
        return tuple(dict.fromkeys(out))

    def clean_field(self) -> str:
        name = (self.cleaned_data.get("field") or "").strip()
        if name and name not in FIELDS and not CUSTOM_FIELD_RE.match(name):
            raise forms.ValidationError(
                "Choose a contact field, or a custom variable's name (letters, digits, _)."
            )
        return name

    def clean(self):
        data = super().clean()
        name, value = data.get("field"), (data.get("value") or "").strip()
        if name and not value:
            self.add_error("value", "Give the value the field must have.")
        if value and not name and "field" not in self.errors:
            self.add_error("field", "Choose the field to match.")
        data["value"] = value
        return data

    def audience(self) -> Audience:
        d = self.cleaned_data
        return Audience(
            tags=d.get("tags") or (),
            contact_ids=d.get("contact_ids") or (),
            phones=d.get("phone_numbers") or (),
            field=d.get("field") or "",
            value=d.get("value") or "",
        )


class BroadcastForm(AudienceForm):
    """A draft's content, and the audience this save adds."""

    name = forms.CharField(required=False, max_length=200, label="Name")
    message = forms.CharField(
        strip=False,
        label="Message",
        widget=forms.Textarea(attrs={"rows": 4, "data-composer-text": ""}),
        help_text="$first_name and other contact variables are filled in per contact.",
    )
    media_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label="Media URL",
        help_text="A picture or file on the web (MMS, 500 KB at most).",
    )

    def clean_message(self) -> str:
        return message_text(self.cleaned_data.get("message"), required=True, limit=MAX_LENGTH)

    def clean_media_url(self) -> str:
        return media_url(self.cleaned_data.get("media_url"))


class PublishForm(forms.Form):
    """Publish now or at a time in the viewer's zone; `confirm` is the second step."""

    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)
    when = forms.ChoiceField(choices=[(NOW, "Now"), (LATER, "At a time")], initial=NOW, label="Publish")
    scheduled_at = forms.DateTimeField(
        required=False,
        label="Date and time",
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, tz: tzinfo | None = None, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz = tz or timezone.get_current_timezone()
        self.now = now or timezone.now()

    def clean_scheduled_at(self) -> datetime | None:
        value = self.cleaned_data.get("scheduled_at")
        if value is None:
            return None
        # The input is a wall-clock time in the viewer's zone.
        return timezone.make_aware(value.replace(tzinfo=None), self.tz)

    def clean(self):
        data = super().clean()
        if data.get("when") == LATER:
            at = data.get("scheduled_at")
            if at is None and "scheduled_at" not in self.errors:
                self.add_error("scheduled_at", "Choose the date and time to publish.")
            elif at is not None and at <= self.now + timedelta(minutes=1):
                self.add_error("scheduled_at", "Choose a time in the future.")
            elif at is not None and at > self.now + LATEST:
                self.add_error("scheduled_at", "Choose a time within a year.")
        return data

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data.get("idempotency_key") or ""
        if self.data.get("confirm") and not valid_key(key):
            raise forms.ValidationError("This form is out of date. Nothing was published: start again.")
        return key

    @property
    def scheduled_for(self) -> datetime | None:
        return self.cleaned_data.get("scheduled_at") if self.cleaned_data.get("when") == LATER else None
