"""The composer's forms: a reply on a ticket and a new message to any phone number. Every
rule of a draft (text or media, length, tags, schedule time, phone) is checked here, before
any API call."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django import forms
from django.conf import settings
from django.utils import timezone

from avodash.domain import phones
from avodash.domain.tags import clean_tag
from inbox.forms.ids import id_validator
from inbox.forms.message import media_url, message_text
from inbox.idempotency import valid_key
from inbox.replies import placeholders_left
from inbox.services.messages import Draft, schedule_presets, schedule_window

SEND, SCHEDULE, REDRAFT = "send", "schedule", "redraft"


CUSTOM = "custom"


MAX_TAGS = 10


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
                # No `maxlength`: the browser would cut a long paste silently. The counter
                # shows how far over the limit it is, and clean_text refuses it.
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
        text = message_text(self.cleaned_data.get("text"))
        if left := placeholders_left(text):
            raise forms.ValidationError(
                f"The message still has {', '.join(left)}: replace it with the words to send "
                "(saved replies fill placeholders in when inserted)."
            )
        return text

    def clean_media_url(self) -> str:
        return media_url(self.cleaned_data.get("media_url"))

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
        phone = phones.to_e164(raw)
        if phone is None:
            # Checked here, before any API call: a malformed number never reaches Avochato.
            self.phone_suggestion = phones.suggestion(raw, region=settings.PHONE_REGION)
            raise forms.ValidationError(phones.field_error(raw, suggest_in=settings.PHONE_REGION))
        return phone
