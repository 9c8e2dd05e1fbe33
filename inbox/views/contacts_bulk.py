"""Bulk contact work: update many contacts from a CSV (a dry run first, then each row's
outcome), and remove every contact of the inbox (IT admins, after a fresh export and with the
subdomain typed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.stepup import step_up
from avodash.access import inbox_view
from avodash.audit import audited
from avodash.avochato import AvochatoError
from avodash.domain import contact_import
from avodash.domain import contacts as contact_svc
from avodash.domain.errors import ActionError
from avodash.http import FORM_ERROR, InboxRequest, render_region
from inbox.pages import CONTACTS_EXPORT_KEY

IMPORT = "inbox/contacts/import.html"
REMOVE = "inbox/contacts/remove_all.html"
SESSION_ROWS = "contacts_import_rows:{}"
EXPORT_FRESH = timedelta(minutes=30)


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label="CSV file")
    action = forms.ChoiceField(choices=[("preview", "Dry run"), ("apply", "Update the contacts")])


@require_http_methods(["GET", "POST"])
@inbox_view(perm="avodash.edit_contacts")
def contacts_import(request: InboxRequest, subdomain: str) -> HttpResponse:
    """GET: the form and a template. POST `preview` with a file: every row checked, nothing
    sent. POST `apply`: the previewed valid rows sent, each row's outcome shown."""
    if request.method == "GET" and request.GET.get("template"):
        response = HttpResponse(contact_import.TEMPLATE, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="contacts-template.csv"'
        return response
    key = SESSION_ROWS.format(subdomain)
    ctx: dict = {"columns": contact_import.COLUMNS}
    if request.method == "GET":
        return render_region(request, IMPORT, None, ctx)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_region(request, IMPORT, None, {**ctx, "error": "Choose a file."}, status=FORM_ERROR)
    if form.cleaned_data["action"] == "preview":
        upload = form.cleaned_data.get("file")
        if upload is None:
            return render_region(
                request, IMPORT, None, {**ctx, "error": "Choose a CSV file."}, status=FORM_ERROR
            )
        try:
            rows = contact_import.contacts_csv_parse(upload.read(contact_import.MAX_ROWS * 2048))
        except ActionError as err:
            return render_region(request, IMPORT, None, {**ctx, "error": err.message}, status=FORM_ERROR)
        request.session[key] = [r.as_dict() for r in rows]
        ctx.update(rows=rows, previewing=True, valid=sum(1 for r in rows if r.ok))
        return render_region(request, IMPORT, None, ctx)
    stored = request.session.pop(key, None)
    if not stored:
        return render_region(
            request,
            IMPORT,
            None,
            {**ctx, "error": "Run the dry run first (upload the file again)."},
            status=FORM_ERROR,
        )
    rows = [contact_import.ContactRow.from_dict(r) for r in stored]
    valid = [r for r in rows if r.ok]
    with audited(request, action="contacts.update_many", params={"rows": len(valid)}) as audit:
        contact_import.contacts_update_many(client=request.avochato, rows=rows)
        failed = [r for r in valid if r.outcome == "failed"]
        unknown = [r for r in valid if r.outcome == "unknown"]
        updated = len(valid) - len(failed) - len(unknown)
        audit.extra.update(updated=updated, failed=len(failed), phones=[r.phone for r in valid])
        if unknown:
            audit.extra["unknown"] = [r.phone for r in unknown]
            audit.unknown(f"{len(unknown)} of {len(valid)} rows not known: {unknown[0].error}")
        elif failed:
            audit.fail(f"{len(failed)} of {len(valid)} rows failed: {failed[0].error}")
    ctx.update(rows=rows, applied=True, updated=updated, failed=len(failed), unknown=len(unknown))
    return render_region(request, IMPORT, None, ctx)


# --- remove all ----------------------------------------------------------------------------
def _last_export(request: InboxRequest, subdomain: str) -> datetime | None:
    raw = request.session.get(CONTACTS_EXPORT_KEY.format(subdomain))
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class RemoveAllForm(forms.Form):
    confirm = forms.CharField(max_length=100, label="Type the inbox's subdomain to confirm")


@step_up
@require_http_methods(["GET", "POST"])
@inbox_view(perm="avodash.remove_all_contacts")
def contacts_remove_all(request: InboxRequest, subdomain: str) -> HttpResponse:
    """Remove every contact (`DELETE /v1/contacts/remove_all`). Refused until this person has
    exported every contact in the last 30 minutes, and until the subdomain is typed."""
    exported = _last_export(request, subdomain)
    fresh = exported is not None and timezone.now() - exported <= EXPORT_FRESH
    count = contact_svc.contacts_count(client=request.avochato)
    form = RemoveAllForm(request.POST if request.method == "POST" else None)
    ctx = {"exported": exported, "fresh": fresh, "count": count, "form": form, "fresh_minutes": 30}
    if request.method == "GET":
        return render_region(request, REMOVE, None, ctx)
    if not fresh:
        form.add_error(None, "Export every contact first (the link above), then come back within 30 minutes.")
    elif form.is_valid() and form.cleaned_data["confirm"].strip() != subdomain:
        form.add_error("confirm", f"Type {subdomain} exactly.")
    if form.errors or not form.is_valid():
        return render_region(request, REMOVE, None, ctx, status=FORM_ERROR)
    try:
        with audited(request, action="contacts.remove_all", target=subdomain, params={"count": count.count}):
            contact_svc.contacts_remove_all(client=request.avochato)
    except AvochatoError as err:
        if err.may_have_applied:  # audited as unknown; never sent again on its own
            form.add_error(
                None,
                f"Avochato did not say whether the contacts were removed ({err.message}). "
                "Look at the contact list before trying again.",
            )
        else:
            form.add_error(None, err.message)
        return render_region(request, REMOVE, None, ctx, status=FORM_ERROR)
    request.session.pop(CONTACTS_EXPORT_KEY.format(subdomain), None)
    flash.success(
        request, f"Removed {count.count} contact{'' if count.count == 1 else 's'} from {subdomain}."
    )
    return redirect("inbox:contacts", subdomain=subdomain)
