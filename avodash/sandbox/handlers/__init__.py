"""The route table: one module per API resource, each with a `register(router)`."""

from __future__ import annotations

from avodash.sandbox.handlers import (
    accounts,
    broadcasts,
    campaigns,
    contacts,
    events,
    messages,
    tags,
    tickets,
    users,
)
from avodash.sandbox.routing import Router


def build_router() -> Router:
    router = Router()
    for module in (accounts, broadcasts, campaigns, contacts, events, messages, tags, tickets, users):
        module.register(router)
    return router
