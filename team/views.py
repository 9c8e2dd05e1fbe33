"""Team pages: the users of an inbox, one user's page, and the IT admin's actions on them.

Leads read (`avodash.view_team`); IT admins also act (`avodash.manage_team`); agents get
403 everywhere here. Every write goes through a form, is audited, and ends in a redirect
with a flash message, or re-renders the page with the error at the form and the input kept.
Destructive actions (disable, remove) go through a confirmation that names the user and
the inbox: a page of its own without JS, loaded inline with htmx.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from avodash.access import inbox_view
from avodash.audit import audited
from avodash.avochato import AvochatoError, ForbiddenError, ValidationError, parallel
from avodash.exports import csv_safe as _csv_safe
from avodash.inboxes import granted_subdomains
from avodash.middleware import api_error_status
from team import services
from team.forms import ConfirmForm, MfaPhoneForm, RemoveForm, RoleForm, TeamFilterForm, UserAddForm
from team.lifecycle import e164_suggestion
from team.services import TeamUser

VIEW = "avodash.view_team"
MANAGE = "avodash.manage_team"


# --- helpers -----------------------------------------------------------------------------


def _queue_url(subdomain: str, user_id: str) -> str:
    """The ticket queue filtered by owner (the triage pages accept `owner=<user id>`)."""
    try:
        base = reverse("inbox:tickets", kwargs={"subdomain": subdomain})
    except NoReverseMatch:
        base = f"/i/{subdomain}/tickets/"
    return f"{base}?{urlencode({'owner': user_id})}"


def _user_url(subdomain: str, user_id: str) -> str:
    return reverse("team:user", kwargs={"subdomain": subdomain, "user_id": user_id})


def _visible_inboxes(request: HttpRequest, inboxes: list) -> tuple[list, int]:
    """The member's inboxes the viewer is granted (shown, linked), and how many others there are.

    An inbox the viewer has no grant for must look like one that does not exist: no name,
    subdomain or phone, only a count.
    """
    granted = granted_subdomains(request.user)
    shown = [i for i in inboxes if granted is None or i.subdomain in granted]
    return shown, len(inboxes) - len(shown)


def _tickets(n: int) -> str:
    return f"{n} open ticket{'' if n == 1 else 's'}"


def _status_for(err: AvochatoError) -> int:
    return 400 if isinstance(err, (ValidationError, ForbiddenError)) else api_error_status(err)


@dataclass
class UserPage:
    user: TeamUser
    inboxes: list
    open_tickets: int
    is_credential_user: bool


def _load_user_page(request: HttpRequest, user_ref: str) -> UserPage:
    """The user, their inboxes, their open ticket count and who the API credential is: one
    round in parallel (two when the user is addressed by email: the ticket filter needs the id)."""
    client = request.avochato
    if "@" in user_ref:
        user = services.user_get(client, user=user_ref)
        user_ref = user.id
    else:
        user = None
    calls = [
        lambda: services.user_inboxes(client, user=user_ref),
        lambda: services.user_open_ticket_count(client, user_id=user_ref),
        lambda: services.credential_user_id(client),
    ]
    if user is None:
        calls.append(lambda: services.user_get(client, user=user_ref))
    inboxes, count, api_user_id, *fetched = parallel(calls)
    user = user or fetched[0]
    return UserPage(user=user, inboxes=inboxes, open_tickets=count, is_credential_user=user.id == api_user_id)


def _refuse_credential_user(request: HttpRequest, subdomain: str, user: TeamUser) -> HttpResponse | None:
    """Disabling or removing the API credential's own user would cut avodash off from the inbox."""
    if user.id != services.credential_user_id(request.avochato):
        return None
    return _render_user(
        request,
        subdomain,
        user.id,
        status=400,
        action_error=f"{user.display_name} is the user avodash's API credential acts as: disabling or "
        f"removing it would cut the dashboard off from {request.inbox.name}. Change it in Avochato itself.",
    )


def _render_user(
    request: HttpRequest,
    subdomain: str,
    user_ref: str,
    *,
    status: int = 200,
    role_form: RoleForm | None = None,
    role_error: str = "",
    action_error: str = "",
) -> HttpResponse:
    data = _load_user_page(request, user_ref)
    mfa = request.session.pop(_mfa_draft_key(subdomain, user_ref), None) or {}
    user = data.user
    shown, hidden = _visible_inboxes(request, data.inboxes)
    context = {
        "member": user,
        "member_inboxes": shown,
        "other_inboxes": hidden,
        "open_tickets": data.open_tickets,
        "is_credential_user": data.is_credential_user,
        "queue_url": _queue_url(subdomain, user.id),
        "can_manage": request.user.has_perm(MANAGE),
        "role_form": role_form or RoleForm(initial={"role": user.role}),
        "role_error": role_error,
        "role_rule": services.ROLE_RULE,
        "role_help": services.ROLE_HELP,
        "mfa_phone": mfa.get("phone", ""),
        "mfa_error": mfa.get("error", ""),
        "mfa_suggestion": mfa.get("suggestion", ""),
        "action_error": action_error,
        "reset_hours": services.PASSWORD_RESET_EXPIRY_HOURS,
    }
    return render(request, "team/user.html", context, status=status)


