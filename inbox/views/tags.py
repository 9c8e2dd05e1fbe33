"""Tags: the inbox's tags with their counts, and adding or removing one tag on many contacts at
once (the ticked contacts of the list, every contact of a search, or pasted phone numbers),
with each contact's or number's outcome shown."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_GET, require_POST

from avodash.access import inbox_view
from avodash.audit import audited
from avodash.avochato import AvochatoError
from avodash.domain import contacts as contact_svc
from avodash.domain import tags as tag_svc
from avodash.domain.errors import ActionError
from avodash.http import FORM_ERROR, InboxRequest, render_region
from inbox.forms.contacts import TagManyForm
from inbox.pages import VIEW

TEMPLATE = "inbox/contacts/tags.html"
TAG = "avodash.tag_contacts"


def _page(
    request: InboxRequest, *, form: TagManyForm | None = None, result=None, status: int = 200
) -> HttpResponse:
    ctx = {
        "counts": tag_svc.tag_counts(client=request.avochato),
        "form": form or TagManyForm(initial={"source": "phones", "op": "add"}),
        "result": result,
        "can_tag": request.user.has_perm(TAG),
    }
    return render_region(request, TEMPLATE, None, ctx, status=status)


@require_GET
@inbox_view(perm=VIEW)
def tags(request: InboxRequest, subdomain: str) -> HttpResponse:
    return _page(request)


def _apply(request: InboxRequest, form: TagManyForm) -> tag_svc.TagResult:
    d = form.cleaned_data
    client = request.avochato
    add = d["op"] == "add"
    if d["source"] == "phones":
        return tag_svc.tag_by_phones(client=client, tag=d["tag"], phone_list=d["phone_list"], add=add)
    if d["source"] == "selection":
        found = contact_svc.contacts_get(client=client, contact_ids=d["ids"])
        pairs = [(i, found[i].display_name if i in found else i) for i in d["ids"]]
    else:
        query = contact_svc.contact_query(
            text=d.get("q") or "", tag=d.get("search_tag") or "", country=d.get("country") or ""
        )
        walked = contact_svc.contacts_walk(client=client, query=query, max_pages=tag_svc.MAX_ITEMS // 100 + 1)
        pairs = [(c.id, c.display_name) for c in walked]
        if not pairs:
            raise ActionError("No contact matches that search: nothing was changed.", field="q")
        if len(pairs) > tag_svc.MAX_ITEMS:
            raise ActionError(
                f"That search matches more than {tag_svc.MAX_ITEMS} contacts: narrow it. Nothing was changed.",
                field="q",
            )
    return tag_svc.tag_by_ids(client=client, tag=d["tag"], contacts=pairs, add=add)


@require_POST
@inbox_view(perm=TAG)
def tags_apply(request: InboxRequest, subdomain: str) -> HttpResponse:
    """Add or remove one tag on many contacts; the page shows each item's outcome."""
    form = TagManyForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=FORM_ERROR)
    d = form.cleaned_data
    params = {"tag": d["tag"], "op": d["op"], "source": d["source"]}
    try:
        with audited(request, action=f"contacts.tag_{d['op']}", params=params) as audit:
            with audit.lookup():  # the contacts' lookups; each tagging settles its own answer
                result = _apply(request, form)
            audit.extra.update(done=len(result.done), failed=len(result.failed))
            audit.extra["targets"] = [i.key for i in result.items]
            audit.extra["failed_items"] = {i.key: i.error for i in result.failed}
            if result.unknown:
                audit.extra["unknown"] = [i.key for i in result.unknown]
            errors = sorted({i.error for i in result.items if not i.ok})
            audit.settle(result.audit_outcome, "; ".join(errors))
    except (AvochatoError, ActionError) as err:
        form.add_error(getattr(err, "field", None), err.message)
        return _page(request, form=form, status=FORM_ERROR)
    keep = form if result.failed or result.unknown else None
    return _page(request, form=keep, result=result)
