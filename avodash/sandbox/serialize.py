"""State objects -> API JSON, key for key as the reference's example responses show them.

Keys appear in the reference's order, and only the keys the reference's examples show for that
object (tests/sandbox/test_contract.py checks every example key for key). Facts the reference's
examples do not show (a ticket's channel, who placed a call, who scheduled a message by id)
stay in the state for filters and searches, never in the JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from avodash.sandbox.state import (
    Broadcast,
    Call,
    Campaign,
    Contact,
    CustomEvent,
    Event,
    Inbox,
    Membership,
    OwnerChange,
    PendingMessage,
    SandboxState,
    SmsMessage,
    StatusChange,
    Ticket,
    User,
)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="milliseconds")


def account(inbox: Inbox) -> dict[str, Any]:
    return {
        "id": inbox.id,
        "subdomain": inbox.subdomain,
        "name": inbox.name,
        "phone": inbox.phone,
        "created_at": inbox.created_at,
        "tcr_campaign_id": inbox.tcr_campaign_id,
    }


def user(u: User, membership: Membership | None = None) -> dict[str, Any]:
    """The user JSON; with a membership, the single-user form (role, enabled, permissions)."""
    out: dict[str, Any] = {
        "email": u.email,
        "id": u.id,
        "name": u.name,
        "image_url": None,
        "signed_in_at": u.signed_in_at,
        "avobot_id": None,
        "phone": u.phone,
        "phone_formatted": format_phone(u.phone),
        "created_at": u.created_at,
        "require_2fa": u.require_2fa,
        "mfa_app_valid": u.mfa_app_valid,
        "phone_valid": u.phone_valid,
    }
    if membership is not None:
        out.update(
            role=membership.role,
            enabled=membership.enabled,
            can_message=True,
            can_call=True,
            can_view_billing=membership.role == "owner",
            can_view_org=membership.role == "owner",
            added_at=membership.added_at,
        )
    return out


def format_phone(phone: str | None) -> str | None:
    if phone and phone.startswith("+1") and len(phone) == 12:
        return f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
    return phone


def contact(c: Contact, inbox: Inbox) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "phone": c.phone,
        "email": c.email,
        "street": c.street,
        "city": c.city,
        "state": c.state,
        "zip": c.zip,
        "country": c.country,
        "address": c.address,
        "notes": c.notes,
        "company": c.company,
        "other_phone": c.other_phone,
        "created_at": c.created_at,
        "tags": list(c.tags),
        "tag_details": [tag_detail(inbox, name) for name in c.tags],
        "opted_out": c.opted_out,
        "double_opted_in": c.double_opted_in,
        "muted": c.muted,
        "blocked": c.blocked,
        "salesforce_object_type": c.salesforce_object_type,
        "salesforce_object_id": c.salesforce_object_id,
        "priority": c.priority,
        "user_id": c.user_id,
        "visible": c.visible,
        "current_owner": c.user_id,
        "due_for_compliance": c.due_for_compliance,
    }
    for key, value in c.custom.items():
        out.setdefault(key, value)
    return out


def tag_detail(inbox: Inbox, name: str) -> dict[str, Any]:
    tag = inbox.tags.get(name)
    return {
        "name": name,
        "color": tag.color if tag else None,
        "duration": tag.duration if tag else None,
        "routable": tag.routable if tag else None,
    }


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "uuid": t.uuid,
        "contact": t.contact_id,
        "user_id": t.user_id,
        "unaddressed": t.unaddressed,
        "status": t.status,
        "origin": t.origin,
        "created_at": t.created_at,
        "device_type": None,
        "device": None,
        "helper_bot": False,
        "helper_bot_source_account": None,
        "os": None,
        "os_version": None,
        "browser": None,
        "browser_version": None,
        "ip": None,
        "widget_referrer_url": None,
        "active_survey_id": None,
        "summary": t.summary,
        "summary_updated_at": t.summary_updated_at,
    }


def previous_ticket(t: Ticket, inbox: Inbox, state: SandboxState) -> dict[str, Any]:
    owner = state.users.get(t.user_id) if t.user_id else None
    c = inbox.contacts.get(t.contact_id)
    return {
        "id": t.id,
        "uuid": t.uuid,
        "channel": t.channel,
        "contact": t.contact_id,
        "created_at": t.created_at,
        "closed_at": t.closed_at,
        "user": {"id": owner.id, "name": owner.name} if owner else None,
        "device_type": None,
        "option_data": None,
        "tags": list(c.tags) if c else [],
        "account_subdomain": inbox.subdomain,
    }


def _tail(e: Event) -> dict[str, Any]:
    return {
        "event_id": e.event_id,
        "element_id": e.element_id,
        "element_type": e.element_type,
        "sent_at": e.sent_at,
    }


def event(e: Event, inbox: Inbox) -> dict[str, Any]:
    if isinstance(e, SmsMessage):
        return message(e, inbox)
    if isinstance(e, Call):
        return {
            "account_id": inbox.id,
            "call_from": e.call_from,
            "call_to": e.call_to,
            "voicemail": e.voicemail,
            "direction": e.direction,
            "call_status": e.call_status,
            "ended_at": e.ended_at,
            "duration": e.duration,
            "segments": max(1, (e.duration + 59) // 60),
            "recording_url": e.recording_url,
            "recording_status": e.recording_status,
            "transcript": e.transcript,
            "transcript_status": e.transcript_status,
            "summary": e.summary,
            **_tail(e),
        }
    if isinstance(e, StatusChange):
        return {
            "account_id": inbox.id,
            "ticket_id": e.ticket_id,
            "user_id": e.user_id,
            "status": e.status,
            **_tail(e),
        }
    if isinstance(e, OwnerChange):
        return {
            "account_id": inbox.id,
            "ticket_id": e.ticket_id,
            "user_id": e.user_id,
            "owner_id": e.owner_id,
            "old_owner_id": e.old_owner_id,
            **_tail(e),
        }
    if isinstance(e, CustomEvent):
        return custom_event(e, inbox)
    return {"account_id": inbox.id, "ticket_id": e.ticket_id, **_tail(e)}


def custom_event(e: CustomEvent, inbox: Inbox) -> dict[str, Any]:
    return {
        "user_id": e.user_id,
        "account_id": inbox.id,
        "ticket_id": e.ticket_id,
        "contact_id": e.contact_id,
        "qa_keyword_id": e.qa_keyword_id,
        "type": e.type,
        "context": e.context,
        "revenue": e.revenue,
        **_tail(e),
    }


def message(m: SmsMessage, inbox: Inbox) -> dict[str, Any]:
    return {
        "uuid": m.uuid,
        "account_id": inbox.id,
        "ticket_id": m.ticket_id,
        "contact_id": m.contact_id,
        "sender_id": m.sender_id,
        "sender_type": m.sender_type,
        "broadcast_id": m.broadcast_id,
        "salesforce_activity_id": None,
        "salesforce_group_activity_id": None,
        "to": m.to,
        "from": m.from_,
        "direction": m.direction,
        "origin": m.origin,
        "message": m.message,
        "contents": [{"url": u, "content_type": _content_type(u)} for u in m.media_urls],
        "segments": m.segments,
        "carrier": m.carrier,
        "external_id": m.external_id,
        "status": m.status,
        "error_code": m.error_code,
        "error_description": m.error_description,
        "reason": m.reason,
        "status_callback": m.status_callback,
        "created_at": m.created_at,
        "sent_at": m.sent_at,
        "content_blocked": None,
        "boost_multiplier": 1,
        **_tail(m),
    }


def _content_type(url: str) -> str:
    low = url.lower()
    if low.endswith(".png"):
        return "image/png"
    if low.endswith(".pdf"):
        return "application/pdf"
    return "image/jpeg"


def pending(p: PendingMessage, inbox: Inbox, state: SandboxState) -> dict[str, Any]:
    sender = state.users.get(p.sender_id) if p.sender_id else None
    return {
        "account_id": inbox.id,
        "ticket_id": p.ticket_id,
        "contact_id": p.contact_id,
        "sender": sender.username if sender else None,
        "message": p.message,
        "media_url": p.media_url,
        "aborted": p.aborted,
        "sent": {
            "element_id": p.sent_element_id,
            "element_type": "SmsMessage" if p.sent_element_id else None,
        },
        "scheduled_for": p.scheduled_for,
        "created_at": p.created_at,
        "cancel_on": p.cancel_on,
        "aborter_id": p.aborter_id,
        "aborted_by": p.aborted_by,
        "abort_reason": p.abort_reason,
        "status_callback": p.status_callback,
        "event_id": p.event_id,
        "element_id": p.element_id,
        "element_type": "PendingMessage",
        "sent_at": p.created_at,
    }


def segments(text: str) -> int:
    n = len(text)
    return 1 if n <= 160 else -(-n // 153)


def broadcast(
    b: Broadcast, state: SandboxState, *, pending_added: int | None = None, stats: bool = True
) -> dict[str, Any]:
    """One broadcast; `stats=False` for the list, whose example shows no delivery figures."""
    owner = state.users.get(b.user_id)
    out: dict[str, Any] = {
        "id": b.id,
        "name": b.name,
        "message": b.message,
        "media_url": b.media_url,
        "estimated_segments_sms": segments(b.message),
        "estimated_segments_mms": 1 if b.media_url else 0,
        "status_callback": b.status_callback,
        "status": b.status,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "scheduled_for": b.scheduled_for,
        "completed_at": b.completed_at,
        "user": user(owner) if owner else None,
        "assign_to_user_id": b.assign_to_user_id,
        "boost_multiplier": 1,
    }
    if stats:
        out.update(
            sms_errors={},
            mms_errors={},
            audience=len(b.audience),
            contacts_count=len(b.audience),
            attempted=b.attempted,
            delivered=b.delivered,
            undelivered=b.undelivered,
            responded=b.responded,
            replied_stop=b.replied_stop,
        )
    if pending_added is not None:
        out["pending_contacts_count"] = pending_added
    return out


def campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "key": c.key,
        "raw_text": c.raw_text,
        "follow_up_message": c.follow_up_message,
        "follow_up_delay": c.follow_up_delay,
        "media_url": c.media_url,
        "hash_id": c.id,
        "hotkey": c.hotkey,
    }