# --- the team list -----------------------------------------------------------------------


@inbox_view(perm=VIEW)
@require_GET
def team_list(request: HttpRequest, subdomain: str) -> HttpResponse:
    form = TeamFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "team/list.html", {"form": form, "users": None}, status=400)
    users = services.users_list(request.avochato)
    shown = form.filter(users)
    if form.cleaned_data.get("format") == "csv":
        return _team_csv(subdomain, shown)
    context = {
        "form": form,
        "users": shown,
        "total": len(users),
        "enabled_count": sum(1 for u in users if u.enabled),
        "disabled_count": sum(1 for u in users if u.enabled is False),
        "mfa_incomplete_count": sum(1 for u in users if u.mfa_incomplete),
        "unknown_count": sum(1 for u in users if not u.details_loaded),
        "owners_count": sum(1 for u in users if u.role == "owner"),
        "can_manage": request.user.has_perm(MANAGE),
        "filtered": form.is_filtered,
    }
    template = "team/list.html"
    if request.htmx and request.htmx.target == "team-results":
        template += "#results"
    return render(request, template, context)




def _when(value) -> str:
    return value.isoformat() if value else ""


def _team_csv(subdomain: str, users: list[TeamUser]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="team-{subdomain}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "id",
            "name",
            "email",
            "role",
            "enabled",
            "2fa_required",
            "mfa_app_valid",
            "phone_valid",
            "mfa_complete",
            "last_sign_in",
            "added",
            "created",
        ]
    )
    for u in users:
        writer.writerow(
            [
                _csv_safe(u.id),
                _csv_safe(u.name),
                _csv_safe(u.email),
                _csv_safe(u.role),
                "" if u.enabled is None else ("yes" if u.enabled else "no"),
                "yes" if u.require_2fa else "no",
                "yes" if u.mfa_app_valid else "no",
                "yes" if u.phone_valid else "no",
                "yes" if u.mfa_complete else "no",
                _when(u.signed_in_at),
                _when(u.added_at),
                _when(u.created_at),
            ]
        )
    return response


# --- one user ----------------------------------------------------------------------------


@inbox_view(perm=VIEW)
@require_GET
def user_page(request: HttpRequest, subdomain: str, user_id: str) -> HttpResponse:
    return _render_user(request, subdomain, user_id)


@inbox_view(perm=MANAGE)
@require_POST
def user_role(request: HttpRequest, subdomain: str, user_id: str) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _render_user(request, subdomain, user_id, status=400, role_form=form)
    role = form.cleaned_data["role"]
    user = services.user_get(request.avochato, user=user_id)
    try:
        with audited(request, action="team.user_role", target=user.id, params={"role": role}):
            user = services.user_role_update(request.avochato, user=user.id, role=role)
    except AvochatoError as err:
        refused = isinstance(err, (ValidationError, ForbiddenError))
        return _render_user(
            request,
            subdomain,
            user_id,
            status=_status_for(err),
            role_form=form,
            role_error=err.message + (" " + services.ROLE_RULE if refused else ""),
        )
    messages.success(request, f"{user.display_name} is now {user.role or role} in {request.inbox.name}.")
    return redirect(_user_url(subdomain, user.id))


@inbox_view(perm=MANAGE)
@require_POST
def user_enable(request: HttpRequest, subdomain: str, user_id: str) -> HttpResponse:
    user = services.user_get(request.avochato, user=user_id)
    try:
        with audited(request, action="team.user_enable", target=user.id):
            user = services.user_enable(request.avochato, user=user.id)
    except AvochatoError as err:
        return _render_user(request, subdomain, user_id, status=_status_for(err), action_error=err.message)
    messages.success(request, f"{user.display_name} is enabled again in {request.inbox.name}.")
    return redirect(_user_url(subdomain, user.id))


