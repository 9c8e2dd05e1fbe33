"""Broadcasts: one message to an audience of contacts, drafted, then published now or later.

The API builds the audience from tags, contact ids, phone numbers and one field filter; each
create or update *adds* to it (there is no way to take a contact out). `audience_count` says
how many contacts it holds. Only a draft can be changed or published. Publishing `asap` answers
with the broadcast still `draft`, `scheduled_for` about 10 s ahead (the reference's example); it
goes out then and becomes `completed`. A draft looks the same before and after that publish,
so whoever published it marks it `publishing` (avodash: from its audit trail).

API operations: `GET /v1/broadcasts` (list; its items may lack the delivery stats, which
`GET /v1/broadcasts/:ids` carries), `GET /v1/broadcasts/:ids`, `POST /v1/broadcasts`,
`POST /v1/broadcasts/:id` (update), `GET /v1/broadcasts/:id/audience_count`,
`POST /v1/broadcasts/:id/publish`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from avodash.avochato import AvochatoClient, BadResponseError
from avodash.domain.parse import api_int, api_list, api_str, epoch, safe_web_url

PER_PAGE = 30  # the list answers 30 a page
MAX_LENGTH = 1600
# `via_field[field]` takes these names or the name of a custom variable.
FIELDS = (
    "name",
    "phone",
    "phone_formatted",
    "email",
    "company",
    "street",
    "city",
    "state",
    "country",
    "zip",
    "priority",
    "opted_out",
    "salesforce_object_id",
    "salesforce_object_type",
)
EARLIEST = datetime.min.replace(tzinfo=UTC)
STATUS_LABELS = {"draft": "Draft", "scheduled": "Scheduled", "completed": "Sent", "publishing": "Publishing"}


@dataclass(frozen=True, kw_only=True)
class BroadcastStats:
    """Delivery so far: `failed` is the API's `undelivered`, `replied` its `responded`,
    `opted_out` its `replied_stop` (contacts who answered STOP)."""

    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    replied: int = 0
    opted_out: int = 0


@dataclass(frozen=True, kw_only=True)
class Audience:
    """Who a create or update adds: every part is optional; phones are E.164."""

    tags: tuple[str, ...] = ()
    contact_ids: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    field: str = ""
    value: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.tags or self.contact_ids or self.phones or (self.field and self.value))

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.tags:
            out["via_tags"] = ",".join(self.tags)
        if self.contact_ids:
            out["via_contact_ids"] = ",".join(self.contact_ids)
        if self.phones:
            out["via_phone_numbers"] = ",".join(self.phones)
        if self.field and self.value:
            out["via_field[field]"] = self.field
            out["via_field[value]"] = self.value
        return out

    def describe(self) -> list[str]:
        """The parts in words, for the audit trail and the broadcast page."""
        parts = []
        if self.tags:
            parts.append("tagged " + ", ".join(self.tags))
        if self.contact_ids:
            parts.append(f"{len(self.contact_ids)} contact id{'' if len(self.contact_ids) == 1 else 's'}")
        if self.phones:
            parts.append(f"{len(self.phones)} phone number{'' if len(self.phones) == 1 else 's'}")
        if self.field and self.value:
            parts.append(f"{self.field} is “{self.value}”")
        return parts


@dataclass(kw_only=True)
class Broadcast:
    id: str
    name: str | None = None
    message: str = ""
    media_url: str | None = None  # a web link, safe for an href; else None
    status: str = "draft"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    scheduled_for: datetime | None = None
    completed_at: datetime | None = None
    author_name: str | None = None
    audience: int | None = None
    segments_sms: int | None = None
    stats: BroadcastStats | None = None  # None: the answer did not carry them
    added: int | None = None  # contacts the create/update call added (`pending_contacts_count`)
    sms_errors: dict[str, Any] = field(default_factory=dict)
    publishing: bool = False  # a draft already published (asap): it goes out at scheduled_for

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def is_editable(self) -> bool:
        """A draft nobody published yet: it can be changed and published."""
        return self.is_draft and not self.publishing

    @property
    def title(self) -> str:
        return self.name or (self.message[:60] + ("…" if len(self.message) > 60 else "")) or self.id

    @property
    def status_label(self) -> str:
        status = "publishing" if self.is_draft and self.publishing else self.status
        return STATUS_LABELS.get(status, status.capitalize())


@dataclass(kw_only=True)
class BroadcastPage:
    broadcasts: list[Broadcast]
    page: int
    has_next: bool


def _stats(raw: dict[str, Any]) -> BroadcastStats | None:
    if "attempted" not in raw and "delivered" not in raw:
        return None
    return BroadcastStats(
        attempted=api_int(raw.get("attempted")) or 0,
        delivered=api_int(raw.get("delivered")) or 0,
        failed=api_int(raw.get("undelivered")) or 0,
        replied=api_int(raw.get("responded")) or 0,
        opted_out=api_int(raw.get("replied_stop")) or 0,
    )


def broadcast_from_api(raw: dict[str, Any]) -> Broadcast:
    user = raw.get("user") if isinstance(raw.get("user"), dict) else {}
    errors = raw.get("sms_errors")
    return Broadcast(
        id=api_str(raw.get("id")) or "",
        name=api_str(raw.get("name")),
        message=str(raw.get("message") or ""),
        media_url=safe_web_url(raw.get("media_url")),
        status=(api_str(raw.get("status")) or "draft").lower(),
        created_at=epoch(raw.get("created_at")),
        updated_at=epoch(raw.get("updated_at")),
        scheduled_for=epoch(raw.get("scheduled_for")),
        completed_at=epoch(raw.get("completed_at")),
        author_name=api_str(user.get("name")) or api_str(user.get("email")),
        audience=api_int(raw.get("audience")),
        segments_sms=api_int(raw.get("estimated_segments_sms")),
        stats=_stats(raw),
        added=api_int(raw.get("pending_contacts_count")),
        sms_errors=errors if isinstance(errors, dict) else {},
    )


def _one(envelope: dict[str, Any]) -> Broadcast:
    data = envelope.get("data") or {}
    raw = data.get("broadcast")
    if isinstance(raw, list):  # single-object answers may come as arrays (NOTES.md)
        raw = raw[0] if raw else None
    if not isinstance(raw, dict):
        raise BadResponseError("Avochato answered without the broadcast.")
    return broadcast_from_api(raw)


# --- reads ---------------------------------------------------------------------------------------


def broadcasts_get(*, client: AvochatoClient, broadcast_ids: list[str]) -> dict[str, Broadcast]:
    """Several broadcasts by id (`GET /v1/broadcasts/:ids`), keyed by id."""
    ids = [i for i in dict.fromkeys(broadcast_ids) if i]
    if not ids:
        return {}
    data = client.get(("broadcasts", ",".join(ids))).get("data") or {}
    found = [broadcast_from_api(r) for r in api_list(data.get("broadcasts")) if isinstance(r, dict)]
    return {b.id: b for b in found}


def broadcast_get(*, client: AvochatoClient, broadcast_id: str) -> Broadcast:
    """One broadcast (`GET /v1/broadcasts/:id`); NotFoundError when it does not exist."""
    raw = client.get_one(("broadcasts", broadcast_id), key="broadcasts")
    return broadcast_from_api(raw)


def broadcasts_list(*, client: AvochatoClient, page: int = 1) -> BroadcastPage:
    """A page of the inbox's broadcasts, newest first (`GET /v1/broadcasts`). List items may
    come without delivery stats: those are filled in by one fetch of the page's ids."""
    data = client.get(("broadcasts",), params={"page": page}).get("data") or {}
    raw = [r for r in api_list(data.get("broadcasts")) if isinstance(r, dict)]
    found = [broadcast_from_api(r) for r in raw]
    missing = [b.id for b in found if b.stats is None and b.id]
    if missing:
        full = broadcasts_get(client=client, broadcast_ids=missing)
        found = [full.get(b.id, b) for b in found]
    found.sort(key=lambda b: b.created_at or EARLIEST, reverse=True)
    return BroadcastPage(broadcasts=found, page=page, has_next=len(raw) >= PER_PAGE)


