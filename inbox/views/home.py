"""The inbox home: counts at a glance (each a link into the queue), the team's load, and two
small charts."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views.decorators.http import require_GET

from avodash.access import inbox_view
from avodash.avochato.django import get_client, panel
from avodash.domain import users as user_svc
from avodash.hosts import reverse
from avodash.http import InboxRequest, render_alongside, render_fragment
from inbox.pages import VIEW
from inbox.services import events as event_svc
from inbox.services import tickets as ticket_svc
from inbox.services import workload

CHART_DAYS = 14


def _queue_url(subdomain: str, **params) -> str:
    base = reverse("inbox:tickets", args=[subdomain])
    clean = {k: v for k, v in params.items() if v}
    return f"{base}?{urlencode(clean)}" if clean else base


def _scheduled_url(subdomain: str) -> str | None:
    try:
        return reverse("inbox:scheduled", args=[subdomain])
    except NoReverseMatch:
        return None


def _status_bars(counts: dict) -> list[dict]:
    values = [(s, counts.get(s) or 0) for s in ("New", "Open", "Pending", "Closed")]
    top = max([1, *(v for _, v in values)])
    return [{"status": s, "count": v, "pct": round(100 * v / top, 1)} for s, v in values]


def _message_chart(stats: event_svc.MessageStats) -> dict:
    """Geometry of the in/out per day chart (server-side SVG): two bars per day."""
    width, height, pad_left, pad_bottom, pad_top = 560, 150, 28, 22, 8
    plot_h = height - pad_bottom - pad_top
    slot = (width - pad_left) / max(1, len(stats.days))
    bar = max(3.0, slot / 2 - 3)
    top = stats.max_value
    days = []
    for i, d in enumerate(stats.days):
        x = pad_left + i * slot + 2
        h_in = plot_h * d.inbound / top
        h_out = plot_h * d.outbound / top
        days.append(
            {
                "day": d.day,
                "inbound": d.inbound,
                "outbound": d.outbound,
                "x_in": round(x, 1),
                "x_out": round(x + bar + 1, 1),
                "w": round(bar, 1),
                "y_in": round(pad_top + plot_h - h_in, 1),
                "h_in": round(h_in, 1),
                "y_out": round(pad_top + plot_h - h_out, 1),
                "h_out": round(h_out, 1),
                "x_label": round(x + bar, 1),
                "label": i % 2 == 0 or len(stats.days) <= 7,
            }
        )
    return {
        "width": width,
        "height": height,
        "days": days,
        "top": top,
        "baseline": pad_top + plot_h,
        "label_y": height - 6,
        "top_y": pad_top + 4,
        "pad_left": pad_left,
        "stats": stats,
    }


def _counts(subdomain: str, taken, scheduled: int | None, capped: bool) -> dict:
    """The figures of the page's API round: the cards, the chart by status, and how old they are."""
    counts = taken.value
    cards = [
        {"label": "Open", "value": counts["Open"], "url": _queue_url(subdomain, status="Open")},
        {"label": "New", "value": counts["New"], "url": _queue_url(subdomain, status="New")},
        {"label": "Pending", "value": counts["Pending"], "url": _queue_url(subdomain, status="Pending")},
        {
            "label": "Unaddressed",
            "value": counts["unaddressed"],
            "url": _queue_url(subdomain, unaddressed="on", order="oldest_activity"),
            "hot": True,
        },
        {"label": "Unassigned", "value": counts["unassigned"], "url": _queue_url(subdomain, owner="none")},
        {
            "label": "Scheduled, next 24 h",
            "value": scheduled,
            "capped": capped,
            "url": _scheduled_url(subdomain),
        },
    ]
    return {
        "cards": cards,
        "not_closed": counts["open_total"],
        "status_bars": _status_bars(counts),
        "counts_as_of": taken.taken_at if taken.kept else None,
    }


@require_GET
@inbox_view(perm=VIEW)
def inbox_home(request: InboxRequest, subdomain: str) -> HttpResponse:
    client = request.avochato

    def context() -> dict:
        ctx = {"queue_url": _queue_url(subdomain), "chart_days": CHART_DAYS}
        if request.GET.get("load") == "1":  # without JavaScript: the team load inline, on request
            ctx["load_rows"] = _load_rows(request)
        if request.GET.get("charts") == "1":  # without JavaScript: the chart inline, on request
            ctx["chart"] = _message_chart(
                event_svc.message_stats(
                    client=get_client(subdomain, low_priority=True),
                    days=CHART_DAYS,
                    tz=timezone.get_current_timezone(),
                )
            )
        return ctx

    # The figures are the page's one API round: the scheduled messages, and the counts unless
    # they are kept (they are, a while); the page is made meanwhile, the figures put in after.
    taken = ticket_svc.inbox_counts_kept(client=client)
    calls = [lambda: event_svc.scheduled_due_count(client=client, hours=24)]
    if taken is None:
        calls.append(lambda: ticket_svc.inbox_counts(client=client))
    rendered, ((scheduled, capped), *counted) = render_alongside(
        request, "inbox/home.html", None, context, calls, sends=1 if taken else 1 + len(ticket_svc.COUNTS)
    )
    return rendered.response(late=_counts(subdomain, taken or counted[0], scheduled, capped))


def _load_rows(request: InboxRequest) -> list[dict]:
    sub = request.inbox.subdomain
    people = user_svc.owner_choices(client=request.avochato)
    # The credential's own user is an owner choice, but nobody's workload: shown only when
    # tickets are assigned to it.
    api_user = user_svc.credential_user_id(client=request.avochato)
    rows = []
    for p in workload.team_load(client=request.avochato, people=people):
        if p.user.id == api_user and not p.open:
            continue
        rows.append(
            {
                "load": p,
                "queue_url": _queue_url(sub, owner=p.user.id),
                "unaddressed_url": _queue_url(
                    sub, owner=p.user.id, unaddressed="on", order="oldest_activity"
                ),
                "oldest_url": reverse("inbox:ticket", args=[sub, p.oldest_ticket_id])
                if p.oldest_ticket_id
                else "",
            }
        )
    return rows


@require_GET
@inbox_view(perm=VIEW)
@panel
def inbox_load(request: InboxRequest, subdomain: str) -> HttpResponse:
    """Team load (open, unaddressed, longest wait per person), loaded after the page."""
    return render_fragment(request, "inbox/_team_load.html", "team_load", {"load_rows": _load_rows(request)})


@require_GET
@inbox_view(perm=VIEW)
def inbox_charts(request: InboxRequest, subdomain: str) -> HttpResponse:
    """The messages per day chart, loaded after the page (it pages through two weeks of
    messages, at background priority: pages come first)."""
    stats = event_svc.message_stats(
        client=get_client(subdomain, low_priority=True), days=CHART_DAYS, tz=timezone.get_current_timezone()
    )
    ctx = {"chart": _message_chart(stats), "chart_days": CHART_DAYS}
    return render_fragment(request, "inbox/home.html", "messages_chart", ctx)
