"""Single sign-on: the IdP's groups claim mapped to avodash roles and inbox grants.

At every SSO sign-in (and at each recheck of a signed-in SSO user) the groups decide the role
(the highest of the role groups) and the inbox grants (`<prefix><subdomain>`, `<prefix>*`).
Someone in no avodash group has no business here: they cannot sign in, and an open session
ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from avodash.models import ALL_INBOXES, InboxGrant
from avodash.roles import AGENT, IT_ADMIN, LEAD

PROVIDER_ID = "sso"
ROLE_ORDER = (IT_ADMIN, LEAD, AGENT)


def enabled() -> bool:
    return bool(settings.SSO_ISSUER_URL and settings.SSO_CLIENT_ID)


@dataclass
class Access:
    role: str | None = None
    inboxes: set[str] = field(default_factory=set)

    @property
    def any(self) -> bool:
        return self.role is not None or bool(self.inboxes)


def groups_from_claims(data: dict) -> list[str]:
    """The groups claim from the userinfo answer or the ID token (or a flat dict of claims)."""
    claim = settings.SSO_GROUPS_CLAIM
    for source in (data, data.get("userinfo") or {}, data.get("id_token") or {}):
        value = source.get(claim) if isinstance(source, dict) else None
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [str(v) for v in value]
    return []


def access_from_groups(groups: list[str]) -> Access:
    access = Access()
    names = set(groups)
    for role in ROLE_ORDER:
        if settings.SSO_ROLE_GROUPS.get(role) in names:
            access.role = role
            break
    prefix = settings.SSO_INBOX_GROUP_PREFIX
    for name in names:
        if prefix and name.startswith(prefix) and name[len(prefix) :]:
            access.inboxes.add(name[len(prefix) :].strip())
    return access


@transaction.atomic
def apply_access(user, access: Access) -> None:
    """Make the user's role and grants exactly what the IdP says."""
    role_groups = list(Group.objects.filter(name__in=ROLE_ORDER))
    user.groups.remove(*role_groups)
    if access.role:
        user.groups.add(Group.objects.get(name=access.role))
    InboxGrant.objects.filter(user=user).exclude(subdomain__in=access.inboxes).delete()
    for subdomain in sorted(access.inboxes):
        InboxGrant.objects.get_or_create(user=user, subdomain=subdomain)
    if ALL_INBOXES in access.inboxes:
        InboxGrant.objects.filter(user=user).exclude(subdomain=ALL_INBOXES).delete()
