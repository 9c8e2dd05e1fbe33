"""Contacts: the searchable list (with its CSV export) and the contact page, where a lead edits
the fields, opts the number out or back in, and anyone who may log events adds a custom event.

Writes are plain form POSTs: success redirects back to the contact page with a message; a
refused or failed write shows the page again (422) with the draft kept and the reason at the
form. Every write attempt is in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from avodash.access import inbox_view
from avodash.audit import audited
from avodash.avochato import AvochatoError, NotFoundError, alongside
from avodash.domain import contacts as contact_svc
from avodash.domain import phones
from avodash.domain import tickets as ticket_read
from avodash.domain.campaigns import campaigns_for_contact
from avodash.domain.errors import ActionError
from avodash.domain.users import inbox_users, owner_choices, users_by_id
from avodash.exports import csv_response
from avodash.http import FORM_ERROR, InboxRequest, render_region
from inbox.forms.contacts import ContactEditForm, ContactSearchForm, OptInForm, OptOutForm
from inbox.forms.ids import ID_RE
from inbox.forms.ticket import CustomEventForm, TagForm
from inbox.pages import CONTACTS_EXPORT_KEY, VIEW
from inbox.services import contacts as tag_write
from inbox.services.contact_events import MAX_TICKETS, contact_custom_events

T = TypeVar("T")

LIST = "inbox/contacts/list.html"
PAGE = "inbox/contacts/contact.html"
EDIT = "avodash.edit_contacts"
CSV_HEADER = [
    "id", "name", "phone", "email", "company", "street", "city", "state", "zip", "country",
    "tags", "opted_out", "blocked", "muted", "owner_id", "notes", "other_phone", "created_at",
]  # fmt: skip


def contact_row(c: contact_svc.Contact) -> list:
    return [
        c.id, c.name, c.phone, c.email, c.company, c.street, c.city, c.state, c.zip, c.country,
        ";".join(c.tags), c.opted_out, c.blocked, c.muted, c.owner_id, c.notes, c.other_phone,
        c.created_at.isoformat() if c.created_at else "",
    ]  # fmt: skip


# --- the list ------------------------------------------------------------------------------
def _query_of(form: ContactSearchForm) -> str:
    d = form.cleaned_data
    return contact_svc.contact_query(
        text=d.get("q") or "", tag=d.get("tag") or "", country=d.get("country") or ""
    )


def _export_rows(request: InboxRequest, subdomain: str, contacts, *, everyone: bool):
    """The CSV rows; when the export is of every contact and it streamed to the end, the time
    is kept in the session (removing all contacts asks for a fresh, complete export)."""
    for c in contacts:
        yield contact_row(c)
    if everyone:
        request.session[CONTACTS_EXPORT_KEY.format(subdomain)] = timezone.now().isoformat()
        request.session.save()  # the response has left the middleware: save it here


def _export(request: InboxRequest, subdomain: str, form: ContactSearchForm) -> HttpResponse:
    query = _query_of(form)
    contacts = contact_svc.contacts_walk(client=request.avochato, query=query)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    name = f"contacts-{subdomain}-{'search-' if query else ''}{stamp}.csv"
    return csv_response(name, CSV_HEADER, _export_rows(request, subdomain, contacts, everyone=not query))


@require_GET
@inbox_view(perm=VIEW)
def contacts(request: InboxRequest, subdomain: str) -> HttpResponse:
    """The inbox's contacts: search, a page at a time along the cursor, the total, CSV export."""
    form = ContactSearchForm(request.GET)
    if not form.is_valid():
        ctx = {"form": form, "page": None}
        return render_region(request, LIST, "results", ctx, status=FORM_ERROR)
    if form.cleaned_data.get("format") == "csv":
        return _export(request, subdomain, form)
    client = request.avochato
    query = _query_of(form)
    after = form.cleaned_data.get("after") or None
    # The owners (the local directory: this thread's database) are read while the calls run.
    users, (page, total) = alongside(
        lambda: inbox_users(client=client),
        [
            lambda: contact_svc.contacts_search(client=client, query=query, after=after),
            lambda: contact_svc.contacts_count(
                client=client, query=query, max_pages=contact_svc.PAGE_COUNT_MAX_PAGES
            ),
        ],
    )
    base = _without_cursor(request)
    by_id = users_by_id(users)
    for c in page.contacts:
        c.owner = by_id.get(c.owner_id) if c.owner_id else None
    ctx = {
        "form": form,
        "page": page,
        "total": total,
        "query": query,
        "first_url": f"{request.path}?{base}" if base else request.path,
        "export_url": f"{request.path}?{base + '&' if base else ''}format=csv",
        "can_tag": request.user.has_perm("avodash.tag_contacts"),
        "can_edit": request.user.has_perm(EDIT),
    }
    return render_region(request, LIST, "results", ctx)


