"""Tagging one contact (the ticket page's contact panel and the contact page). The tag rule
and everything else about contacts and tags live in `avodash.domain.contacts` / `.tags`."""

from __future__ import annotations

from avodash.avochato import AvochatoClient, AvochatoError
from avodash.domain.contacts import contact_get, contacts_changed
from avodash.domain.outcomes import Truth, settle
from avodash.domain.tags import clean_tag


def contact_has_tag(*, client: AvochatoClient, contact_id: str, tag: str) -> bool:
    """Whether the contact carries the tag now (`GET /v1/contacts/:id`)."""
    wanted = clean_tag(tag).casefold()
    return any(t.casefold() == wanted for t in contact_get(client=client, contact_id=contact_id).tags)


def contact_tag_write(*, client: AvochatoClient, contact_id: str, tag: str, add: bool) -> Truth | None:
    """Tag or untag a contact: `POST` / `DELETE /v1/contacts/:ids/tags` with `tag`. None when
    Avochato said it was done; else the truth: a refusal (not applied), or, when the answer did
    not say (a 5xx, an unreadable body, a timeout after sending), what the contact shows when
    read back (applied, not applied, or unknown when it cannot be read)."""
    tag = clean_tag(tag)
    try:
        if add:
            client.post(("contacts", contact_id, "tags"), data={"tag": tag})
        else:
            client.delete(("contacts", contact_id, "tags"), params={"tag": tag})
    except AvochatoError as err:
        truth = settle(err, lambda: contact_has_tag(client=client, contact_id=contact_id, tag=tag) == add)
        if truth.applied:
            contacts_changed(client=client)
        return truth
    contacts_changed(client=client)
    return None


def tag_words(truth: Truth | None, *, tag: str, add: bool) -> tuple[str, str]:
    """(note, error) for the person after `contact_tag_write`."""
    done = f"Tag “{tag}” {'added' if add else 'removed'}"
    if truth is None:
        return done + ".", ""
    if truth.applied:
        return truth.message(done, ""), ""
    return "", truth.message(
        done,
        f"Tag “{tag}” not {'added' if add else 'removed'}",
        "Avochato did not say whether the tag was changed, and the contact could not be read back: "
        "check the contact before trying again.",
    )
