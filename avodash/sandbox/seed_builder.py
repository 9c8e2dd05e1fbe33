"""The seeding builder's face, for the modules seed.py delegates to."""

from __future__ import annotations

import random
from typing import Protocol

from avodash.sandbox.state import Contact, Inbox, SandboxState, Ticket


class Builder(Protocol):
    """What seed_extras and seed_scale use of seed.py's builder (a Protocol: they need not
    import seed.py, which imports them)."""

    rng: random.Random
    now: float
    state: SandboxState
    user_ids: dict[str, str]

    def new_phone(self, area: str) -> str: ...

    def make_contact(self, inbox: Inbox, tags: list[str]) -> Contact: ...

    def make_ticket(
        self,
        inbox: Inbox,
        contact: Contact,
        status: str,
        scripts: list[list[tuple[str, str]]],
        staff: list[str],
        enabled_staff: list[str],
        age_days: float,
    ) -> Ticket: ...
