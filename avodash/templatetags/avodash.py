"""Template helpers loaded everywhere (settings TEMPLATES builtins)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template import defaulttags
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from avodash.domain import phones
from avodash.hosts import host_url
from avodash.late import CONTEXT_KEY as LATE_PARTS

register = template.Library()


class HostURLNode(defaulttags.URLNode):
    """Django's `{% url %}`, then the host form when INBOX_HOST_DOMAIN is on (avodash.hosts):
    every template's links follow the inbox's host with no change to the template."""

    def render(self, context) -> str:
        out = super().render(context)
        request = getattr(context, "request", None)
        if self.asvar:
            context[self.asvar] = host_url(request, context[self.asvar])
            return out
        return host_url(request, out)


@register.tag
def url(parser, token) -> HostURLNode:
    """Replaces the built-in `{% url %}` (this library is a builtin loaded after Django's)."""
    node = defaulttags.url(parser, token)
    return HostURLNode(node.view_name, node.args, node.kwargs, node.asvar)


class LateNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        parts = context.get(LATE_PARTS)
        if parts is None:
            return self.nodelist.render(context)
        return parts.defer(self.nodelist, context)


@register.tag
def late(parser, token) -> LateNode:
    """`{% late %}...{% endlate %}`: what reads the page's last API round (avodash.late). Under
    `render_alongside` it is rendered once that round has answered; otherwise in place."""
    nodelist = parser.parse(("endlate",))
    parser.delete_first_token()
    return LateNode(nodelist)


@register.simple_tag(takes_context=True)
def inbox_field(context) -> str:
    """The hidden `inbox` field every write form carries (see avodash.access)."""
    request = context.get("request")
    inbox = getattr(request, "inbox", None) or context.get("current_inbox")
    value = inbox.subdomain if inbox else ""
    return format_html('<input type="hidden" name="inbox" value="{}">', value)


@register.simple_tag
def user_options(users, selected=None) -> SafeString:
    """`<option value="id">name</option>` for each user of a person picker, `selected` on the one
    whose id is `selected`. Built here rather than by a template loop: a picker lists every user
    of the inbox, hundreds of them, on every page that has one."""
    out = []
    for u in users:
        mark = " selected" if u.id == selected else ""
        out.append(f'<option value="{conditional_escape(u.id)}"{mark}>{conditional_escape(u.name)}</option>')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.filter
def reltime(value: datetime | None) -> str:
    """'5 minutes ago' with the exact local time on hover (a <time> element)."""
    if not value:
        return "—"
    local = timezone.localtime(value)
    now = timezone.now()
    if value <= now:
        text = f"{timesince(value, now).split(',')[0]} ago"
    else:
        text = f"in {timesince(now, value).split(',')[0]}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        local.strftime("%a %d %b %Y %H:%M %Z"),
        text.replace("\xa0", " "),
    )


@register.filter
def phone(value: str | None) -> str:
    """A stored number as people read it: `(415) 555-1234` in the settings' PHONE_REGION,
    international otherwise, with the E.164 form on hover. Not a number: the text, escaped."""
    if not value:
        return ""
    e164 = phones.stored_e164(value)
    if e164 is None:
        return conditional_escape(value)
    # format_html escapes both parts; only the HTML built here is marked safe.
    return format_html('<span title="{}">{}</span>', e164, phones.shown(e164))


@register.filter
def exacttime(value: datetime | None) -> str:
    if not value:
        return "—"
    return timezone.localtime(value).strftime("%d %b %Y %H:%M")


@register.filter
def duration(seconds: float | int | None) -> str:
    """Seconds in one format everywhere: the two largest units, the second zero-padded
    ('45s', '3m 05s', '2h 03m', '1d 23h'); days from 24 hours on, so a column of waits
    reads in one unit per size."""
    if seconds is None:
        return "—"
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h}h {m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d {h:02d}h"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    request = context["request"]
    params = request.GET.copy()
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = v
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def action_label(action: str) -> str:
    """An audit action's name for people ("Role changed" for team.user_role)."""
    from avodash.audit import action_label as label

    return label(action)


@register.filter
def get_item(mapping, key):
    """mapping[key], or None: for dicts built by views (never API JSON)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
