"""Contacts: the contact object and batched reads (a queue page's contacts in one call)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from avodash.avochato import AvochatoClient, parallel
from avodash.domain.parse import api_list, api_str, epoch

if TYPE_CHECKING:
    from avodash.domain.users import InboxUser

# Ids per `GET /v1/contacts/:ids` call: a queue page (30) fits in one; longer lists go in
# parallel chunks so the URL stays short.
CONTACT_IDS_PER_CALL = 100


@dataclass(kw_only=True)
class Contact:
    id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    company: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    address: str | None = None
    notes: str | None = None
    other_phone: str | None = None
    tags: tuple[str, ...] = ()
    opted_out: bool = False
    blocked: bool = False
    muted: bool = False
    owner_id: str | None = None
    owner: InboxUser | None = None
    created_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """Name, else phone, else email: never the id."""
        return self.name or self.phone or self.email or "Unknown contact"

    @property
    def first_name(self) -> str:
        """The first word of the name ("" without a name): what a greeting uses."""
        return (self.name or "").split()[0] if (self.name or "").strip() else ""


def contact_from_api(raw: dict[str, Any]) -> Contact:
    return Contact(
        id=str(raw.get("id") or ""),
        name=api_str(raw.get("name")),
        phone=api_str(raw.get("phone")),
        email=api_str(raw.get("email")),
        company=api_str(raw.get("company")),
        street=api_str(raw.get("street")),
        city=api_str(raw.get("city")),
        state=api_str(raw.get("state")),
        zip=api_str(raw.get("zip")),
        country=api_str(raw.get("country")),
        address=api_str(raw.get("address")),
        notes=api_str(raw.get("notes")),
        other_phone=api_str(raw.get("other_phone")),
        tags=tuple(str(t) for t in api_list(raw.get("tags")) if t),
        opted_out=bool(raw.get("opted_out")),
        blocked=bool(raw.get("blocked")),
        muted=bool(raw.get("muted")),
        owner_id=api_str(raw.get("user_id")),
        created_at=epoch(raw.get("created_at")),
    )


def contacts_get(*, client: AvochatoClient, contact_ids: Iterable[str]) -> dict[str, Contact]:
    """Contacts by id, batched: `GET /v1/contacts/:ids` (comma-separated, one call per 100,
    in parallel). Ids the API does not return are simply missing from the result."""
    ids = list(dict.fromkeys(i for i in contact_ids if i))
    if not ids:
        return {}
    chunks = [ids[i : i + CONTACT_IDS_PER_CALL] for i in range(0, len(ids), CONTACT_IDS_PER_CALL)]
    found: dict[str, Contact] = {}
    for envelope in parallel([(lambda c=c: client.get(("contacts", ",".join(c)))) for c in chunks]):
        for raw in envelope["data"].get("contacts") or []:
            if isinstance(raw, dict) and raw.get("id"):
                contact = contact_from_api(raw)
                found[contact.id] = contact
    return found


def contact_get(*, client: AvochatoClient, contact_id: str) -> Contact:
    """One contact: `GET /v1/contacts/:id`. NotFoundError when the API returns none."""
    return contact_from_api(client.get_one(("contacts", contact_id), key="contacts"))
