"""People across inboxes: directory, MFA compliance, onboarding, CSV import, offboarding, jobs.

These pages span every inbox the operator is granted, so they live at /team/ (no inbox
in the URL) and check permissions here: `avodash.view_team` to read (Leads: directory,
compliance, job pages), `avodash.manage_team` to act (IT admin: start, retry, cancel).
Agents get 403 everywhere. Each inbox a job touches is one the operator is granted, checked
when the plan is made and again when each step runs.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from avodash.avochato import AvochatoError
from avodash.exports import Echo as _Echo
from avodash.exports import csv_safe as _csv_safe
from avodash.inboxes import granted_subdomains, inboxes_all, inboxes_for
from team import jobs as job_control
from team import lifecycle
from team.forms_lifecycle import (
    ComplianceFilterForm,
    CsvUploadForm,
    DirectoryFilterForm,
    FindPersonForm,
    OffboardForm,
    OnboardForm,
    RetryForm,
)
from team.lifecycle import LifecycleError
from team.models import Job, JobStep
from team.services import ROLES

VIEW = "avodash.view_team"
MANAGE = "avodash.manage_team"


def team_view(perm: str) -> Callable:
    """Login, then the permission (403 without it). Cross-inbox pages have no grant check of
    their own: what they show and do is limited to `inboxes_for(request.user)`."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- jobs: who sees which ----------------------------------------------------------------


def _visible_jobs(user):
    """Jobs whose every inbox the user is granted; drafts only to their author."""
    qs = Job.objects.exclude(Q(status=Job.DRAFT) & ~Q(created_by=user))
    granted = granted_subdomains(user)
    if granted is None:
        return qs
    return qs.exclude(steps__in=JobStep.objects.exclude(inbox__in=granted))


def _get_job(request: HttpRequest, job_id: int) -> Job:
    job = _visible_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such job.")
    return job


def _inbox_names() -> dict[str, str]:
    try:
        return {i.subdomain: i.name for i in inboxes_all()}
    except AvochatoError:
        return {}


def _job_context(job: Job) -> dict:
    steps = list(job.steps.all())
    names = _inbox_names()
    counts = {s: 0 for s, _ in JobStep.STATUSES}
    for s in steps:
        counts[s.status] += 1
        s.inbox_name = names.get(s.inbox, s.inbox)
    total = len(steps) or 1
    settled = (
        counts[JobStep.DONE] + counts[JobStep.FAILED] + counts[JobStep.BLOCKED] + counts[JobStep.CANCELLED]
    )
    groups: list[dict] = []
    for s in steps:  # consecutive steps of one inbox, for the per-inbox view
        if not groups or groups[-1]["inbox"] != s.inbox:
            groups.append({"inbox": s.inbox, "name": s.inbox_name, "steps": []})
        groups[-1]["steps"].append(s)
    rows = []
    if job.kind == Job.ONBOARD_CSV:
        by_row: dict[int, list[JobStep]] = {}
        for s in steps:
            by_row.setdefault(s.row or 0, []).append(s)
        for r in job.options.get("rows", []):
            rows.append({**r, "steps": by_row.get(r["number"], [])})
    return {
        "job": job,
        "steps": steps,
        "groups": groups,
        "rows": rows,
        "counts": counts,
        "total": len(steps),
        "settled": settled,
        "percent": round(100 * settled / total),
        "done_pct": round(100 * counts[JobStep.DONE] / total, 1),
        "bad_pct": round(100 * (counts[JobStep.FAILED] + counts[JobStep.BLOCKED]) / total, 1),
        "cancelled_pct": round(100 * counts[JobStep.CANCELLED] / total, 1),
        # A cancelled step did not run: it is not "finished" in the sense a person reads it.
        "ran": settled - counts[JobStep.CANCELLED],
        "retryable": job.status == Job.FAILED,
        "inbox_names": names,
        "handover": sorted(((names.get(k, k), v) for k, v in job.options.get("handover", {}).items())),
    }


# --- directory and compliance ---------------------------------------------------------------


@require_GET
@team_view(VIEW)
def directory(request: HttpRequest) -> HttpResponse:
    inboxes = inboxes_for(request.user)
    form = DirectoryFilterForm(request.GET or None, inboxes=inboxes)
    if request.GET and not form.is_valid():
        return render(
            request, "team/people.html", {"form": form, "granted": inboxes, "people": []}, status=400
        )
    data = lifecycle.people_directory(inboxes=inboxes)
    people = form.filter(data.people) if form.is_bound else data.people
    scheduled = _visible_jobs(request.user).filter(status=Job.SCHEDULED).order_by("run_after")[:10]
    return render(
        request,
        "team/people.html",
        {
            "form": form,
            "granted": inboxes,
            "people": people,
            "total": len(data.people),
            "errors": data.errors,
            "scheduled_jobs": scheduled,
        },
    )


