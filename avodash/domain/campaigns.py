"""Campaigns: automated message steps contacts are enrolled in, and taking contacts off them.

The API lists campaign *steps* (each with a keyword, `key`, a first message and an optional
follow-up sent after `follow_up_delay` seconds). It does not say who is enrolled. What it does
show is the queue of scheduled messages, which includes campaign follow-ups: a pending
message whose text is a step's follow-up is a contact waiting on that step. That is all this
module claims about enrolment, and the pages say so.

Cancelling comes in the four documented forms of `POST /v1/campaigns/:id/cancel`: one contact
(`phone`), several (`contacts`), everyone on the step (`all=1`), and one contact from this
step and every later step of its campaign (`phone` + `recursive=1`).

API operations: `GET /v1/campaigns`, `GET /v1/campaigns/:ids`, `POST /v1/campaigns/:id/cancel`,
`GET /v1/messages/scheduled` (the waiting follow-ups).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from avodash.avochato import AvochatoClient
from avodash.domain import scheduled as scheduled_svc
from avodash.domain.parse import api_int, api_list, api_str, safe_web_url
from avodash.domain.scheduled import ScheduledFilters, ScheduledMessage

ONE, SEVERAL, ALL, RECURSIVE = "one", "several", "all", "recursive"
MODES = (ONE, SEVERAL, ALL, RECURSIVE)
MAX_PHONES = 100
WAITING_PAGES = 4  # scheduled-message pages read to find waiting follow-ups (25 a page)


@dataclass(frozen=True, kw_only=True)
class CampaignStep:
    id: str
    key: str  # the keyword the cancel route takes
    message: str = ""
    follow_up_message: str | None = None
    follow_up_delay: int | None = None  # seconds
    media_url: str | None = None
    hotkey: str | None = None

    @property
    def delay_text(self) -> str:
        d = self.follow_up_delay
        if not d:
            return ""
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
            if d >= size and d % size == 0:
                n = d // size
                return f"{n} {unit}{'' if n == 1 else 's'}"
        return f"{d} seconds"


@dataclass(frozen=True, kw_only=True)
class CancelResult:
    """What the API said it will do: its own sentence, the phones and the step keys."""

    text: str
    phones: tuple[str, ...]
    keys: tuple[str, ...]


def step_from_api(raw: dict[str, Any]) -> CampaignStep:
    return CampaignStep(
        id=api_str(raw.get("id")) or api_str(raw.get("hash_id")) or "",
        key=api_str(raw.get("key")) or "",
        message=str(raw.get("raw_text") or ""),
        follow_up_message=api_str(raw.get("follow_up_message")),
        follow_up_delay=api_int(raw.get("follow_up_delay")),
        media_url=safe_web_url(raw.get("media_url")),
        hotkey=api_str(raw.get("hotkey")),
    )


def _steps(envelope: dict[str, Any]) -> list[CampaignStep]:
    data = envelope.get("data") or {}
    steps = [step_from_api(r) for r in api_list(data.get("campaigns")) if isinstance(r, dict)]
    return [s for s in steps if s.key]


# --- reads ---------------------------------------------------------------------------------------


def campaign_steps(*, client: AvochatoClient) -> list[CampaignStep]:
    """Every campaign step of the inbox, in the API's order (`GET /v1/campaigns`)."""
    return _steps(client.get(("campaigns",)))


def campaign_step_get(*, client: AvochatoClient, key: str) -> CampaignStep | None:
    """One step by its keyword (`GET /v1/campaigns/:ids`); None when there is no such step."""
    found = _steps(client.get(("campaigns", key)))
    return next((s for s in found if key in (s.key, s.id)), None)


def _pending(client: AvochatoClient, *, contact_id: str | None = None) -> list[ScheduledMessage]:
    found: list[ScheduledMessage] = []
    filters = ScheduledFilters(contact_id=contact_id)
    for page in range(1, WAITING_PAGES + 1):
        result = scheduled_svc.scheduled_search(client=client, filters=filters, page=page, with_names=False)
        found += [m for m in result.messages if m.is_pending]
        if not result.has_next:
            break
    return found


def campaign_waiting(*, client: AvochatoClient, step: CampaignStep) -> list[ScheduledMessage]:
    """The contacts waiting for this step's follow-up: pending scheduled messages whose text is
    the follow-up (the first pages of the queue), with contacts filled in."""
    if not step.follow_up_message:
        return []
    waiting = [m for m in _pending(client) if m.body.strip() == step.follow_up_message.strip()]
    if waiting:
        scheduled_svc.with_people(client=client, messages=waiting)
    return waiting


def campaigns_for_contact(*, client: AvochatoClient, contact_id: str) -> list[CampaignStep]:
    """The steps a contact is waiting on, as far as the API shows it: their pending scheduled
    messages that are a step's follow-up (`GET /v1/messages/scheduled?contact_id=`,
    `GET /v1/campaigns`)."""
    pending = _pending(client, contact_id=contact_id)
    if not pending:
        return []
    texts = {m.body.strip() for m in pending}
    return [
        s
        for s in campaign_steps(client=client)
        if s.follow_up_message and s.follow_up_message.strip() in texts
    ]


# --- writes --------------------------------------------------------------------------------------


def campaign_cancel(
    *, client: AvochatoClient, key: str, mode: str, phones: tuple[str, ...] = ()
) -> CancelResult:
    """Take contacts off a step (`POST /v1/campaigns/:id/cancel`), in one of the four forms:
    ONE (`phone`), SEVERAL (`contacts`), ALL (`all=1`), RECURSIVE (`phone`, `recursive=1`).
    Phones are E.164, checked by the caller."""
    if mode == ALL:
        data: dict[str, Any] = {"all": "1"}
    elif mode == SEVERAL:
        data = {"contacts": list(phones)}
    elif mode in (ONE, RECURSIVE) and len(phones) == 1:
        data = {"phone": phones[0], **({"recursive": "1"} if mode == RECURSIVE else {})}
    else:
        raise ValueError(f"campaign_cancel: {mode!r} with {len(phones)} phones")
    answer = client.post(("campaigns", key, "cancel"), data=data).get("data") or {}
    return CancelResult(
        text=api_str(answer.get("campaigns")) or "",
        phones=tuple(str(p) for p in api_list(answer.get("contacts"))),
        keys=tuple(str(k) for k in api_list(answer.get("ids"))),
    )
