"""The write actions of issue 16's fault matrix (tests/faults/test_write_matrix.py): for each,
how the person submits it, how the sandbox's state shows whether it happened, what the page
says when it did, and what input must survive when it did not."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inbox.idempotency import new_key
from team.models import JobStep
from tests.helpers import INBOX, post

SAM = "sam.rivera@acme.example"
MAYA = "maya.patel@acme.example"
OMAR = "omar.haddad@acme.example"
JORDAN = "jordan.lee@acme.example"
PRIYA = "priya.shah@acme.example"
GRACE = "grace.kim@acme.example"
TOM = "tom.becker@acme.example"
BOB = "+15551234567"
NEW = "matrix.new@acme.example"
PHONE = "+14155550199"
TAG = "matrix-tag"


# --- the sandbox -----------------------------------------------------------------------------------


def uid(srv, email: str) -> str:
    return srv.state.user_by_email(email).id


def inbox(srv):
    return srv.state.inbox(INBOX)


def member(srv, email: str):
    user = srv.state.user_by_email(email)
    return inbox(srv).members.get(user.id) if user else None


def open_tickets(srv, **where) -> list:
    box = inbox(srv)
    found = [
        t
        for t in sorted(box.tickets.values(), key=lambda t: t.id)
        if t.status != "Closed"
        and not box.contacts[t.contact_id].blocked
        and all(getattr(t, k) == v for k, v in where.items())
    ]
    return found


def bob_ticket(srv):
    box = inbox(srv)
    return box.current_ticket(box.contact_by_phone(BOB).id)


def outbound_texts(srv, ticket_id: str) -> list[str]:
    box = inbox(srv)
    return [
        e.message
        for e in box.stream(box.tickets[ticket_id])
        if getattr(e, "direction", "") == "out" and hasattr(e, "message")
    ]


def pending_texts(srv, ticket_id: str) -> list[str]:
    return [p.message for p in inbox(srv).pending.values() if p.ticket_id == ticket_id and not p.aborted]


def a_pending_message(srv):
    found = [p for p in inbox(srv).pending.values() if not p.aborted and not p.sent_element_id]
    return sorted(found, key=lambda p: p.scheduled_for)[0]


# --- the write actions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    id: str
    method: str  # the write's HTTP method at the API
    route: str  # glob over the write's API path
    audit: str  # the AuditEntry action of the attempt
    prepare: Callable[[Any], dict]
    submit: Callable[[Any, Any, dict], Any]
    applied: Callable[[Any, dict], bool]
    said: str = ""  # regex: the words that say it was done (pages)
    kept: Callable[[str, str, dict], bool] | None = None  # (page, told, ctx): the input is kept
    client: str = "client_lead"
    step: str | None = None  # a job's step (onboarding, offboarding)
    page: Callable[[Any, dict], str] | None = None  # the form the person submits from
    # Whether avodash can read the write's effect back from the API. Not for a new message (no
    # id before the answer: a read-back cannot tell it from an earlier one with the same text)
    # nor a pending MFA phone or a password reset email (the API shows neither).
    readable: bool = True


def _reply(action: str):
    def prepare(srv):
        t = bob_ticket(srv)
        return {"ticket": t.id, "contact": t.contact_id, "text": f"Matrix {action} {new_key()[:8]}"}

    def submit(client, srv, ctx):
        data = {
            "idempotency_key": new_key(),
            "contact_id": ctx["contact"],
            "text": ctx["text"],
            "action": action,
        }
        if action == "schedule":
            data["when"] = "tomorrow_9"
        return post(client, f"/i/{INBOX}/tickets/{ctx['ticket']}/send/", data, HTTP_HX_REQUEST="true")

    return prepare, submit


_reply_prepare, _reply_submit = _reply("send")
_schedule_prepare, _schedule_submit = _reply("schedule")


def _status_prepare(srv):
    return {"ticket": open_tickets(srv, status="Open")[0].id}


def _bulk_prepare(srv):
    omar = uid(srv, OMAR)
    ids = [t.id for t in open_tickets(srv, status="Open") if t.user_id != omar][:2]
    return {"ids": ids, "omar": omar}


def _tickets(srv, ids):
    return [inbox(srv).tickets[i] for i in ids]


def _user_url(srv, email: str, what: str) -> str:
    return f"/i/{INBOX}/team/{uid(srv, email)}/{what}/"


def _selected(page: str, value: str) -> bool:
    return re.search(rf'value="{re.escape(value)}"[^>]*\b(selected|checked)', page) is not None


def _offboard(what: str):
    def prepare(srv):
        sam = uid(srv, SAM)
        return {
            "sam": sam,
            "maya": uid(srv, MAYA),
            "tickets": [
                t.id for t in inbox(srv).tickets.values() if t.user_id == sam and t.status != "Closed"
            ],
            "pending": [
                p.event_id for p in inbox(srv).pending.values() if p.sender_id == sam and not p.aborted
            ],
        }

    def submit(client, srv, ctx):
        return client.post(
            "/team/offboard/",
            {
                "email": SAM,
                "action": what,
                "scheduled": "cancel",
                "when": "now",
                f"in_{INBOX}": "on",
                f"to_{INBOX}": ctx["maya"],
                "confirm": "yes",
            },
        )

    return prepare, submit


_off_disable_prepare, _off_disable_submit = _offboard("disable")
_off_remove_prepare, _off_remove_submit = _offboard("remove")


def _handed_over(srv, ctx) -> bool:
    return all(inbox(srv).tickets[t].user_id == ctx["maya"] for t in ctx["tickets"])


def _sams_messages_cancelled(srv, ctx) -> bool:
    return all(inbox(srv).pending[p].aborted for p in ctx["pending"])


ACTIONS = [
    Action(
        "reply",
        "POST",
        "/v1/messages",
        "message.send",
        _reply_prepare,
        _reply_submit,
        lambda srv, ctx: ctx["text"] in outbound_texts(srv, ctx["ticket"]),
        said=r"Sent to",
        kept=lambda page, said, ctx: ctx["text"] in page,
        page=lambda srv, ctx: f"/i/{INBOX}/tickets/{ctx['ticket']}/",
        readable=False,
    ),
    Action(
        "schedule",
        "POST",
        "/v1/messages",
        "message.schedule",
        _schedule_prepare,
        _schedule_submit,
        lambda srv, ctx: ctx["text"] in pending_texts(srv, ctx["ticket"]),
        said=r"Scheduled for",
        kept=lambda page, said, ctx: ctx["text"] in page,
        page=lambda srv, ctx: f"/i/{INBOX}/tickets/{ctx['ticket']}/",
        readable=False,
    ),
    Action(
        "cancel-scheduled",
        "DELETE",
        "/v1/messages/*",
        "message.cancel",
        lambda srv: {"message": a_pending_message(srv).event_id},
        lambda client, srv, ctx: post(
            client, f"/i/{INBOX}/scheduled/cancel/", {"ids": ctx["message"], "confirm": "on"}
        ),
        lambda srv, ctx: inbox(srv).pending[ctx["message"]].aborted,
        said=r"Cancelled 1 scheduled message",
        page=lambda srv, ctx: f"/i/{INBOX}/scheduled/",
    ),
    Action(
        "status",
        "PUT",
        "/v1/tickets/*",
        "ticket.status",
        _status_prepare,
        lambda client, srv, ctx: post(
            client,
            f"/i/{INBOX}/tickets/{ctx['ticket']}/update/",
            {"status": "Pending"},
            HTTP_HX_REQUEST="true",
        ),
        lambda srv, ctx: inbox(srv).tickets[ctx["ticket"]].status == "Pending",
        said=r"Status set to Pending",
        kept=lambda page, said, ctx: _selected(page, "Pending") or "Pending" in said,
        page=lambda srv, ctx: f"/i/{INBOX}/tickets/{ctx['ticket']}/",
    ),
    Action(
        "bulk-status",
        "PUT",
        "/v1/tickets/*",
        "tickets.bulk_update",
        _bulk_prepare,
        lambda client, srv, ctx: post(
            client, f"/i/{INBOX}/tickets/bulk/", {"ids": ctx["ids"], "status": "Closed"}
        ),
        lambda srv, ctx: all(t.status == "Closed" for t in _tickets(srv, ctx["ids"])),
        said=r"Updated 2 of 2",
        kept=lambda page, said, ctx: _selected(page, "Closed") or "Closed" in said,
        page=lambda srv, ctx: f"/i/{INBOX}/tickets/",
    ),
    Action(
        "bulk-assign",
        "PUT",
        "/v1/tickets/*",
        "tickets.bulk_update",
        _bulk_prepare,
        lambda client, srv, ctx: post(
            client, f"/i/{INBOX}/tickets/bulk/", {"ids": ctx["ids"], "owner": ctx["omar"]}
        ),
        lambda srv, ctx: all(t.user_id == ctx["omar"] for t in _tickets(srv, ctx["ids"])),
        said=r"Updated 2 of 2",
        kept=lambda page, said, ctx: _selected(page, ctx["omar"]) or "Omar Haddad" in said,
        page=lambda srv, ctx: f"/i/{INBOX}/tickets/",
    ),
    Action(
        "tag",
        "POST",
        "/v1/contacts/*/tags",
        "contact.tag_add",
        lambda srv: {"ticket": bob_ticket(srv).id, "contact": bob_ticket(srv).contact_id},
        lambda client, srv, ctx: post(
            client,
            f"/i/{INBOX}/tickets/{ctx['ticket']}/tags/",
            {"tag": TAG, "op": "add"},
            HTTP_HX_REQUEST="true",
        ),
        lambda srv, ctx: TAG in inbox(srv).contacts[ctx["contact"]].tags,
        said=rf"Tag .{TAG}. added",
        kept=lambda page, said, ctx: f'value="{TAG}"' in page or TAG in said,
        page=lambda srv, ctx: f"/i/{INBOX}/tickets/{ctx['ticket']}/",
    ),
    Action(
        "role",
        "PUT",
        "/v1/users/*",
        "team.user_role",
        lambda srv: {},
        lambda client, srv, ctx: post(client, _user_url(srv, JORDAN, "role"), {"role": "manager"}),
        lambda srv, ctx: member(srv, JORDAN).role == "manager",
        said=r"is now manager",
        kept=lambda page, said, ctx: _selected(page, "manager"),
        page=lambda srv, ctx: _user_url(srv, JORDAN, "")[:-1],
        client="client_itadmin",
    ),
    Action(
        "disable",
        "POST",
        "/v1/users/*/disable",
        "team.user_disable",
        lambda srv: {},
        lambda client, srv, ctx: post(client, _user_url(srv, JORDAN, "disable"), {"confirm": "yes"}),
        lambda srv, ctx: member(srv, JORDAN).enabled is False,
        said=r"is disabled in",
        page=lambda srv, ctx: _user_url(srv, JORDAN, "")[:-1],
        client="client_itadmin",
    ),
    Action(
        "enable",
        "POST",
        "/v1/users/*/enable",
        "team.user_enable",
        lambda srv: {},
        lambda client, srv, ctx: post(client, _user_url(srv, PRIYA, "enable"), {"confirm": "yes"}),
        lambda srv, ctx: member(srv, PRIYA).enabled is True,
        said=r"is enabled again",
        page=lambda srv, ctx: _user_url(srv, PRIYA, "")[:-1],
        client="client_itadmin",
    ),
    Action(
        "mfa-phone",
        "POST",
        "/v1/users/*/mfa_phone",
        "team.user_mfa_phone",
        lambda srv: {},
        lambda client, srv, ctx: post(client, _user_url(srv, GRACE, "mfa-phone"), {"phone": PHONE}),
        lambda srv, ctx: srv.state.user_by_email(GRACE).pending_mfa_phone == PHONE,
        said=r"MFA phone [()\d\s+-]+ set for",
        kept=lambda page, said, ctx: f'value="{PHONE}"' in page,
        readable=False,
        page=lambda srv, ctx: _user_url(srv, GRACE, "")[:-1],
        client="client_itadmin",
    ),
    Action(
        "password-reset",
        "POST",
        "/v1/users/*/password_reset",
        "team.user_password_reset",
        lambda srv: {},
        lambda client, srv, ctx: post(client, _user_url(srv, SAM, "password-reset"), {"confirm": "yes"}),
        lambda srv, ctx: srv.state.user_by_email(SAM).password_reset_sent_at is not None,
        said=r"Password reset email sent",
        readable=False,
        page=lambda srv, ctx: _user_url(srv, SAM, "")[:-1],
        client="client_itadmin",
    ),
    Action(
        "add-user",
        "POST",
        "/v1/users",
        "team.user_add",
        lambda srv: {},
        lambda client, srv, ctx: post(
            client, f"/i/{INBOX}/team/add/", {"email": NEW, "name": "Mat Rix", "role": "member"}
        ),
        lambda srv, ctx: member(srv, NEW) is not None,
        said=r"is new to Avochato|already had an Avochato login|was added|were added|is a member of .* now",
        kept=lambda page, said, ctx: f'value="{NEW}"' in page,
        page=lambda srv, ctx: f"/i/{INBOX}/team/add/",
        client="client_itadmin",
    ),
    Action(
        "remove-user",
        "DELETE",
        "/v1/users/*",
        "team.user_remove",
        lambda srv: {},
        lambda client, srv, ctx: post(
            client, _user_url(srv, TOM, "remove"), {"confirm": "yes", "handover_to": ""}
        ),
        lambda srv, ctx: member(srv, TOM) is None,
        said=r"was removed from",
        page=lambda srv, ctx: _user_url(srv, TOM, "")[:-1],
        client="client_itadmin",
    ),
    Action(
        "onboarding-step",
        "POST",
        "/v1/users",
        "team.user_add",
        lambda srv: {},
        lambda client, srv, ctx: client.post(
            "/team/onboard/", {"email": NEW, "name": "Mat Rix", "role": "member", "inboxes": [INBOX]}
        ),
        lambda srv, ctx: member(srv, NEW) is not None,
        client="client_itadmin",
        step=JobStep.ADD_USER,
        page=lambda srv, ctx: "/team/onboard/",
    ),
    Action(
        "offboarding-handover",
        "PUT",
        "/v1/tickets/*",
        "team.tickets_handover",
        _off_disable_prepare,
        _off_disable_submit,
        _handed_over,
        client="client_itadmin",
        step=JobStep.REASSIGN_TICKETS,
        page=lambda srv, ctx: f"/team/offboard/?email={SAM}",
    ),
    Action(
        "offboarding-cancel-scheduled",
        "DELETE",
        "/v1/messages/*",
        "team.scheduled_cancel",
        _off_disable_prepare,
        _off_disable_submit,
        _sams_messages_cancelled,
        client="client_itadmin",
        step=JobStep.CANCEL_SCHEDULED,
        page=lambda srv, ctx: f"/team/offboard/?email={SAM}",
    ),
    Action(
        "offboarding-disable",
        "POST",
        "/v1/users/*/disable",
        "team.user_disable",
        _off_disable_prepare,
        _off_disable_submit,
        lambda srv, ctx: member(srv, SAM).enabled is False,
        client="client_itadmin",
        step=JobStep.DISABLE_USER,
        page=lambda srv, ctx: f"/team/offboard/?email={SAM}",
    ),
    Action(
        "offboarding-remove",
        "DELETE",
        "/v1/users/*",
        "team.user_remove",
        _off_remove_prepare,
        _off_remove_submit,
        lambda srv, ctx: member(srv, SAM) is None,
        client="client_itadmin",
        step=JobStep.REMOVE_USER,
        page=lambda srv, ctx: f"/team/offboard/?email={SAM}",
    ),
]
BY_ID = {a.id: a for a in ACTIONS}
ALL_500_ACTIONS = ("role", "disable", "password-reset")  # the reproduction
