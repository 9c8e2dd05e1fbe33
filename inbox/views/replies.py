"""Saved replies (/i/<subdomain>/replies/): leads and IT admins list, add, change and remove
the inbox's reply texts. Agents use them in the composer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from avodash.access import inbox_view
from avodash.audit import audited
from avodash.domain.errors import ActionError
from avodash.http import FORM_ERROR, InboxRequest, render_region
from inbox.forms.replies import SavedReplyForm
from inbox.models import SavedReply
from inbox.replies import PLACEHOLDERS, replies_list, reply_delete, reply_save

MANAGE = "avodash.manage_saved_replies"
TEMPLATE = "inbox/replies.html"


def _page(request: InboxRequest, form: SavedReplyForm, editing: SavedReply | None, status: int = 200):
    ctx = {
        "replies": replies_list(inbox=request.inbox.subdomain),
        "form": form,
        "editing": editing,
        "placeholders": ["{" + p + "}" for p in PLACEHOLDERS],
    }
    return render_region(request, TEMPLATE, None, ctx, status=status)


def _save(request: InboxRequest, form: SavedReplyForm, reply: SavedReply | None) -> HttpResponse:
    if not form.is_valid():
        return _page(request, form, reply, FORM_ERROR)
    d = form.cleaned_data
    action = "saved_reply.update" if reply else "saved_reply.create"
    try:
        with audited(request, action=action, target=d["name"], params={"name": d["name"], "text": d["text"]}):
            reply_save(
                inbox=request.inbox.subdomain, name=d["name"], text=d["text"], user=request.user, reply=reply
            )
    except ActionError as err:
        form.add_error(err.field or None, err.message)
        return _page(request, form, reply, FORM_ERROR)
    messages.success(request, f"Saved /{d['name']}.")
    return redirect("inbox:replies", subdomain=request.inbox.subdomain)


@require_http_methods(["GET", "POST"])
@inbox_view(perm=MANAGE)
def replies(request: InboxRequest, subdomain: str) -> HttpResponse:
    """The list, and the form that adds one."""
    if request.method == "POST":
        return _save(request, SavedReplyForm(request.POST), None)
    return _page(request, SavedReplyForm(), None)


@require_http_methods(["GET", "POST"])
@inbox_view(perm=MANAGE)
def reply_edit(request: InboxRequest, subdomain: str, reply_id: int) -> HttpResponse:
    reply = get_object_or_404(SavedReply, pk=reply_id, inbox=subdomain)
    if request.method == "POST":
        return _save(request, SavedReplyForm(request.POST), reply)
    return _page(request, SavedReplyForm(initial={"name": reply.name, "text": reply.text}), reply)


@require_POST
@inbox_view(perm=MANAGE)
def reply_remove(request: InboxRequest, subdomain: str, reply_id: int) -> HttpResponse:
    reply = get_object_or_404(SavedReply, pk=reply_id, inbox=subdomain)
    with audited(request, action="saved_reply.delete", target=reply.name, params={"name": reply.name}):
        reply_delete(reply=reply)
    messages.success(request, f"Removed /{reply.name}.")
    return redirect("inbox:replies", subdomain=subdomain)
