"""Core pages: the landing redirect, the audit trail, health."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from avodash.audit import action_label
from avodash.audit_words import describe
from avodash.domain.inboxes import granted_subdomains, inboxes_for_quietly
from avodash.domain.tickets import unaddressed_counts
from avodash.exports import csv_response
from avodash.forms import AuditFilterForm
from avodash.middleware import LAST_INBOX_COOKIE
from avodash.models import AuditEntry


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """`/` goes to the last inbox used (this session, else this browser's cookie, if still
    granted), else the granted inbox with the most unaddressed tickets (one call per inbox, in
    parallel, cached briefly), else the first."""
    inboxes, error = inboxes_for_quietly(request.user)
    subs = [i.subdomain for i in inboxes]
    last = request.session.get("last_inbox") or request.COOKIES.get(LAST_INBOX_COOKIE)
    if last in subs:
        return redirect("inbox:home", subdomain=last)
    if subs:
        counts = unaddressed_counts(subs) if len(subs) > 1 else {}
        busiest = max(subs, key=lambda s: (counts.get(s) or 0, -subs.index(s)))
        return redirect("inbox:home", subdomain=busiest)
    return render(request, "avodash/no_inbox.html", {"error": error})


@require_GET
def inbox_counts(request: HttpRequest) -> HttpResponse:
    """The switcher's unaddressed count per inbox, asked for when it is opened (one call per
    inbox in parallel, cached a minute), as out-of-band swaps into the open menu."""
    inboxes, _ = inboxes_for_quietly(request.user)
    counts = unaddressed_counts([i.subdomain for i in inboxes])
    return render(request, "avodash/inbox_counts.html", {"counts": counts})


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check (CSRF_FAILURE_VIEW): our own page, nothing sent. With
    inboxes by host name, a form sent from one inbox's host to another's ends here: the
    browser sends no Origin across hosts (Referrer-Policy: same-origin)."""
    return render(request, "403_csrf.html", status=403)


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def audit_scope(user):
    """Entries this user may read: everything (IT admin), their inboxes (Lead), or none."""
    if user.has_perm("avodash.view_all_audit"):
        return AuditEntry.objects.all()
    if user.has_perm("avodash.view_inbox_audit"):
        granted = granted_subdomains(user)
        qs = AuditEntry.objects.all()
        return qs if granted is None else qs.filter(inbox__in=granted)
    raise PermissionDenied


@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    entries = audit_scope(request.user).select_related("actor")
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "avodash/audit.html", {"form": form, "page": None}, status=400)
    if form.is_bound:
        entries = form.filter(entries)
    if request.GET.get("format") == "csv":
        return audit_csv(entries)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    lines = describe(list(page.object_list), label_of=action_label)
    actions = sorted(set(audit_scope(request.user).values_list("action", flat=True).distinct()))
    inboxes, _ = inboxes_for_quietly(request.user)
    return render(
        request,
        "avodash/audit.html",
        {
            "form": form,
            "page": page,
            "rows": [(e, lines[e.pk]) for e in page.object_list],
            "actions": actions,
            "inbox_names": {i.subdomain: i.name for i in inboxes},
        },
    )


def audit_csv(entries) -> StreamingHttpResponse:
    header = ["time", "actor", "ip", "inbox", "action", "target", "params", "outcome", "error"]
    rows = (
        [
            e.created_at.isoformat(),
            e.actor_name,
            e.ip or "",
            e.inbox,
            e.action,
            e.target,
            json.dumps(e.params, ensure_ascii=False),
            e.shown_outcome,
            e.error,
        ]
        for e in entries.iterator()
    )
    return csv_response("avodash-audit.csv", header, rows)
