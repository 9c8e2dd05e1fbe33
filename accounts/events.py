"""Sign-in events in the audit trail, with the address and the browser (user agent)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from avodash.audit import audit_record, client_ip
from avodash.models import AuditEntry


def user_agent(request: HttpRequest | None) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300]


def record(
    request: HttpRequest | None,
    action: str,
    *,
    user=None,
    target: Any = "",
    failed: str = "",
    actor_name: str | None = None,
    **params: Any,
) -> AuditEntry:
    """One sign-in or access event. `user` is who it concerns (the actor when signed in)."""
    actor = user if user is not None else getattr(request, "user", None)
    return audit_record(
        actor=actor,
        inbox="",
        action=action,
        target=target,
        params={**params, "user_agent": user_agent(request)},
        outcome=AuditEntry.FAILED if failed else AuditEntry.OK,
        error=failed,
        ip=client_ip(request) if request is not None else None,
        actor_name=actor_name,
    )
