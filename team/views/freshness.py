"""How fresh the local directory is, and "Refresh now" (IT admins), per inbox.

The region (`people/_freshness.html#freshness`) sits on the people directory, the compliance
report and each inbox's team page. While a read is under way it polls itself for progress.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from avodash.domain import directory
from avodash.domain.inboxes import Inbox, inboxes_for
from avodash.http import render_fragment
from team.access import MANAGE, VIEW, team_view


def _chosen(request: HttpRequest, value: str | None) -> list[Inbox]:
    """The granted inboxes the region is about: all of them, or the one named (404 otherwise)."""
    inboxes = inboxes_for(request.user)
    if not value:
        return inboxes
    chosen = [i for i in inboxes if i.subdomain == value]
    if not chosen:
        raise Http404("No such inbox.")
    return chosen


def _region(request: HttpRequest) -> HttpResponse:
    one = request.GET.get("inbox", "")
    context = {"freshness": directory.freshness_report(_chosen(request, one)), "freshness_inbox": one}
    return render_fragment(request, "people/_freshness.html", "region", context)


@require_GET
@team_view(VIEW)
def directory_freshness(request: HttpRequest) -> HttpResponse:
    """The region alone (it polls itself while a read is under way)."""
    return _region(request)


@require_POST
@team_view(MANAGE)
def directory_refresh(request: HttpRequest) -> HttpResponse:
    """Read every member of one inbox again, in the background; the region shows progress."""
    inbox = _chosen(request, request.POST.get("subdomain") or "-")[0]
    directory.refresh_now(subdomain=inbox.subdomain)
    if request.htmx:
        return _region(request)
    messages.success(request, f"Reading every member of {inbox.name} again; the page shows how far it got.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "people:directory"
    return redirect(back)
