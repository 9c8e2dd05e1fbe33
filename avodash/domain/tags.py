"""Tags: the inbox's tags with how many contacts carry each, and tagging many contacts at once
(by contact ids, or by phone numbers), each item's outcome reported.

    result = tag_by_phones(client=client, tag="vip", phones=["+14155551234", ...], add=True)
    result.done, result.failed  # per phone

Names are checked (`clean_tag`) before any call: trimmed, single spaces, no comma (the API's
lists are comma-separated), at most 64 characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, parallel
from avodash.domain import phones
from avodash.domain.contacts import (
    COUNT_CACHE_SECONDS,
    WALK_MAX_PAGES,
    WALK_PAGE_SIZE,
    Contact,
    contact_query,
    contacts_cache_key,
    contacts_changed,
    contacts_get,
    contacts_search,
)
from avodash.domain.outcomes import APPLIED, UNKNOWN, settle, settle_many

TAG_MAX_LENGTH = 64
IDS_PER_CALL = 50  # contact ids per `POST/DELETE /v1/contacts/:ids/tags`
MAX_ITEMS = 1000  # contacts or phones per bulk tagging


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


@dataclass(kw_only=True)
class TagCount:
    name: str
    count: int


@dataclass(kw_only=True)
class TagCounts:
    tags: list[TagCount]
    capped: bool = False  # counted over the first WALK_MAX_PAGES pages of contacts only


def tags_list(*, client: AvochatoClient) -> list[str]:
    """Every tag name of the inbox: `GET /v1/tags`, following `last_key` as `after`."""
    names = [
        str(t.get("name"))
        for t in client.iter_cursor(("tags",), key="tags", cursor="last_key", param="after")
        if isinstance(t, dict) and t.get("name")
    ]
    return list(dict.fromkeys(names))


def _count_contact_tags(client: AvochatoClient) -> tuple[Counter, bool]:
    counts: Counter = Counter()
    after: str | None = None
    for _ in range(WALK_MAX_PAGES):
        page = contacts_search(client=client, after=after, limit=WALK_PAGE_SIZE)
        for contact in page.contacts:
            counts.update(set(contact.tags))
        if not page.next_cursor:
            return counts, False
        after = page.next_cursor
    return counts, True


def tag_counts(*, client: AvochatoClient) -> TagCounts:
    """The inbox's tags, each with its number of (visible) contacts, most used first. The tag
    list has no counts: the contacts are walked once (100 a call) beside it, in parallel. Kept
    two minutes, and forgotten at once when avodash changes the contacts."""
    key = contacts_cache_key(client, "tag_counts")
    known = cache.get(key)
    if known is not None:
        return known
    names, (counts, capped) = parallel(
        [lambda: tags_list(client=client), lambda: _count_contact_tags(client)]
    )
    every = list(dict.fromkeys([*names, *counts]))
    rows = [TagCount(name=n, count=counts.get(n, 0)) for n in every]
    rows.sort(key=lambda r: (-r.count, r.name.lower()))
    result = TagCounts(tags=rows, capped=capped)
    cache.set(key, result, COUNT_CACHE_SECONDS)
    return result


# --- tagging many ---------------------------------------------------------------------------
@dataclass(kw_only=True)
class TagItem:
    key: str  # a contact id or an E.164 phone
    label: str  # what the person sees: a name or the phone as typed
    ok: bool
    error: str = ""
    checked: bool = False  # the answer was unclear; the contact was read back to know
    unknown: bool = False  # it could not be read back either (then `ok` is False)


@dataclass(kw_only=True)
class TagResult:
    tag: str
    add: bool
    items: list[TagItem] = field(default_factory=list)

    @property
    def done(self) -> list[TagItem]:
        return [i for i in self.items if i.ok]

    @property
    def failed(self) -> list[TagItem]:
        """Verified not changed."""
        return [i for i in self.items if not i.ok and not i.unknown]

    @property
    def unknown(self) -> list[TagItem]:
        return [i for i in self.items if i.unknown]

    @property
    def audit_outcome(self) -> str:
        """ok when every item is done; unknown when one is not known; else failed."""
        return "unknown" if self.unknown else ("failed" if self.failed else "ok")


_UNKNOWN = "Avochato's answer was unclear and the contact could not be read back: check it"


def _has(contact: Contact, tag: str) -> bool:
    return any(t.casefold() == tag.casefold() for t in contact.tags)


def _settled_items(
    client: AvochatoClient, err: AvochatoError, chunk: list[tuple[str, str]], tag: str, add: bool
) -> list[TagItem]:
    """A chunk whose call failed: per contact, what is true (`GET /v1/contacts/:ids` when the
    write may have gone through)."""

    def applied() -> set[str]:
        found = contacts_get(client=client, contact_ids=[i for i, _ in chunk])
        return {i for i, c in found.items() if _has(c, tag) == add}

    truths = settle_many(err, [i for i, _ in chunk], applied)
    items = []
    for i, label in chunk:
        state = truths[i].state
        if state == APPLIED:
            items.append(TagItem(key=i, label=label, ok=True, checked=True))
        elif state == UNKNOWN:
            items.append(TagItem(key=i, label=label, ok=False, error=_UNKNOWN, unknown=True))
        else:
            items.append(TagItem(key=i, label=label, ok=False, error=err.message))
    return items


def tag_by_ids(
    *, client: AvochatoClient, tag: str, contacts: Iterable[tuple[str, str]], add: bool
) -> TagResult:
    """Tag (or untag) contacts by id: `POST` (`DELETE`) `/v1/contacts/:ids/tags`, 50 ids a
    call. `contacts` are (id, label) pairs. An id the API leaves out of its answer is reported
    as not found; a failed call fails its chunk's items with the error."""
    tag = clean_tag(tag)
    pairs = list(dict(contacts).items())
    result = TagResult(tag=tag, add=add)
    for start in range(0, len(pairs), IDS_PER_CALL):
        chunk = pairs[start : start + IDS_PER_CALL]
        path = ("contacts", ",".join(i for i, _ in chunk), "tags")
        try:
            if add:
                data = client.post(path, data={"tag": tag})["data"]
            else:
                data = client.delete(path, params={"tag": tag})["data"]
        except AvochatoError as err:
            result.items += _settled_items(client, err, chunk, tag, add)
            continue
        contacts_changed(client=client)
        applied = {str(i) for i in (data.get("ids") or [])}
        for i, label in chunk:
            ok = i in applied
            result.items.append(TagItem(key=i, label=label, ok=ok, error="" if ok else "Contact not found."))
    return result


