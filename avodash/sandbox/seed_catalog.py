"""Who and what the demo data is made of: inboxes, users, credentials, notable contacts.

The rest (random contacts, conversations) is drawn by `avodash.sandbox.seed` from
`avodash.sandbox.seed_data`.

Inboxes: `acme-support` "Acme Support" (+15105551234, the busiest), `acme-sales` "Acme Sales",
`globex-help` "Globex Help".

Credentials (see `CREDENTIALS`):
* default `sandbox` / `sandbox-secret` (overridable) — user "Avodash API" (api@avodash.example),
  owner in all three inboxes, home acme-support;
* `sandbox-manager` / `sandbox-manager-secret` — Maya Patel, *manager* in acme-support and
  acme-sales (the owner rule refuses her promoting to owner or touching an owner);
* `sandbox-member` / `sandbox-member-secret` — Jordan Lee, *member* in acme-support (user admin
  calls are refused).

Notable people (`USERS`): Avery Admin (admin@avodash.example) owner in acme-support and
acme-sales but not in globex-help; Omar Haddad, second owner of acme-support; Priya Shah and
Ben Carter disabled; Grace Kim with a pending MFA phone; Elena Rossi never signed in, no MFA;
"QA Test" (test-2@test.com, the reference examples' `send_as_user_email`).

Notable contacts in acme-support (`NOTABLE`): Bob McTest +15551234567 and "Other Contact"
+15551234568 (the reference examples' phones), Olivia Martin +16505551234 opted out, Victor
Crane +16505550199 blocked (his Open ticket ignores status changes), Nina Alvarez +16505550142
muted, Harbor Dental front desk +16505550100 landline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from avodash.sandbox import seed_data as words

DAY = 86400.0
HOUR = 3600.0
MINUTE = 60.0

DEFAULT_AUTH_ID = "sandbox"
DEFAULT_AUTH_SECRET = "sandbox-secret"

# subdomain, name, phone, contacts, tickets, scripts
INBOXES: list[tuple[str, str, str, int, int, list[list[tuple[str, str]]]]] = [
    ("acme-support", "Acme Support", "+15105551234", 170, 132, words.SUPPORT_SCRIPTS),
    ("acme-sales", "Acme Sales", "+15105552000", 80, 48, words.SALES_SCRIPTS),
    ("globex-help", "Globex Help", "+14155550300", 70, 42, words.GLOBEX_SCRIPTS),
]


@dataclass(frozen=True)
class DemoUser:
    key: str
    name: str
    email: str
    roles: dict[str, tuple[str, bool]]  # subdomain -> (role, enabled)
    require_2fa: bool = True
    mfa_app_valid: bool = False
    phone: str | None = None  # a verified MFA phone
    pending_phone: str | None = None
    signed_in_hours_ago: float | None = 2.0
    is_api: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


_ALL_OWNER = {s: ("owner", True) for s, *_ in INBOXES}
USERS: list[DemoUser] = [
    DemoUser(
        "api",
        "Avodash API",
        "api@avodash.example",
        _ALL_OWNER,
        require_2fa=False,
        signed_in_hours_ago=None,
        is_api=True,
    ),
    DemoUser(
        "admin",
        "Avery Admin",
        "admin@avodash.example",
        {"acme-support": ("owner", True), "acme-sales": ("owner", True)},
        mfa_app_valid=True,
        phone="+14155550101",
        signed_in_hours_ago=0.5,
    ),
    DemoUser(
        "maya",
        "Maya Patel",
        "maya.patel@acme.example",
        {"acme-support": ("manager", True), "acme-sales": ("manager", True)},
        mfa_app_valid=True,
        signed_in_hours_ago=1.0,
    ),
    DemoUser(
        "omar",
        "Omar Haddad",
        "omar.haddad@acme.example",
        {"acme-support": ("owner", True)},
        phone="+14155550102",
        signed_in_hours_ago=26.0,
    ),
    DemoUser(
        "jordan",
        "Jordan Lee",
        "jordan.lee@acme.example",
        {"acme-support": ("member", True)},
        mfa_app_valid=True,
        signed_in_hours_ago=3.0,
    ),
    DemoUser(
        "sam",
        "Sam Rivera",
        "sam.rivera@acme.example",
        {"acme-support": ("member", True), "acme-sales": ("member", True)},
        phone="+14155550104",
        signed_in_hours_ago=5.0,
    ),
    DemoUser(
        "priya",
        "Priya Shah",
        "priya.shah@acme.example",
        {"acme-support": ("member", False)},
        mfa_app_valid=True,
        signed_in_hours_ago=24 * 40.0,
    ),
    DemoUser(
        "tom",
        "Tom Becker",
        "tom.becker@acme.example",
        {"acme-support": ("member", True)},
        require_2fa=False,
        signed_in_hours_ago=50.0,
    ),
    DemoUser(
        "grace",
        "Grace Kim",
        "grace.kim@acme.example",
        {"acme-support": ("member", True)},
        pending_phone="+14155550177",
        signed_in_hours_ago=8.0,
    ),
    DemoUser(
        "aisha",
        "Aisha Khan",
        "aisha.khan@acme.example",
        {"acme-support": ("member", True), "globex-help": ("member", True)},
        phone="+14155550105",
        signed_in_hours_ago=4.0,
    ),
    DemoUser(
        "chloe",
        "Chloe Nguyen",
        "chloe.nguyen@acme.example",
        {"acme-sales": ("member", True)},
        mfa_app_valid=True,
        signed_in_hours_ago=6.0,
    ),
    DemoUser(
        "ben",
        "Ben Carter",
        "ben.carter@acme.example",
        {"acme-sales": ("member", False)},
        signed_in_hours_ago=24 * 90.0,
    ),
    DemoUser(
        "diego",
        "Diego Alvarez",
        "diego.alvarez@globex.example",
        {"globex-help": ("manager", True), "acme-support": ("member", True)},
        mfa_app_valid=True,
        phone="+14155550106",
        signed_in_hours_ago=2.5,
    ),
    DemoUser(
        "marcus",
        "Marcus Brown",
        "marcus.brown@globex.example",
        {"globex-help": ("owner", True)},
        mfa_app_valid=True,
        signed_in_hours_ago=12.0,
    ),
    DemoUser(
        "elena",
        "Elena Rossi",
        "elena.rossi@globex.example",
        {"globex-help": ("member", True)},
        signed_in_hours_ago=None,
    ),
    DemoUser(
        "qa",
        "QA Test",
        "test-2@test.com",
        {"acme-support": ("member", True)},
        require_2fa=False,
        signed_in_hours_ago=72.0,
    ),
]

# label -> (auth_id, auth_secret, user key, home subdomain)
CREDENTIALS: dict[str, tuple[str, str, str, str]] = {
    "default": (DEFAULT_AUTH_ID, DEFAULT_AUTH_SECRET, "api", "acme-support"),
    "manager": ("sandbox-manager", "sandbox-manager-secret", "maya", "acme-support"),
    "member": ("sandbox-member", "sandbox-member-secret", "jordan", "acme-support"),
}

# acme-support contacts others can rely on: key -> contact fields
NOTABLE: dict[str, dict[str, Any]] = {
    "bob": dict(
        name="Bob McTest",
        phone="+15551234567",
        email="bob@mctest.com",
        city="Los Angeles",
        state="CA",
        zip="99999",
        country="US",
        company="McTest Inc",
        tags=["important"],
    ),
    "other": dict(
        name="Other Contact",
        phone="+15551234568",
        email="bob@contact.com",
        city="San Francisco",
        state="CA",
        zip="88888",
        country="US",
        company="Contact Inc",
    ),
    "opted_out": dict(
        name="Olivia Martin",
        phone="+16505551234",
        email="olivia.m@gmail.com",
        city="Palo Alto",
        state="CA",
        zip="94301",
        country="US",
        opted_out=True,
        opted_out_by="contact",  # her ticket ends with her own STOP
    ),
    "blocked": dict(
        name="Victor Crane",
        phone="+16505550199",
        city="San Jose",
        state="CA",
        zip="95113",
        country="US",
        blocked=True,
        notes="Abusive messages; blocked by Omar.",
    ),
    "muted": dict(
        name="Nina Alvarez",
        phone="+16505550142",
        email="nina.alvarez@icloud.com",
        city="Redwood City",
        state="CA",
        zip="94063",
        country="US",
        muted=True,
    ),
    "landline": dict(
        name="Harbor Dental Front Desk",
        phone="+16505550100",
        company="Harbor Dental",
        city="San Mateo",
        state="CA",
        zip="94401",
        country="US",
        landline=True,
    ),
}
OPTED_OUT_PHONE = NOTABLE["opted_out"]["phone"]
BLOCKED_PHONE = NOTABLE["blocked"]["phone"]
MUTED_PHONE = NOTABLE["muted"]["phone"]
LANDLINE_PHONE = NOTABLE["landline"]["phone"]
BOB_PHONE = NOTABLE["bob"]["phone"]
