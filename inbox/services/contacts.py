"""Contacts: batched fetches for the queue, one contact for the panel, tags.

Only this module (and its siblings) call the Avochato client for contacts; they return
`inbox.services.types.Contact` objects, never API JSON.
"""

from __future__ import annotations

from avodash.avochato import AvochatoClient

# Ids per `GET /v1/contacts/:ids` call: a queue page (30) fits in one; longer lists go in
# parallel chunks so the URL stays short.
TAG_MAX_LENGTH = 64


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