def _without_cursor(request: InboxRequest) -> str:
    q = request.GET.copy()
    q.pop("after", None)
    q.pop("format", None)
    return q.urlencode()


# --- the contact page ------------------------------------------------------------------------
CAMPAIGNS_PANEL = "inbox/campaigns/_for_contact.html"


def contact_id_or_404(value: str) -> str:
    if not ID_RE.match(value or ""):
        raise Http404("No such contact.")
    return value


def _campaigns_or_none(client, contact_id: str) -> list | None:
    """The campaign steps the contact waits on (API only: safe in a worker thread); None when
    they could not be read (the panel then says so, the page still opens)."""
    try:
        return campaigns_for_contact(client=client, contact_id=contact_id)
    except AvochatoError:
        return None


def _or_404(read: Callable[[], T]) -> Callable[[], T]:
    """`read`, with Avochato's 404 for the contact meaning this page does not exist (only the
    contact's own reads: a 404 elsewhere, e.g. the owners' directory, is an API fault)."""

    def call() -> T:
        try:
            return read()
        except NotFoundError:
            raise Http404("No such contact.") from None

    return call


def _load(request: InboxRequest, contact_id: str) -> dict:
    client = request.avochato
    calls = [
        _or_404(lambda: contact_svc.contact_get(client=client, contact_id=contact_id)),
        _or_404(lambda: ticket_read.tickets_of_contact(client=client, contact_id=contact_id)),
    ]
    with_campaigns = request.user.has_perm("avodash.manage_campaigns")
    if with_campaigns:
        calls.append(lambda: _campaigns_or_none(client, contact_id))
    users, (contact, tickets, *campaigns) = alongside(lambda: inbox_users(client=client), calls)
    by_id = users_by_id(users)
    contact.owner = by_id.get(contact.owner_id) if contact.owner_id else None
    for t in tickets:
        t.owner = by_id.get(t.owner_id) if t.owner_id else None
    events = contact_custom_events(client=client, ticket_ids=[t.id for t in tickets]) if tickets else []
    extra = {}
    if with_campaigns:  # the slot on the contact page (inbox/campaigns/_for_contact.html)
        extra = {"contact_campaigns_template": CAMPAIGNS_PANEL, "contact_campaigns": campaigns[0]}
    return {"contact": contact, "tickets": tickets, "events": events, "users": users, **extra}


def _page(request: InboxRequest, contact_id: str, *, status: int = 200, **forms) -> HttpResponse:
    ctx = _load(request, contact_id)
    contact = ctx["contact"]
    can_edit = request.user.has_perm(EDIT)
    if can_edit and "edit_form" not in forms:
        forms["edit_form"] = ContactEditForm(contact=contact, owners=owner_choices(client=request.avochato))
    forms.setdefault("opt_out_form", OptOutForm())
    forms.setdefault("opt_in_form", OptInForm())
    forms.setdefault("event_form", CustomEventForm())
    forms.setdefault("tag_form", TagForm())
    ctx.update(forms)
    ctx.update(
        {
            "can_edit": can_edit,
            "can_log": request.user.has_perm("avodash.log_events"),
            "can_send": request.user.has_perm("avodash.send_messages"),
            "can_tag": request.user.has_perm("avodash.tag_contacts"),
            "tickets_capped": len(ctx["tickets"]) > MAX_TICKETS,
            "phone_e164": phones.stored_e164(contact.phone),
            "wide_fields": ("name", "email", "street", "notes", "owner"),
        }
    )
    return render_region(request, PAGE, None, ctx, status=status)


