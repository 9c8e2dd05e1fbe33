"""Tagging one contact (the ticket page's contact panel and the contact page). The tag rule
and everything else about contacts and tags live in `avodash.domain.contacts` / `.tags`."""

from __future__ import annotations

from avodash.avochato import AvochatoClient
from avodash.domain.tags import clean_tag


def contact_tag_add(*, client: AvochatoClient, contact_id: str, tag: str) -> None:
    """Tag a contact: `POST /v1/contacts/:ids/tags` with `tag`."""
    client.post(("contacts", contact_id, "tags"), data={"tag": clean_tag(tag)})


def contact_tag_remove(*, client: AvochatoClient, contact_id: str, tag: str) -> None:
    """Untag a contact: `DELETE /v1/contacts/:ids/tags` with `tag`."""
    client.delete(("contacts", contact_id, "tags"), params={"tag": clean_tag(tag)})
