"""Onboarding (/team/onboard/): one person into several inboxes, or many people from a CSV file.

IT admins only (`avodash.manage_team`). The CSV import is a dry run first: every row is checked
and the plan shown (a draft job) before anything is sent; applying starts the job.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.stepup import step_up
from avodash.domain.errors import ActionError
from avodash.domain.inboxes import inboxes_for
from avodash.domain.users import ROLES
from avodash.http import FORM_ERROR
from team import jobs as job_control
from team import onboarding, people
from team.access import MANAGE, inbox_names, job_for, team_view
from team.forms.onboarding import CsvUploadForm, OnboardForm
from team.models import Job


def _already(form: OnboardForm) -> dict[str, str]:
    """The chosen inboxes the person is already in (from the directory), inbox name -> role."""
    d = form.cleaned_data
    names = dict(form.fields["inboxes"].choices)
    found = onboarding.memberships_in(email=d["email"], inboxes=d["inboxes"])
    return {names.get(sub, sub): role for sub, role in found.items()}


@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def onboard(request: HttpRequest) -> HttpResponse:
    inboxes = inboxes_for(request.user)
    if request.method == "GET":
        initial = {"inboxes": [request.GET["inbox"]]} if request.GET.get("inbox") else None
        form = OnboardForm(inboxes=inboxes, initial=initial)
        people.inboxes_listed(inboxes)  # the type-ahead of existing people reads the directory
        return render(request, "people/onboard.html", {"form": form})
    form = OnboardForm(request.POST, inboxes=inboxes)
    if not form.is_valid():
        return render(request, "people/onboard.html", {"form": form}, status=FORM_ERROR)
    d = form.cleaned_data
    already = _already(form)
    if already and not d.get("acknowledged"):
        data = request.POST.copy()
        data["acknowledged"] = "True"
        context = {"form": OnboardForm(data, inboxes=inboxes), "already": already}
        context["form"].is_valid()
        return render(request, "people/onboard.html", context, status=FORM_ERROR)
    try:
        job = onboarding.onboard_job_create(
            operator=request.user,
            email=d["email"],
            name=d["name"],
            role=d["role"],
            roles=form.roles(),
            phone=d["phone"],
            inboxes=d["inboxes"],
        )
        job_control.job_start(job, user=request.user)
    except ActionError as err:
        form.add_error(None, err.message)
        return render(request, "people/onboard.html", {"form": form}, status=FORM_ERROR)
    return redirect("people:job", job_id=job.pk)


@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def onboard_csv(request: HttpRequest) -> HttpResponse:
    granted = [i.subdomain for i in inboxes_for(request.user)]
    if request.method == "GET":
        return render(request, "people/onboard_csv.html", {"form": CsvUploadForm(), "granted": granted})
    form = CsvUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = onboarding.csv_parse(upload.read(), granted=granted)
        except ActionError as err:
            form.add_error("file", err.message)
        else:
            unreadable = onboarding.csv_preview(rows)
            job = onboarding.csv_job_create(operator=request.user, rows=rows, filename=upload.name[:200])
            if unreadable:
                messages.warning(
                    request,
                    "Could not check the members of: "
                    + ", ".join(unreadable)
                    + ". Those rows show “will check when run”.",
                )
            return redirect("people:onboard_csv_preview", job_id=job.pk)
    return render(request, "people/onboard_csv.html", {"form": form, "granted": granted}, status=FORM_ERROR)


@require_GET
@team_view(MANAGE)
def onboard_csv_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(onboarding.CSV_TEMPLATE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="avodash-onboarding-template.csv"'
    return response


def _preview_rows(job: Job) -> list[dict]:
    """The draft's rows, each with its plan per inbox (add / already a member / not yet known)."""
    names = inbox_names()
    return [
        {
            **r,
            "plan_items": [
                {
                    "inbox": sub,
                    "name": names.get(sub, sub),
                    "what": what,
                    "role": (r.get("roles") or {}).get(sub) or r["role"],
                    "current": r.get("current", {}).get(sub, ""),
                }
                for sub, what in r["plan"].items()
            ],
        }
        for r in job.options.get("rows", [])
    ]


def _preview_context(job: Job) -> dict:
    rows = _preview_rows(job)
    good = [r for r in rows if not r["errors"]]
    items = [(r, item) for r in good for item in r["plan_items"]]
    plan = [item["what"] for _, item in items]
    return {
        "job": job,
        "rows": rows,
        "good": len(good),
        "bad": len(rows) - len(good),
        # One step per valid row and inbox: additions + already members + not yet known.
        "adds": plan.count("add"),
        "already": plan.count("member"),
        "unknown": plan.count("unknown"),
        "role_kept": sum(
            1
            for r, item in items
            if item["what"] == "member" and item["current"] and item["current"] != item["role"]
        ),
        "steps": job.steps.count(),
        "roles": ROLES,
    }


@step_up
@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def onboard_csv_preview(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for(request, job_id)
    if job.kind != Job.ONBOARD_CSV:
        raise Http404("Not a CSV import.")
    if job.status != Job.DRAFT:
        return redirect("people:job", job_id=job.pk)
    context = _preview_context(job)
    if request.method == "POST":
        try:
            job_control.job_start(job, user=request.user)
        except ActionError as err:
            context["error"] = err.message
            return render(request, "people/onboard_csv_preview.html", context, status=FORM_ERROR)
        return redirect("people:job", job_id=job.pk)
    return render(request, "people/onboard_csv_preview.html", context)
