"""One member of an inbox, their page: who they are (the directory), the inboxes they are in and
their open tickets (the page's API round), and the forms of the actions on them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import NoReverseMatch
from django.views.decorators.http import require_GET

from avodash.access import inbox_view
from avodash.avochato import AvochatoError, ForbiddenError, ValidationError
from avodash.domain import users as inbox_users
from avodash.domain.errors import ActionError
from avodash.domain.users import InboxUser
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_alongside, render_region
from avodash.middleware import api_error_status
from team import mfa
from team.forms.member import RoleForm
from team.member import MemberKnown, MemberPage, member_answered, member_known, member_page, member_round

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


def _tickets(n: int) -> str:
    return f"{n} open ticket{'' if n == 1 else 's'}"


def _status_for(err: AvochatoError | ActionError) -> int:
    if isinstance(err, (ActionError, ValidationError, ForbiddenError)):
        return FORM_ERROR
    return api_error_status(err)


def _refuse_credential_user(request: InboxRequest, subdomain: str, user: InboxUser) -> HttpResponse | None:
    """Disabling or removing the API credential's own user would cut avodash off from the inbox
    (the confirmation is not even offered; `user_changes` refuses the write too)."""
    if user.id != inbox_users.credential_user_id(client=request.avochato):
        return None
    return _render_user(
        request,
        subdomain,
        user.id,
        status=FORM_ERROR,
        action_error=f"{user.display_name} is the user avodash's API credential acts as: disabling or "
        f"removing it would cut the dashboard off from {request.inbox.name}. Change it in Avochato itself.",
    )


def _render_user(
    request: InboxRequest,
    subdomain: str,
    user_ref: str,
    *,
    status: int = 200,
    role_form: RoleForm | None = None,
    role_error: str = "",
    role_confirm: str = "",
    action_error: str = "",
    unknown: bool = False,
) -> HttpResponse:
    """The user page; after a write that did not go through (`status` not 200) it is shown even
    when Avochato cannot be read, with the form's input kept and the message. `unknown`: the
    write's outcome is not known, so the page offers to check (it reads the user again)."""
    draft = request.session.pop(_mfa_draft_key(subdomain, user_ref), None) or {}
    data = member_page(
        client=request.avochato,
        viewer=request.user,
        user=user_ref,
        tolerant=status != 200 or bool(action_error or draft),
    )
    context = {
        **_user_context(
            request,
            subdomain,
            data.user,
            is_credential_user=data.is_credential_user,
            draft=draft,
            role_form=role_form,
            role_error=role_error,
            role_confirm=role_confirm,
            action_error=action_error,
            check=unknown or bool(draft.get("unknown")),
        ),
        "unreadable": data.unreadable,
        **_answered(data),
    }
    return render_region(request, "team/user.html", None, context, status=status)


def _answered(data: MemberPage) -> dict:
    """What the page's API round gave (the template's late blocks)."""
    return {
        "member_inboxes": data.inboxes,
        "other_inboxes": data.other_inboxes,
        "open_tickets": data.open_tickets,
    }


def _user_context(
    request: InboxRequest,
    subdomain: str,
    user: InboxUser,
    *,
    is_credential_user: bool,
    draft: dict | None = None,
    role_form: RoleForm | None = None,
    role_error: str = "",
    role_confirm: str = "",
    action_error: str = "",
    check: bool = False,
) -> dict:
    draft = draft or {}
    return {
        "member": user,
        "is_credential_user": is_credential_user,
        "queue_url": _queue_url(subdomain, user.id),
        "can_manage": request.user.has_perm(MANAGE),
        "role_form": role_form or RoleForm(initial={"role": user.role}),
        "role_error": role_error,
        "role_confirm": role_confirm,
        "mfa_pending": set(mfa.pending_phones([user.id])),
        "role_rule": inbox_users.ROLE_RULE,
        "role_help": inbox_users.ROLE_HELP,
        "mfa_phone": draft.get("phone", ""),
        "mfa_error": draft.get("error", ""),
        "mfa_suggestion": draft.get("suggestion", ""),
        "action_error": action_error,
        "check_url": _user_url(subdomain, user.id) if check else "",
        "reset_hours": inbox_users.PASSWORD_RESET_EXPIRY_HOURS,
    }


def _member(request: InboxRequest, user_ref: str) -> InboxUser:
    return inbox_users.inbox_user(client=request.avochato, user=user_ref)


# --- one user ----------------------------------------------------------------------------


@require_GET
@inbox_view(perm=VIEW)
def user_page(request: InboxRequest, subdomain: str, user_id: str) -> HttpResponse:
    if "@" in user_id or _mfa_draft_key(subdomain, user_id) in request.session:
        return _render_user(request, subdomain, user_id)  # the id is read first; a kept draft
    # By id: the page is made from the directory while its API round (the user's inboxes, their
    # open tickets) is under way; what that round gives is rendered once it is in.
    client = request.avochato
    known: list[MemberKnown] = []

    def context() -> dict:
        known.append(member_known(client=client, viewer=request.user, user=user_id))
        return _user_context(
            request, subdomain, known[0].user, is_credential_user=known[0].is_credential_user
        )

    rendered, answers = render_alongside(
        request, "team/user.html", None, context, member_round(client=client, user_id=user_id)
    )
    return rendered.response(late=_answered(member_answered(known[0], answers)))


def _mfa_draft_key(subdomain: str, user_ref: str) -> str:
    return f"team:mfa-draft:{subdomain}:{user_ref}"