@inbox_view(perm=MANAGE)
@require_http_methods(["GET", "POST"])
def user_password_reset(request: HttpRequest, subdomain: str, user_id: str) -> HttpResponse:
    """A light confirmation first (naming the user and the link's lifetime), then the reset."""
    user = services.user_get(request.avochato, user=user_id)
    hours = services.PASSWORD_RESET_EXPIRY_HOURS
    if not (request.method == "POST" and ConfirmForm(request.POST).is_valid()):
        return _confirm(request, {"member": user, "action": "password_reset", "reset_hours": hours})
    try:
        with audited(request, action="team.user_password_reset", target=user.id):
            services.user_password_reset(request.avochato, user=user.id)
    except AvochatoError as err:
        return _render_user(request, subdomain, user_id, status=_status_for(err), action_error=err.message)
    who = user.email or user.display_name
    messages.success(request, f"Password reset email sent to {who}. The link in it expires in {hours} hours.")
    return redirect(_user_url(subdomain, user.id))


def _mfa_draft_key(subdomain: str, user_ref: str) -> str:
    return f"team:mfa-draft:{subdomain}:{user_ref}"


def _mfa_problem(
    request: HttpRequest,
    subdomain: str,
    user_id: str,
    *,
    phone: str,
    error: str,
    status: int,
    user: TeamUser | None = None,
) -> HttpResponse:
    """The MFA phone form again, with the error, the input kept and a "Did you mean" for a US
    number typed the local way. htmx: the form's section alone; without JS: back to the user
    page (PRG), which shows the same from the session. The URL stays the user page's."""
    draft = {"phone": phone, "error": error, "suggestion": e164_suggestion(phone)}
    if request.htmx:
        user = user or services.user_get(request.avochato, user=user_id)
        context = {
            "member": user,
            "mfa_phone": phone,
            "mfa_error": error,
            "mfa_suggestion": draft["suggestion"],
        }
        return render(request, "team/user.html#mfa", context, status=status)
    request.session[_mfa_draft_key(subdomain, user_id)] = draft
    return redirect(_user_url(subdomain, user_id) + "#h-phone")


@inbox_view(perm=MANAGE)
@require_POST
def user_mfa_phone(request: HttpRequest, subdomain: str, user_id: str) -> HttpResponse:
    data = request.POST.copy()
    if data.get("suggested"):  # the "Did you mean" button
        data["phone"] = data["suggested"]
    form = MfaPhoneForm(data)
    typed = (data.get("phone") or "")[:64]
    if not form.is_valid():
        error = form.errors["phone"][0] if "phone" in form.errors else "Enter a phone number."
        return _mfa_problem(request, subdomain, user_id, phone=typed, error=error, status=400)
    phone = form.cleaned_data["phone"]
    user = services.user_get(request.avochato, user=user_id)
    try:
        with audited(request, action="team.user_mfa_phone", target=user.id, params={"phone": phone}):
            user = services.user_mfa_phone_set(request.avochato, user=user.id, phone=phone)
    except AvochatoError as err:
        return _mfa_problem(
            request, subdomain, user_id, phone=typed, error=err.message, status=_status_for(err), user=user
        )
    messages.success(
        request,
        f"MFA phone {phone} set for {user.display_name}. It stays pending until they confirm it "
        "with the code Avochato texts to that number.",
    )
    if request.htmx:
        return HttpResponseClientRedirect(_user_url(subdomain, user.id))
    return redirect(_user_url(subdomain, user.id))


# --- destructive actions: disable, remove ---------------------------------------------------


