"""Forms of the contacts screens: search, edit, opt-out / opt-in, tagging many, the CSV update."""

from __future__ import annotations

import re

from django import forms

from avodash.domain import phones
from avodash.domain.contacts import EDITABLE_FIELDS, Contact
from avodash.domain.tags import MAX_ITEMS, clean_tag, parse_pasted_phones
from avodash.domain.users import InboxUser
from inbox.forms.ids import ID_RE, id_validator

COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")


def _country(value: str | None) -> str:
    value = (value or "").strip()
    if value and not COUNTRY_RE.match(value):
        raise forms.ValidationError("Use a two-letter country code, like US.")
    return value.upper()


CURSOR_RE = re.compile(r"^[A-Za-z0-9_=.-]{1,200}$")


class ContactSearchForm(forms.Form):
    """The contact list's search (a GET form): text with the API's field syntax, a tag, a
    country, and the cursor of the page to show."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    tag = forms.CharField(required=False, max_length=64, label="Tag")
    country = forms.CharField(required=False, max_length=10, label="Country")
    after = forms.RegexField(
        required=False, regex=CURSOR_RE, error_messages={"invalid": "That page link is not valid."}
    )
    format = forms.ChoiceField(required=False, choices=[("", "html"), ("csv", "csv")])

    def clean_tag(self) -> str:
        value = self.cleaned_data.get("tag") or ""
        if not value.strip():
            return ""
        try:
            return clean_tag(value)
        except ValueError as err:
            raise forms.ValidationError(str(err)) from None

    def clean_country(self) -> str:
        return _country(self.cleaned_data.get("country"))

    @property
    def filtered(self) -> bool:
        d = getattr(self, "cleaned_data", {})
        return bool(d.get("q") or d.get("tag") or d.get("country"))


class ContactEditForm(forms.Form):
    """A contact's fields. Only what changed is sent; an emptied field is cleared."""

    name = forms.CharField(required=False, max_length=100)
    email = forms.EmailField(required=False, max_length=254)
    company = forms.CharField(required=False, max_length=100)
    other_phone = forms.CharField(required=False, max_length=32, label="Other phone")
    street = forms.CharField(required=False, max_length=200)
    city = forms.CharField(required=False, max_length=100)
    state = forms.CharField(required=False, max_length=100)
    zip = forms.CharField(required=False, max_length=20, label="ZIP")
    country = forms.CharField(required=False, max_length=10, help_text="Two letters, like US.")
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ChoiceField(required=False, label="Owner")

    def __init__(self, data=None, *, contact: Contact, owners: list[InboxUser], **kwargs):
        initial = {name: getattr(contact, name) or "" for name in EDITABLE_FIELDS}
        initial["owner"] = contact.owner_id or ""
        super().__init__(data, initial=initial, **kwargs)
        self.contact = contact
        choices = [(u.id, u.name) for u in owners]
        if contact.owner_id and contact.owner_id not in {u.id for u in owners}:
            choices.insert(0, (contact.owner_id, contact.owner.name if contact.owner else "Former user"))
        if not contact.owner_id:
            choices.insert(0, ("", "No owner"))
        self.fields["owner"].choices = choices

    def clean_other_phone(self) -> str:
        raw = (self.cleaned_data.get("other_phone") or "").strip()
        if not raw:
            return ""
        e164 = phones.to_e164(raw)
        if e164 is None:
            raise forms.ValidationError(phones.field_error(raw, suggest_in=phones.DEFAULT_REGION))
        return e164

    def clean_country(self) -> str:
        return _country(self.cleaned_data.get("country"))

    def clean_owner(self) -> str:
        owner = self.cleaned_data.get("owner") or ""
        if not owner and self.contact.owner_id:
            raise forms.ValidationError("The API cannot clear a contact's owner: choose someone.")
        return owner

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError("Nothing to change.")
        return data

    def changes(self) -> dict[str, str]:
        """The fields whose value differs from the contact's (an emptied one as "")."""
        d = self.cleaned_data
        out: dict[str, str] = {}
        for name in EDITABLE_FIELDS:
            raw = d.get(name) or ""
            value = raw.strip() if name == "notes" else " ".join(raw.split())
            if value != (getattr(self.contact, name) or ""):
                out[name] = value
        if d.get("owner") and d["owner"] != (self.contact.owner_id or ""):
            out["user_id"] = d["owner"]
        return out


class OptOutForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Reason", help_text="Recorded in the audit log.")


class OptInForm(forms.Form):
    """Opting back in needs the person's consent, stated: ticked, or in their words."""

    consent = forms.BooleanField(required=False, label="The contact asked to receive messages again")
    consent_words = forms.CharField(
        required=False,
        max_length=500,
        label="Their consent, in their words",
        help_text="For example: “Texted YES on 3 May: please send me updates again.”",
    )

    def clean(self):
        data = super().clean()
        if not data.get("consent") and not (data.get("consent_words") or "").strip():
            raise forms.ValidationError(
                "Opting back in needs the contact's consent: tick the box or write down what they said."
            )
        return data


SOURCES = [
    ("selection", "The contacts I ticked"),
    ("search", "Every contact of a search"),
    ("phones", "Pasted phone numbers"),
]


class TagManyForm(forms.Form):
    """Add or remove one tag on many contacts: ticked ids, a whole search, or pasted phones."""

    tag = forms.CharField(max_length=64, label="Tag")
    op = forms.ChoiceField(choices=[("add", "Add the tag"), ("remove", "Remove the tag")], initial="add")
    source = forms.ChoiceField(choices=SOURCES, initial="phones")
    ids = forms.MultipleChoiceField(required=False)
    q = forms.CharField(required=False, max_length=200)
    search_tag = forms.CharField(required=False, max_length=64)
    country = forms.CharField(required=False, max_length=10)
    phones = forms.CharField(
        required=False,
        max_length=40000,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Phone numbers",
        help_text="One a line (or separated by commas). US numbers may leave out +1.",
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        ids = data.getlist("ids") if data is not None and hasattr(data, "getlist") else []
        self.fields["ids"].choices = [(i, i) for i in ids]

    def clean_tag(self) -> str:
        try:
            return clean_tag(self.cleaned_data["tag"])
        except ValueError as err:
            raise forms.ValidationError(str(err)) from None

    def clean_country(self) -> str:
        return _country(self.cleaned_data.get("country"))

    def clean_ids(self) -> list[str]:
        ids = list(dict.fromkeys(self.cleaned_data.get("ids") or []))
        for i in ids:
            id_validator(i)
        return ids

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source == "selection":
            if not data.get("ids"):
                self.add_error("ids", "Tick at least one contact.")
            elif len(data["ids"]) > MAX_ITEMS:
                self.add_error("ids", f"At most {MAX_ITEMS} contacts at once.")
        elif source == "phones":
            pasted = parse_pasted_phones(data.get("phones") or "")
            if pasted.problems:
                self.add_error("phones", "Fix these numbers first: " + "; ".join(pasted.problems[:20]))
            elif not pasted.numbers:
                self.add_error("phones", "Paste at least one phone number.")
            elif len(pasted.numbers) > MAX_ITEMS:
                self.add_error("phones", f"At most {MAX_ITEMS} numbers at once.")
            data["phone_list"] = pasted.numbers
        elif source == "search" and not any(data.get(k) for k in ("q", "search_tag", "country")):
            self.add_error("q", "Give a search: tagging every contact of the inbox is not offered.")
        return data


class ContactIdForm(forms.Form):
    contact_id = forms.RegexField(regex=ID_RE)
