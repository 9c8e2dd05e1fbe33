"""The ticket page: the event stream (polling, scrolling back), the header controls (status,
owner, addressed), the contact's tags, custom events, and who else has it open.

Every view works as a plain page first (a POST redirects back to the ticket with a flash
message); with htmx it answers with the named region of `ticket.html`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from avodash.access import inbox_view
from avodash.audit import audited
from avodash.avochato import AvochatoError, alongside, parallel
from avodash.domain import contacts as contact_read
from avodash.domain import scheduled as scheduled_read
from avodash.domain import users as user_svc
from avodash.domain.tickets import STATUSES, Ticket
from avodash.domain.users import InboxUser
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_alongside, render_fragment, render_region
from inbox.closing import queue_url, undo_toast
from inbox.composer import composer_context, session_key
from inbox.forms.queue import origin_querystring
from inbox.forms.ticket import CustomEventForm, StreamQueryForm, TagForm
from inbox.models import Preference, after_close_for
from inbox.pages import VIEW, display_name, perms, ticket_id_or_404
from inbox.services import contacts as contact_svc
from inbox.services import events as event_svc
from inbox.services import presence as presence_svc
from inbox.services import tickets as ticket_svc

TEMPLATE = "inbox/ticket.html"
MAX_OLDER_PAGES = 20  # without JavaScript, "load earlier" shows this many stream pages at most
_UNLOADED = object()  # "not fetched yet", where None already means "not found"


def _back(subdomain: str, ticket_id: str) -> HttpResponse:
    return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)


def _form_errors(form) -> str:
    return "; ".join(e for errs in form.errors.values() for e in errs)


# --- loading ---------------------------------------------------------------------------------------
def _load_ticket(request: InboxRequest, ticket_id: str, *, older_pages: int = 1):
    """Everything the page shows, in two rounds of parallel calls: the first here, for `data`;
    the second's `calls` (the contact, and the ticket's own scheduled messages when the inbox's
    list overflows) are the caller's to run, and `finish(their results)` gives (contact,
    scheduled), attached to the ticket and named."""
    client = request.avochato
    calls = [
        lambda: ticket_svc.ticket_get(client=client, ticket_id=ticket_id),
        lambda: ticket_svc.tickets_previous(client=client, ticket_id=ticket_id),
    ]

    def own_scheduled():  # senders are named below, from the directory (no database in a worker)
        return _or_error(
            lambda: scheduled_read.scheduled_for_ticket(client=client, ticket_id=ticket_id, users=[])
        )

    # The ticket's scheduled messages: from the inbox's list (one read shared by every ticket page
    # of the inbox) when it fits on a page; asked for directly when the inbox is known to have more.
    asks_own = scheduled_read.inbox_list_overflows(client=client)
    calls.append(
        own_scheduled
        if asks_own
        else lambda: _or_error(lambda: scheduled_read.scheduled_in_inbox(client=client))
    )
    calls += [
        (lambda p=p: event_svc.ticket_events(client=client, ticket_id=ticket_id, page=p))
        for p in range(1, older_pages + 1)
    ]
    # The inbox's users from the directory (no API call when known) while the first round runs.
    users, (ticket, previous, first, *pages) = alongside(lambda: user_svc.inbox_users(client=client), calls)
    ticket_svc.attach_people(tickets=[ticket], contacts={}, users=users)  # the owner
    # Second round: the contact, and the ticket's own scheduled messages when the inbox's list
    # turned out to be more than a page.
    second = [lambda: contact_read.contact_or_none(client=client, contact_id=ticket.contact_id, users=users)]
    if not asks_own and first is None:
        second.append(own_scheduled)

    def finish(results: list):
        contact, *asked = results
        if asked:
            (scheduled,) = asked
        elif asks_own or isinstance(first, AvochatoError):
            scheduled = first
        else:
            scheduled = scheduled_read.scheduled_for_ticket(
                client=client, ticket_id=ticket_id, users=[], inbox=first
            )
        if not isinstance(scheduled, AvochatoError):  # senders named once, whichever way they came
            scheduled_read.attach_people(messages=scheduled, contacts={}, users=users)
        ticket_svc.attach_contacts([ticket], {contact.id: contact} if contact else {})
        return contact, scheduled

    events = [e for page in reversed(pages) for e in page.events]
    seen: set[str] = set()
    events = [e for e in events if not (e.id in seen or seen.add(e.id))]
    _attach_people(request, ticket_id, events, users)
    data = {
        "ticket": ticket,
        "users": users,
        "owner_choices": user_svc.owner_choices(client=client),
        "previous": previous,
        "events": events,
        "has_older": pages[-1].has_older,
        "next_page": older_pages + 1,
    }
    return data, second, finish


def _or_error(read):
    """A region's read, fetched with the page's rounds: a failure is shown in that region only,
    not as the page's error."""
    try:
        return read()
    except AvochatoError as err:
        return err


