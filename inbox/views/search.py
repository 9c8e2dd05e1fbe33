"""Message search: every parameter of "Search Messages", a page of 25 at a time, and a CSV
export of up to `EXPORT_CAP` matches. Results link to their ticket at the message.

The contact filter takes a contact id or a phone number as a person types it; a phone is
resolved to the contact first (`GET /v1/contacts?query=phone:"..."`, one call) and the search
filters by that contact's id. When no contact has the number, the page says so and the
message search is not called."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from avodash.access import inbox_view
from avodash.domain.scheduled import attach_contacts, attach_people, contacts_of
from avodash.domain.users import inbox_users
from avodash.exports import csv_response
from avodash.hosts import inbox_host
from avodash.http import FORM_ERROR, InboxRequest, render_alongside, render_region
from inbox.forms.search import MessageSearchForm
from inbox.pages import VIEW
from inbox.services import messages as message_svc

TEMPLATE = "inbox/messages.html"


@require_GET
@inbox_view(perm=VIEW)
def messages(request: InboxRequest, subdomain: str) -> HttpResponse:
    form = MessageSearchForm(request.GET)
    base = {"form": form, "export_cap": message_svc.EXPORT_CAP, "not_delivered": message_svc.NOT_DELIVERED}
    if not form.is_valid():
        ctx = {**base, "page": None, "users": _users_quietly(request)}
        return render_region(request, TEMPLATE, "results", ctx, status=FORM_ERROR)
    client = request.avochato
    contact = None
    phone = form.contact_phone
    if phone:
        # A phone in the contact field: the contact with that number (one contact search),
        # then its messages by contact id. No such contact: say so, search nothing.
        contact = message_svc.contact_for_phone(client=client, phone=phone)
        if contact is None:
            ctx = {
                **base,
                "page": None,
                "no_contact_phone": phone,
                "users": _users_quietly(request),
                "filtered": True,
            }
            return render_region(request, TEMPLATE, "results", ctx)
    filters = form.filters(contact_id=contact.id if contact else None)
    if form.cleaned_data.get("format") == "csv":
        found, capped = message_svc.messages_export(
            client=client, filters=filters, cap=message_svc.EXPORT_CAP
        )
        return _csv(subdomain, found, capped)
    page = message_svc.messages_search(
        client=client, filters=filters, page=form.cleaned_data.get("page") or 1, with_names=False
    )

    def contact_name() -> str:  # read in a `{% late %}` block: once the contacts are in
        if contact:
            return contact.display_name
        if not filters.contact_id:
            return ""
        shown = (
            m.contact.display_name for m in page.messages if m.contact and m.contact.id == filters.contact_id
        )
        return next(shown, "")

    def context() -> dict:
        users = inbox_users(client=client)
        attach_people(messages=page.messages, contacts={}, users=users)  # senders
        return {
            **base,
            "page": page,
            "results": page.messages,
            "users": users,
            "filtered": form.is_filtered,
            "contact_name": contact_name,
            "contact_phone": phone,
            "quick_not_delivered": filters.status == message_svc.NOT_DELIVERED,
        }

    # The page is made while its second round (the messages' contacts) is under way.
    rendered, (contacts,) = render_alongside(
        request, TEMPLATE, "results", context, [lambda: contacts_of(client=client, messages=page.messages)]
    )
    attach_contacts(page.messages, contacts)
    return rendered.response()


def _users_quietly(request: InboxRequest) -> list:
    try:
        return inbox_users(client=request.avochato)
    except Exception:  # noqa: BLE001 - the filter form still renders without the sender list
        return []


CSV_HEADER = [
    "created",
    "direction",
    "status",
    "from",
    "to",
    "contact",
    "contact_id",
    "ticket_id",
    "message_id",
    "sender",
    "segments",
    "error",
    "media",
    "text",
]


def _csv_row(m: message_svc.Message) -> list:
    return [
        timezone.localtime(m.created_at).isoformat(timespec="seconds") if m.created_at else "",
        "received" if m.direction == "in" else "sent",
        m.status,
        m.from_phone,
        m.to_phone,
        m.contact.display_name if m.contact else "",
        m.contact_id,
        m.ticket_id,
        m.id,
        m.sender.name if m.sender else "",
        m.segments if m.segments is not None else "",
        " ".join(x for x in (str(m.error_code or ""), m.error_text or "") if x),
        " ".join(m.media_urls),
        m.body,
    ]


def _csv(subdomain: str, found: list[message_svc.Message], capped: bool) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"messages-{inbox_host(subdomain)}-{stamp}" + (f"-first-{len(found)}" if capped else "") + ".csv"
    response = csv_response(name, CSV_HEADER, (_csv_row(m) for m in found))
    if capped:
        response["X-Avodash-Capped"] = str(message_svc.EXPORT_CAP)
    return response
