"""Create (or refresh) the demo logins and print them.

`admin` is a superuser; `agent`, `lead` and `itadmin` show the three roles. The password
is DEMO_PASSWORD when set, otherwise one generated once and kept in `.demo-password`
(never committed), so `make run` prints the same login every time.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

from avodash.models import ALL_INBOXES, InboxGrant
from avodash.roles import AGENT, IT_ADMIN, LEAD

DEMO_USERS = [
    # username, first, last, email, role (None = superuser). The emails are users of the
    # sandbox's inboxes, so each demo login replies as itself (send_as_user_email).
    ("admin", "Avery", "Admin", "admin@avodash.example", None),
    ("agent", "Sam", "Rivera", "sam.rivera@acme.example", AGENT),
    ("lead", "Maya", "Patel", "maya.patel@acme.example", LEAD),
    ("itadmin", "Omar", "Haddad", "omar.haddad@acme.example", IT_ADMIN),
]


def demo_password() -> str:
    given = os.environ.get("DEMO_PASSWORD", "")
    if given:
        return given
    path = settings.BASE_DIR / ".demo-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(9))
    return path.read_text().strip()


class Command(BaseCommand):
    help = "Create the demo logins (admin, agent, lead, itadmin) and print them."

    def handle(self, *args, **options):
        password = demo_password()
        for username, first, last, email, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name, user.email = first, last, email
            user.is_staff = user.is_superuser = role is None
            user.set_password(password)
            user.save()
            if role:
                user.groups.set([Group.objects.get(name=role)])
            InboxGrant.objects.get_or_create(user=user, subdomain=ALL_INBOXES)
        self.stdout.write(self.style.SUCCESS("Demo logins (all inboxes granted):"))
        self.stdout.write(f"  username: admin    password: {password}   (superuser)")
        self.stdout.write(
            "  also: agent (Sam Rivera), lead (Maya Patel), itadmin (Omar Haddad) — same password"
        )
