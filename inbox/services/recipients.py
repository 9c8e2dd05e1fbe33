"""Who a drafted message goes to: a ticket's own contact (a reply), or the contact behind a
phone number (a new message), and whether they can be written to. A refusal is an
`ActionError` whose `audit` carries the outcome's title, the reason and what to record.

API operations: `GET /v1/tickets/:id`, `GET /v1/contacts/:id`, `GET /v1/contacts?query=phone:`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, parallel
from avodash.domain.contacts import Contact, contact_get, contact_or_none
from avodash.domain.errors import ActionError
from avodash.domain.scheduled import TICKET_ID_RE
from avodash.domain.tickets import Ticket
from inbox.services import messages as message_svc
from inbox.services.delivery import disabled_reason
from inbox.services.messages import SendAs
from inbox.services.tickets import ticket_get


@dataclass(frozen=True, kw_only=True)
class Recipient:
    phone: str
    contact: Contact | None
    send_as: SendAs


def _refusal(title: str, detail: str, **audit: Any) -> ActionError:
    """A guard's refusal: `detail` is the message; the title and the audit facts ride along."""
    return ActionError(detail, audit={"title": title, **audit})


def _ticket_or_refuse(client: AvochatoClient, ticket_id: str) -> Ticket:
    """The ticket (`GET /v1/tickets/:id`), which names the contact a reply goes to."""
    try:
        ticket = ticket_get(client=client, ticket_id=ticket_id)
    except NotFoundError:
        raise _refusal(
            "Not sent: this ticket was not found.",
            "Avochato has no such ticket in this inbox, so there is no one to reply to.",
            reason="ticket not found",
        ) from None
    if not ticket.contact_id or not TICKET_ID_RE.match(ticket.contact_id):
        raise _refusal("Not sent.", disabled_reason(None), reason="ticket has no contact")
    return ticket


def ticket_contact_quietly(*, client: AvochatoClient, ticket_id: str) -> Contact | None:
    """The ticket's contact for showing the composer again; None when it cannot be had."""
    try:
        ticket = _ticket_or_refuse(client, ticket_id)
        return contact_get(client=client, contact_id=ticket.contact_id)
    except (AvochatoError, ActionError):
        return None


def _wrong_contact(contact: Contact | None, posted: str) -> ActionError:
    """The form named another contact than the ticket's (an outdated or altered page)."""
    if contact is not None:
        name = contact.display_name
        detail = (
            f"Replies on this ticket go to its contact, {name}, but the form named a different "
            f"contact (an outdated page?). Nothing was sent. Your draft is below: check it, then "
            f"press Send again to send it to {name}."
        )
    else:
        detail = (
            "Replies on this ticket go to its own contact, but the form named a different contact "
            "(an outdated page?). Nothing was sent. Reload the ticket, then send your draft again."
        )
    return _refusal(
        "Not sent: this reply was addressed to someone other than the ticket's contact.",
        detail,
        reason="contact mismatch",
        contact=contact,
        form_contact=posted,
    )


def _check_reachable(contact: Contact | None) -> None:
    """Opted out (Avochato refuses anyway) or blocked (nothing is delivered): do not send."""
    if contact is not None and (contact.opted_out or contact.blocked):
        reason = "opted out" if contact.opted_out else "blocked"
        raise _refusal("Not sent.", disabled_reason(contact), reason=reason, contact=contact)


def _reply_recipient(
    client: AvochatoClient, send_as: SendAs, ticket_id: str, posted: str, found: dict
) -> Recipient:
    """The ticket's own contact, whatever the form says; a form naming another contact (a
    stale or tampered page) is refused rather than sent to either."""
    calls = [lambda: _ticket_or_refuse(client, ticket_id)]
    if posted:  # one round: the ticket and the contact the page showed (checked, never trusted)
        calls.append(lambda: contact_or_none(client=client, contact_id=posted))
    ticket, *shown = parallel(calls)
    if posted and posted != ticket.contact_id:
        try:  # for the composer that comes back: the ticket's real contact
            found["contact"] = contact_get(client=client, contact_id=ticket.contact_id)
        except AvochatoError:
            found["contact"] = None
        raise _wrong_contact(found["contact"], posted)
    contact = shown[0] if posted else contact_or_none(client=client, contact_id=ticket.contact_id)
    if contact is None or contact.id != ticket.contact_id:
        raise _refusal("Not sent.", disabled_reason(None), reason="contact not found", form_contact=posted)
    found["contact"] = contact
    if not contact.phone:
        raise _refusal("Not sent.", disabled_reason(contact), reason="contact has no phone", contact=contact)
    _check_reachable(contact)
    return Recipient(phone=contact.phone, contact=contact, send_as=send_as)


def _phone_recipient(client: AvochatoClient, send_as: SendAs, phone: str, found: dict) -> Recipient:
    contact = message_svc.contact_for_phone(client=client, phone=phone)
    found["contact"] = contact
    _check_reachable(contact)
    return Recipient(phone=phone, contact=contact, send_as=send_as)


def resolve_recipient(
    *, client: AvochatoClient, actor, phone: str, ticket_id: str | None, shown_contact_id: str, found: dict
) -> Recipient:
    """Who the message goes to and who sends it; ActionError for a refusal (its `audit` holds
    the title, the reason and the facts to record). `found` gets the contact and the sender
    as soon as they are known, for the composer shown again after a refusal."""
    send_as = message_svc.send_as_for(client=client, email=actor.email)  # the directory: no call
    found["send_as"] = send_as
    if ticket_id:
        return _reply_recipient(client, send_as, ticket_id, shown_contact_id, found)
    return _phone_recipient(client, send_as, phone, found)
