"""/settings/access/: dashboard users, their role and inbox grants, for IT admins
(`avodash.manage_access`). Every change is stepped up and audited."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access, events, grants, sessions, sso
from accounts.forms import AccessForm, InviteForm
from accounts.stepup import step_up
from avodash.http import FORM_ERROR

PERM = "avodash.manage_access"


def access_view(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(PERM):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@access_view
def access_list(request: HttpRequest) -> HttpResponse:
    known, error = grants.known_inboxes()
    context = {"rows": grants.access_rows(known), "inbox_error": error, "sso_enabled": sso.enabled()}
    return render(request, "accounts/access_list.html", context)


@step_up
@require_http_methods(["GET", "POST"])
@access_view
def access_user(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    known, error = grants.known_inboxes()
    current = list(person.inbox_grants.values_list("subdomain", flat=True))
    row = next(r for r in grants.access_rows(known) if r.user.pk == person.pk)
    initial = {"role": row.role if row.role in grants.ROLES else "", "inboxes": current}
    form = AccessForm(request.POST or None, known=known, current=current, initial=initial)
    context = {"person": person, "row": row, "form": form, "inbox_error": error}
    if request.method == "GET":
        return render(request, "accounts/access_user.html", context)
    if error or not form.is_valid():
        return render(request, "accounts/access_user.html", context, status=FORM_ERROR)
    changed = grants.set_access(
        person, role=form.cleaned_data["role"], subdomains=set(form.cleaned_data["inboxes"])
    )
    events.record(request, "access.grants", target=person.username, **changed)
    messages.success(request, f"Access of {person.get_full_name() or person.username} saved.")
    return redirect("access_user", user_id=person.pk)


@step_up
@require_http_methods(["GET", "POST"])
@access_view
def access_invite(request: HttpRequest) -> HttpResponse:
    known, error = grants.known_inboxes()
    form = InviteForm(request.POST or None, known=known, initial={"role": grants.ROLES[0]})
    context = {"form": form, "inbox_error": error, "sso_enabled": sso.enabled()}
    if request.method == "GET":
        return render(request, "accounts/access_invite.html", context)
    if error or not form.is_valid():
        return render(request, "accounts/access_invite.html", context, status=FORM_ERROR)
    data = form.cleaned_data
    person = access.invite(
        request, email=data["email"], name=data["name"], role=data["role"], subdomains=set(data["inboxes"])
    )
    events.record(
        request, "access.invite", target=person.username, role=data["role"], inboxes=data["inboxes"]
    )
    messages.success(
        request, f"Invitation sent to {person.email}: the email has a link to choose a password."
    )
    return redirect("access_user", user_id=person.pk)


@step_up
@require_POST
@access_view
def access_active(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    if person == request.user:
        messages.error(request, "You cannot deactivate yourself.")
        return redirect("access_user", user_id=person.pk)
    if request.POST.get("active") == "no":
        access.deactivate(person)
        events.record(request, "access.deactivate", target=person.username)
        messages.success(request, f"{person.username} is deactivated and signed out everywhere.")
    else:
        access.reactivate(person)
        events.record(request, "access.reactivate", target=person.username)
        messages.success(request, f"{person.username} can sign in again.")
    return redirect("access_user", user_id=person.pk)


@step_up
@require_POST
@access_view
def access_sign_out(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    sessions.sign_out_everywhere(person)
    events.record(request, "access.sign_out", target=person.username)
    messages.success(request, f"{person.username} is signed out on every device.")
    return redirect("access_user", user_id=person.pk)