def broadcast_audience_count(*, client: AvochatoClient, broadcast_id: str) -> int:
    """How many contacts the broadcast's audience holds (`GET /v1/broadcasts/:id/audience_count`)."""
    data = client.get(("broadcasts", broadcast_id, "audience_count")).get("data") or {}
    return api_int(data.get("count")) or 0


# --- writes --------------------------------------------------------------------------------------


def _content(message: str | None, media_url: str | None, name: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if message is not None:
        out["message"] = message
    if media_url is not None:
        out["media_url"] = media_url
    if name is not None:
        out["name"] = name
    return out


def broadcast_create(
    *, client: AvochatoClient, message: str, media_url: str = "", name: str = "", audience: Audience
) -> Broadcast:
    """A new draft (`POST /v1/broadcasts`) with its first audience."""
    data = {**_content(message, media_url or None, name or None), **audience.params()}
    return _one(client.post(("broadcasts",), data=data))


def broadcast_update(
    *,
    client: AvochatoClient,
    broadcast_id: str,
    message: str,
    media_url: str,
    name: str,
    audience: Audience,
) -> Broadcast:
    """Change a draft's content and add to its audience (`POST /v1/broadcasts/:id`)."""
    data = {**_content(message, media_url, name), **audience.params()}
    return _one(client.post(("broadcasts", broadcast_id), data=data))


def broadcast_publish(
    *, client: AvochatoClient, broadcast_id: str, scheduled_for: datetime | None
) -> Broadcast:
    """Publish a draft now (`asap`) or at `scheduled_for` (`POST /v1/broadcasts/:id/publish`).
    The answer is the API's word on when it goes out: for `asap`, a draft scheduled a few
    seconds ahead (returned with `publishing` set)."""
    if scheduled_for is None:
        data: dict[str, Any] = {"asap": True}
    else:
        data = {"scheduled_for": scheduled_for.timestamp()}
    published = _one(client.post(("broadcasts", broadcast_id, "publish"), data=data))
    published.publishing = published.is_draft
    return published
