"""Dashboard access as data: a user's role and inbox grants, checked against the inboxes the
API credential really reaches (the local directory), never free text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.mfa import SECOND_FACTORS
from accounts.models import AccountState
from avodash.avochato import AvochatoError
from avodash.avochato.django import get_client
from avodash.domain import directory
from avodash.domain.inboxes import Inbox, inboxes_all
from avodash.models import ALL_INBOXES, InboxGrant
from avodash.roles import AGENT, IT_ADMIN, LEAD, role_name

SUBDOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$", re.IGNORECASE)

ROLES = [AGENT, LEAD, IT_ADMIN]
EVERY_INBOX_LABEL = "Every inbox"


def known_inboxes() -> tuple[list[Inbox], str]:
    """The inboxes a grant may name, and an error text when they cannot be read now."""
    try:
        return inboxes_all(), ""
    except AvochatoError as err:
        return [], err.message


def _reachable_now(subdomain: str) -> bool:
    """An inbox created since the directory's last look: ask Avochato about that one."""
    if not SUBDOMAIN_RE.match(subdomain):
        return False
    try:
        return directory.inbox_reachable(client=get_client(None), subdomain=subdomain)
    except AvochatoError:
        return False


def validate_subdomain(subdomain: str, known: list[Inbox] | None = None) -> None:
    """Refuse a grant for an inbox the credential does not reach (a typo like `acme-suport`)."""
    if subdomain == ALL_INBOXES:
        return
    if known is None:
        known, error = known_inboxes()
        if error:
            raise ValidationError(f"The inbox list cannot be read now ({error}); try again in a moment.")
    if subdomain not in {i.subdomain for i in known} and not _reachable_now(subdomain):
        names = ", ".join(sorted(i.subdomain for i in known)) or "none"
        raise ValidationError(
            f"No inbox “{subdomain}” is reachable with avodash's API credential. Known: {names}."
        )


@dataclass
class AccessRow:
    user: User
    role: str
    grants: list[tuple[str, str, bool]]  # (subdomain, label, exists)
    mfa: bool
    method: str  # "SSO", "Local", or "Never signed in"


def grant_labels(subdomains: list[str], known: list[Inbox]) -> list[tuple[str, str, bool]]:
    names = {i.subdomain: i.name for i in known}
    out = []
    for sub in sorted(subdomains, key=lambda s: (s != ALL_INBOXES, names.get(s, s))):
        if sub == ALL_INBOXES:
            out.append((sub, EVERY_INBOX_LABEL, True))
        else:
            out.append((sub, names.get(sub, sub), sub in names))
    return out


def access_rows(known: list[Inbox]) -> list[AccessRow]:
    users = User.objects.order_by("username").prefetch_related("groups", "inbox_grants")
    states = {s.user_id: s for s in AccountState.objects.all()}
    with_mfa = set(Authenticator.objects.filter(type__in=SECOND_FACTORS).values_list("user_id", flat=True))
    rows = []
    for user in users:
        state = states.get(user.pk)
        method = {AccountState.SSO: "SSO", AccountState.LOCAL: "Local"}.get(
            state.last_method if state else "", ""
        )
        rows.append(
            AccessRow(
                user=user,
                role=role_name(user),
                grants=grant_labels([g.subdomain for g in user.inbox_grants.all()], known),
                mfa=user.pk in with_mfa,
                method=method or "Never signed in",
            )
        )
    return rows


@transaction.atomic
def set_access(user: User, *, role: str, subdomains: set[str]) -> dict:
    """Set the role (one of ROLES, or "" for none) and exactly these grants; what changed."""
    before_role = role_name(user)
    before = set(user.inbox_grants.values_list("subdomain", flat=True))
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    if role:
        user.groups.add(Group.objects.get(name=role))
    if ALL_INBOXES in subdomains:
        subdomains = {ALL_INBOXES}
    InboxGrant.objects.filter(user=user).exclude(subdomain__in=subdomains).delete()
    for sub in sorted(subdomains - before):
        InboxGrant.objects.create(user=user, subdomain=sub)
    return {
        "role": [before_role, role or "No role"] if before_role != (role or "No role") else None,
        "added": sorted(subdomains - before),
        "removed": sorted(before - subdomains),
    }