def tag_by_phones(*, client: AvochatoClient, tag: str, phone_list: Iterable[str], add: bool) -> TagResult:
    """Tag (or untag) contacts by phone (E.164): `POST` (`DELETE`) `/v1/tags`, one call per
    phone (the route takes one), each phone's outcome kept."""
    tag = clean_tag(tag)
    result = TagResult(tag=tag, add=add)
    for e164 in dict.fromkeys(phone_list):
        try:
            if add:
                client.post(("tags",), data={"tag": tag, "phone": e164})
            else:
                client.delete(("tags",), params={"tag": tag, "phone": e164})
        except NotFoundError:
            result.items.append(
                TagItem(key=e164, label=phones.display(e164), ok=False, error="No contact has this number.")
            )
            continue
        except AvochatoError as err:
            result.items.append(_settled_phone(client, err, e164, tag, add))
            continue
        result.items.append(TagItem(key=e164, label=phones.display(e164), ok=True))
    if result.done:
        contacts_changed(client=client)
    return result


def _settled_phone(client: AvochatoClient, err: AvochatoError, e164: str, tag: str, add: bool) -> TagItem:
    """One phone whose call failed: read its contact back (`GET /v1/contacts?query=<phone>`)
    when the write may have gone through."""
    label = phones.display(e164)

    def applied() -> bool:
        found = contacts_search(client=client, query=contact_query(text=e164), limit=5).contacts
        return any(_has(c, tag) == add for c in found if phones.stored_e164(c.phone or "") == e164)

    truth = settle(err, applied)
    if truth.state == APPLIED:
        return TagItem(key=e164, label=label, ok=True, checked=True)
    if truth.state == UNKNOWN:
        return TagItem(key=e164, label=label, ok=False, error=_UNKNOWN, unknown=True)
    return TagItem(key=e164, label=label, ok=False, error=err.message)


@dataclass(kw_only=True)
class PastedPhones:
    numbers: list[str]  # E.164, in the order pasted, each once
    problems: list[str]  # "line 3: “555-12”: too short"


def parse_pasted_phones(text: str) -> PastedPhones:
    """Phone numbers pasted one a line (or separated by commas or semicolons), read through the
    phones module: a US number may omit +1. They name contacts that exist, so a possible number
    is enough (`strict=False`, like a search: stored numbers may be fictional ones). Every
    unusable one is named with why."""
    numbers: list[str] = []
    problems: list[str] = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        for raw in line.replace(";", ",").split(","):
            typed = raw.strip()
            if not typed:
                continue
            e164 = phones.to_e164(typed, strict=False) or phones.suggestion(typed, strict=False)
            if e164 is None:
                why = (
                    phones.problem(typed, region=phones.DEFAULT_REGION, strict=False) or "not a phone number"
                )
                problems.append(f"line {n}: “{typed}”: {why}")
            elif e164 not in numbers:
                numbers.append(e164)
    return PastedPhones(numbers=numbers, problems=problems)
