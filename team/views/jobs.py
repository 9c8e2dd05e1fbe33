"""Jobs (/team/jobs/): on/offboarding runs, their progress per step and inbox, and the IT
admin's retry, cancel and resume.

Leads read (`avodash.view_team`); IT admins act (`avodash.manage_team`). A job is visible only
to someone granted every inbox it touches (see `team.access.visible_jobs`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from avodash.domain.errors import ActionError
from avodash.http import FORM_ERROR, render_region
from team import jobs as job_control
from team.access import MANAGE, VIEW, inbox_names, job_for, team_view, visible_jobs
from team.forms.jobs import JobFilterForm, RetryForm
from team.models import Job, JobStep


def _groups(steps: list[JobStep]) -> list[dict]:
    """Consecutive steps of one inbox, for the per-inbox view."""
    groups: list[dict] = []
    for s in steps:
        if not groups or groups[-1]["inbox"] != s.inbox:
            groups.append({"inbox": s.inbox, "name": s.inbox_name, "steps": []})
        groups[-1]["steps"].append(s)
    return groups


def _csv_rows(job: Job, steps: list[JobStep]) -> list[dict]:
    """A CSV import's rows, each with its steps."""
    if job.kind != Job.ONBOARD_CSV:
        return []
    by_row: dict[int, list[JobStep]] = {}
    for s in steps:
        by_row.setdefault(s.row or 0, []).append(s)
    return [{**r, "steps": by_row.get(r["number"], [])} for r in job.options.get("rows", [])]


def _job_context(job: Job) -> dict:
    steps = list(job.steps.all())
    names = inbox_names()
    counts = {s: 0 for s, _ in JobStep.STATUSES}
    for s in steps:
        counts[s.status] += 1
        s.inbox_name = names.get(s.inbox, s.inbox)
    total = len(steps) or 1
    bad = counts[JobStep.FAILED] + counts[JobStep.UNKNOWN] + counts[JobStep.BLOCKED]
    settled = counts[JobStep.DONE] + bad + counts[JobStep.CANCELLED]
    return {
        "job": job,
        "steps": steps,
        "groups": _groups(steps),
        "rows": _csv_rows(job, steps),
        "counts": counts,
        "total": len(steps),
        "settled": settled,
        "percent": round(100 * settled / total),
        "done_pct": round(100 * counts[JobStep.DONE] / total, 1),
        "bad_pct": round(100 * bad / total, 1),
        "cancelled_pct": round(100 * counts[JobStep.CANCELLED] / total, 1),
        # A cancelled step did not run: it is not "finished" in the sense a person reads it.
        "ran": settled - counts[JobStep.CANCELLED],
        "retryable": job.status == Job.FAILED,
        "inbox_names": names,
        "handover": sorted(((names.get(k, k), v) for k, v in job.options.get("handover", {}).items())),
    }


@require_GET
@team_view(VIEW)
def job_list(request: HttpRequest) -> HttpResponse:
    """Every job the operator may see: who ran it, for whom, when, its status; with filters."""
    form = JobFilterForm(request.GET or None)
    visible = visible_jobs(request.user).exclude(status=Job.DRAFT)
    if form.is_bound and not form.is_valid():
        return render(
            request, "people/jobs.html", {"form": form, "waiting": [], "recent": []}, status=FORM_ERROR
        )
    if form.is_bound:
        visible = form.filter(visible)
    live = Job.WAITING + (Job.RUNNING,)
    context = {
        "form": form,
        "waiting": visible.filter(status__in=live).order_by("run_after", "created_at"),
        "recent": visible.exclude(status__in=live)[:100],
        "inbox_names": inbox_names(),
    }
    return render(request, "people/jobs.html", context)


@require_GET
@team_view(VIEW)
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for(request, job_id)
    if job.status == Job.DRAFT and job.kind == Job.ONBOARD_CSV:
        return redirect("people:onboard_csv_preview", job_id=job.pk)
    if job.is_stale:
        job_control.watch_next()  # a job orphaned before any watch was queued gets one
    return render_region(request, "people/job.html", "progress", _job_context(job))


def _job_action(
    request: HttpRequest, job_id: int, action: Callable[[Job], object], done: str
) -> HttpResponse:
    job = job_for(request, job_id)
    try:
        action(job)
    except ActionError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, done)
    return redirect("people:job", job_id=job.pk)


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
