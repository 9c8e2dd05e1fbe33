"""The ticket queue: filters (in the URL), the deferred row activity, and bulk actions.

Works as a plain page first; with htmx the queue region (`tickets.html#queue`) is swapped.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, trigger_client_event

from avodash.access import inbox_view, require_perm
from avodash.audit import audited
from avodash.avochato import AvochatoError
from avodash.domain import contacts as contact_read
from avodash.domain import tickets as ticket_write
from avodash.domain import users as user_svc
from avodash.domain.errors import ActionError
from avodash.domain.tickets import STATUSES
from avodash.domain.users import InboxUser
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_alongside, render_fragment, render_region
from inbox.closing import undo_toast
from inbox.forms.queue import (
    OWNER_ME,
    OWNER_NONE,
    ActivityQueryForm,
    AssignMeForm,
    BulkForm,
    QueueFilterForm,
    filter_form_from_querystring,
)
from inbox.pages import VIEW, owner_label, perms
from inbox.services import assigning
from inbox.services import events as event_svc
from inbox.services import tickets as ticket_svc

TEMPLATE = "inbox/tickets.html"


def _quick_views(subdomain: str, form: QueueFilterForm | None, me: InboxUser | None) -> list[dict]:
    base = reverse("inbox:tickets", args=[subdomain])
    eff = form.effective if form is not None else {}
    current = {
        "status": eff.get("status") or "",
        "owner": eff.get("owner") or "",
        "unaddressed": bool(eff.get("unaddressed")),
        "q": eff.get("q") or "",
    }
    views = [
        ("Open queue", "", {"status": "", "owner": "", "unaddressed": False, "q": ""}),
        (
            "Unaddressed",
            "unaddressed=on&order=oldest_activity",
            {"status": "", "owner": "", "unaddressed": True, "q": ""},
        ),
        ("Mine", f"owner={OWNER_ME}", {"status": "", "owner": OWNER_ME, "unaddressed": False, "q": ""}),
        ("Unassigned", "owner=none", {"status": "", "owner": "none", "unaddressed": False, "q": ""}),
    ]
    return [
        {
            "label": label,
            "url": f"{base}?{qs}" if qs else base,
            "active": current == wanted,
            "disabled": wanted["owner"] == OWNER_ME and me is None,
        }
        for label, qs, wanted in views
    ]


def _fetch_queue(request: InboxRequest, form: QueueFilterForm, users: list[InboxUser] | None, names: bool):
    """The queue page for a filter form: (page, users, me, valid). Owners are checked against
    the inbox's users; "me" is looked up by email. Without `names`, the tickets' contacts are
    left to the caller (`ticket_svc.queue_contacts`)."""
    client = request.avochato
    valid = form.is_valid()
    owner = form.effective["owner"]
    after = form.cleaned_data.get("after") or None
    fetch = ticket_svc.queue_page if names else ticket_svc.queue_list
    if owner in ("", OWNER_NONE) and users is None:
        page = fetch(client=client, filters=form.filters(me_id=None), after=after)
        return page, page.users, user_svc.user_for_email(page.users, request.user.email), valid
    users = users if users is not None else user_svc.inbox_users(client=client)
    me = user_svc.user_for_email(users, request.user.email)
    if owner == OWNER_ME and me is None:
        form.add_error(
            "owner",
            "You are not a user of this inbox in Avochato (no user has your email): showing every owner.",
        )
        valid = False
    elif owner not in ("", OWNER_ME, OWNER_NONE) and owner not in {u.id for u in users}:
        form.add_unknown_owner_error(owner)
        valid = False
    filters = form.filters(me_id=me.id if me else None)
    page = fetch(client=client, filters=filters, after=after, users=users)
    return page, users, me, valid


def _queue_context(
    request: InboxRequest, form: QueueFilterForm, *, users: list[InboxUser] | None = None
) -> tuple[dict, int]:
    """Fetch the queue page for a filter form; (context, HTTP status).

    An invalid value is a form error, but the page is still the queue: the error is shown at
    its field and the value is dropped (its default applies), so a bad bookmark or a typo in
    the address never hides the tickets.
    """
    fetched = _fetch_queue(request, form, users, names=True)
    return _context_for(request, form, *fetched), 200 if fetched[3] else FORM_ERROR


def _context_for(
    request: InboxRequest,
    form: QueueFilterForm,
    page,
    users: list[InboxUser],
    me: InboxUser | None,
    valid: bool,
) -> dict:
    subdomain = request.inbox.subdomain
    d = form.cleaned_data
    n = d.get("n") or 1
    filter_qs = form.querystring()
    base = reverse("inbox:tickets", args=[subdomain])
    first = (n - 1) * page.limit + 1
    ctx = {
        "form": form,
        "statuses": STATUSES,
        "orders": ticket_svc.ORDERS,
        **perms(request.user),
        "users": users,
        "owner_choices": user_svc.owner_choices(client=request.avochato),
        "me": me,
        "page": page,
        "current": form.effective,
        "filter_messages": [*form.notes.values(), *(e for errs in form.errors.values() for e in errs)],
        "quick_views": _quick_views(subdomain, form, me),
        "filter_qs": filter_qs,
        # Ticket links carry the queue, for "← Tickets" and the next ticket after closing.
        "from_suffix": "?" + urlencode({"from": filter_qs}) if filter_qs else "",
        "unaddressed_view": bool(d.get("unaddressed")),
        "page_n": n,
        "first_index": first,
        "last_index": first + len(page.tickets) - 1,
        "next_url": f"{base}?{form.page_querystring(page.next_after, n + 1)}" if page.next_after else None,
        "first_url": f"{base}?{filter_qs}" if filter_qs else base,
        "activity_ids": ",".join(t.id for t in page.tickets),
        "select_all_cap": ticket_svc.SELECT_ALL_CAP,
    }
    return ctx


@require_GET
@inbox_view(perm=VIEW)
def tickets(request: InboxRequest, subdomain: str) -> HttpResponse:
    """The ticket queue: `?status=&owner=&unaddressed=on&q=&order=&after=` (all optional)."""
    form = QueueFilterForm(request.GET)
    fetched = _fetch_queue(request, form, None, names=False)
    page, valid = fetched[0], fetched[3]

    def context() -> dict:
        ctx = _context_for(request, form, *fetched)
        ctx["bulk_result"] = request.session.pop("bulk_result", None)
        ctx["bulk_keep"] = (ctx["bulk_result"] or {}).get("keep")
        ctx["undo"] = undo_toast(request)
        return ctx

    region = "queue" if request.htmx and request.htmx.target == "queue" else None
    # The page is made while its second round (the contacts' names) is under way.
    rendered, (contacts,) = render_alongside(
        request,
        TEMPLATE,
        region,
        context,
        [lambda: ticket_svc.queue_contacts(client=request.avochato, page=page)],
    )
    ticket_svc.attach_contacts(page.tickets, contacts)
    status = 200 if valid else FORM_ERROR
    response = rendered.response(status=status)
    if region and status == 200:
        # The address bar shows the filters only (no empty fields, no page cursor, no `inbox`).
        qs = form.querystring()
        base = reverse("inbox:tickets", args=[subdomain])
        response = push_url(response, f"{base}?{qs}" if qs else base)
    return response


@require_GET
@inbox_view(perm=VIEW)
def tickets_activity(request: InboxRequest, subdomain: str) -> HttpResponse:
    """Deferred part of the queue rows: last activity, last message, wait (one batched call)."""
    form = ActivityQueryForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Invalid ticket ids.", status=400)
    activity = event_svc.tickets_activity(client=request.avochato, ticket_ids=form.cleaned_data["ids"])
    ctx = {"activity": activity.items(), "show_wait": request.GET.get("wait") == "1"}
    return render_fragment(request, TEMPLATE, "activity", ctx)


def _bulk_result_dict(result: ticket_write.BulkResult, names: dict[str, str], keep: dict) -> dict:
    """A session-safe summary of a bulk result (shown once on the next queue page). When not
    every ticket changed, `keep` holds the choices and the tickets left to do, ticked again."""

    def item(o: ticket_write.TicketOutcome) -> dict:
        return {"id": o.ticket_id, "name": names.get(o.ticket_id, ""), "message": o.message}

    left = [o.ticket_id for o in result.outcomes if not o.ok]
    return {
        "summary": result.summary,
        "ok": result.ok,
        "requested": result.requested,
        "updated": len(result.updated),
        "failures": [item(o) for o in result.failed],
        "unknown": [item(o) for o in result.unknown],
        "notes": [item(o) for o in result.updated if o.message][:50],
        "keep": {**keep, "ids": left} if left else None,
    }


def _outcome_names(client, result: ticket_write.BulkResult) -> dict[str, str]:
    """Contact names for the tickets the result lists (batched calls; a courtesy, so errors pass)."""
    listed = [o for o in result.outcomes if not o.ok or o.message][:100]
    if not listed:
        return {}
    try:
        unknown = [o.ticket_id for o in listed if o.ticket is None]
        fetched = ticket_svc.tickets_get(client=client, ticket_ids=unknown) if unknown else {}
        contact_of = {o.ticket_id: (o.ticket or fetched.get(o.ticket_id)) for o in listed}
        contact_ids = [t.contact_id for t in contact_of.values() if t and t.contact_id]
        contacts = contact_read.contacts_get(client=client, contact_ids=contact_ids)
    except AvochatoError:
        return {}  # the ids still say which ticket
    return {
        tid: contacts[t.contact_id].display_name
        for tid, t in contact_of.items()
        if t and t.contact_id in contacts
    }


def _confirm_all_matching(request: InboxRequest, form: BulkForm, filter_form, users) -> HttpResponse:
    """ "All matching": collect what it means now, and show the count before anything runs."""
    if not filter_form.is_valid():
        return HttpResponse("The filter is invalid; reload the queue.", status=400)
    me = user_svc.user_for_email(users, request.user.email)
    ids, capped = ticket_svc.ticket_ids_matching(
        client=request.avochato, filters=filter_form.filters(me_id=me.id if me else None)
    )
    change = form.change()
    ctx, _ = _queue_context(request, filter_form, users=users)
    ctx["confirm"] = {
        "ids": ",".join(ids),
        "count": len(ids),
        "capped": capped,
        "form": form,
        "status": change.status,
        "owner": owner_label(change.owner, users),
        "addressed": form.cleaned_data.get("addressed"),
    }
    return render_region(request, TEMPLATE, "queue", ctx)


def _bulk_choices(post) -> dict:
    """What the person chose in the bulk bar, to show it chosen again after a failure."""
    return {k: post.get(k, "")[:64] for k in ("status", "owner", "addressed")}


def _bulk_lookups_failed(request: InboxRequest, filter_form, err: AvochatoError) -> HttpResponse:
    keep = {**_bulk_choices(request.POST), "ids": request.POST.getlist("ids")[:500]}
    return _after_bulk(
        request, filter_form, None, None, _refused(f"Nothing was changed: {err.message}", keep)
    )


@require_POST
@inbox_view(perm="avodash.bulk_update_tickets")
def tickets_bulk(request: InboxRequest, subdomain: str) -> HttpResponse:
    """Bulk status / owner / addressed on the selected tickets, or on all matching the filter.
    The audit row (one per action, per-ticket results in its params) covers the user lookups."""
    client = request.avochato
    filter_form = filter_form_from_querystring(request.POST.get("filter", ""))
    posted = [i for chunk in request.POST.getlist("ids") for i in chunk.split(",") if i.strip()]
    if request.POST.get("select_all") and not request.POST.get("confirmed"):
        return _confirm_step(request, filter_form)  # only a question: no write, no audit row
    if request.POST.get("confirmed") and not posted:
        messages.warning(request, "No ticket matches the filter any more; nothing was changed.")
        return _after_bulk(request, filter_form, None, None)
    try:
        with audited(request, action="tickets.bulk_update", target=posted[:500]) as audit:
            with audit.lookup():  # the users; the write itself settles every unclear answer
                users = user_svc.inbox_users(client=client)
                owners = user_svc.owner_choices(client=client)
            form = BulkForm(request.POST, user_ids={u.id for u in owners})
            if not form.is_valid():
                audit.settle("failed", "; ".join(e for errs in form.errors.values() for e in errs))
                ctx, _ = _queue_context(request, filter_form, users=users)
                ctx.update(bulk_form=form, bulk_keep=_bulk_choices(request.POST))
                return render_region(request, TEMPLATE, "queue", ctx, status=FORM_ERROR)
            if form.changes_owner:
                require_perm(request, "avodash.assign_tickets")
            ids = form.cleaned_data["ids"]
            change = form.change()
            audit.extra.update(**change.as_params(), count=len(ids))
            result = ticket_write.tickets_update(client=client, ticket_ids=ids, change=change, users=users)
            audit.extra.update(result.audit_extra())
            audit.settle(result.audit_outcome, "" if result.ok else result.summary)
    except AvochatoError as err:
        return _bulk_lookups_failed(request, filter_form, err)
    return _after_bulk(request, filter_form, users, result, keep=_bulk_choices(request.POST))


def _confirm_step(request: InboxRequest, filter_form) -> HttpResponse:
    client = request.avochato
    users = user_svc.inbox_users(client=client)
    form = BulkForm(request.POST, user_ids={u.id for u in user_svc.owner_choices(client=client)})
    if not form.is_valid():
        ctx, _ = _queue_context(request, filter_form, users=users)
        ctx.update(bulk_form=form, bulk_keep=_bulk_choices(request.POST))
        return render_region(request, TEMPLATE, "queue", ctx, status=FORM_ERROR)
    if form.changes_owner:
        require_perm(request, "avodash.assign_tickets")
    return _confirm_all_matching(request, form, filter_form, users)


@require_POST
@inbox_view(perm=VIEW)
def tickets_assign_me(request: InboxRequest, subdomain: str) -> HttpResponse:
    """Assign to me from the queue (the ticked tickets, or the current row with `m`)."""
    may_reassign = request.user.has_perm("avodash.assign_tickets")
    if not may_reassign:
        require_perm(request, "avodash.change_ticket_status")
    client = request.avochato
    form = AssignMeForm(request.POST)
    filter_form = filter_form_from_querystring(request.POST.get("filter", ""))
    if not form.is_valid():
        text = " ".join(e for errs in form.errors.values() for e in errs)
        return _after_bulk(request, filter_form, None, None, _refused(f"Not assigned: {text}"))
    ids = form.ticket_ids
    try:
        with audited(request, action="ticket.owner", target=ids, params={"count": len(ids)}) as audit:
            with audit.lookup():  # the users, and who owns what; the write settles its own answers
                users = user_svc.inbox_users(client=client)
                me = assigning.taker_for(users=users, email=request.user.email)
                audit.extra["user_id"] = me.id
                result = assigning.tickets_take(
                    client=client, ticket_ids=ids, me=me, users=users, may_reassign=may_reassign
                )
            audit.extra.update(result.audit_extra())
            audit.settle(result.audit_outcome, "" if result.ok else result.summary)
    except (ActionError, AvochatoError) as err:
        keep = {"ids": ids}
        return _after_bulk(request, filter_form, None, None, _refused(f"Not assigned: {err.message}", keep))
    return _after_bulk(request, filter_form, users, result, keep={})


def _refused(text: str, keep: dict | None = None) -> dict:
    """A refusal before anything ran, shown where a bulk result would be."""
    return {
        "summary": text,
        "ok": False,
        "requested": 0,
        "updated": 0,
        "failures": [],
        "unknown": [],
        "notes": [],
        "keep": keep,
    }


def _after_bulk(
    request: InboxRequest, filter_form, users, result, summary: dict | None = None, keep: dict | None = None
) -> HttpResponse:
    """The queue again with the result on top. The write is done: when the queue cannot be
    read in what is left of the page's budget, the result goes to the next page instead of
    an error panel that would invite doing it again."""
    if result is not None:
        summary = _bulk_result_dict(result, _outcome_names(request.avochato, result), keep or {})
    url = reverse("inbox:tickets", args=[request.inbox.subdomain])
    qs = filter_form.querystring() if filter_form.is_valid() else ""
    url = f"{url}?{qs}" if qs else url
    if request.htmx:
        try:
            ctx, status = _queue_context(request, filter_form, users=users)
        except AvochatoError:
            if summary is not None:
                request.session["bulk_result"] = summary
            return HttpResponseClientRedirect(url)
        ctx.update(bulk_result=summary, bulk_keep=(summary or {}).get("keep"))
        response = render_region(request, TEMPLATE, "queue", ctx, status=status)
        return trigger_client_event(response, "ticketsChanged")
    if summary is not None:
        request.session["bulk_result"] = summary
    return redirect(url)