@require_GET
@inbox_view(perm=VIEW)
def contact(request: InboxRequest, subdomain: str, contact_id: str) -> HttpResponse:
    return _page(request, contact_id_or_404(contact_id))


def _back(subdomain: str, contact_id: str) -> HttpResponse:
    return redirect("inbox:contact", subdomain=subdomain, contact_id=contact_id)


def _settled_words(truth, *, done: str, not_done: str, what: str) -> str:
    """The error to show after a write that did not clearly succeed ("" when it went through)."""
    if truth.applied:
        return ""
    unknown = (
        f"Avochato did not say whether {what}, and the contact could not be read back: "
        "reload the contact to check before trying again."
    )
    return truth.message(done, not_done, unknown)


@require_POST
@inbox_view(perm=EDIT)
def contact_edit(request: InboxRequest, subdomain: str, contact_id: str) -> HttpResponse:
    """Change the contact's fields (`POST /v1/contacts`, keyed by phone), only those that changed.
    The audit row covers the contact's lookup; an unclear answer is read back."""
    contact_id_or_404(contact_id)
    client = request.avochato
    try:
        with audited(request, action="contact.update", target=contact_id) as audit:
            with audit.lookup():
                current = contact_svc.contact_get(client=client, contact_id=contact_id)
                form = ContactEditForm(request.POST, contact=current, owners=owner_choices(client=client))
                valid = form.is_valid()
            if not valid:
                audit.settle("failed", "; ".join(e for errs in form.errors.values() for e in errs))
            else:
                changes = form.changes()
                audit.extra.update(changes)
                _, truth = contact_svc.contact_write_settled(
                    lambda: contact_svc.contact_update(
                        client=client, phone=current.phone or "", changes=changes
                    ),
                    client=client,
                    contact_id=contact_id,
                    shows=lambda c: contact_svc.contact_shows(c, changes),
                )
                if truth is not None:
                    audit.settle(truth.outcome, truth.error)
    except AvochatoError as err:
        flash.error(request, f"Not saved: {err.message}")
        return _back(subdomain, contact_id)
    except ActionError as err:
        form.add_error(None, err.message)
        return _page(request, contact_id, status=FORM_ERROR, edit_form=form)
    if not valid:
        return _page(request, contact_id, status=FORM_ERROR, edit_form=form)
    names = ", ".join(k.replace("user_id", "owner").replace("_", " ") for k in changes)
    error = (
        _settled_words(truth, done="", not_done="Not saved", what="the changes were saved") if truth else ""
    )
    if error:
        form.add_error(None, error)
        return _page(request, contact_id, status=FORM_ERROR, edit_form=form)
    flash.success(request, truth.message(f"Saved: {names}", "") if truth else f"Saved: {names}.")
    return _back(subdomain, contact_id)


def _opt(request: InboxRequest, contact_id: str, *, out: bool, params: dict) -> tuple[str, str]:
    """Opt out or back in, audited; (note, error). A refusal in the API's words is an error."""
    client = request.avochato
    verb = contact_svc.contact_opt_out if out else contact_svc.contact_opt_in
    action = "contact.opt_out" if out else "contact.opt_in"
    try:
        with audited(request, action=action, target=contact_id, params=params) as audit:
            done, truth = contact_svc.contact_write_settled(
                lambda: verb(client=client, contact_id=contact_id),
                client=client,
                contact_id=contact_id,
                shows=lambda c: c.opted_out == out,
            )
            if truth is not None:
                audit.settle(truth.outcome, truth.error)
    except ActionError as err:
        return "", err.message
    state = "opted out: nothing will be sent to them" if out else "opted back in"
    if truth is None:
        return f"{done.display_name} is {state}.", ""
    what = "the contact was opted out" if out else "the contact was opted back in"
    not_done = "Not opted out" if out else "Not opted back in"
    error = _settled_words(truth, done="", not_done=not_done, what=what)
    return ("", error) if error else (truth.message(f"The contact is {state}", ""), "")


