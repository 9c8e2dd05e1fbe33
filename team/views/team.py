"""The team page of one inbox: every user with role, status and MFA, filtered, or as CSV.

Leads read (`avodash.view_team`); IT admins also see the actions (`avodash.manage_team`).
The users come from the local directory (`avodash.domain.users`): no API call per user.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from avodash.access import inbox_view
from avodash.domain import directory
from avodash.domain import users as inbox_users
from avodash.domain.users import InboxUser
from avodash.exports import csv_response
from avodash.hosts import inbox_host
from avodash.http import FORM_ERROR, InboxRequest, render_region
from team import mfa
from team.forms.team import TeamFilterForm

VIEW = "avodash.view_team"
MANAGE = "avodash.manage_team"

CSV_HEADER = (
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
)


@require_GET
@inbox_view(perm=VIEW)
def team_list(request: InboxRequest, subdomain: str) -> HttpResponse:
    form = TeamFilterForm(request.GET)
    # The filter form swaps the results alone; anything else htmx asks for gets the page.
    region = "results" if request.htmx and request.htmx.target == "team-results" else None
    if not form.is_valid():
        context = {"form": form, "users": None}
        return render_region(request, "team/list.html", region, context, status=FORM_ERROR)
    users = inbox_users.inbox_users(client=request.avochato)
    shown = form.filter(users)
    if form.cleaned_data.get("format") == "csv":
        return team_csv(subdomain, shown)
    context = {
        "form": form,
        "users": shown,
        "total": len(users),
        "enabled_count": sum(1 for u in users if u.enabled),
        "disabled_count": sum(1 for u in users if u.enabled is False),
        "mfa_incomplete_count": sum(1 for u in users if u.mfa_incomplete),
        "unknown_count": sum(1 for u in users if not u.details_loaded),
        "owners_count": sum(1 for u in users if u.role == "owner"),
        "mfa_pending": set(mfa.pending_phones(u.id for u in shown)),
        "can_manage": request.user.has_perm(MANAGE),
        "filtered": form.is_filtered,
        "freshness": directory.freshness_report([request.inbox]),
        "freshness_inbox": subdomain,
    }
    return render_region(request, "team/list.html", region, context)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _when(value) -> str:
    return value.isoformat() if value else ""


def _csv_row(u: InboxUser) -> tuple:
    enabled = "" if u.enabled is None else _yes(u.enabled)
    return (
        u.id,
        u.name,
        u.email,
        u.role,
        enabled,
        _yes(u.require_2fa),
        _yes(u.mfa_app_valid),
        _yes(u.phone_valid),
        _yes(u.mfa_complete),
        _when(u.signed_in_at),
        _when(u.added_at),
        _when(u.created_at),
    )


def team_csv(subdomain: str, users: list[InboxUser]) -> HttpResponse:
    """The (filtered) team as a spreadsheet, streamed; every cell formula-safe."""
    return csv_response(f"team-{inbox_host(subdomain)}.csv", CSV_HEADER, (_csv_row(u) for u in users))
