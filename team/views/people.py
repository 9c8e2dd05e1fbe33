"""People across inboxes (/team/): the directory and MFA compliance.

Leads read (`avodash.view_team`); IT admins also see the actions. Both pages span every
inbox the operator is granted, and nothing else.
"""

from __future__ import annotations

from dataclasses import asdict

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.stepup import step_up
from avodash.domain.directory import FreshnessReport
from avodash.domain.inboxes import inboxes_for
from avodash.exports import csv_response
from avodash.http import FORM_ERROR
from team import mfa
from team import people as people_svc
from team.access import MANAGE, VIEW, team_view, visible_jobs
from team.forms.people import ComplianceActionForm, ComplianceFilterForm, DirectoryFilterForm
from team.models import Job

DIRECTORY_PAGE_SIZE = 100  # people per page: a directory of thousands opens at once

RESULTS_KEY = "people:mfa-results"
COMPLIANCE_CSV_HEADER = (
    "inbox",
    "name",
    "email",
    "role",
    "enabled",
    "state",
    "require_2fa",
    "phone_valid",
    "mfa_app_valid",
    "pending_phone",
)


def _freshness(data: people_svc.Directory) -> FreshnessReport:
    """(inbox, Freshness) for each inbox of the page: how recently the directory read it."""
    return FreshnessReport(
        (i, data.freshness[i.subdomain]) for i in data.inboxes if i.subdomain in data.freshness
    )


@require_GET
@team_view(VIEW)
def directory(request: HttpRequest) -> HttpResponse:
    inboxes = inboxes_for(request.user)
    form = DirectoryFilterForm(request.GET or None, inboxes=inboxes)
    if request.GET and not form.is_valid():
        context = {"form": form, "granted": inboxes, "people": []}
        return render(request, "people/directory.html", context, status=FORM_ERROR)
    data = people_svc.people_directory(inboxes=inboxes)
    people = form.filter(data.people) if form.is_bound else data.people
    page = Paginator(people, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    scheduled = visible_jobs(request.user).filter(status=Job.SCHEDULED).order_by("run_after")[:10]
    context = {
        "form": form,
        "granted": inboxes,
        "people": page.object_list,
        "page": page,
        "matching": len(people),
        "total": len(data.people),
        "errors": data.errors,
        "scheduled_jobs": scheduled,
        "freshness": _freshness(data),
        "mfa_pending": set(mfa.pending_phones(p.id for p in people)),
    }
    return render(request, "people/directory.html", context)


def _compliance_context(request: HttpRequest, form: ComplianceFilterForm) -> dict:
    inboxes = inboxes_for(request.user)
    data = people_svc.people_directory(inboxes=inboxes)
    all_rows = people_svc.compliance_rows(data, api_user=people_svc.api_user_id(inboxes))
    counts = {s: 0 for s in mfa.STATE_NAMES}
    for r in all_rows:
        counts[r.state] += 1
    return {
        "form": form,
        "all_rows": all_rows,
        "rows": form.filter(all_rows)
        if form.is_bound
        else [r for r in all_rows if r.state in mfa.NEEDS_ACTION],
        "errors": data.errors,
        "counts": [(s, mfa.STATE_NAMES[s], counts[s]) for s in mfa.STATE_NAMES],
        "needs_action": sum(counts[s] for s in mfa.NEEDS_ACTION),
        "checked": len(all_rows) - counts[mfa.DISABLED],
        "inbox_count": len(inboxes),
        "freshness": _freshness(data),
    }


@require_GET
@team_view(VIEW)
def compliance(request: HttpRequest) -> HttpResponse:
    inboxes = inboxes_for(request.user)
    form = ComplianceFilterForm(request.GET or None, inboxes=inboxes)
    if request.GET and not form.is_valid():
        return render(request, "people/compliance.html", {"form": form, "rows": []}, status=FORM_ERROR)
    context = _compliance_context(request, form)
    if form.is_bound and form.cleaned_data.get("format") == "csv":
        return compliance_csv(context["rows"])
    context["act"] = ComplianceActionForm(rows=context["rows"])
    context["results"] = [mfa.BulkItem(**i) for i in request.session.pop(RESULTS_KEY, [])]
    return render(request, "people/compliance.html", context)


@step_up
@require_POST
@team_view(MANAGE)
def compliance_act(request: HttpRequest) -> HttpResponse:
    """The bulk actions: per-person results shown above the report (which shows the new states)."""
    inboxes = inboxes_for(request.user)
    form = ComplianceFilterForm({"state": "all"}, inboxes=inboxes)
    form.is_valid()
    context = _compliance_context(request, form)
    act = ComplianceActionForm(request.POST, rows=context["all_rows"])
    context["rows"] = [r for r in context["all_rows"] if r.state in mfa.NEEDS_ACTION]
    context["act"] = act
    if not act.is_valid():
        return render(request, "people/compliance.html", context, status=FORM_ERROR)
    d = act.cleaned_data
    results = mfa.mfa_bulk(
        operator=request.user, rows=act.rows, action=d["action"], picked=d["pick"], lines=d["lines"]
    )
    # Post/redirect/get: a reload shows the results again without sending anything twice.
    request.session[RESULTS_KEY] = [asdict(i) for i in results]
    return redirect("people:compliance")


def _compliance_row(r: people_svc.ComplianceRow) -> tuple:
    u = r.user
    enabled = "" if u.enabled is None else u.enabled
    return (
        r.inbox.subdomain,
        u.name,
        u.email,
        u.role or "",
        enabled,
        r.state_name,
        u.require_2fa,
        u.phone_valid,
        u.mfa_app_valid,
        r.pending_phone,
    )


def compliance_csv(rows: list[people_svc.ComplianceRow]) -> HttpResponse:
    """The (filtered) compliance rows as a spreadsheet, streamed; every cell formula-safe."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return csv_response(
        f"mfa-compliance-{stamp}.csv", COMPLIANCE_CSV_HEADER, (_compliance_row(r) for r in rows)
    )
