"""Broadcasts: the list with delivery stats, the composer (new and draft), the live audience
count, and publishing (confirmed with the audience size, at most once per confirmation).

Leads and IT admins only (`avodash.manage_broadcasts`), for every view including the htmx
regions. Saving keeps the draft in the form when the API refuses it; publishing goes through
`inbox.services.broadcasts.broadcast_publish_once`.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.stepup import step_up
from avodash.access import inbox_view
from avodash.audit import audited, client_ip
from avodash.avochato import AvochatoError, NotFoundError
from avodash.domain import broadcasts as broadcasts_svc
from avodash.domain.broadcasts import FIELDS, MAX_LENGTH, Broadcast
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_fragment, render_region
from inbox.forms.broadcasts import NOW, AudienceForm, BroadcastForm, PublishForm
from inbox.forms.ids import ID_RE
from inbox.idempotency import new_key
from inbox.services.broadcasts import broadcast_history, broadcast_publish_once, broadcasts_mark_publishing
from inbox.services.messages import sms_segments

PERM = "avodash.manage_broadcasts"
LIST = "inbox/broadcasts/list.html"
PAGE = "inbox/broadcasts/broadcast.html"
COMPOSE = "inbox/broadcasts/compose.html"


def _id_or_404(value: str) -> str:
    if not ID_RE.match(value or ""):
        raise Http404("No such broadcast.")
    return value


def _fetch(request: InboxRequest, broadcast_id: str) -> Broadcast:
    """The broadcast, marked publishing when avodash published it and it is not out yet."""
    try:
        broadcast = broadcasts_svc.broadcast_get(client=request.avochato, broadcast_id=broadcast_id)
    except NotFoundError:
        raise Http404("No such broadcast.") from None
    broadcasts_mark_publishing(inbox=request.inbox.subdomain, broadcasts=[broadcast])
    return broadcast


def _composer_ctx(request: InboxRequest, form: BroadcastForm, broadcast: Broadcast | None, **extra) -> dict:
    text = (form["message"].value() or "") if form.is_bound else (broadcast.message if broadcast else "")
    return {
        "form": form,
        "broadcast": broadcast,
        "segments": sms_segments(str(text).replace("\r\n", "\n")),
        "max_length": MAX_LENGTH,
        "fields": FIELDS,
        **extra,
    }


# --- the list --------------------------------------------------------------------------------
@require_GET
@inbox_view(perm=PERM)
def broadcast_list(request: InboxRequest, subdomain: str) -> HttpResponse:
    try:
        page_no = max(1, min(int(request.GET.get("page") or 1), 1000))
    except ValueError:
        page_no = 1
    page = broadcasts_svc.broadcasts_list(client=request.avochato, page=page_no)
    broadcasts_mark_publishing(inbox=subdomain, broadcasts=page.broadcasts)
    return render_region(request, LIST, None, {"page": page})


# --- the composer: a new draft ---------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@inbox_view(perm=PERM)
def broadcast_new(request: InboxRequest, subdomain: str) -> HttpResponse:
    if request.method != "POST":
        return render_region(request, COMPOSE, None, _composer_ctx(request, BroadcastForm(), None))
    form = BroadcastForm(request.POST)
    if not form.is_valid():
        ctx = _composer_ctx(request, form, None, error="Not saved: check the fields marked below.")
        return render_region(request, COMPOSE, "composer", ctx, status=FORM_ERROR)
    audience = form.audience()
    d = form.cleaned_data
    params = {
        "name": d["name"],
        "message": d["message"],
        "media_url": d["media_url"],
        "audience": audience.describe(),
    }
    try:
        with audited(request, action="broadcast.create", params=params) as audit:
            created = broadcasts_svc.broadcast_create(
                client=request.avochato,
                message=d["message"],
                media_url=d["media_url"],
                name=d["name"],
                audience=audience,
            )
            audit.target = created.id
            audit.extra["added"] = created.added
    except AvochatoError as err:
        ctx = _composer_ctx(request, form, None, error=_unsaved(err, "the broadcast list"))
        return render_region(request, COMPOSE, "composer", ctx, status=FORM_ERROR)
    flash.success(request, f"Draft saved: {created.audience or 0} contacts in the audience so far.")
    url = reverse("inbox:broadcast", args=[subdomain, created.id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _unsaved(err: AvochatoError, where: str) -> str:
    """Words for a draft save that failed: not saved, or not known (a POST is never resent)."""
    if err.may_have_applied:
        return (
            f"Avochato did not say whether the draft was saved ({err.message}). Look at {where} "
            "before saving again. Your draft is kept below."
        )
    return f"Not saved: {err.message} Your draft is kept below."


# --- one broadcast: stats, audience, and for a draft the composer and publishing -----------
@require_GET
@inbox_view(perm=PERM)
def broadcast_page(request: InboxRequest, subdomain: str, broadcast_id: str) -> HttpResponse:
    broadcast = _fetch(request, _id_or_404(broadcast_id))
    return render_region(request, PAGE, None, _page_ctx(request, broadcast))


def _page_ctx(
    request: InboxRequest, broadcast: Broadcast, form: BroadcastForm | None = None, **extra
) -> dict:
    """The broadcast page; for a draft not yet published, its composer (`form`: a draft being
    corrected)."""
    ctx = {
        "broadcast": broadcast,
        "history": broadcast_history(inbox=request.inbox.subdomain, broadcast_id=broadcast.id),
    }
    if broadcast.is_editable:
        initial = {
            "name": broadcast.name or "",
            "message": broadcast.message,
            "media_url": broadcast.media_url or "",
        }
        ctx.update(_composer_ctx(request, form or BroadcastForm(initial=initial), broadcast, **extra))
        ctx["publish_form"] = PublishForm(initial={"when": NOW})
        ctx["tz_name"] = timezone.get_current_timezone_name()
    return ctx


def _edit_refused(request: InboxRequest, broadcast_id: str, form: BroadcastForm, error: str) -> HttpResponse:
    """The draft back in its composer with what went wrong: the region for htmx, else the page."""
    if request.htmx:
        ctx = _composer_ctx(request, form, Broadcast(id=broadcast_id), error=error)
        return render_fragment(request, PAGE, "composer", ctx, status=FORM_ERROR)
    try:
        broadcast = _fetch(request, broadcast_id)
    except AvochatoError:
        broadcast = Broadcast(id=broadcast_id)  # the draft matters more than the page's facts
    ctx = _page_ctx(request, broadcast, form, error=error)
    return render_region(request, PAGE, None, ctx, status=FORM_ERROR)


@require_POST
@inbox_view(perm=PERM)
def broadcast_edit(request: InboxRequest, subdomain: str, broadcast_id: str) -> HttpResponse:
    """Save a draft: its content, plus whatever audience the form adds."""
    broadcast_id = _id_or_404(broadcast_id)
    form = BroadcastForm(request.POST)
    if not form.is_valid():
        return _edit_refused(request, broadcast_id, form, "Not saved: check the fields marked below.")
    audience, d = form.audience(), form.cleaned_data
    params = {
        "name": d["name"],
        "message": d["message"],
        "media_url": d["media_url"],
        "audience": audience.describe(),
    }
    try:
        with audited(request, action="broadcast.update", target=broadcast_id, params=params) as audit:
            saved = broadcasts_svc.broadcast_update(
                client=request.avochato,
                broadcast_id=broadcast_id,
                message=d["message"],
                media_url=d["media_url"],
                name=d["name"],
                audience=audience,
            )
            audit.extra["added"] = saved.added
    except AvochatoError as err:
        return _edit_refused(request, broadcast_id, form, _unsaved(err, "the broadcast"))
    added = saved.added if saved.added is not None else 0
    note = (
        f"Saved. {added} contact{'' if added == 1 else 's'} added to the audience."
        if not audience.is_empty
        else "Saved."
    )
    if not request.htmx:
        flash.success(request, note)
        return redirect("inbox:broadcast", subdomain, broadcast_id)
    initial = {"name": saved.name or "", "message": saved.message, "media_url": saved.media_url or ""}
    ctx = _composer_ctx(request, BroadcastForm(initial=initial), saved, note=note)
    # The new composer's audience region counts again as it loads.
    return render_fragment(request, PAGE, "composer", ctx)


@require_GET
@inbox_view(perm=PERM)
def broadcast_audience(request: InboxRequest, subdomain: str, broadcast_id: str = "") -> HttpResponse:
    """The audience region: the draft's count (`audience_count`), counted when the composer
    loads (also after each save), and what the audience fields being typed would add (checked as typed)."""
    ctx: dict = {"broadcast": Broadcast(id=_id_or_404(broadcast_id)) if broadcast_id else None}
    form = AudienceForm(request.GET)
    if request.GET and form.is_valid():
        ctx["adds"] = form.audience().describe()
    elif request.GET:
        ctx["audience_form"] = form
    if broadcast_id:
        try:
            ctx["audience_count"] = broadcasts_svc.broadcast_audience_count(
                client=request.avochato, broadcast_id=broadcast_id
            )
        except AvochatoError as err:
            ctx["audience_error"] = err.message
    return render_fragment(request, "inbox/broadcasts/_audience.html", "audience", ctx)


# --- publishing ------------------------------------------------------------------------------
@step_up
@require_http_methods(["GET", "POST"])
@inbox_view(perm=PERM)
def broadcast_publish(request: InboxRequest, subdomain: str, broadcast_id: str) -> HttpResponse:
    """A POST without `confirm` (or a GET) asks, naming the audience size; with `confirm`
    and its key, publishes once."""
    broadcast_id = _id_or_404(broadcast_id)
    data = request.POST if request.method == "POST" else None
    form = PublishForm(data, initial={"when": NOW})
    page_url = reverse("inbox:broadcast", args=[subdomain, broadcast_id])
    if data is None or not form.is_valid() or not form.cleaned_data.get("confirm"):
        return _confirm(request, broadcast_id, form, status=FORM_ERROR if form.errors else 200)
    outcome = broadcast_publish_once(
        client=request.avochato,
        actor=request.user,
        inbox=subdomain,
        key=form.cleaned_data["idempotency_key"],
        broadcast_id=broadcast_id,
        scheduled_for=form.scheduled_for,
        audience=int(request.POST["audience"]) if request.POST.get("audience", "").isdigit() else None,
        ip=client_ip(request),
    )
    (flash.success if outcome.ok else flash.error)(request, f"{outcome.title} {outcome.detail}".strip())
    return HttpResponseClientRedirect(page_url) if request.htmx else redirect(page_url)


def _confirm(request: InboxRequest, broadcast_id: str, form: PublishForm, *, status: int) -> HttpResponse:
    broadcast = _fetch(request, broadcast_id)
    ctx: dict = {"broadcast": broadcast, "publish_form": form, "key": new_key(), "confirming": True}
    ctx["tz_name"] = timezone.get_current_timezone_name()
    if form.is_bound and form.is_valid():
        ctx["scheduled_for"] = form.scheduled_for
        try:
            ctx["audience_count"] = broadcasts_svc.broadcast_audience_count(
                client=request.avochato, broadcast_id=broadcast_id
            )
        except AvochatoError as err:
            ctx["audience_error"] = err.message
    return render_region(request, PAGE, "publish", ctx, status=status)
