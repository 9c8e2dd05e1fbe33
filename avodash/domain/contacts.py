"""Contacts: the contact object and batched reads (a queue page's contacts in one call)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import cache

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, ValidationError, parallel
from avodash.domain import phones
from avodash.domain.errors import ActionError
from avodash.domain.outcomes import Truth, settle
from avodash.domain.parse import api_list, api_str, epoch

if TYPE_CHECKING:
    from avodash.domain.inbox_user import InboxUser

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
        return self.name or phones.shown(self.phone) or self.email or "Unknown contact"

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


def contact_or_none(
    *, client: AvochatoClient, contact_id: str | None, users: Iterable[InboxUser] | None = None
) -> Contact | None:
    """One contact (`GET /v1/contacts/:id`), or None when there is none: no id, or the API has
    no such contact (NotFoundError; every other error reaches the caller). With `users` (the
    inbox's), its `owner` is found among them; without, `owner` stays None."""
    if not contact_id:
        return None
    try:
        contact = contact_get(client=client, contact_id=contact_id)
    except NotFoundError:
        return None
    if users is not None and contact.owner_id:
        contact.owner = next((u for u in users if u.id == contact.owner_id), None)
    return contact


# --- recalled: a contact as a page read it a moment ago -------------------------------------
RECALL_SECONDS = 3600


def _recall_key(subdomain: str, contact_id: str) -> str:
    return f"contacts:recall:{subdomain}:{contact_id}"


def remember(*, subdomain: str, contacts: Iterable[Contact]) -> None:
    """Keep contacts as a page just read them. Nothing is shown from this copy: the next page
    that reads one of them renders with it while its own read is under way, and keeps that only
    when the read finds the contact unchanged (`recalled`, avodash.http.render_alongside)."""
    kept = {_recall_key(subdomain, c.id): c for c in contacts if c is not None and c.id}
    if kept:
        cache.set_many(kept, RECALL_SECONDS)


def recalled(*, subdomain: str, contact_id: str | None) -> Contact | None:
    """The contact as a page last read it (`remember`), or None."""
    if not contact_id:
        return None
    found = cache.get(_recall_key(subdomain, contact_id))
    return found if isinstance(found, Contact) else None


# --- search -------------------------------------------------------------------------------
CONTACTS_PAGE_SIZE = 50
WALK_PAGE_SIZE = 100  # the API's largest `limit`, for exports, totals and tag counts
WALK_MAX_PAGES = 100  # totals and counts stop at 10,000 contacts and say so
_PHONE_FIELD = re.compile(r'\bphone:(?:"([^"]*)"|(\S+))', re.IGNORECASE)


@dataclass(kw_only=True)
class ContactPage:
    contacts: list[Contact]
    next_cursor: str | None  # pass back as `after_page`
    query: str


@dataclass(kw_only=True)
class ContactCount:
    count: int
    capped: bool = False  # stopped at WALK_MAX_PAGES pages: "at least"


def contact_query(*, text: str = "", tag: str = "", country: str = "") -> str:
    """The API's field query for what a person typed: a phone in any common format becomes
    E.164 (alone, or as `phone:"(415) 555-1234"`), a tag and a country become `tag:` and
    `country:` terms. Other field terms (`name:`, `email:`, `company:`) pass through."""
    text = " ".join((text or "").split())

    def _phone(match: re.Match) -> str:
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        return f"phone:{phones.search_term(raw) or raw}"

    text = _PHONE_FIELD.sub(_phone, text)
    text = phones.search_term(text)
    parts = [text] if text else []
    if tag:
        parts.append(f'tag:"{tag}"' if " " in tag else f"tag:{tag}")
    if country:
        parts.append(f"country:{country.upper()}")
    return " ".join(parts)


def _list_params(query: str, *, limit: int, after: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if query:
        params["query"] = query
    if after:
        params["after_page"] = after
    return params


def contacts_search(
    *, client: AvochatoClient, query: str = "", after: str | None = None, limit: int = CONTACTS_PAGE_SIZE
) -> ContactPage:
    """One page of contacts: `GET /v1/contacts` with `query`, `limit` and the `after_page`
    cursor (the previous page's `next_page`), in creation order."""
    data = client.get(("contacts",), _list_params(query, limit=limit, after=after))["data"]
    raw = data.get("contacts") or []
    cursor = api_str(data.get("next_page"))
    return ContactPage(
        contacts=[contact_from_api(c) for c in raw if isinstance(c, dict) and c.get("id")],
        next_cursor=cursor if raw else None,
        query=query,
    )


def contacts_walk(
    *, client: AvochatoClient, query: str = "", max_pages: int | None = None
) -> Iterator[Contact]:
    """Every contact matching `query`, page after page (100 a call) along the cursor. The
    first page is read now (its error reaches the caller, before a download starts); the
    others as the iterator is consumed."""
    first = contacts_search(client=client, query=query, limit=WALK_PAGE_SIZE)

    def rest() -> Iterator[Contact]:
        page, pages, cursors = first, 1, set()
        while True:
            yield from page.contacts
            if not page.next_cursor or page.next_cursor in cursors:  # a repeated cursor: no loop
                return
            if max_pages is not None and pages >= max_pages:
                return
            cursors.add(page.next_cursor)
            page = contacts_search(client=client, query=query, after=page.next_cursor, limit=WALK_PAGE_SIZE)
            pages += 1

    return rest()


COUNT_CACHE_SECONDS = 120
PAGE_COUNT_MAX_PAGES = 20  # a list page counts up to 2,000 and then says "2,000+"


def _version_key(client: AvochatoClient) -> str:
    return f"contacts:version:{client.subdomain or ''}"


def contacts_cache_key(client: AvochatoClient, *parts: str) -> str:
    """A cache key for a figure over the inbox's contacts: it changes (so the figure is read
    again) whenever avodash writes to the contacts (`contacts_changed`)."""
    version = cache.get(_version_key(client)) or 0
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]
    return f"contacts:{client.subdomain or ''}:{version}:{digest}"


def contacts_changed(*, client: AvochatoClient) -> None:
    """Forget the counts over this inbox's contacts (after a write through avodash)."""
    key = _version_key(client)
    cache.set(key, (cache.get(key) or 0) + 1, None)


def contacts_count(
    *, client: AvochatoClient, query: str = "", max_pages: int = WALK_MAX_PAGES
) -> ContactCount:
    """How many contacts match `query`. The list carries no total (`size` is the page's), so
    this walks the pages, 100 a call, up to `max_pages` (then `capped`: "at least"). Kept two
    minutes, and forgotten at once when avodash changes the contacts."""
    key = contacts_cache_key(client, "count", query, str(max_pages))
    known = cache.get(key)
    if known is not None:
        return ContactCount(count=known[0], capped=known[1])
    count, capped, after = 0, True, None
    for _ in range(max_pages):
        page = contacts_search(client=client, query=query, after=after, limit=WALK_PAGE_SIZE)
        count += len(page.contacts)
        if not page.next_cursor:
            capped = False
            break
        after = page.next_cursor
    cache.set(key, (count, capped), COUNT_CACHE_SECONDS)
    return ContactCount(count=count, capped=capped)


# --- writes -------------------------------------------------------------------------------
EDITABLE_FIELDS = (
    "name",
    "email",
    "company",
    "street",
    "city",
    "state",
    "zip",
    "country",
    "notes",
    "other_phone",
)


def contact_update(*, client: AvochatoClient, phone: str, changes: dict[str, Any]) -> Contact:
    """Change a contact's fields: `POST /v1/contacts` keyed by its phone, with only the fields
    that change (an empty one clears it: `allow_empty_fields=1`). `user_id` sets the owner."""
    e164 = phones.stored_e164(phone)
    if not e164:
        raise ActionError("This contact has no phone number the API can key an update on.")
    unknown = set(changes) - {*EDITABLE_FIELDS, "user_id"}
    if unknown:
        raise ValueError(f"Not contact fields: {', '.join(sorted(unknown))}")
    data: dict[str, Any] = {"phone": e164, **changes, "allow_empty_fields": 1}
    raw = client.post(("contacts",), data=data)["data"].get("contact")
    contacts_changed(client=client)
    if not isinstance(raw, dict):
        raise ActionError("The API did not return the contact; reload the page to see whether it changed.")
    return contact_from_api(raw)


ALREADY_OPTED_OUT = "Already opted out: nothing is sent to this contact. Nothing was changed."


def contact_shows(contact: Contact, changes: dict[str, Any]) -> bool:
    """Whether the contact, as read, carries every one of `changes` (`contact_update`'s keys)."""
    for key, wanted in changes.items():
        have = contact.owner_id if key == "user_id" else getattr(contact, key, None)
        if (have or "") != (wanted or ""):
            return False
    return True


def contact_write_settled(
    write: Callable[[], Contact], *, client: AvochatoClient, contact_id: str, shows: Callable[[Contact], bool]
) -> tuple[Contact | None, Truth | None]:
    """Run one contact write. (contact, None) when Avochato said it was done; else (None, the
    truth): a refusal is not applied; an answer that did not say (a 5xx, an unreadable body, a
    timeout after sending) is settled by reading the contact back (`GET /v1/contacts/:id`)
    and asking `shows`. An ActionError (a refusal in the API's words) is raised as it is."""
    try:
        return write(), None
    except AvochatoError as err:
        truth = settle(err, lambda: shows(contact_get(client=client, contact_id=contact_id)))
        if truth.applied:
            contacts_changed(client=client)
        return None, truth


def _opt(client: AvochatoClient, contact_id: str, verb: str) -> Contact:
    try:
        raw = client.post(("contacts", contact_id, verb))["data"].get("contact")
    except ValidationError as err:
        # NOTES.md: a repeated opt-out answers 400 "<phone> is already opted out from
        # receiving messages." (its phone in E.164: said in words here instead).
        if verb == "opt_out" and "already opted out" in err.message.lower():
            raise ActionError(ALREADY_OPTED_OUT) from None
        raise ActionError(err.message) from None
    contacts_changed(client=client)
    if not isinstance(raw, dict):
        raise ActionError("The API did not return the contact; reload the page to see whether it changed.")
    return contact_from_api(raw)


def contact_opt_out(*, client: AvochatoClient, contact_id: str) -> Contact:
    """Opt a contact out of messages: `POST /v1/contacts/:id/opt_out` (NOTES.md). A contact
    already opted out is refused by the API (400): ActionError(ALREADY_OPTED_OUT)."""
    return _opt(client, contact_id, "opt_out")


def contact_opt_in(*, client: AvochatoClient, contact_id: str) -> Contact:
    """Opt a contact back in: `POST /v1/contacts/:id/opt_in`. The API refuses a contact who
    opted out by replying STOP; that refusal comes back as an ActionError with its words."""
    return _opt(client, contact_id, "opt_in")


@dataclass(kw_only=True)
class ContactEvent:
    id: str
    type: str
    ticket_id: str | None


def contact_event_add(
    *,
    client: AvochatoClient,
    type: str,
    contact_id: str | None = None,
    phone: str | None = None,
    context: str = "",
    revenue: float | None = None,
) -> ContactEvent:
    """A custom event in the contact's conversation: `POST /v1/contacts/:id/events` by id, or
    `POST /v1/events` by phone (E.164)."""
    data: dict[str, Any] = {"type": type}
    if context:
        data["context"] = context
    if revenue is not None:
        data["revenue"] = revenue
    if contact_id:
        envelope = client.post(("contacts", contact_id, "events"), data=data)
    else:
        typed = phone or ""
        e164 = phones.to_e164(typed, strict=False) or phones.suggestion(typed, strict=False)
        if not e164:
            raise ActionError(phones.field_error(phone or ""), field="phone")
        envelope = client.post(("events",), data={**data, "phone": e164})
    event = envelope["data"].get("event") or {}
    return ContactEvent(
        id=str(event.get("event_id") or ""), type=type, ticket_id=api_str(event.get("ticket_id"))
    )


def contacts_remove_all(*, client: AvochatoClient) -> str:
    """Remove every contact of the inbox: `DELETE /v1/contacts/remove_all` with no query.
    Returns the query the API says it applied (`*`)."""
    data = client.delete(("contacts", "remove_all"))["data"]
    contacts_changed(client=client)
    return str(data.get("query") or "*")
