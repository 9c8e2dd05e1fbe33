"""Offboarding (/team/offboard/): find a person by name, email or phone, choose per inbox who gets their open
tickets, what happens to their scheduled messages, disable or remove, now or on a date.

IT admins only (`avodash.manage_team`). The plan covers only the inboxes the operator is granted.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.stepup import step_up
from avodash.domain.errors import ActionError
from avodash.domain.inboxes import inboxes_for
from avodash.http import FORM_ERROR
from team import jobs as job_control
from team import offboarding, people
from team import person as person_svc
from team.access import MANAGE, team_view
from team.forms.offboarding import FindPersonForm, OffboardForm
from team.models import Job

TEMPLATE = "people/offboard.html"


def _find(request: HttpRequest, find: FindPersonForm, context: dict) -> HttpResponse | None:
    """The person and their memberships into `context`; a response when there is nobody to plan
    for yet: the text is not an email (the directory's matches are offered, or the one match
    taken), or nobody with that email is in the operator's inboxes."""
    if not find.is_bound:
        people.inboxes_listed(inboxes_for(request.user))  # the type-ahead reads the directory
        return render(request, TEMPLATE, context)
    if not find.is_valid():
        return render(request, TEMPLATE, context, status=FORM_ERROR)
    inboxes = inboxes_for(request.user)
    email = find.cleaned_data["email"]
    if not find.is_email:
        found = [(u, i) for u, i in person_svc.people_find(text=email, inboxes=inboxes) if u.email]
        if len(found) != 1:
            context.update(q=email, found=found, purpose="offboard")
            return render(request, TEMPLATE, context)
        email = found[0][0].email
    person = people.person_find(email=email, inboxes=inboxes)
    context["person"] = person
    context["open_total"] = sum(m.open_tickets or 0 for m in person.memberships)
    context["scheduled_total"] = sum(len(m.scheduled) for m in person.memberships)
    context["existing"] = offboarding.offboarding_in_progress(email=person.email, user_id=person.user_id)
    if not person.found:
        return render(request, TEMPLATE, context, status=404 if not person.errors else 502)
    return None


def _confirmation(form: OffboardForm) -> dict:
    """What the confirmation names: the person, each inbox with its handover, the action, when."""
    names = {m.inbox.subdomain: m.inbox.name for m in form.person.memberships}
    return {
        "inboxes": [
            (names[c.subdomain], c.handover_name or offboarding.handover_label(c.handover))
            for c in form.choices()
        ],
        "action": form.cleaned_data["action"],
        "scheduled": form.cleaned_data["scheduled"],
        "run_after": form.run_after,
    }


@step_up
@require_http_methods(["GET", "POST"])
@team_view(MANAGE)
def offboard(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    context: dict = {"find": FindPersonForm(source or None)}
    answered = _find(request, context["find"], context)
    if answered:
        return answered
    person = context["person"]
    if request.method == "GET":
        context["form"] = OffboardForm(initial={"email": person.email}, person=person)
        return render(request, TEMPLATE, context)
    form = context["form"] = OffboardForm(request.POST, person=person)
    if context["existing"] is not None:
        form.add_error(None, offboarding.OffboardingExists(context["existing"]).message)
        return render(request, TEMPLATE, context, status=FORM_ERROR)
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=FORM_ERROR)
    if form.cleaned_data.get("confirm") != "yes":  # checked first, then confirmed
        context["confirm"] = _confirmation(form)
        return render(request, TEMPLATE, context)
    try:
        job = offboarding.offboard_job_create(
            operator=request.user,
            person=person,
            choices=form.choices(),
            remove=form.cleaned_data["action"] == "remove",
            cancel_scheduled=form.cleaned_data["scheduled"] == "cancel",
            run_after=form.run_after,
        )
        job_control.job_start(job, user=request.user)
    except offboarding.OffboardingExists as err:
        context["existing"] = err.job
        form.add_error(None, err.message)
        return render(request, TEMPLATE, context, status=FORM_ERROR)
    except ActionError as err:
        form.add_error(None, err.message)
        return render(request, TEMPLATE, context, status=FORM_ERROR)
    if job.status == Job.SCHEDULED:
        messages.success(
            request,
            f"Offboarding of {person.email} scheduled. It runs by itself then; "
            "you can cancel it here until it starts.",
        )
    return redirect("people:job", job_id=job.pk)
