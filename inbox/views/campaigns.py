"""Campaigns: the inbox's campaign steps, one step's page (its messages and the contacts
waiting for its follow-up, as far as the API shows them), and taking contacts off a step in
the API's four forms, each confirmed with the step and the contacts named, each audited.

Leads and IT admins only (`avodash.manage_campaigns`). The contact page includes
templates/inbox/campaigns/_for_contact.html, whose form posts to `campaign_cancel` here.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from avodash.access import inbox_view
from avodash.audit import audited
from avodash.avochato import AvochatoError
from avodash.domain import campaigns as campaigns_svc
from avodash.domain.campaigns import ALL, RECURSIVE, SEVERAL, CampaignStep
from avodash.domain.contacts import contacts_get
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_region
from inbox.forms.campaigns import CampaignCancelForm
from inbox.forms.ids import ID_RE

PERM = "avodash.manage_campaigns"
LIST = "inbox/campaigns/list.html"
PAGE = "inbox/campaigns/campaign.html"
CONFIRM = "inbox/campaigns/confirm.html"


def _step_or_404(request: InboxRequest, key: str) -> CampaignStep:
    if not ID_RE.match(key or ""):
        raise Http404("No such campaign step.")
    step = campaigns_svc.campaign_step_get(client=request.avochato, key=key)
    if step is None:
        raise Http404("No such campaign step.")
    return step


@require_GET
@inbox_view(perm=PERM)
def campaign_list(request: InboxRequest, subdomain: str) -> HttpResponse:
    steps = campaigns_svc.campaign_steps(client=request.avochato)
    return render_region(request, LIST, None, {"steps": steps})


@require_GET
@inbox_view(perm=PERM)
def campaign_page(request: InboxRequest, subdomain: str, key: str) -> HttpResponse:
    step = _step_or_404(request, key)
    waiting = campaigns_svc.campaign_waiting(client=request.avochato, step=step)
    form = CampaignCancelForm(subdomain=subdomain)
    return render_region(request, PAGE, None, {"step": step, "waiting": waiting, "form": form})


def _contact_names(request: InboxRequest, numbers: tuple[str, ...], ids: list[str]) -> dict[str, str]:
    """Names for the confirmation, from the contacts the page knew (ids); phones otherwise."""
    if not ids:
        return {}
    try:
        found = contacts_get(client=request.avochato, contact_ids=ids[:20])
    except AvochatoError:
        return {}
    return {c.phone: c.display_name for c in found.values() if c.phone in numbers}


@require_http_methods(["GET", "POST"])
@inbox_view(perm=PERM)
def campaign_cancel(request: InboxRequest, subdomain: str, key: str) -> HttpResponse:
    """Without `confirm`: the confirmation, naming the step and the contacts. With it (POST):
    `POST /v1/campaigns/:key/cancel` once, audited, then back to the step or `back`."""
    step = _step_or_404(request, key)
    data = request.POST if request.method == "POST" else request.GET
    form = CampaignCancelForm(data, subdomain=subdomain)
    step_url = reverse("inbox:campaign", args=[subdomain, step.key])
    if not form.is_valid():
        ctx = {
            "step": step,
            "form": form,
            "waiting": [],
            "error": "Nobody was removed: check the field below.",
        }
        return render_region(request, PAGE, None, ctx, status=FORM_ERROR)
    d = form.cleaned_data
    mode, numbers = d["final_mode"], d.get("numbers") or ()
    back = d.get("back") or step_url
    if request.method != "POST" or not d.get("confirm"):
        ids = [i for i in data.getlist("contact_id") if ID_RE.match(i)]
        ctx = {
            "step": step,
            "form": form,
            "mode": mode,
            "numbers": numbers,
            "names": _contact_names(request, numbers, ids),
            "back": back,
        }
        return render_region(request, CONFIRM, None, ctx)
    params = {"mode": mode, "phones": list(numbers), "step": step.key}
    try:
        with audited(request, action="campaign.cancel", target=step.key, params=params) as audit:
            result = campaigns_svc.campaign_cancel(
                client=request.avochato, key=step.key, mode=mode, phones=numbers
            )
            audit.extra["answer"] = result.text
    except AvochatoError as err:
        if err.may_have_applied:  # audited as unknown; the request is never sent again on its own
            flash.error(
                request,
                f"Avochato did not say whether anyone was removed from “{step.key}” ({err.message}). "
                "Look at the step's waiting contacts before trying again.",
            )
        else:
            flash.error(request, f"Nobody was removed from “{step.key}”: {err.message}")
        return redirect(back)
    flash.success(request, _done_text(step, mode, numbers, result.text))
    return redirect(back)


def _done_text(step: CampaignStep, mode: str, numbers: tuple[str, ...], answer: str) -> str:
    if mode == ALL:
        who = "Everyone on the step is being removed"
    elif mode == SEVERAL:
        who = f"{len(numbers)} contacts are being removed"
    else:
        who = "The contact is being removed"
    later = " and its later steps" if mode == RECURSIVE else ""
    return f"{who} from “{step.key}”{later}. Avochato: {answer or 'accepted'}"
