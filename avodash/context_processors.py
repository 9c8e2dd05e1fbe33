"""What the base layout needs on every page: inboxes for the switcher, role, sandbox flag."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from avodash.domain.inboxes import inboxes_for_quietly
from avodash.roles import role_name


def switch_url(request: HttpRequest, subdomain: str) -> str:
    """The same kind of page in another inbox; the inbox home when that page has no twin."""
    match = getattr(request, "resolver_match", None)
    if match and "subdomain" in match.kwargs and match.view_name:
        try:
            return reverse(match.view_name, kwargs={"subdomain": subdomain})
        except NoReverseMatch:
            pass
        parent = PARENT_PAGES.get(match.view_name)
        if parent:
            return reverse(parent, kwargs={"subdomain": subdomain})
    return reverse("inbox:home", kwargs={"subdomain": subdomain})


# A page that needs more than the inbox (a ticket, a user) switches to its list.
PARENT_PAGES = {
    "inbox:ticket": "inbox:tickets",
    "team:user": "team:list",
}


# The inbox's pages, in the order of the sub-navigation: (label, view name, permission).
SUBNAV = [
    ("Overview", "inbox:home", "avodash.view_tickets"),
    ("Tickets", "inbox:tickets", "avodash.view_tickets"),
    ("Messages", "inbox:messages", "avodash.view_tickets"),
    ("Scheduled", "inbox:scheduled", "avodash.view_tickets"),
    ("New message", "inbox:compose", "avodash.send_messages"),
    ("Team", "team:list", "avodash.view_team"),
]


def subnav(request: HttpRequest, subdomain: str) -> list[tuple[str, str, bool]]:
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else ""
    items = []
    for label, name, perm in SUBNAV:
        if not request.user.has_perm(perm):
            continue
        try:
            url = reverse(name, kwargs={"subdomain": subdomain})
        except NoReverseMatch:
            continue
        active = (
            here == name
            or (name == "inbox:tickets" and here == "inbox:ticket")
            or (name == "team:list" and here.startswith("team:"))
        )
        items.append((label, url, active))
    return items


def layout(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"sandbox_mode": settings.AVOCHATO_SANDBOX}
    inboxes, inboxes_error = inboxes_for_quietly(user)
    current = getattr(request, "inbox", None)  # set by InboxGrantMiddleware on inbox URLs
    return {
        "sandbox_mode": settings.AVOCHATO_SANDBOX,
        "inboxes": [(i, switch_url(request, i.subdomain)) for i in inboxes],
        "inboxes_error": inboxes_error,
        "current_inbox": current,
        "role_name": role_name(user),
        "subnav": subnav(request, current.subdomain) if current else [],
    }