def _confirm(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    template = "team/confirm.html"
    if request.htmx and request.htmx.target == "confirm-region":
        template += "#panel"
    return render(request, template, context, status=status)


@inbox_view(perm=MANAGE)
@require_http_methods(["GET", "POST"])
def user_disable(request: HttpRequest, subdomain: str, user_id: str) -> HttpResponse:
    user = services.user_get(request.avochato, user=user_id)
    refused = _refuse_credential_user(request, subdomain, user)
    if refused:
        return refused
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():
        try:
            with audited(
                request, action="team.user_disable", target=user.id, params={"email": user.email or ""}
            ):
                user = services.user_disable(request.avochato, user=user.id)
        except AvochatoError as err:
            return _render_user(
                request, subdomain, user_id, status=_status_for(err), action_error=err.message
            )
        messages.success(
            request,
            f"{user.display_name} is disabled in {request.inbox.name}: they cannot sign in here and get no "
            "new conversations. Their history is kept; re-enable them any time.",
        )
        return redirect(_user_url(subdomain, user.id))
    return _confirm(request, {"member": user, "action": "disable"})


@inbox_view(perm=MANAGE)
@require_http_methods(["GET", "POST"])
def user_remove(request: HttpRequest, subdomain: str, user_id: str) -> HttpResponse:
    client = request.avochato
    if "@" in user_id:
        user = services.user_get(client, user=user_id)
        users, open_tickets = parallel(
            [
                lambda: services.users_list(client),
                lambda: services.user_open_ticket_count(client, user_id=user.id),
            ]
        )
    else:
        user, users, open_tickets = parallel(
            [
                lambda: services.user_get(client, user=user_id),
                lambda: services.users_list(client),
                lambda: services.user_open_ticket_count(client, user_id=user_id),
            ]
        )
    refused = _refuse_credential_user(request, subdomain, user)
    if refused:
        return refused
    api_user_id = services.credential_user_id(client)
    colleagues = [u for u in users if u.id not in (user.id, api_user_id) and u.enabled is not False]
    form = RemoveForm(request.POST if request.method == "POST" else None, colleagues=colleagues)
    context = {
        "member": user,
        "action": "remove",
        "form": form,
        "open_tickets": open_tickets,
        "colleagues": colleagues,
    }
    if request.method != "POST":
        return _confirm(request, context)
    if not form.is_valid():
        return _confirm(request, context, status=400 if form.data.get("confirm") else 200)

    handover_to = form.cleaned_data.get("handover_to") or ""
    note = ""
    if handover_to:
        colleague = next(u for u in colleagues if u.id == handover_to)
        try:
            with audited(
                request,
                action="team.tickets_handover",
                target=user.id,
                params={"to_user_id": colleague.id, "to": colleague.email or colleague.name},
            ) as handle:
                result = services.tickets_handover(client, from_user_id=user.id, to_user_id=colleague.id)
                handle.extra = {"found": len(result.found), "moved": len(result.moved)}
                if not result.ok:
                    handle.fail(result.summary)
        except AvochatoError as err:
            context["error"] = (
                f"Could not hand over the tickets, so {user.display_name} was not removed: {err.message}"
            )
            return _confirm(request, context, status=_status_for(err))
        if not result.ok:
            reasons = "; ".join(sorted({reason for _, reason in result.failed}))
            context["error"] = (
                f"{user.display_name} was not removed: {len(result.failed)} of {len(result.found)} open "
                f"tickets could not be handed over ({reasons}). Nothing was left unassigned. Try again: "
                "the handover picks up the tickets still assigned to them."
            )
            return _confirm(request, context, status=502)
        if result.moved:
            note = f" {_tickets(len(result.moved))} handed to {colleague.display_name}."
    try:
        with audited(
            request,
            action="team.user_remove",
            target=user.id,
            params={"email": user.email or "", "handover_to": handover_to},
        ):
            services.user_delete(client, user=user.id)
    except AvochatoError as err:
        context["error"] = err.message + (f" (The handover already happened:{note})" if note else "")
        return _confirm(request, context, status=_status_for(err))
    left = (
        ""
        if handover_to or not open_tickets
        else f" Their {_tickets(open_tickets)} here {'is' if open_tickets == 1 else 'are'} now unassigned."
    )
    messages.success(request, f"{user.display_name} was removed from {request.inbox.name}.{note}{left}")
    return redirect("team:list", subdomain=subdomain)


# --- add a user --------------------------------------------------------------------------


@inbox_view(perm=MANAGE)
@require_http_methods(["GET", "POST"])
def user_add(request: HttpRequest, subdomain: str) -> HttpResponse:
    form = UserAddForm(request.POST or None)
    if request.method != "POST":
        return render(request, "team/add.html", {"form": form, "role_help": services.ROLE_HELP})
    if not form.is_valid():
        return render(request, "team/add.html", {"form": form, "role_help": services.ROLE_HELP}, status=400)
    data = form.cleaned_data
    try:
        with audited(
            request,
            action="team.user_add",
            target=data["email"],
            params={"role": data["role"], "name": data["name"], "phone": data["phone"]},
        ) as handle:
            result = services.user_add(
                request.avochato,
                email=data["email"],
                name=data["name"] or None,
                role=data["role"],
                phone=data["phone"] or None,
            )
            handle.extra = {"user_id": result.user.id, "invited": result.invited}
    except AvochatoError as err:
        context = {"form": form, "role_help": services.ROLE_HELP, "api_error": err}
        return render(request, "team/add.html", context, status=_status_for(err))
    text = f"{result.outcome} Role: {result.user.role or data['role']}."
    if data["phone"]:
        text += f" MFA phone {data['phone']} is pending until they confirm it by SMS."
    messages.success(request, text)
    return redirect(_user_url(subdomain, result.user.id))
