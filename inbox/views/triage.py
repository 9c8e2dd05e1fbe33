"""Triage: the ticket queue (filters, bulk actions) and the ticket page (stream, controls,
contact panel, presence).

Every view works as a plain page first; with htmx it answers with the named partial of the
same template (`tickets.html#queue`, `ticket.html#state`, ...).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, trigger_client_event

from avodash.access import inbox_view, require_perm
from avodash.audit import audited
from avodash.avochato import AvochatoError, NotFoundError, parallel
from inbox.composer import composer_context
from inbox.forms_triage import (
    ID_RE,
    OWNER_ME,
    OWNER_NONE,
    ActivityQueryForm,
    BulkForm,
    CustomEventForm,
    QueueFilterForm,
    StreamQueryForm,
    TagForm,
    TicketUpdateForm,
    filter_form_from_querystring,
)
from inbox.services import contacts as contact_svc
from inbox.services import events as event_svc
from inbox.services import presence as presence_svc
from inbox.services import tickets as ticket_svc
from inbox.services.types import STATUSES, Contact, Ticket, UserRef
from team.services import credential_user_id

MAX_OLDER_PAGES = 20  # without JavaScript, "load earlier" shows this many stream pages at most
_UNLOADED = object()  # "not fetched yet", where None already means "not found"


def _display_name(user) -> str:
    return user.get_full_name() or user.username


def _partial(request: HttpRequest, template: str, partial: str) -> str:
    return f"{template}#{partial}" if request.htmx else template


def _perms(request: HttpRequest) -> dict[str, bool]:
    has = request.user.has_perm
    return {
        "can_status": has("avodash.change_ticket_status"),
        "can_assign": has("avodash.assign_tickets"),
        "can_bulk": has("avodash.bulk_update_tickets"),
        "can_tag": has("avodash.tag_contacts"),
        "can_log": has("avodash.log_events"),
    }


def _check_id(value: str) -> str:
    if not ID_RE.match(value or ""):
        raise Http404("No such ticket.")
    return value


# --- the queue -------------------------------------------------------------------------------
def _quick_views(subdomain: str, form: QueueFilterForm | None, me: UserRef | None) -> list[dict]:
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
    out = []
    for label, qs, wanted in views:
        out.append(
            {
                "label": label,
                "url": f"{base}?{qs}" if qs else base,
                "active": current == wanted,
                "disabled": wanted["owner"] == OWNER_ME and me is None,
            }
        )
    return out


def _queue_context(
    request: HttpRequest, subdomain: str, form: QueueFilterForm, *, users: list[UserRef] | None = None
) -> tuple[dict, int]:
    """Fetch the queue page for a filter form; (context, HTTP status).

    An invalid value is a 400, but the page is still the queue: the error is shown at its
    field and the value is dropped (its default applies), so a bad bookmark or a typo in the
    address never hides the tickets. Owners are checked against the inbox's users.
    """
    client = request.avochato
    ctx: dict = {"form": form, "statuses": STATUSES, "orders": ticket_svc.ORDERS, **_perms(request)}
    valid = form.is_valid()
    owner = form.effective["owner"]
    if owner not in ("", OWNER_NONE) or users is not None:
        # The owner filter needs the users first: "me" is looked up by email, an id is checked.
        users = users if users is not None else ticket_svc.inbox_users(client=client)
        me = ticket_svc.user_for_email(users, request.user.email)
        if owner == OWNER_ME and me is None:
            form.add_error(
                "owner",
                "You are not a user of this inbox in Avochato (no user has your email): showing every owner.",
            )
            valid = False
        elif owner not in ("", OWNER_ME, OWNER_NONE) and owner not in {u.id for u in users}:
            form.add_unknown_owner_error(owner)
            valid = False
        page = ticket_svc.queue_page(
            client=client,
            filters=form.filters(me_id=me.id if me else None),
            after=form.cleaned_data.get("after") or None,
            users=users,
        )
    else:
        page = ticket_svc.queue_page(
            client=client, filters=form.filters(me_id=None), after=form.cleaned_data.get("after") or None
        )
        users = page.users
        me = ticket_svc.user_for_email(users, request.user.email)
    d = form.cleaned_data
    n = d.get("n") or 1
    filter_qs = form.querystring()
    base = reverse("inbox:tickets", args=[subdomain])
    first = (n - 1) * page.limit + 1
    ctx.update(
        users=users,
        me=me,
        page=page,
        current=form.effective,
        filter_messages=[*form.notes.values(), *(e for errs in form.errors.values() for e in errs)],
        quick_views=_quick_views(subdomain, form, me),
        filter_qs=filter_qs,
        unaddressed_view=bool(d.get("unaddressed")),
        page_n=n,
        first_index=first,
        last_index=first + len(page.tickets) - 1,
        next_url=f"{base}?{form.page_querystring(page.next_after, n + 1)}" if page.next_after else None,
        first_url=f"{base}?{filter_qs}" if filter_qs else base,
        activity_ids=",".join(t.id for t in page.tickets),
        select_all_cap=ticket_svc.SELECT_ALL_CAP,
    )
    return ctx, 200 if valid else 400


@inbox_view(perm="avodash.view_tickets")
@require_GET
def tickets(request: HttpRequest, subdomain: str) -> HttpResponse:
    """The ticket queue: `?status=&owner=&unaddressed=on&q=&order=&after=` (all optional)."""
    form = QueueFilterForm(request.GET)
    ctx, status = _queue_context(request, subdomain, form)
    ctx["bulk_result"] = request.session.pop("bulk_result", None)
    partial = "queue" if request.htmx and request.htmx.target == "queue" else None
    template = "inbox/tickets.html" + (f"#{partial}" if partial else "")
    response = render(request, template, ctx, status=status)
    if partial and status == 200:
        # The address bar shows the filters only (no empty fields, no page cursor, no `inbox`).
        qs = form.querystring()
        base = reverse("inbox:tickets", args=[subdomain])
        response = push_url(response, f"{base}?{qs}" if qs else base)
    return response


@inbox_view(perm="avodash.view_tickets")
@require_GET
def tickets_activity(request: HttpRequest, subdomain: str) -> HttpResponse:
    """Deferred part of the queue rows: last activity, last message, wait (one batched call)."""
    form = ActivityQueryForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Invalid ticket ids.", status=400)
    activity = event_svc.tickets_activity(client=request.avochato, ticket_ids=form.cleaned_data["ids"])
    ctx = {"activity": activity.items(), "show_wait": request.GET.get("wait") == "1"}
    return render(request, "inbox/tickets.html#activity", ctx)


def _bulk_result_dict(result: ticket_svc.BulkResult, names: dict[str, str]) -> dict:
    """A session-safe summary of a bulk result (shown once on the next queue page)."""

    def item(o: ticket_svc.TicketOutcome) -> dict:
        return {"id": o.ticket_id, "name": names.get(o.ticket_id, ""), "message": o.message}

    return {
        "summary": result.summary,
        "ok": not result.failed,
        "requested": result.requested,
        "updated": len(result.updated),
        "failures": [item(o) for o in result.failed],
        "notes": [item(o) for o in result.updated if o.message][:50],
    }


def _outcome_names(client, result: ticket_svc.BulkResult) -> dict[str, str]:
    """Contact names for the tickets the result lists (batched calls; a courtesy, so errors pass)."""
    listed = [o for o in result.outcomes if not o.ok or o.message]
    if not listed:
        return {}
    try:
        unknown = [o.ticket_id for o in listed if o.ticket is None]
        fetched = ticket_svc.tickets_get(client=client, ticket_ids=unknown) if unknown else {}
        contact_of = {o.ticket_id: (o.ticket or fetched.get(o.ticket_id)) for o in listed}
        contact_ids = [t.contact_id for t in contact_of.values() if t and t.contact_id]
        contacts = contact_svc.contacts_get(client=client, contact_ids=contact_ids)
    except AvochatoError:
        return {}  # the ids still say which ticket
    return {
        tid: contacts[t.contact_id].display_name
        for tid, t in contact_of.items()
        if t and t.contact_id in contacts
    }


@inbox_view(perm="avodash.bulk_update_tickets")
@require_POST
def tickets_bulk(request: HttpRequest, subdomain: str) -> HttpResponse:
    """Bulk status / owner / addressed on the selected tickets, or on all matching the filter."""
    client = request.avochato
    users = ticket_svc.inbox_users(client=client)
    form = BulkForm(request.POST, user_ids={u.id for u in users})
    filter_form = filter_form_from_querystring(request.POST.get("filter", ""))
    if not form.is_valid():
        ctx, _ = _queue_context(request, subdomain, filter_form, users=users)
        ctx["bulk_form"] = form
        return render(request, _partial(request, "inbox/tickets.html", "queue"), ctx, status=400)
    if form.changes_owner:
        require_perm(request, "avodash.assign_tickets")
    change = form.change()
    ids = form.cleaned_data["ids"]
    if form.cleaned_data["select_all"] and not form.cleaned_data["confirmed"]:
        # Collect what "all matching" means now, and show the count before anything runs.
        if not filter_form.is_valid():
            return HttpResponse("The filter is invalid; reload the queue.", status=400)
        me = ticket_svc.user_for_email(users, request.user.email)
        ids, capped = ticket_svc.ticket_ids_matching(
            client=client, filters=filter_form.filters(me_id=me.id if me else None)
        )
        ctx, _ = _queue_context(request, subdomain, filter_form, users=users)
        ctx["confirm"] = {
            "ids": ",".join(ids),
            "count": len(ids),
            "capped": capped,
            "form": form,
            "status": change.status,
            "owner": _owner_label(change.owner, users),
            "addressed": form.cleaned_data.get("addressed"),
        }
        return render(request, _partial(request, "inbox/tickets.html", "queue"), ctx)
    if not ids:
        messages.warning(request, "No ticket matches the filter any more; nothing was changed.")
        return _after_bulk(request, subdomain, filter_form, users, None)
    params = {**change.as_params(), "count": len(ids)}
    with audited(request, action="tickets.bulk_update", target=ids, params=params) as audit:
        result = ticket_svc.tickets_update(client=client, ticket_ids=ids, change=change, users=users)
        audit.extra.update(result.audit_extra())
        if result.failed:
            audit.fail(result.summary)
    return _after_bulk(request, subdomain, filter_form, users, result)


def _owner_label(owner: str | None, users: list[UserRef]) -> str | None:
    if not owner:
        return None
    if owner == ticket_svc.UNASSIGN:
        return "nobody (unassign)"
    if owner == ticket_svc.AUTOASSIGN:
        return "auto-assign"
    return next((u.name for u in users if u.id == owner), owner)


def _after_bulk(request, subdomain, filter_form, users, result) -> HttpResponse:
    summary = (
        _bulk_result_dict(result, _outcome_names(request.avochato, result)) if result is not None else None
    )
    if request.htmx:
        ctx, status = _queue_context(request, subdomain, filter_form, users=users)
        ctx["bulk_result"] = summary
        response = render(request, "inbox/tickets.html#queue", ctx, status=status)
        return trigger_client_event(response, "ticketsChanged")
    if summary is not None:
        request.session["bulk_result"] = summary
    url = reverse("inbox:tickets", args=[subdomain])
    qs = filter_form.querystring() if filter_form.is_valid() else ""
    return redirect(f"{url}?{qs}" if qs else url)


# --- the ticket page -----------------------------------------------------------------------
def _load_ticket(request: HttpRequest, ticket_id: str, *, older_pages: int = 1) -> dict:
    """Everything the page shows, in two rounds of parallel calls."""
    client = request.avochato
    calls = [
        lambda: ticket_svc.ticket_get(client=client, ticket_id=ticket_id),
        lambda: ticket_svc.inbox_users(client=client),
        lambda: ticket_svc.tickets_previous(client=client, ticket_id=ticket_id),
    ]
    calls += [
        (lambda p=p: event_svc.ticket_events(client=client, ticket_id=ticket_id, page=p))
        for p in range(1, older_pages + 1)
    ]
    ticket, users, previous, *pages = parallel(calls)
    contact = _contact_or_none(request, ticket)
    ticket_svc.attach_people(tickets=[ticket], contacts={contact.id: contact} if contact else {}, users=users)
    events = [e for page in reversed(pages) for e in page.events]
    seen: set[str] = set()
    events = [e for e in events if not (e.id in seen or seen.add(e.id))]
    event_svc.events_attach_users(events, users)
    _attach_dashboard_people(request, ticket_id, events)
    return {
        "ticket": ticket,
        "contact": contact,
        "users": users,
        "previous": previous,
        "events": events,
        "has_older": pages[-1].has_older,
        "next_page": older_pages + 1,
    }


def _attach_dashboard_people(request: HttpRequest, ticket_id: str, events) -> None:
    """Name the dashboard person behind changes Avochato credits to the API user (audit trail)."""
    event_svc.events_attach_dashboard_people(
        events,
        inbox=request.inbox.subdomain,
        ticket_id=ticket_id,
        api_user_id=lambda: credential_user_id(request.avochato),
    )


def _contact_or_none(request: HttpRequest, ticket: Ticket) -> Contact | None:
    if not ticket.contact_id:
        return None
    try:
        contact = contact_svc.contact_get(client=request.avochato, contact_id=ticket.contact_id)
    except NotFoundError:
        return None
    if contact.owner_id:
        contact.owner = next(
            (u for u in ticket_svc.inbox_users(client=request.avochato) if u.id == contact.owner_id), None
        )
    return contact


def _name_key(subdomain: str, ticket_id: str) -> str:
    """The contact's name for stream fragments (polling needs no contact call)."""
    return f"inbox:ticketname:{subdomain}:{ticket_id}"