@require_GET
@team_view(VIEW)
def compliance(request: HttpRequest) -> HttpResponse:
    inboxes = inboxes_for(request.user)
    form = ComplianceFilterForm(request.GET or None, inboxes=inboxes)
    if request.GET and not form.is_valid():
        return render(request, "team/people_compliance.html", {"form": form, "rows": []}, status=400)
    data = lifecycle.people_directory(inboxes=inboxes)
    all_rows = lifecycle.compliance_rows(data, api_user=lifecycle.api_user_id(inboxes))
    rows = form.filter(all_rows) if form.is_bound else all_rows
    if form.is_bound and form.cleaned_data.get("format") == "csv":
        return _compliance_csv(rows)
    memberships = sum(len(p.memberships) for p in data.people)
    return render(
        request,
        "team/people_compliance.html",
        {
            "form": form,
            "rows": rows,
            "errors": data.errors,
            "memberships": memberships,
            "problem_count": len(all_rows),
            "inbox_count": len(inboxes),
        },
    )






def _compliance_csv(rows: list[lifecycle.ComplianceRow]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(
            [
                "inbox",
                "name",
                "email",
                "role",
                "enabled",
                "problem",
                "require_2fa",
                "phone_valid",
                "mfa_app_valid",
            ]
        )
        for r in rows:
            u = r.user
            yield writer.writerow(
                [
                    _csv_safe(v)
                    for v in (
                        r.inbox.subdomain,
                        u.name,
                        u.email,
                        u.role or "",
                        "" if u.enabled is None else u.enabled,
                        r.issue,
                        u.require_2fa,
                        u.phone_valid,
                        u.mfa_app_valid,
                    )
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mfa-compliance-{stamp}.csv"'
    return response


# --- onboarding ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def onboard(request: HttpRequest) -> HttpResponse:
    inboxes = inboxes_for(request.user)
    if request.method == "GET":
        initial = {"inboxes": [request.GET["inbox"]]} if request.GET.get("inbox") else None
        form = OnboardForm(inboxes=inboxes, initial=initial)
        return render(request, "team/lifecycle/onboard.html", {"form": form})
    form = OnboardForm(request.POST, inboxes=inboxes)
    if not form.is_valid():
        return render(request, "team/lifecycle/onboard.html", {"form": form}, status=400)
    d = form.cleaned_data
    try:
        job = lifecycle.onboard_job_create(
            operator=request.user,
            email=d["email"],
            name=d["name"],
            role=d["role"],
            phone=d["phone"],
            inboxes=d["inboxes"],
        )
        job_control.job_start(job, user=request.user)
    except LifecycleError as err:
        form.add_error(None, err.message)
        return render(request, "team/lifecycle/onboard.html", {"form": form}, status=400)
    return redirect("people:job", job_id=job.pk)


@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def onboard_csv(request: HttpRequest) -> HttpResponse:
    granted = [i.subdomain for i in inboxes_for(request.user)]
    if request.method == "GET":
        return render(
            request, "team/lifecycle/onboard_csv.html", {"form": CsvUploadForm(), "granted": granted}
        )
    form = CsvUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = lifecycle.csv_parse(upload.read(), granted=granted)
        except LifecycleError as err:
            form.add_error("file", err.message)
        else:
            unreadable = lifecycle.csv_preview(rows)
            job = lifecycle.csv_job_create(operator=request.user, rows=rows, filename=upload.name[:200])
            if unreadable:
                messages.warning(
                    request,
                    "Could not check the members of: "
                    + ", ".join(unreadable)
                    + ". Those rows show “will check when run”.",
                )
            return redirect("people:onboard_csv_preview", job_id=job.pk)
    return render(request, "team/lifecycle/onboard_csv.html", {"form": form, "granted": granted}, status=400)


@require_GET
@team_view(MANAGE)
def onboard_csv_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(lifecycle.CSV_TEMPLATE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="avodash-onboarding-template.csv"'
    return response


@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def onboard_csv_preview(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job(request, job_id)
    if job.kind != Job.ONBOARD_CSV:
        raise Http404("Not a CSV import.")
    if job.status != Job.DRAFT:
        return redirect("people:job", job_id=job.pk)
    names = _inbox_names()
    rows = [
        {
            **r,
            "plan_items": [
                {
                    "inbox": sub,
                    "name": names.get(sub, sub),
                    "what": what,
                    "current": r.get("current", {}).get(sub, ""),
                }
                for sub, what in r["plan"].items()
            ],
        }
        for r in job.options.get("rows", [])
    ]
    good = [r for r in rows if not r["errors"]]
    plan = [item["what"] for r in good for item in r["plan_items"]]
    context = {
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
            for r in good
            for item in r["plan_items"]
            if item["what"] == "member" and item["current"] and item["current"] != r["role"]
        ),
        "steps": job.steps.count(),
        "roles": ROLES,
    }
    if request.method == "POST":
        try:
            job_control.job_start(job, user=request.user)
        except LifecycleError as err:
            context["error"] = err.message
            return render(request, "team/lifecycle/onboard_csv_preview.html", context, status=400)
        return redirect("people:job", job_id=job.pk)
    return render(request, "team/lifecycle/onboard_csv_preview.html", context)


# --- offboarding ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def offboard(request: HttpRequest) -> HttpResponse:
    inboxes = inboxes_for(request.user)
    source = request.POST if request.method == "POST" else request.GET
    find = FindPersonForm(source or None)
    context: dict = {"find": find}
    if not find.is_bound:
        return render(request, "team/lifecycle/offboard.html", context)
    if not find.is_valid():
        return render(request, "team/lifecycle/offboard.html", context, status=400)
    person = lifecycle.person_find(email=find.cleaned_data["email"], inboxes=inboxes)
    context["person"] = person
    context["open_total"] = sum(m.open_tickets or 0 for m in person.memberships)
    context["scheduled_total"] = sum(len(m.scheduled) for m in person.memberships)
    if not person.found:
        return render(
            request, "team/lifecycle/offboard.html", context, status=404 if not person.errors else 502
        )
    if request.method == "GET":
        context["form"] = OffboardForm(initial={"email": person.email}, person=person)
        return render(request, "team/lifecycle/offboard.html", context)
    form = OffboardForm(request.POST, person=person)
    context["form"] = form
    if not form.is_valid():
        return render(request, "team/lifecycle/offboard.html", context, status=400)
    try:
        job = lifecycle.offboard_job_create(
            operator=request.user,
            person=person,
            choices=form.choices(),
            remove=form.cleaned_data["action"] == "remove",
            cancel_scheduled=form.cleaned_data["scheduled"] == "cancel",
            run_after=form.run_after,
        )
        job_control.job_start(job, user=request.user)
    except LifecycleError as err:
        form.add_error(None, err.message)
        return render(request, "team/lifecycle/offboard.html", context, status=400)
    if job.status == Job.SCHEDULED:
        messages.success(
            request,
            f"Offboarding of {person.email} scheduled. It runs by itself then; "
            "you can cancel it here until it starts.",
        )
    return redirect("people:job", job_id=job.pk)


# --- jobs ---------------------------------------------------------------------------------------


@require_GET
@team_view(VIEW)
def job_list(request: HttpRequest) -> HttpResponse:
    visible = _visible_jobs(request.user).exclude(status=Job.DRAFT)
    return render(
        request,
        "team/lifecycle/jobs.html",
        {
            "waiting": visible.filter(status__in=Job.WAITING + (Job.RUNNING,)).order_by(
                "run_after", "created_at"
            ),
            "recent": visible.exclude(status__in=Job.WAITING + (Job.RUNNING,))[:50],
            "inbox_names": _inbox_names(),
        },
    )


@require_GET
@team_view(VIEW)
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _get_job(request, job_id)
    if job.status == Job.DRAFT and job.kind == Job.ONBOARD_CSV:
        return redirect("people:onboard_csv_preview", job_id=job.pk)
    context = _job_context(job)
    template = "team/lifecycle/job.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, context)


def _job_action(
    request: HttpRequest, job_id: int, action: Callable[[Job], object], done: str
) -> HttpResponse:
    job = _get_job(request, job_id)
    try:
        action(job)
    except LifecycleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, done)
    return redirect(reverse("people:job", kwargs={"job_id": job.pk}))


@require_POST
@team_view(MANAGE)
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    form = RetryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That retry request was not understood.")
        return redirect("people:job", job_id=job_id)
    step = form.cleaned_data.get("step")
    step_ids = None
    if step:
        step_ids = list(JobStep.objects.filter(job_id=job_id, position=step).values_list("pk", flat=True))
        if not step_ids:
            raise Http404("No such step.")
    return _job_action(
        request,
        job_id,
        lambda j: job_control.job_retry(j, user=request.user, step_ids=step_ids),
        "Retrying the failed steps; finished steps are kept as they are.",
    )


@require_POST
@team_view(MANAGE)
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_action(
        request,
        job_id,
        lambda j: job_control.job_cancel(j, user=request.user),
        "Cancelled. Nothing was changed in Avochato.",
    )


@require_POST
@team_view(MANAGE)
def job_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_action(
        request,
        job_id,
        lambda j: job_control.job_resume(j, user=request.user),
        "Resuming: an interrupted step is checked against Avochato before it is done again.",
    )
