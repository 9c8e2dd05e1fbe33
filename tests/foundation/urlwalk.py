"""Every URL the dashboard serves, with placeholder arguments, for access tests."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {"/accounts/login/", "/health/"}


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith("admin/"):
                continue  # Django's admin guards itself
            if route == "accounts/":
                continue  # allauth's own pages: sign-in, password reset, MFA (tests/accounts)
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p


def all_routes(subdomain: str) -> list[str]:
    """Concrete paths: `<subdomain>` filled in, other arguments given a placeholder id."""
    out = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith("^") or "(?P" in route:
            continue
        path = route.replace("<str:subdomain>", subdomain)
        path = re.sub(r"<int:[^>]+>", "1", path)
        path = re.sub(r"<[^>]+>", "x1", path)  # any converter, custom ones too
        out.append("/" + path)
    return sorted(set(out))


def inbox_routes(subdomain: str) -> list[str]:
    return [r for r in all_routes(subdomain) if r.startswith(f"/i/{subdomain}/")]