def _stream_marks(events) -> dict:
    times = [e.at.timestamp() for e in events if e.at]
    return {"newest_ts": max(times) if times else 0, "oldest_ts": min(times) if times else None}


@inbox_view(perm="avodash.view_tickets")
@require_GET
def ticket(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    _check_id(ticket_id)
    try:
        older = max(1, min(int(request.GET.get("pages", "1")), MAX_OLDER_PAGES))
    except ValueError:
        older = 1
    data = _load_ticket(request, ticket_id, older_pages=older)
    others = presence_svc.presence_touch(
        subdomain=subdomain, ticket_id=ticket_id, user_id=request.user.pk, name=_display_name(request.user)
    )
    contact_name = data["contact"].display_name if data["contact"] else None
    cache.set(_name_key(subdomain, ticket_id), contact_name, 3600)
    ctx = {
        **data,
        **_stream_marks(data["events"]),
        "contact_name": contact_name,
        **_perms(request),
        "statuses": STATUSES,
        "others_viewing": others,
        "presence_beat": presence_svc.PRESENCE_BEAT,
        "tag_form": TagForm(),
        "event_form": CustomEventForm(),
        "me": ticket_svc.user_for_email(data["users"], request.user.email),
    }
    ctx.update(composer_context(request, ticket=data["ticket"], contact=data["contact"]) or {})
    return render(request, "inbox/ticket.html", ctx)


@inbox_view(perm="avodash.view_tickets")
@require_GET
def ticket_stream(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Stream fragments: `?after=<ts>` new events (polling), `?page=N&before=<ts>` older ones."""
    _check_id(ticket_id)
    if not request.htmx:
        return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)
    form = StreamQueryForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Invalid stream position.", status=400)
    d = form.cleaned_data
    client = request.avochato
    users = ticket_svc.inbox_users(client=client)
    ctx = {
        "ticket": Ticket(id=ticket_id, contact_id=None, status=""),
        "contact_name": cache.get(_name_key(subdomain, ticket_id)),
        **_perms(request),
    }
    if d.get("page"):
        page = event_svc.ticket_events(
            client=client, ticket_id=ticket_id, page=d["page"], before=d.get("before")
        )
        event_svc.events_attach_users(page.events, users)
        _attach_dashboard_people(request, ticket_id, page.events)
        marks = _stream_marks(page.events)
        ctx.update(
            events=page.events,
            has_older=page.has_older,
            next_page=d["page"] + 1,
            oldest_ts=marks["oldest_ts"] or d.get("before"),
        )
        return render(request, "inbox/ticket.html#older", ctx)
    after = d.get("after") or 0.0
    events = event_svc.ticket_events_since(client=client, ticket_id=ticket_id, after=after)
    event_svc.events_attach_users(events, users)
    _attach_dashboard_people(request, ticket_id, events)
    marks = _stream_marks(events)
    ctx.update(new_events=events, newest_ts=max(marks["newest_ts"], after))
    response = render(request, "inbox/ticket.html#poll", ctx)
    if any(e.kind in ("status_change", "owner_change", "message_in", "message_out") for e in events):
        # The header (status, owner, addressed) may have changed with them.
        trigger_client_event(response, "ticketChanged")
    return response


def _state_context(request: HttpRequest, ticket: Ticket, users: list[UserRef], **extra) -> dict:
    ticket_svc.attach_people(tickets=[ticket], contacts={}, users=users)
    return {"ticket": ticket, "users": users, "statuses": STATUSES, **_perms(request), **extra}


@inbox_view(perm="avodash.view_tickets")
@require_GET
def ticket_state(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The header controls (status, owner, addressed), refreshed after changes."""
    _check_id(ticket_id)
    if not request.htmx:
        return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)
    client = request.avochato
    ticket, users = parallel(
        [
            lambda: ticket_svc.ticket_get(client=client, ticket_id=ticket_id),
            lambda: ticket_svc.inbox_users(client=client),
        ]
    )
    return render(request, "inbox/ticket.html#state", _state_context(request, ticket, users))


_ACTION_NAMES = {"status": "ticket.status", "owner": "ticket.owner", "unaddressed": "ticket.addressed"}


@inbox_view(perm="avodash.view_tickets")
@require_POST
def ticket_update(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Change a ticket's status or addressed state (Agent) or owner (Lead)."""
    _check_id(ticket_id)
    client = request.avochato
    users = ticket_svc.inbox_users(client=client)
    form = TicketUpdateForm(request.POST, user_ids={u.id for u in users})
    if not form.is_valid():
        error = "; ".join(e for errs in form.errors.values() for e in errs)
        return _state_response(request, subdomain, ticket_id, users, error=error, status=400)
    change = form.change()
    if change.owner is not None:
        require_perm(request, "avodash.assign_tickets")
    if change.status is not None or change.unaddressed is not None:
        require_perm(request, "avodash.change_ticket_status")
    field = (
        "owner" if change.owner is not None else ("status" if change.status is not None else "unaddressed")
    )
    try:
        with audited(
            request, action=_ACTION_NAMES[field], target=ticket_id, params=change.as_params()
        ) as audit:
            outcome = ticket_svc.ticket_update(client=client, ticket_id=ticket_id, change=change, users=users)
            if not outcome.ok:
                audit.fail(outcome.message)
    except AvochatoError as err:
        return _state_response(request, subdomain, ticket_id, users, error=err.message, status=200)
    if outcome.ok:
        note = _change_text(change, users) + (f" ({outcome.message})" if outcome.message else "")
        return _state_response(request, subdomain, ticket_id, users, ticket=outcome.ticket, note=note)
    return _state_response(
        request, subdomain, ticket_id, users, ticket=outcome.ticket, error=f"Not changed: {outcome.message}."
    )


def _change_text(change: ticket_svc.TicketChange, users: list[UserRef]) -> str:
    if change.status == "Closed":
        return "Closed (and marked addressed)."
    if change.status:
        return f"Status set to {change.status}."
    if change.owner:
        return f"Owner set to {_owner_label(change.owner, users)}."
    return "Marked unaddressed." if change.unaddressed else "Marked addressed."


def _state_response(
    request,
    subdomain,
    ticket_id,
    users,
    *,
    ticket: Ticket | None = None,
    note: str = "",
    error: str = "",
    status=200,
) -> HttpResponse:
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif note:
            messages.success(request, note)
        return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)
    if ticket is None:
        ticket = ticket_svc.ticket_get(client=request.avochato, ticket_id=ticket_id)
    response = render(
        request,
        "inbox/ticket.html#state",
        _state_context(request, ticket, users, note=note, error=error),
        status=status,
    )
    if note:
        trigger_client_event(response, "streamChanged")
    return response


@inbox_view(perm="avodash.tag_contacts")
@require_POST
def ticket_tag(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Add or remove a tag on the ticket's contact."""
    _check_id(ticket_id)
    client = request.avochato
    ticket = ticket_svc.ticket_get(client=client, ticket_id=ticket_id)
    form = TagForm(request.POST)
    error = note = ""
    invalid = unchanged = False
    contact: Contact | None | object = _UNLOADED
    if not ticket.contact_id:
        error = "This ticket has no contact to tag."
    elif form.is_valid():
        tag, op = form.cleaned_data["tag"], form.cleaned_data["op"]
        if op == "add":
            contact = _contact_or_none(request, ticket)
            unchanged = contact is not None and tag in contact.tags
        if unchanged:
            # Adding a tag the contact has would change nothing: say so, write nothing.
            note = f"{contact.display_name} already has the tag “{tag}”."
            form = TagForm()
        else:
            try:
                with audited(
                    request,
                    action=f"contact.tag_{op}",
                    target=ticket.contact_id,
                    params={"tag": tag, "ticket": ticket_id},
                ):
                    if op == "add":
                        contact_svc.contact_tag_add(client=client, contact_id=ticket.contact_id, tag=tag)
                    else:
                        contact_svc.contact_tag_remove(client=client, contact_id=ticket.contact_id, tag=tag)
                note = f"Tag “{tag}” {'added' if op == 'add' else 'removed'}."
                form = TagForm()
                contact = _UNLOADED  # changed: read it again for the panel
            except AvochatoError as err:
                error = err.message
    else:
        invalid = True
        error = "; ".join(e for errs in form.errors.values() for e in errs)
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif unchanged:
            messages.info(request, note)
        else:
            messages.success(request, note)
        return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)
    if contact is _UNLOADED:
        contact = _contact_or_none(request, ticket)
    ctx = {
        "ticket": ticket,
        "contact": contact,
        "tag_form": form,
        "tag_note": note,
        "tag_error": error,
        **_perms(request),
    }
    return render(request, "inbox/ticket.html#contact", ctx, status=400 if invalid else 200)


@inbox_view(perm="avodash.log_events")
@require_POST
def ticket_event(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Log a custom event (type, context, revenue) into the ticket's stream."""
    _check_id(ticket_id)
    form = CustomEventForm(request.POST)
    note = error = ""
    if form.is_valid():
        d = form.cleaned_data
        revenue = float(d["revenue"]) if d.get("revenue") is not None else None
        params = {"type": d["type"], "context": d.get("context") or "", "revenue": revenue}
        try:
            with audited(request, action="ticket.event", target=ticket_id, params=params):
                event_svc.ticket_event_log(
                    client=request.avochato,
                    ticket_id=ticket_id,
                    type=d["type"],
                    context=d.get("context") or "",
                    revenue=revenue,
                )
            note = f"Logged “{d['type']}”."
            form = CustomEventForm()
        except AvochatoError as err:
            error = err.message
    if not request.htmx:
        if note:
            messages.success(request, note)
            return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)
        messages.error(
            request,
            error
            or "Check the event form: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
        return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)
    ctx = {
        "ticket": Ticket(id=ticket_id, contact_id=None, status=""),
        "event_form": form,
        "event_note": note,
        "event_error": error,
        **_perms(request),
    }
    response = render(request, "inbox/ticket.html#log_event", ctx, status=200 if note or error else 400)
    if note:
        trigger_client_event(response, "streamChanged")
    return response


@inbox_view(perm="avodash.view_tickets")
@require_GET
def ticket_presence(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The presence heartbeat: record this viewer, answer with who else has the ticket open."""
    _check_id(ticket_id)
    others = presence_svc.presence_touch(
        subdomain=subdomain, ticket_id=ticket_id, user_id=request.user.pk, name=_display_name(request.user)
    )
    ctx = {
        "ticket": Ticket(id=ticket_id, contact_id=None, status=""),
        "others_viewing": others,
        "presence_beat": presence_svc.PRESENCE_BEAT,
    }
    return render(request, "inbox/ticket.html#presence", ctx)
