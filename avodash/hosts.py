"""Inboxes by host name: `acme-support.dash.example.com` as well as `/i/acme-support/`.

Off (INBOX_HOST_DOMAIN unset) nothing here does anything. On (`dash.example.com`):

* `<subdomain>.dash.example.com` is that inbox's host. `InboxHostMiddleware` turns its plain
  paths into the path form before URL resolving (`/tickets/` is resolved as
  `/i/<subdomain>/tickets/`), so every route under `/i/<subdomain>/` (inbox/urls.py, the team
  pages, and any added later) is served at its plain path with no URL pattern of its own, and
  the inbox is still named once, by the URL: InboxGrantMiddleware resolves it, checks the
  grant, and `inbox_view` checks the role and the stale form, as for the path form.
* The bare domain serves the cross-inbox pages and the landing page. `/i/<subdomain>/...`,
  sign-in (`/accounts/`), static files and `/health/` are served on every host.
* URLs are reversed as always (the path form) and turned into the host form by `host_url`:
  in templates by `{% url %}` (avodash.templatetags.avodash replaces Django's tag), in
  redirects (`Location`, `HX-Redirect`, `HX-Push-Url`) by the middleware, in Python by
  `avodash.hosts.reverse` (Django's, for the request being answered); a page still opened in the path form (a bookmark, a link built
  with plain `reverse`) is redirected to its host form. A link to the page's own host stays relative; a link to another
  host is absolute, built from the setting (never from the request's host name; only its
  scheme and port are kept, so `make run` on :8000 links to :8000).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.request import split_domain_port
from django.urls import reverse as path_reverse

from avodash.middleware import not_found_response

# One DNS label: what a subdomain must be to have a host of its own (RFC 1123, lower case).
LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
# The path form of an inbox URL: /i/<subdomain>/<rest>.
INBOX_PATH_RE = re.compile(r"/i/(?P<subdomain>[^/?#]+)(?P<rest>/.*)?\Z", re.DOTALL)
# Paths every host serves as they are (not an inbox page on an inbox host).
SHARED_PREFIXES = ("/i/", "/accounts/", "/health/")
# Response headers that carry a URL the browser goes to.
REDIRECT_HEADERS = ("Location", "HX-Redirect", "HX-Push-Url", "HX-Replace-Url")


def host_domain() -> str:
    return settings.INBOX_HOST_DOMAIN


def inbox_host(subdomain: str) -> str:
    """`acme-support.dash.example.com` when the setting is on and the subdomain is a DNS
    label, else the subdomain itself (for file names and messages that name an inbox)."""
    domain = host_domain()
    return f"{subdomain}.{domain}" if domain and LABEL_RE.match(subdomain) else subdomain


def _shared(path: str) -> bool:
    return path.startswith((*SHARED_PREFIXES, "/" + settings.STATIC_URL.lstrip("/")))


def _origin(request: HttpRequest, subdomain: str | None) -> str:
    """`scheme://<subdomain>.<domain>[:port]` (the bare domain for None): the host from the
    setting, the scheme and port of the request (get_host has checked ALLOWED_HOSTS)."""
    domain = host_domain()
    name = f"{subdomain}.{domain}" if subdomain else domain
    _, port = split_domain_port(request.get_host())
    default = "443" if request.scheme == "https" else "80"
    return f"{request.scheme}://{name}" + (f":{port}" if port and port != default else "")


def host_url(request: HttpRequest | None, url: str) -> str:
    """The URL `url` (a reversed path: `/i/acme-support/tickets/`, `/audit/`) in the host form
    for a page on `request`'s host: relative on the same host, absolute to another one."""
    if not host_domain() or request is None or not url.startswith("/") or url.startswith("//"):
        return url
    # The subdomain whose host this is; None on the bare domain (or a host outside the domain).
    here = getattr(request, "inbox_host", None)
    match = INBOX_PATH_RE.match(url)
    if match and LABEL_RE.match(match["subdomain"]):
        rest = match["rest"] or "/"
        return rest if match["subdomain"] == here else _origin(request, match["subdomain"]) + rest
    if here is None or _shared(url):
        return url
    return _origin(request, None) + url


def reverse(
    viewname: str,
    urlconf: str | None = None,
    args: Any = None,
    kwargs: Any = None,
    current_app: str | None = None,
    *,
    query: Any = None,
    fragment: str | None = None,
) -> str:
    """`django.urls.reverse` in the host form for the request being answered (see host_url);
    import it instead of Django's wherever a view builds a URL for a page or a redirect."""
    url = path_reverse(viewname, urlconf, args, kwargs, current_app, query=query, fragment=fragment)
    return host_url(_answering.get(), url)


# The request being answered, for `reverse` (set by the middleware only when the setting is on).
_answering: ContextVar[HttpRequest | None] = ContextVar("avodash_answering", default=None)


class InboxHostMiddleware:
    """Serves an inbox's host: its plain paths are resolved as the inbox's path form.

    Sets `request.inbox_host` (the subdomain whose host this is) for `host_url`. A host under
    the domain that is not one DNS label answers our 404; a subdomain with no inbox or no
    grant gets the 404 of InboxGrantMiddleware like its path form. Redirects leaving a view
    in the path form are turned into the host form on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        domain = host_domain()
        if not domain:
            return self.get_response(request)
        host, _ = split_domain_port(request.get_host())
        if host.endswith("." + domain):
            subdomain = host[: -len(domain) - 1]
            request.inbox_host = subdomain if LABEL_RE.match(subdomain) else ""  # type: ignore[attr-defined]
            if not request.inbox_host:
                return not_found_response(request)  # its links lead to the bare domain
        if moved := self._host_form(request):
            return HttpResponseRedirect(moved)
        if getattr(request, "inbox_host", None) and not _shared(request.path_info):
            request.path_info = f"/i/{request.inbox_host}{request.path_info}"
        token = _answering.set(request)
        try:
            response = self.get_response(request)
        finally:
            _answering.reset(token)
        for header in REDIRECT_HEADERS:
            value = response.get(header)
            # Only the path form: other paths here were written for this host (APPEND_SLASH).
            if value and INBOX_PATH_RE.match(value.split("?")[0].split("#")[0]):
                response[header] = host_url(request, value)
        return response

    @staticmethod
    def _host_form(request: HttpRequest) -> str | None:
        """A page opened in the path form (a link built without `host_url`, a bookmark) moves
        to the host form; forms and htmx requests are answered where they are sent."""
        if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
            return None
        if not INBOX_PATH_RE.match(request.path_info):
            return None
        here = request.get_full_path()
        there = host_url(request, here)
        return there if there != here else None
