"""One member of an inbox, as their page shows them: who they are (the directory first), the
inboxes they are in (only those the viewer is granted are named), their open tickets here and
whether they are the user avodash's API credential acts as."""

from __future__ import annotations

from dataclasses import dataclass

from avodash.avochato import AvochatoClient, AvochatoError, alongside
from avodash.domain import tickets
from avodash.domain import users as inbox_users
from avodash.domain.inboxes import Inbox, inboxes_for
from avodash.domain.users import InboxUser


@dataclass
class MemberPage:
    user: InboxUser
    inboxes: list[Inbox]  # the member's inboxes the viewer is granted
    other_inboxes: int  # how many more, not granted to the viewer: a count, never named
    open_tickets: int | None  # None: could not be read
    is_credential_user: bool
    unreadable: str = ""  # why parts of the page could not be read (tolerant only)


def member_page(*, client: AvochatoClient, viewer, user: str, tolerant: bool = False) -> MemberPage:
    """The user (from the directory) and, in one parallel round meanwhile, the inboxes they
    belong to (`GET /v1/users/:id/accounts`) and their open ticket count here. Who the API
    credential is comes from the directory (`credential_user_id`).

    An inbox the viewer has no grant for must look like one that does not exist: no name,
    subdomain or phone, only a count. `tolerant` (the page shown again after a write): what
    Avochato cannot answer now is left out and said, so the form and its message still show.
    """

    try:
        # Addressed by email, the user's id is needed before the round; by id (the URL allows
        # only id characters, the directory's key as given), the round starts at once and a
        # user who turns out not to be a member raises before its answers are used.
        first = inbox_users.inbox_user(client=client, user=user) if "@" in user else None
        user_id = first.id if first else user
        known, answers = alongside(
            lambda: member_known(client=client, viewer=viewer, user=user, first=first),
            member_round(client=client, user_id=user_id),
        )
    except AvochatoError as err:
        if not tolerant:
            raise
        known = inbox_users.known_user(client=client, user=user)
        return MemberPage(
            user=known or InboxUser(id=user, email=user if "@" in user else None),
            inboxes=[],
            other_inboxes=0,
            open_tickets=None,
            is_credential_user=False,
            unreadable=f"Parts of this page could not be read just now: {err.message}",
        )
    return member_answered(known, answers)


@dataclass(frozen=True)
class MemberKnown:
    """What the dashboard knows of a member without the page's API round."""

    user: InboxUser
    api_user_id: str | None
    granted: list[Inbox]  # the viewer's inboxes

    @property
    def is_credential_user(self) -> bool:
        return self.user.id == self.api_user_id


def member_known(*, client: AvochatoClient, viewer, user: str, first: InboxUser | None = None) -> MemberKnown:
    """The member from the directory (NotFoundError when not one), who the API credential is,
    and the viewer's inboxes: this thread's work (the database, and the cache) while the round's
    calls run."""
    found = first or inbox_users.inbox_user(client=client, user=user)
    return MemberKnown(found, inbox_users.credential_user_id(client=client), inboxes_for(viewer))


def member_round(*, client: AvochatoClient, user_id: str) -> list:
    """The page's one API round: the inboxes the user belongs to (`GET /v1/users/:id/accounts`)
    and their open ticket count here."""
    return [
        lambda: {i.subdomain for i in inbox_users.user_inboxes(client=client, user=user_id)},
        lambda: tickets.user_open_ticket_count(client=client, user_id=user_id),
    ]


def member_answered(known: MemberKnown, answers: list) -> MemberPage:
    member_of, count = answers
    shown = [i for i in known.granted if i.subdomain in member_of]
    return MemberPage(
        user=known.user,
        inboxes=shown,
        other_inboxes=len(member_of) - len(shown),
        open_tickets=count,
        is_credential_user=known.is_credential_user,
    )
