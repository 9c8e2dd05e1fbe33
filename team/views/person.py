"""One person across inboxes (/team/people/<email or id>/): every inbox of theirs the operator
is granted, with role, state, MFA, last sign-in, open tickets and pending scheduled messages,
and the actions per inbox or for all at once. And the type-ahead that finds a person.

Leads read (`avodash.view_team`); IT admins act (`avodash.manage_team`). Inboxes the operator is
not granted are counted, never named. Every write is audited in its inbox and ends in a redirect
to the page with the outcome per inbox.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.stepup import step_up
from avodash.audit import audited
from avodash.avochato.django import get_client
from avodash.domain import users as user_svc
from avodash.domain.inboxes import inboxes_for
from avodash.http import FORM_ERROR, vary_on_htmx
from team import person as person_svc
from team import user_changes
from team.access import MANAGE, VIEW, team_view, visible_jobs
from team.forms.choices import ROLE_CHOICES
from team.forms.person import FindForm, PersonActionForm, PersonRolesForm
from team.models import Job

TEMPLATE = "people/person.html"


def _person(request: HttpRequest, ref: str) -> person_svc.PersonPage:
    page = person_svc.person_page(ref=ref, inboxes=inboxes_for(request.user))
    if page is None:
        raise Http404("Not a member of any inbox you are granted.")
    return page


def _jobs_of(request: HttpRequest, page: person_svc.PersonPage):
    """Their on/offboarding jobs (visible to the operator), newest first."""
    subjects = [s for s in (page.email, page.id) if s]
    return visible_jobs(request.user).exclude(status=Job.DRAFT).filter(subject__in=subjects)[:10]


def _render(request: HttpRequest, page: person_svc.PersonPage, status: int = 200, **extra) -> HttpResponse:
    context = {
        "person": page,
        "roles": extra.pop("roles", None) or PersonRolesForm(person=page),
        "act": extra.pop("act", None) or PersonActionForm(person=page),
        "jobs": _jobs_of(request, page),
        "can_manage": request.user.has_perm(MANAGE),
        "role_help": user_svc.ROLE_HELP,
        "role_choices": ROLE_CHOICES,
        "reset_hours": user_svc.PASSWORD_RESET_EXPIRY_HOURS,
        "api_user": person_svc.is_api_user(page),
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


def _back(page: person_svc.PersonPage) -> HttpResponse:
    return redirect("people:person", ref=page.id)


def _report(request: HttpRequest, changes: list[user_changes.Change]) -> bool:
    """One flash message per change, by what is true; whether every one went through."""
    for change in changes:
        if change.applied:
            messages.success(request, change.message)
        elif change.unknown:
            messages.warning(request, change.message)
        else:
            messages.error(request, change.message)
    return all(c.applied for c in changes)


def _audited_change(request: HttpRequest, page, m, action: str, params: dict, make) -> user_changes.Change:
    """One change in one inbox of theirs, audited there (the pending entry first)."""
    with audited(request, action=action, target=page.id, params=params, inbox=m.inbox.subdomain) as audit:
        change = make(get_client(m.inbox.subdomain))
        user_changes.settle_audit(audit, change)
    return change


@require_GET
@team_view(VIEW)
def person(request: HttpRequest, ref: str) -> HttpResponse:
    return _render(request, _person(request, ref))


@step_up
@require_POST
@team_view(MANAGE)
def person_roles(request: HttpRequest, ref: str) -> HttpResponse:
    """Change their role in several inboxes at once. Promotion to owner and any change of an
    owner is confirmed first, naming what the role grants."""
    page = _person(request, ref)
    form = PersonRolesForm(request.POST, person=page)
    if not form.is_valid():
        return _render(request, page, FORM_ERROR, roles=form)
    changes = form.changes()
    if not changes:
        messages.info(request, "No role changed.")
        return _back(page)
    if form.needs_confirmation:
        confirm = [(m, old, new, user_svc.role_change_words(old, new)) for m, old, new in changes]
        return _render(request, page, roles=form, confirm_roles=confirm)
    done = [
        _audited_change(
            request,
            page,
            m,
            "team.user_role",
            {"role": new},
            lambda c, m=m, old=old, new=new: user_changes.role_set(
                client=c, user=page.id, role=new, inbox_name=m.inbox.name, was=old
            ),
        )
        for m, old, new in changes
    ]
    if _report(request, done):
        return _back(page)
    # Not all went through: the page again, every chosen role kept.
    check = [m.inbox for (m, _old, _new), change in zip(changes, done, strict=True) if change.unknown]
    page = _person(request, ref)
    roles = PersonRolesForm(request.POST, person=page)
    return _render(request, page, FORM_ERROR, roles=roles, check_inboxes=check)


def _act_one(request: HttpRequest, page: person_svc.PersonPage, action: str, m, phone: str):
    """The action in one inbox of theirs, audited there."""
    audit = {"disable": "team.user_disable", "enable": "team.user_enable"}.get(action, f"team.user_{action}")

    def make(client) -> user_changes.Change:
        if action == "disable":
            return user_changes.disable(client=client, user=page.id, inbox_name=m.inbox.name)
        if action == "enable":
            return user_changes.enable(client=client, user=page.id, inbox_name=m.inbox.name)
        if action == "password_reset":
            return user_changes.password_reset(client=client, user=page.id)
        return user_changes.mfa_phone_set(client=client, user=page.id, phone=phone, operator=request.user)

    return _audited_change(request, page, m, audit, {"phone": phone} if phone else {}, make)


@step_up
@require_POST
@team_view(MANAGE)
def person_act(request: HttpRequest, ref: str) -> HttpResponse:
    """Disable or enable in the chosen inboxes (disabling is confirmed first, naming them and
    the inboxes); send a password reset or set the MFA phone once for their login."""
    page = _person(request, ref)
    form = PersonActionForm(request.POST, person=page)
    if not form.is_valid():
        return _render(request, page, FORM_ERROR, act=form)
    action = form.cleaned_data["action"]
    if action == "disable" and person_svc.is_api_user(page):
        form.add_error(
            None,
            "This is the user avodash's API credential acts as: disabling it would cut the dashboard off.",
        )
        return _render(request, page, FORM_ERROR, act=form)
    if action in ("disable", "password_reset") and form.cleaned_data.get("confirm") != "yes":
        return _render(request, page, act=form, confirm_action=action, confirm_inboxes=form.chosen())
    if action in ("disable", "enable"):
        targets = form.chosen()
    else:  # one call for their login: in an inbox where they are enabled, if any
        targets = sorted(page.inboxes, key=lambda m: m.user.enabled is False)[:1]
    changes = [_act_one(request, page, action, m, form.cleaned_data["phone"]) for m in targets]
    if _report(request, changes):
        return _back(page)
    check = [m.inbox for m, change in zip(targets, changes, strict=True) if change.unknown]
    # Not all went through: the page again with what was chosen and typed kept.
    page = _person(request, ref)
    data = request.POST.copy()
    data.pop("confirm", None)
    return _render(request, page, FORM_ERROR, act=PersonActionForm(data, person=page), check_inboxes=check)


@require_GET
@team_view(VIEW)
def find(request: HttpRequest) -> HttpResponse:
    """The type-ahead's results (a fragment under the search box; a page of its own without JS):
    people from the local directory whose name, email or phone contains the text. `for` says
    where a pick leads: their page, or the offboarding plan."""
    data = request.GET.copy()
    if not data.get("q") and data.get("email"):  # the offboarding page's box is named `email`
        data["q"] = data["email"]
    form = FindForm(data)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    purpose = request.GET.get("for") if request.GET.get("for") in ("offboard", "onboard") else "person"
    found = person_svc.people_find(text=text, inboxes=inboxes_for(request.user), fill=not request.htmx)
    context = {"form": form, "q": text, "found": found, "purpose": purpose}
    if request.htmx:
        return vary_on_htmx(render(request, "people/_find_results.html", context))
    return vary_on_htmx(render(request, "people/find.html", context))
