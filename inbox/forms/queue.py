"""Forms of the ticket queue: its filters (GET, so a queue can be bookmarked), the bulk
action, and the deferred row activity. A bad GET filter is a form error at its field, and
the queue is still shown without that value."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from avodash.domain.tickets import STATUSES
from inbox.forms.change import TicketChangeForm
from inbox.forms.ids import CONTROL_RE, ID_RE
from inbox.services.tickets import ANY_STATUS, ORDERS, SELECT_ALL_CAP, TicketFilters

CURSOR_MAX = 200


OWNER_ME = "me"


OWNER_NONE = "none"


STATUS_FILTER_CHOICES = [("", "Not closed"), *((s, s) for s in STATUSES), (ANY_STATUS, "Any status")]


FILTER_FIELDS = ("status", "owner", "unaddressed", "q", "order")


class QueueFilterForm(forms.Form):
    """The queue's filters, from the URL (so a queue can be bookmarked and shared)."""

    status = forms.ChoiceField(
        required=False,
        choices=STATUS_FILTER_CHOICES,
        error_messages={
            "invalid_choice": "“%(value)s” is not a status: showing tickets that are not closed."
        },
    )
    owner = forms.CharField(
        required=False,
        max_length=64,
        error_messages={"max_length": "That is not a user of this inbox: showing every owner."},
    )
    unaddressed = forms.BooleanField(required=False)
    q = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        label="Search",
        error_messages={
            "max_length": "A search has at most %(limit_value)d characters (this one has %(show_value)d): "
            "not applied."
        },
    )
    order = forms.ChoiceField(
        required=False,
        choices=list(ORDERS.items()),
        error_messages={"invalid_choice": "“%(value)s” is not an order: showing most recent activity first."},
    )
    # The API's `last_key`, passed back as it came: opaque (NOTES.md says no more than that),
    # so only its length and control characters are checked; links carry it urlencoded.
    after = forms.CharField(required=False, max_length=CURSOR_MAX, strip=False)
    n = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Not errors: what was adjusted so the queue can still be shown (field -> text).
        self.notes: dict[str, str] = {}

    def clean_owner(self) -> str:
        owner = self.cleaned_data.get("owner") or ""
        if owner and owner not in (OWNER_ME, OWNER_NONE) and not ID_RE.match(owner):
            raise forms.ValidationError("That is not a user of this inbox: showing every owner.")
        return owner

    def clean_after(self) -> str:
        after = self.cleaned_data.get("after") or ""
        if CONTROL_RE.search(after):
            raise forms.ValidationError("That page link is not valid.")
        return after

    def page_querystring(self, after: str, n: int) -> str:
        """The filters plus a page cursor and number, for the next-page link."""
        return "&".join(q for q in (self.querystring(), urlencode({"after": after, "n": n})) if q)

    def clean(self):
        data = super().clean()
        q = data.get("q") or ""
        if data.get("status") == ANY_STATUS and " OR " in q and "status:" not in q.lower():
            self.add_error(
                "q", "A search with OR needs a specific status (or status: terms in the search): not applied."
            )
            q = ""
        if data.get("order") == "best_match" and not q:
            # Not worth a refusal: the default order, and a note at the field.
            data["order"] = ""
            self.notes["order"] = "“Best match” needs a search text: ordered by most recent activity instead."
        return data

    def add_unknown_owner_error(self, owner: str) -> None:
        """The owner id is well formed but no user of this inbox has it (checked by the view)."""
        self.add_error("owner", f"“{owner}” is not a user of this inbox: showing every owner.")

    @property
    def effective(self) -> dict:
        """The filters in force: the valid values, with invalid ones dropped (their defaults).

        After `is_valid()`, valid or not: Django leaves fields with errors out of `cleaned_data`.
        """
        d = getattr(self, "cleaned_data", None) or {}
        return {
            "status": d.get("status") or "",
            "owner": d.get("owner") or "",
            "unaddressed": bool(d.get("unaddressed")),
            "q": d.get("q") or "",
            "order": d.get("order") or "most_recent_activity",
        }

    @property
    def search_text(self) -> str:
        """What the search box shows: the applied text, or the refused one so it can be fixed."""
        if self.errors.get("q"):
            return str(self.data.get("q", ""))[:1000]
        return self.effective["q"]

    @property
    def order_value(self) -> str:
        return self.cleaned_data.get("order") or "most_recent_activity"

    def filters(self, *, me_id: str | None) -> TicketFilters:
        d = self.cleaned_data
        owner = d.get("owner") or ""
        return TicketFilters(
            status=d.get("status") or "",
            owner_id=me_id if owner == OWNER_ME else (owner if owner not in ("", OWNER_NONE) else None),
            unassigned=owner == OWNER_NONE,
            unaddressed=bool(d.get("unaddressed")),
            text=d.get("q") or "",
            order=self.order_value,
        )

    def querystring(self, **changes) -> str:
        """The filters (no page cursor) as a query string, for links and the bulk form."""
        d = {k: self.cleaned_data.get(k) for k in FILTER_FIELDS}
        d.update(changes)
        pairs = []
        for k in FILTER_FIELDS:
            v = d.get(k)
            if v in (None, "", False) or (k == "order" and v == "most_recent_activity"):
                continue
            pairs.append((k, "on" if v is True else v))
        return urlencode(pairs)


