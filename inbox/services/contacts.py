"""Contacts: batched fetches for the queue, one contact for the panel, tags.

Only this module (and its siblings) call the Avochato client for contacts; they return
`inbox.services.types.Contact` objects, never API JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from avodash.avochato import AvochatoClient, parallel
from inbox.services.types import Contact

# Ids per `GET /v1/contacts/:ids` call: a queue page (30) fits in one; longer lists go in
# parallel chunks so the URL stays short.
CONTACT_IDS_PER_CALL = 100
TAG_MAX_LENGTH = 64


def epoch(value: Any) -> datetime | None:
    """The API's Unix epoch float (seconds) as an aware datetime; None when absent or bad."""
    if value in (None, "", 0, 0.0):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def contact_from_api(raw: dict[str, Any]) -> Contact:
    tags = raw.get("tags") or []
    if not isinstance(tags, list):
        tags = []
    return Contact(
        id=str(raw.get("id") or ""),
        name=_text(raw.get("name")),
        phone=_text(raw.get("phone")),
        email=_text(raw.get("email")),
        company=_text(raw.get("company")),
        street=_text(raw.get("street")),
        city=_text(raw.get("city")),
        state=_text(raw.get("state")),
        zip=_text(raw.get("zip")),
        country=_text(raw.get("country")),
        address=_text(raw.get("address")),
        notes=_text(raw.get("notes")),
        other_phone=_text(raw.get("other_phone")),
        tags=tuple(str(t) for t in tags if t),
        opted_out=bool(raw.get("opted_out")),
        blocked=bool(raw.get("blocked")),
        muted=bool(raw.get("muted")),
        owner_id=_text(raw.get("user_id")),
        created_at=epoch(raw.get("created_at")),
    )


def contacts_get(*, client: AvochatoClient, contact_ids: Iterable[str]) -> dict[str, Contact]:
    """Contacts by id, batched: `GET /v1/contacts/:ids` (comma-separated, one call per 100).

    Ids the API does not return are simply missing from the result.
    """
    ids = list(dict.fromkeys(i for i in contact_ids if i))
    if not ids:
        return {}
    chunks = [ids[i : i + CONTACT_IDS_PER_CALL] for i in range(0, len(ids), CONTACT_IDS_PER_CALL)]

    def fetch(chunk: list[str]):
        return lambda: client.get(("contacts", ",".join(chunk)))

    found: dict[str, Contact] = {}
    for envelope in parallel([fetch(c) for c in chunks]):
        for raw in envelope["data"].get("contacts") or []:
            if isinstance(raw, dict) and raw.get("id"):
                contact = contact_from_api(raw)
                found[contact.id] = contact
    return found


def contact_get(*, client: AvochatoClient, contact_id: str) -> Contact:
    """One contact: `GET /v1/contacts/:id`. NotFoundError when the API returns none."""
    return contact_from_api(client.get_one(("contacts", contact_id), key="contacts"))


def clean_tag(tag: str) -> str:
    """A tag as the API stores it: trimmed, single spaces. Raises ValueError when unusable."""
    tag = " ".join((tag or "").split())
    if not tag:
        raise ValueError("Enter a tag.")
    if len(tag) > TAG_MAX_LENGTH:
        raise ValueError(f"A tag has at most {TAG_MAX_LENGTH} characters.")
    if "," in tag:
        raise ValueError("A tag cannot contain a comma.")
    return tag


def contact_tag_add(*, client: AvochatoClient, contact_id: str, tag: str) -> None:
    """Tag a contact: `POST /v1/contacts/:ids/tags` with `tag`."""
    client.post(("contacts", contact_id, "tags"), data={"tag": clean_tag(tag)})


def contact_tag_remove(*, client: AvochatoClient, contact_id: str, tag: str) -> None:
    """Untag a contact: `DELETE /v1/contacts/:ids/tags` with `tag`."""
    client.delete(("contacts", contact_id, "tags"), params={"tag": clean_tag(tag)})
