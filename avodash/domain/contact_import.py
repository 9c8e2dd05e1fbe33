"""Updating many contacts from a CSV file: read and check every row first (a dry run shows
them), then send the valid ones with `POST /v1/contacts` (`contacts[]`, 100 a call), each
row's outcome kept. Rows whose phone the phones module rejects are refused, never sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from avodash.avochato import AvochatoClient, AvochatoError
from avodash.domain import phones
from avodash.domain.contacts import EDITABLE_FIELDS, contacts_changed
from avodash.domain.csvfile import read_table
from avodash.domain.tags import clean_tag

MAX_ROWS = 1000
PER_CALL = 100
COLUMNS = ("phone", *EDITABLE_FIELDS, "tags")
TEMPLATE = "phone,name,email,company,city,state,zip,country,notes,tags\r\n+14155550123,Jane Doe,jane@example.com,Acme,San Francisco,CA,94105,US,,vip;newsletter\r\n"


@dataclass(kw_only=True)
class ContactRow:
    number: int  # the line in the file
    phone: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # after sending: "" (not sent), "updated", "failed", "unknown"
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "phone": self.phone, "fields": self.fields, "errors": self.errors}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ContactRow:
        return cls(
            number=int(raw["number"]),
            phone=str(raw["phone"]),
            fields=dict(raw["fields"]),
            errors=list(raw["errors"]),
        )


def _check_row(row: ContactRow, cell) -> None:
    raw_phone = cell("phone")
    e164 = phones.to_e164(raw_phone) if raw_phone else None
    if not raw_phone:
        row.errors.append("No phone.")
    elif e164 is None:
        row.errors.append(
            f"Phone “{raw_phone}”: {phones.field_error(raw_phone, suggest_in=phones.DEFAULT_REGION)}"
        )
    row.phone = e164 or raw_phone
    for name in EDITABLE_FIELDS:
        value = cell(name)
        if value:
            row.fields[name] = value
    if row.fields.get("email"):
        try:
            validate_email(row.fields["email"])
        except DjangoValidationError:
            row.errors.append(f"Email “{row.fields['email']}” is not an email address.")
    if other := row.fields.get("other_phone"):
        other_e164 = phones.to_e164(other)
        if other_e164 is None:
            row.errors.append(f"Other phone “{other}”: {phones.problem(other) or 'not a phone number'}")
        else:
            row.fields["other_phone"] = other_e164
    if tags := cell("tags"):
        try:
            row.fields["tags"] = ",".join(
                clean_tag(t) for t in tags.replace(";", "|").split("|") if t.strip()
            )
        except ValueError as err:
            row.errors.append(f"Tags: {err}")
    if len(row.fields.get("name", "")) > 100:
        row.errors.append("Name is longer than 100 characters.")


def contacts_csv_parse(data: bytes) -> list[ContactRow]:
    """Every row of a contacts CSV (a `phone` column, then any of the contact fields and `tags`
    separated by semicolons), checked. Raises ActionError when the file itself is unusable."""
    table = read_table(data, columns=COLUMNS, required=("phone",), max_rows=MAX_ROWS, noun="contacts")
    rows: list[ContactRow] = []
    seen: dict[str, int] = {}
    for line, cell in table.rows:
        row = ContactRow(number=line)
        _check_row(row, cell)
        if row.ok and row.phone in seen:
            row.errors.append(f"{row.phone} is already on line {seen[row.phone]}.")
        elif row.ok:
            seen[row.phone] = line
        rows.append(row)
    return rows


def contacts_update_many(*, client: AvochatoClient, rows: list[ContactRow]) -> list[ContactRow]:
    """Send the valid rows: `POST /v1/contacts` with `contacts` (100 a call). The reference's
    answer is 200 with `data.contact` (the last one written), so a 200 updates the whole chunk;
    when an answer does list `contacts`, a row whose phone it leaves out is "failed". A refused
    call fails its chunk with the API's words; a call whose answer did not say makes its rows
    "unknown". Empty cells are left alone (no `allow_empty_fields`)."""
    valid = [r for r in rows if r.ok]
    for start in range(0, len(valid), PER_CALL):
        chunk = valid[start : start + PER_CALL]
        payload = [{"phone": r.phone, **r.fields} for r in chunk]
        try:
            data = client.post(("contacts",), data={"contacts": payload})["data"]
        except AvochatoError as err:
            # A refusal failed the chunk; an answer that did not say may hide a done update:
            # "unknown", and never sent again on its own.
            outcome = "unknown" if err.may_have_applied else "failed"
            why = f"Avochato did not say whether this row was saved ({err.message}): check the contact."
            for r in chunk:
                r.outcome, r.error = outcome, why if err.may_have_applied else err.message
            continue
        contacts_changed(client=client)
        listed = data.get("contacts")
        if not isinstance(listed, list):
            for r in chunk:
                r.outcome, r.error = "updated", ""
            continue
        returned = {phones.stored_e164(c.get("phone")) for c in listed if isinstance(c, dict)}
        for r in chunk:
            r.outcome = "updated" if r.phone in returned else "failed"
            r.error = "" if r.outcome == "updated" else "The API did not return this contact."
    return rows
