"""The IT admin's actions on one member (add, role, MFA phone, password reset, disable, enable,
remove): each audited, each ending in a redirect with a flash message or the user page again
with the error at the form and the input kept."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.stepup import step_up
from avodash.access import inbox_view
from avodash.audit import actor_display, audited
from avodash.avochato import AvochatoError
from avodash.domain import phones
from avodash.domain import tickets as inbox_tickets
from avodash.domain import users as inbox_users
from avodash.domain.errors import ActionError
from avodash.domain.users import InboxUser
from avodash.http import FORM_ERROR, InboxRequest, render_fragment, render_region
from team import jobs as job_control
from team import user_changes
from team.forms.member import ConfirmForm, MfaPhoneForm, RemoveForm, RoleForm, UserAddForm
from team.views.member.page import (
    MANAGE,
    _member,
    _mfa_draft_key,
    _refuse_credential_user,
    _render_user,
    _status_for,
    _tickets,
    _user_url,
)


def _outcome(request: InboxRequest, subdomain: str, change: user_changes.Change) -> HttpResponse:
    """Applied: back to the user page with the message (PRG)."""
    messages.success(request, change.message)
    user_id = change.user.id if change.user else ""
    return redirect(_user_url(subdomain, user_id)) if user_id else redirect("team:list", subdomain=subdomain)


@step_up
@require_POST
@inbox_view(perm=MANAGE)
def user_role(request: InboxRequest, subdomain: str, user_id: str) -> HttpResponse:
    """The role; promotion to owner and any change of an owner are confirmed first (decided on
    the user as read now: when that read fails, the attempt is recorded as failed)."""
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _render_user(request, subdomain, user_id, status=FORM_ERROR, role_form=form)
    role = form.cleaned_data["role"]
    unread = None
    if request.POST.get("confirm") != "yes":
        try:
            user = _member(request, user_id)
        except AvochatoError as err:
            unread = user_changes.unread(err)
        else:
            if inbox_users.role_change_needs_confirmation(user.role, role):
                words = inbox_users.role_change_words(user.role, role)
                return _render_user(request, subdomain, user_id, role_form=form, role_confirm=words)
    with audited(request, action="team.user_role", target=user_id, params={"role": role}) as audit:
        change = unread or user_changes.role_set(
            client=request.avochato, user=user_id, role=role, inbox_name=request.inbox.name
        )
        user_changes.settle_audit(audit, change)
    if change.applied:
        return _outcome(request, subdomain, change)
    return _render_user(
        request,
        subdomain,
        user_id,
        status=FORM_ERROR,
        role_form=form,
        role_error=change.message,
        unknown=change.unknown,
    )


@require_POST
@inbox_view(perm=MANAGE)
def user_enable(request: InboxRequest, subdomain: str, user_id: str) -> HttpResponse:
    with audited(request, action="team.user_enable", target=user_id) as audit:
        change = user_changes.enable(client=request.avochato, user=user_id, inbox_name=request.inbox.name)
        user_changes.settle_audit(audit, change)
    if change.applied:
        return _outcome(request, subdomain, change)
    return _render_user(
        request, subdomain, user_id, status=FORM_ERROR, action_error=change.message, unknown=change.unknown
    )


@step_up
@require_http_methods(["GET", "POST"])
@inbox_view(perm=MANAGE)
def user_password_reset(request: InboxRequest, subdomain: str, user_id: str) -> HttpResponse:
    """A light confirmation first (naming the user and the link's lifetime), then the reset."""
    if not (request.method == "POST" and ConfirmForm(request.POST).is_valid()):
        user = _member(request, user_id)
        hours = inbox_users.PASSWORD_RESET_EXPIRY_HOURS
        return _confirm(request, {"member": user, "action": "password_reset", "reset_hours": hours})
    with audited(request, action="team.user_password_reset", target=user_id) as audit:
        change = user_changes.password_reset(client=request.avochato, user=user_id)
        user_changes.settle_audit(audit, change)
    if change.applied:
        return _outcome(request, subdomain, change)
    return _render_user(
        request, subdomain, user_id, status=FORM_ERROR, action_error=change.message, unknown=change.unknown
    )


# --- MFA phone -----------------------------------------------------------------------------


def _mfa_problem(
    request: InboxRequest,
    subdomain: str,
    user_id: str,
    *,
    phone: str,
    error: str,
    status: int,
    user: InboxUser | None = None,
    unknown: bool = False,
) -> HttpResponse:
    """The MFA phone form again, with the error, the input kept and a "Did you mean" for a
    number typed the local way. htmx: the form's section alone; without JS: back to the user
    page (PRG), which shows the same from the session. The URL stays the user page's."""
    suggestion = phones.suggestion(phone, region=settings.PHONE_REGION)
    draft = {"phone": phone, "error": error, "suggestion": suggestion, "unknown": unknown}
    if request.htmx:
        context = {
            "member": user
            or inbox_users.known_user(client=request.avochato, user=user_id)
            or InboxUser(id=user_id),
            "mfa_phone": phone,
            "mfa_error": error,
            "mfa_suggestion": suggestion,
            "check_url": _user_url(subdomain, user_id) if unknown else "",
        }
        return render_fragment(request, "team/user.html", "mfa", context, status=status)
    request.session[_mfa_draft_key(subdomain, user_id)] = draft
    return redirect(_user_url(subdomain, user_id) + "#h-phone")


@step_up
@require_POST
@inbox_view(perm=MANAGE)
def user_mfa_phone(request: InboxRequest, subdomain: str, user_id: str) -> HttpResponse:
    data = request.POST.copy()
    if data.get("suggested"):  # the "Did you mean" button
        data["phone"] = data["suggested"]
    form = MfaPhoneForm(data)
    typed = (data.get("phone") or "")[:64]
    if not form.is_valid():
        error = form.errors["phone"][0] if "phone" in form.errors else "Enter a phone number."
        return _mfa_problem(request, subdomain, user_id, phone=typed, error=error, status=FORM_ERROR)
    phone = form.cleaned_data["phone"]
    with audited(request, action="team.user_mfa_phone", target=user_id, params={"phone": phone}) as audit:
        change = user_changes.mfa_phone_set(
            client=request.avochato, user=user_id, phone=phone, operator=request.user
        )
        user_changes.settle_audit(audit, change)
    if not change.applied:
        return _mfa_problem(
            request,
            subdomain,
            user_id,
            phone=typed,
            error=change.message,
            status=FORM_ERROR,
            user=change.user,
            unknown=change.unknown,
        )
    messages.success(request, change.message)
    if request.htmx:
        return HttpResponseClientRedirect(_user_url(subdomain, change.user.id))
    return redirect(_user_url(subdomain, change.user.id))


# --- destructive actions: disable, remove ---------------------------------------------------


def _confirm(request: InboxRequest, context: dict, *, status: int = 200) -> HttpResponse:
    region = "panel" if request.htmx and request.htmx.target == "confirm-region" else None
    return render_region(request, "team/confirm.html", region, context, status=status)


@step_up
@require_http_methods(["GET", "POST"])
@inbox_view(perm=MANAGE)
def user_disable(request: InboxRequest, subdomain: str, user_id: str) -> HttpResponse:
    if not (request.method == "POST" and ConfirmForm(request.POST).is_valid()):
        user = _member(request, user_id)
        return _refuse_credential_user(request, subdomain, user) or _confirm(
            request, {"member": user, "action": "disable"}
        )
    with audited(request, action="team.user_disable", target=user_id) as audit:
        change = user_changes.disable(client=request.avochato, user=user_id, inbox_name=request.inbox.name)
        audit.extra = {"email": change.user.email or ""} if change.user else {}
        user_changes.settle_audit(audit, change)
    if change.applied:
        return _outcome(request, subdomain, change)
    return _render_user(
        request, subdomain, user_id, status=FORM_ERROR, action_error=change.message, unknown=change.unknown
    )


def _handover(request: InboxRequest, user: InboxUser, colleague: InboxUser) -> tuple[str, str, int]:
    """Hand the user's open tickets to a colleague (the one handover service, as the
    offboarding job uses). Returns (note for the success message, error, status)."""
    try:
        with audited(
            request,
            action="team.tickets_handover",
            target=user.id,
            params={"to_user_id": colleague.id, "to": colleague.email or colleague.name},
        ) as handle:
            result = inbox_tickets.tickets_handover(
                client=request.avochato, from_user_id=user.id, to=colleague.id
            )
            handle.extra = {"found": result.requested, "moved": len(result.moved)}
            job_control.audit_handed_over(
                actor=request.user,
                actor_name=actor_display(request.user),
                inbox=request.inbox.subdomain,
                ticket_ids=result.moved,
                to=colleague.id,
            )
            if not result.ok:
                handle.fail(result.summary)
    except (AvochatoError, ActionError) as err:
        error = f"Could not hand over the tickets, so {user.display_name} was not removed: {err.message}"
        return "", error, _status_for(err)
    if not result.ok:
        reasons = "; ".join(sorted({o.message for o in result.failed}))
        error = (
            f"{user.display_name} was not removed: {len(result.failed)} of {result.requested} open "
            f"tickets could not be handed over ({reasons}). Nothing was left unassigned. Try again: "
            "the handover picks up the tickets still assigned to them."
        )
        return "", error, 502
    note = f" {_tickets(len(result.moved))} handed to {colleague.display_name}." if result.moved else ""
    return note, "", 200


def _remove_context(request: InboxRequest, user: InboxUser) -> dict:
    """The confirmation: the user's open tickets here, and the enabled colleagues who may take them."""
    client = request.avochato
    api_user_id = inbox_users.credential_user_id(client=client)
    open_tickets = inbox_tickets.user_open_ticket_count(client=client, user_id=user.id)
    colleagues = [u for u in inbox_users.owner_choices(client=client) if u.id not in (user.id, api_user_id)]
    form = RemoveForm(request.POST if request.method == "POST" else None, colleagues=colleagues)
    return {
        "member": user,
        "action": "remove",
        "form": form,
        "open_tickets": open_tickets,
        "colleagues": colleagues,
    }


@step_up
@require_http_methods(["GET", "POST"])
@inbox_view(perm=MANAGE)
def user_remove(request: InboxRequest, subdomain: str, user_id: str) -> HttpResponse:
    """The confirmation (with the handover offer), then the handover, then the removal. A
    confirmed removal whose lookups fail is recorded as a failed attempt (nothing was sent)."""
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
    try:
        user = _member(request, user_id)
        refused = _refuse_credential_user(request, subdomain, user)
        context = None if refused else _remove_context(request, user)
    except AvochatoError as err:
        if not confirmed:
            raise
        with audited(request, action="team.user_remove", target=user_id) as audit:
            change = user_changes.unread(err)
            user_changes.settle_audit(audit, change)
        return _render_user(
            request,
            subdomain,
            user_id,
            status=FORM_ERROR,
            action_error=change.message,
            unknown=change.unknown,
        )
    if refused:
        return refused
    form = context["form"]
    if request.method != "POST":
        return _confirm(request, context)
    if not form.is_valid():
        return _confirm(request, context, status=FORM_ERROR if form.data.get("confirm") else 200)
    handover_to = form.cleaned_data.get("handover_to") or ""
    note = ""
    if handover_to:
        colleague = next(u for u in context["colleagues"] if u.id == handover_to)
        note, context["error"], status = _handover(request, user, colleague)
        if context["error"]:
            return _confirm(request, context, status=status)
    params = {"email": user.email or "", "handover_to": handover_to}
    with audited(request, action="team.user_remove", target=user.id, params=params) as audit:
        change = user_changes.remove(client=request.avochato, user=user.id, inbox_name=request.inbox.name)
        user_changes.settle_audit(audit, change)
    if not change.applied:
        context["error"] = change.message + (f" (The handover already happened:{note})" if note else "")
        context["check_url"] = _user_url(subdomain, user.id) if change.unknown else ""
        return _confirm(request, context, status=FORM_ERROR)
    open_tickets = context["open_tickets"]
    left = ""
    if open_tickets and not handover_to:
        left = f" Their {_tickets(open_tickets)} here {'is' if open_tickets == 1 else 'are'} now unassigned."
    messages.success(request, f"{change.message}{note}{left}")
    return redirect("team:list", subdomain=subdomain)


# --- add a user --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@inbox_view(perm=MANAGE)
def user_add(request: InboxRequest, subdomain: str) -> HttpResponse:
    form = UserAddForm(request.POST or None)
    context = {"form": form, "role_help": inbox_users.ROLE_HELP}
    if request.method != "POST":
        return render_region(request, "team/add.html", None, context)
    if not form.is_valid():
        return render_region(request, "team/add.html", None, context, status=FORM_ERROR)
    data = form.cleaned_data
    params = {"role": data["role"], "name": data["name"], "phone": data["phone"]}
    with audited(request, action="team.user_add", target=data["email"], params=params) as audit:
        change = user_changes.add(
            client=request.avochato, inbox_name=request.inbox.name, operator=request.user, **data
        )
        audit.extra = change.extra
        audit.settle(change.outcome, change.error)
    if not change.applied:
        if change.field in form.fields:
            form.add_error(change.field, change.message)
        else:
            context["change_error"] = change.message
        return render_region(request, "team/add.html", None, context, status=FORM_ERROR)
    messages.success(request, change.message)
    return redirect(_user_url(subdomain, change.user.id))