def _attach_people(request: InboxRequest, ticket_id: str, events, users: list[InboxUser]) -> None:
    """Who is who in the stream: inbox users, and the dashboard person behind changes
    Avochato credits to the API user (from the audit trail)."""
    event_svc.events_attach_users(events, users)
    event_svc.events_attach_dashboard_people(
        events,
        inbox=request.inbox.subdomain,
        ticket_id=ticket_id,
        api_user_id=lambda: user_svc.credential_user_id(client=request.avochato),
    )


def _name_key(subdomain: str, ticket_id: str) -> str:
    """The contact's name for stream fragments (polling needs no contact call)."""
    return f"inbox:ticketname:{subdomain}:{ticket_id}"


def _stream_marks(events) -> dict:
    times = [e.at.timestamp() for e in events if e.at]
    return {"newest_ts": max(times) if times else 0, "oldest_ts": min(times) if times else None}


def _ts(event) -> float:
    return event.at.timestamp() if event.at else 0.0


def state_digest(ticket: Ticket) -> str:
    """The header's facts in one word, carried by the poll: a change means refresh the header."""
    return f"{ticket.status}.{ticket.owner_id or '-'}.{int(ticket.unaddressed)}"


def _bare(ticket_id: str) -> Ticket:
    """The ticket as the regions that only need its id know it (no API call)."""
    return Ticket(id=ticket_id, contact_id=None, status="")


