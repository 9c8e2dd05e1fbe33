"""Access to the people pages (/team/: no inbox in the URL), decided here once.

    @require_GET
    @team_view(VIEW)
    def directory(request): ...

* not logged in: redirect to login;
* missing permission: 403 (`avodash.view_team` to read, `avodash.manage_team` to act);
* a job is visible only when the user is granted every inbox it touches (others: 404), and a
  draft only to its author.

What the pages show and do is limited to `inboxes_for(request.user)`; each inbox a job touches
is checked again when each step runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from avodash.avochato import AvochatoError
from avodash.domain.inboxes import granted_subdomains, inboxes_all
from team.models import Job, JobStep

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


def visible_jobs(user) -> QuerySet[Job]:
    """Jobs whose every inbox the user is granted; drafts only to their author."""
    qs = Job.objects.exclude(Q(status=Job.DRAFT) & ~Q(created_by=user))
    granted = granted_subdomains(user)
    if granted is None:
        return qs
    return qs.exclude(steps__in=JobStep.objects.exclude(inbox__in=granted))


def job_for(request: HttpRequest, job_id: int) -> Job:
    """The job, or 404 when the user may not see it."""
    job = visible_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such job.")
    return job


def inbox_names() -> dict[str, str]:
    """Subdomain -> inbox name, to label a job's inboxes (already access-checked above)."""
    try:
        return {i.subdomain: i.name for i in inboxes_all()}
    except AvochatoError:
        return {}