def filter_form_from_querystring(text: str) -> QueueFilterForm:
    return QueueFilterForm(QueryDict(text or "", mutable=False))


def origin_querystring(text: str) -> str:
    """The queue a ticket was opened from (`?from=`), as its filters' query string: only the
    queue's own fields, valid values only (an invalid one is dropped), no page cursor."""
    form = filter_form_from_querystring(str(text or "")[:2000])
    form.is_valid()
    return form.querystring()


class BulkForm(TicketChangeForm):
    """Bulk action on selected tickets, or on every ticket matching the filter (capped)."""

    ADDRESSED_FIELD, UNADDRESSED = "addressed", "unaddressed"

    ids = forms.CharField(required=False, max_length=SELECT_ALL_CAP * 70)
    select_all = forms.BooleanField(required=False)
    confirmed = forms.BooleanField(required=False)
    filter = forms.CharField(required=False, max_length=2000)
    status = forms.ChoiceField(
        required=False, label="Status", choices=[("", "No change"), *((s, s) for s in STATUSES)]
    )
    owner = forms.CharField(required=False, max_length=64, label="Owner")
    addressed = forms.ChoiceField(
        required=False,
        label="Addressed",
        choices=[("", "No change"), ("addressed", "Mark addressed"), ("unaddressed", "Mark unaddressed")],
    )

    def clean_ids(self) -> list[str]:
        # Checkboxes post `ids` several times; a script may post one comma-separated value.
        raw = (
            self.data.getlist("ids") if hasattr(self.data, "getlist") else [self.cleaned_data.get("ids", "")]
        )
        ids: list[str] = []
        for chunk in raw:
            for tid in (chunk or "").split(","):
                tid = tid.strip()
                if not tid:
                    continue
                if not ID_RE.match(tid):
                    raise forms.ValidationError("The selection holds an invalid ticket id.")
                if tid not in ids:
                    ids.append(tid)
        if len(ids) > SELECT_ALL_CAP:
            raise forms.ValidationError(f"Select at most {SELECT_ALL_CAP} tickets at a time.")
        return ids

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("select_all") and not data.get("ids"):
            raise forms.ValidationError("Select at least one ticket (tick its box) first.")
        if self.change().empty:
            raise forms.ValidationError("Choose what to change: a status, an owner or the addressed state.")
        return data

    @property
    def changes_owner(self) -> bool:
        return bool(self.cleaned_data.get("owner"))


class AssignMeForm(forms.Form):
    """Assign to me from the queue: the tickets (ticked, or the current row)."""

    ids = forms.CharField(required=False, max_length=SELECT_ALL_CAP * 70)
    ticket = forms.CharField(required=False, max_length=64)  # the current row (key m)
    clean_ids = BulkForm.clean_ids

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("ids") and not data.get("ticket"):
            raise forms.ValidationError("Select a ticket first (tick its box, or move to it with j and k).")
        return data

    def clean_ticket(self) -> str:
        ticket = self.cleaned_data.get("ticket") or ""
        if ticket and not ID_RE.match(ticket):
            raise forms.ValidationError("That is not a ticket id.")
        return ticket

    @property
    def ticket_ids(self) -> list[str]:
        d = self.cleaned_data
        return list(dict.fromkeys([*d.get("ids", []), *([d["ticket"]] if d.get("ticket") else [])]))


class ActivityQueryForm(forms.Form):
    ids = forms.CharField(max_length=100 * 70)

    def clean_ids(self) -> list[str]:
        ids = [i.strip() for i in self.cleaned_data["ids"].split(",") if i.strip()]
        if not ids or len(ids) > 100 or not all(ID_RE.match(i) for i in ids):
            raise forms.ValidationError("Invalid ticket ids.")
        return ids