@require_POST
@inbox_view(perm=EDIT)
def contact_opt_out(request: InboxRequest, subdomain: str, contact_id: str) -> HttpResponse:
    """Opt the contact out of messages, with a reason for the audit log."""
    contact_id_or_404(contact_id)
    form = OptOutForm(request.POST)
    if not form.is_valid():
        return _page(request, contact_id, status=FORM_ERROR, opt_out_form=form)
    note, error = _opt(request, contact_id, out=True, params={"reason": form.cleaned_data["reason"]})
    if error:
        form.add_error(None, error)
        return _page(request, contact_id, status=FORM_ERROR, opt_out_form=form)
    flash.success(request, note)
    return _back(subdomain, contact_id)


@require_POST
@inbox_view(perm=EDIT)
def contact_opt_in(request: InboxRequest, subdomain: str, contact_id: str) -> HttpResponse:
    """Opt the contact back in, with their stated consent. The API refuses it for a contact who
    opted out by replying STOP; that refusal is shown at the form."""
    contact_id_or_404(contact_id)
    form = OptInForm(request.POST)
    if not form.is_valid():
        return _page(request, contact_id, status=FORM_ERROR, opt_in_form=form)
    d = form.cleaned_data
    params = {"consent_ticked": bool(d.get("consent")), "consent_words": d.get("consent_words") or ""}
    note, error = _opt(request, contact_id, out=False, params=params)
    if error:
        form.add_error(None, error)
        return _page(request, contact_id, status=FORM_ERROR, opt_in_form=form)
    flash.success(request, note)
    return _back(subdomain, contact_id)


@require_POST
@inbox_view(perm="avodash.log_events")
def contact_event(request: InboxRequest, subdomain: str, contact_id: str) -> HttpResponse:
    """A custom event in the contact's conversation: `POST /v1/contacts/:id/events`."""
    contact_id_or_404(contact_id)
    form = CustomEventForm(request.POST)
    if not form.is_valid():
        return _page(request, contact_id, status=FORM_ERROR, event_form=form)
    d = form.cleaned_data
    revenue = float(d["revenue"]) if d.get("revenue") is not None else None
    params = {"type": d["type"], "context": d.get("context") or "", "revenue": revenue}
    try:
        with audited(request, action="contact.event", target=contact_id, params=params):
            contact_svc.contact_event_add(client=request.avochato, contact_id=contact_id, **params)
    except (AvochatoError, ActionError) as err:
        form.add_error(None, err.message)
        return _page(request, contact_id, status=FORM_ERROR, event_form=form)
    flash.success(request, f"Logged “{d['type']}”.")
    return _back(subdomain, contact_id)


@require_POST
@inbox_view(perm="avodash.tag_contacts")
def contact_tag(request: InboxRequest, subdomain: str, contact_id: str) -> HttpResponse:
    """Add or remove one tag on this contact (`POST` / `DELETE /v1/contacts/:id/tags`)."""
    contact_id_or_404(contact_id)
    form = TagForm(request.POST)
    if not form.is_valid():
        return _page(request, contact_id, status=FORM_ERROR, tag_form=form)
    tag, op = form.cleaned_data["tag"], form.cleaned_data["op"]
    with audited(request, action=f"contact.tag_{op}", target=contact_id, params={"tag": tag}) as audit:
        truth = tag_write.contact_tag_write(
            client=request.avochato, contact_id=contact_id, tag=tag, add=op == "add"
        )
        if truth is not None:
            audit.settle(truth.outcome, truth.error)
    note, error = tag_write.tag_words(truth, tag=tag, add=op == "add")
    if error:
        form.add_error(None, error)
        return _page(request, contact_id, status=FORM_ERROR, tag_form=form)
    flash.success(request, note)
    return _back(subdomain, contact_id)