# --- the page and its live regions -----------------------------------------------------------------
@require_GET
@inbox_view(perm=VIEW)
def ticket(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    ticket_id_or_404(ticket_id)
    try:
        older = max(1, min(int(request.GET.get("pages", "1")), MAX_OLDER_PAGES))
    except ValueError:
        older = 1
    data, second, finish = _load_ticket(request, ticket_id, older_pages=older)

    def context() -> dict:
        others = presence_svc.presence_touch(
            subdomain=subdomain, ticket_id=ticket_id, user_id=request.user.pk, name=display_name(request.user)
        )
        return {
            **data,
            **_stream_marks(data["events"]),
            **perms(request.user),
            "statuses": STATUSES,
            "others_viewing": others,
            "presence_beat": presence_svc.PRESENCE_BEAT,
            "tag_form": TagForm(),
            "event_form": CustomEventForm(),
            "me": user_svc.user_for_email(data["users"], request.user.email),
            "origin": _origin(request),
            "state": state_digest(data["ticket"]),
            "back_url": queue_url(subdomain, _origin(request)),
            "undo": undo_toast(request),
            "after_close": after_close_for(request.user),
            "after_close_choices": Preference.AFTER_CLOSE,
        }

    def late_values(contact, scheduled) -> dict:
        return {
            "contact": contact,
            "contact_name": contact.display_name if contact else None,
            **composer_context(request, ticket=data["ticket"], contact=contact, scheduled=scheduled),
        }

    # The page is made while its second round (the contact) is under way; what shows the contact
    # (the template's late blocks) is rendered once it is in, or meanwhile with the contact as a
    # page read it a moment ago, kept if the round finds it unchanged. Not with a draft kept in
    # the session (a failed no-JS send): that is restored once, from the contact read now.
    guessed: list = []

    def guess() -> dict | None:
        if len(second) > 1 or session_key(subdomain, ticket_id) in request.session:
            return None
        known = contact_read.recalled(subdomain=subdomain, contact_id=data["ticket"].contact_id)
        if known is None:
            return None
        guessed.append(known)
        return late_values(*finish([known]))

    rendered, results = render_alongside(request, TEMPLATE, None, context, second, guess=guess)
    contact, scheduled = finish(results)
    contact_name = contact.display_name if contact else None
    cache.set(_name_key(subdomain, ticket_id), contact_name, 3600)
    if contact is not None:
        contact_read.remember(subdomain=subdomain, contacts=[contact])
    return rendered.response(
        late=lambda: late_values(contact, scheduled), guessed=bool(guessed) and contact == guessed[0]
    )


@require_GET
@inbox_view(perm=VIEW)
def ticket_stream(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Stream fragments: `?after=<ts>` new events (polling), `?page=N&before=<ts>` older ones."""
    ticket_id_or_404(ticket_id)
    if not request.htmx:
        return _back(subdomain, ticket_id)
    form = StreamQueryForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Invalid stream position.", status=400)
    d = form.cleaned_data
    client = request.avochato
    users = user_svc.inbox_users(client=client)
    ctx = {
        "ticket": _bare(ticket_id),
        "contact_name": cache.get(_name_key(subdomain, ticket_id)),
        **perms(request.user),
    }
    if d.get("page"):
        page = event_svc.ticket_events(
            client=client, ticket_id=ticket_id, page=d["page"], before=d.get("before")
        )
        _attach_people(request, ticket_id, page.events, users)
        marks = _stream_marks(page.events)
        ctx.update(
            events=page.events,
            has_older=page.has_older,
            next_page=d["page"] + 1,
            oldest_ts=marks["oldest_ts"] or d.get("before"),
        )
        return render_fragment(request, TEMPLATE, "older", ctx)
    return _poll(request, ticket_id, ctx, after=d.get("after") or 0.0, shown_state=d.get("state") or "")


def _poll(
    request: InboxRequest, ticket_id: str, ctx: dict, *, after: float, shown_state: str
) -> HttpResponse:
    """New events, the delivery states of messages shown as not final (`pending`, swapped out
    of band), and the header refreshed when the ticket changed elsewhere (another tab, a
    colleague): one round of two calls in parallel."""
    client = request.avochato
    (events, read), ticket = parallel(
        [
            lambda: event_svc.ticket_poll(client=client, ticket_id=ticket_id, after=after),
            lambda: ticket_svc.ticket_get(client=client, ticket_id=ticket_id),
        ]
    )
    pending = set(request.GET.get("pending", "").split(",")[:50]) - {""}
    updated = [e for e in read if e.id in pending and e.kind == "message_out" and _ts(e) <= after]
    _attach_people(request, ticket_id, [*events, *updated], user_svc.inbox_users(client=client))
    ctx.update(
        ticket=ticket,
        state=state_digest(ticket),
        new_events=events,
        updated_events=updated,
        newest_ts=max(_stream_marks(events)["newest_ts"], after),
    )
    response = render_fragment(request, TEMPLATE, "poll", ctx)
    if shown_state and shown_state != state_digest(ticket):
        trigger_client_event(response, "ticketChanged")
    return response


@require_GET
@inbox_view(perm=VIEW)
def ticket_presence(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The presence heartbeat: record this viewer, answer with who else has the ticket open."""
    ticket_id_or_404(ticket_id)
    others = presence_svc.presence_touch(
        subdomain=subdomain, ticket_id=ticket_id, user_id=request.user.pk, name=display_name(request.user)
    )
    ctx = {"ticket": _bare(ticket_id), "others_viewing": others, "presence_beat": presence_svc.PRESENCE_BEAT}
    return render_fragment(request, TEMPLATE, "presence", ctx)


# --- the header controls live in inbox/views/ticket_header.py ----------------------------------
def _origin(request: InboxRequest) -> str:
    """The queue the ticket was opened from (`from`, in the address or a form)."""
    return origin_querystring(request.GET.get("from") or request.POST.get("from") or "")


# --- the contact panel: tags -------------------------------------------------------------------------
def _tag_apply(request: InboxRequest, ticket_id: str, form: TagForm) -> dict:
    """Apply a valid tag form, in the audit trail from the ticket's lookup on: what to show
    next (form, note, error, ticket, contact when loaded). The input stays on a failure."""
    tag, op = form.cleaned_data["tag"], form.cleaned_data["op"]
    done: dict = {"form": form}
    with audited(request, action=f"contact.tag_{op}", params={"tag": tag, "ticket": ticket_id}) as audit:
        with audit.lookup():
            ticket = done["ticket"] = ticket_svc.ticket_get(client=request.avochato, ticket_id=ticket_id)
            if not ticket.contact_id:
                audit.settle("failed", "no contact")
                return {**done, "error": "This ticket has no contact to tag."}
            audit.target = ticket.contact_id
            if op == "add":
                contact = contact_read.contact_or_none(
                    client=request.avochato,
                    contact_id=ticket.contact_id,
                    users=user_svc.inbox_users(client=request.avochato),
                )
            else:
                contact = _UNLOADED
        if op == "add" and contact is not None and tag in contact.tags:
            # Adding a tag the contact has changes nothing: say so, write nothing.
            audit.extra["unchanged"] = True
            note = f"{contact.display_name} already has the tag “{tag}”."
            return {**done, "form": TagForm(), "note": note, "unchanged": True, "contact": contact}
        truth = contact_svc.contact_tag_write(
            client=request.avochato, contact_id=ticket.contact_id, tag=tag, add=op == "add"
        )
        if truth is not None:
            audit.settle(truth.outcome, truth.error)
    note, error = contact_svc.tag_words(truth, tag=tag, add=op == "add")
    if error:
        return {**done, "error": error, "contact": contact}
    return {**done, "form": TagForm(), "note": note, "contact": _UNLOADED}  # changed: read it again


@require_POST
@inbox_view(perm="avodash.tag_contacts")
def ticket_tag(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Add or remove a tag on the ticket's contact."""
    ticket_id_or_404(ticket_id)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            done = _tag_apply(request, ticket_id, form)
        except AvochatoError as err:
            # Named in the message: when Avochato is down the panel with the form cannot be shown.
            tag = form.cleaned_data["tag"]
            done = {"form": form, "error": f"Tag “{tag}” not changed: {err.message}", "ticket": None}
    else:
        done = {"form": form, "error": _form_errors(form), "invalid": True}
    note, error = done.get("note", ""), done.get("error", "")
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif done.get("unchanged"):
            messages.info(request, note)
        else:
            messages.success(request, note)
        return _back(subdomain, ticket_id)
    try:
        ticket = done.get("ticket") or ticket_svc.ticket_get(client=request.avochato, ticket_id=ticket_id)
        contact = done.get("contact", _UNLOADED)
        if contact is _UNLOADED:
            contact = contact_read.contact_or_none(
                client=request.avochato,
                contact_id=ticket.contact_id,
                users=user_svc.inbox_users(client=request.avochato),
            )
    except AvochatoError:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, note)
        return HttpResponseClientRedirect(reverse("inbox:ticket", args=[subdomain, ticket_id]))
    ctx = {
        "ticket": ticket,
        "contact": contact,
        "tag_form": done["form"],
        "tag_note": note,
        "tag_error": error,
        **perms(request.user),
    }
    return render_region(request, TEMPLATE, "contact", ctx, status=FORM_ERROR if done.get("invalid") else 200)


# --- custom events -------------------------------------------------------------------------------------
@require_POST
@inbox_view(perm="avodash.log_events")
def ticket_event(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Log a custom event (type, context, revenue) into the ticket's stream."""
    ticket_id_or_404(ticket_id)
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
        else:
            fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            messages.error(request, error or "Check the event form: " + fields)
        return _back(subdomain, ticket_id)
    ctx = {
        "ticket": _bare(ticket_id),
        "event_form": form,
        "event_note": note,
        "event_error": error,
        **perms(request.user),
    }
    response = render_region(request, TEMPLATE, "log_event", ctx, status=200 if note or error else FORM_ERROR)
    if note:
        trigger_client_event(response, "streamChanged")
    return response
