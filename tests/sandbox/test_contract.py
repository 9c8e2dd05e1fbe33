"""The contract: every operation of endpoints.json, sent as documented, answers like its example.

For each of the 64 operations: the documented request (ids swapped for real demo ids,
credentials for the sandbox's, past timestamps for current ones) must answer the documented
status with exactly the keys of the example response, each with the same JSON type
(recursively; every list item against the example's first; null in the example matches
anything; the only keys added are those NOTES.md documents, `NOTES_EXTRA`), and with the
headers the reference's answers show (`Content-Type: application/json; charset=utf-8`,
`X-Request-Id`, `X-Runtime`). The same request with a bad secret is a 401, and without a
required parameter a 4xx, never a 5xx, with the same headers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import pytest
import requests

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import BOB_PHONE
from avodash.sandbox.state import SandboxState, SmsMessage
from tests.sandbox.test_http import assert_rails_headers

# A copy of the shared reference (shared/api/endpoints.json), so CI's checkout has it too.
ENDPOINTS_FILE = Path(__file__).resolve().parent / "reference" / "endpoints.json"
OPERATIONS: list[dict[str, Any]] = json.loads(ENDPOINTS_FILE.read_text())
CREDS = {"auth_id": "sandbox", "auth_secret": "sandbox-secret"}
AUTH = ("auth_id", "auth_secret")


def _kind(key: str) -> str:
    return key[:-1] if key.endswith("s") else key


def _nullable_fields(operations: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Per kind of object (`ticket`, `contact`, ...), the fields some example shows as null."""
    out: dict[str, set[str]] = {}

    def walk(kind: str, value: Any) -> None:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                out.setdefault(kind, set()).update(k for k, v in item.items() if v is None)

    for op in operations:
        data = (op["example"]["response_body"] or {}).get("data")
        if isinstance(data, dict):
            for key, value in data.items():
                walk(_kind(key), value)
    return out


NULLABLE = _nullable_fields(OPERATIONS)


# Keys our answers carry beyond an example's, because NOTES.md documents them (and only those).
NOTES_EXTRA: dict[str, dict[str, set[str]]] = {
    # "Ticket lists carry `total_count` and a `last_key` cursor" (the examples show no last_key)
    "List all Tickets": {"$.data": {"last_key"}},
    "Search Tickets": {"$.data": {"last_key"}},
}


def assert_shape(
    example: Any,
    actual: Any,
    where: str = "$",
    nullable: frozenset[str] = frozenset(),
    kind: str = "",
    extra_ok: dict[str, set[str]] | None = None,
    keys_only: bool = False,
) -> None:
    """`actual` has exactly the keys of `example`, each with the same JSON type (null matches
    anything), at every level: no key missing, none added (but `extra_ok[where]` or
    `extra_ok["kind:<kind>"]`, documented elsewhere). A list's first item is checked against
    the example's first item; the other items for their keys (real data has nulls the
    example does not show).

    A null in ours is accepted only where the reference itself shows that field null for the
    same kind of object somewhere (`NULLABLE`: tickets may be unassigned, as List all Tickets
    shows). Event streams mix kinds: each of our events is checked against the example event
    of the same `element_type`.
    """
    if example is None:
        return
    if actual is None and (keys_only or where.rsplit(".", 1)[-1] in nullable):
        return
    if keys_only and not isinstance(example, (dict, list)):
        return
    if isinstance(example, bool):
        assert isinstance(actual, bool), f"{where}: expected a boolean, got {actual!r}"
    elif isinstance(example, (int, float)):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), (
            f"{where}: expected a number, got {actual!r}"
        )
    elif isinstance(example, str):
        assert isinstance(actual, str), f"{where}: expected a string, got {actual!r}"
    elif isinstance(example, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        allowed = (extra_ok or {}).get(where, set()) | (extra_ok or {}).get(f"kind:{kind}", set())
        extra = set(actual) - set(example) - allowed
        assert not extra, f"{where}: keys the reference does not show: {sorted(extra)}"
        for key, value in example.items():
            assert key in actual, f"{where}: missing key {key!r} (have {sorted(actual)})"
            sub_kind = _kind(key) if where in ("$.data", "$") else kind
            fields = frozenset(NULLABLE.get(sub_kind, ())) if sub_kind != kind else nullable
            assert_shape(value, actual[key], f"{where}.{key}", fields, sub_kind, extra_ok, keys_only)
    elif isinstance(example, list):
        assert isinstance(actual, list), f"{where}: expected an array, got {actual!r}"
        if not (example and actual):
            return
        by_type = {e.get("element_type"): e for e in example if isinstance(e, dict)}
        if None not in by_type and isinstance(actual[0], dict):  # an event stream
            checked = 0
            for i, item in enumerate(actual):
                if item.get("element_type") in by_type:
                    # an SmsMessage is the same object the messages examples show
                    same = NULLABLE.get("message", set()) if item["element_type"] == "SmsMessage" else set()
                    assert_shape(
                        by_type[item["element_type"]], item, f"{where}[{i}]", nullable | same, kind, extra_ok
                    )
                    checked += 1
            assert checked, f"{where}: no event of a documented element_type"
        else:
            for i, item in enumerate(actual):
                assert_shape(example[0], item, f"{where}[{i}]", nullable, kind, extra_ok, keys_only or i > 0)


def test_assert_shape_catches_differences() -> None:
    assert_shape({"a": [{"b": 1, "c": None}]}, {"a": [{"b": 2.5, "c": "x"}, {"b": 3, "c": None}]})
    for bad in (
        {"a": [{"b": 2.5, "c": "x", "d": 1}]},  # a key the example does not show
        {"a": [{"b": 1}, {"b": 1, "d": 1}]},  # ... in any item
        {"a": [{"c": 1}]},
        {"a": [{"b": "1"}]},
        {"a": {}},
        {"a": [{"b": True}]},
        {"a": [{"b": None}]},
    ):
        with pytest.raises(AssertionError):
            assert_shape({"a": [{"b": 1}]}, bad)
    # tickets may be unassigned: the reference shows a null user_id on a ticket
    assert_shape({"data": {"tickets": [{"user_id": "x"}]}}, {"data": {"tickets": [{"user_id": None}]}})
    with pytest.raises(AssertionError):  # but a contact's company is never shown null
        assert_shape({"data": {"contacts": [{"company": "x"}]}}, {"data": {"contacts": [{"company": None}]}})
    # NOTES.md's keys are allowed where named
    assert_shape({"data": {"a": 1}}, {"data": {"a": 1, "last_key": ""}}, extra_ok={"$.data": {"last_key"}})
    # later list items: keys checked, nulls allowed
    assert_shape({"a": [{"b": 1}]}, {"a": [{"b": 1}, {"b": None}]})


def test_the_reference_has_64_operations() -> None:
    assert len(OPERATIONS) == 64


# -- picking real demo ids -------------------------------------------------------------------
class Demo:
    """Real ids from the seeded state, chosen per operation."""

    def __init__(self, state: SandboxState):
        self.state = state
        self.inbox = state.inboxes["acme-support"]
        inbox = self.inbox
        bob = inbox.contact_by_phone(BOB_PHONE)
        assert bob is not None
        self.bob = bob
        self.other = inbox.contact_by_phone("+15551234568")
        blocked = {c.id for c in inbox.contacts.values() if c.blocked}
        self.open_tickets = [
            t.id
            for t in inbox.tickets.values()
            if t.status in ("Open", "Pending") and t.contact_id not in blocked
        ]
        self.with_previous = next(
            inbox.tickets_of(c)[-1].id for c in inbox.contacts if len(inbox.tickets_of(c)) > 1
        )
        self.inbound = next(
            e
            for e in inbox.events.values()
            if isinstance(e, SmsMessage)
            and e.direction == "in"
            and e.status == "delivered"
            and len(e.message.split()) > 3
        )
        self.pending = next(
            p.event_id for p in inbox.pending.values() if not p.aborted and p.sent_element_id is None
        )
        self.drafts = [b.id for b in inbox.broadcasts.values() if b.status == "draft"]
        self.broadcasts = list(inbox.broadcasts)

    def richest_stream(self, op: dict[str, Any]) -> str:
        wanted = {e["element_type"] for e in op["example"]["response_body"]["data"]["events"]}

        def kinds(ticket_id: str) -> int:
            stream = self.inbox.stream(self.inbox.tickets[ticket_id])
            return len(wanted & {e.element_type for e in stream})

        return max(self.open_tickets, key=kinds)

    def user(self, email: str) -> str:
        user = self.state.user_by_email(email)
        assert user is not None
        return user.id

    def ids_for(self, op: dict[str, Any], resource: str, count: int) -> list[str]:
        title = op["title"]
        if resource == "accounts":
            return ["acme-support", "acme-sales"][:count]
        if resource == "broadcasts":
            if title in ("Update Broadcast", "Publish Broadcast"):
                return self.drafts[:1]
            return self.broadcasts[:count]
        if resource == "campaigns":
            return ["one", "two"][:count]
        if resource == "contacts":
            return [self.bob.id, self.other.id][:count]
        if resource == "tickets":
            if title == "Fetch Previous Tickets":
                return [self.with_previous]
            if title == "Fetch Events":  # a stream with every kind of event the example shows
                return [self.richest_stream(op)]
            return self.open_tickets[:count]
        if resource == "messages":
            return [self.pending] if op["method"] == "DELETE" else [self.inbound.event_id]
        if resource == "users":
            return [
                {
                    "Delete a User": self.user("tom.becker@acme.example"),
                    "Re-enable a User": self.user("priya.shah@acme.example"),
                    "Set MFA Phone Number": self.user("grace.kim@acme.example"),
                    "List User Inboxes": self.user("aisha.khan@acme.example"),
                }.get(title, self.user("jordan.lee@acme.example"))
            ]
        raise AssertionError(f"no demo ids for {resource}")

    def value_for(self, op: dict[str, Any], name: str, value: Any) -> Any:
        """A real value for a documented parameter (None: keep the example's)."""
        now = time.time()
        title = op["title"]
        if name in AUTH:
            return CREDS[name]
        if title.startswith("Search Messages") and not title.startswith("Search Scheduled"):
            msg = self.inbound
            return {
                "query": msg.message.split()[2].strip("!?,."),
                "from": msg.from_,
                "to": msg.to,
                "created_at[from]": msg.created_at - 60,
                "created_at[to]": now + 60,
            }.get(name)
        if name == "scheduled_for[from]":
            return now
        if name == "scheduled_for[to]":
            return now + 30 * 86400
        if name == "created_at[from]":
            return now - 1000 * 86400
        if name == "created_at[to]":
            return now + 60
        if name == "scheduled_for" and title == "Send a Scheduled Message":
            return now + 600
        if name == "from":
            return self.inbox.phone
        if name == "user_email":
            return "jordan.lee@acme.example"
        if name == "user_id" and value not in ("autoassign", "unassign") and "tickets" in op["path"]:
            return self.user("jordan.lee@acme.example")
        if name == "via_contact_ids":
            return self.bob.id
        if name == "contacts" and isinstance(value, list) and value and isinstance(value[0], dict):
            return [{**c, "user_id": "jordan.lee@acme.example"} for c in value]
        return None


def build_request(op: dict[str, Any], demo: Demo, api_url: str) -> dict[str, Any]:
    example = op["example"]
    method, route = example["route"].split(" ", 1)
    path, _, query = route.partition("?")
    template = op["path"].strip("/").split("/")
    segments = path.strip("/").split("/")
    assert len(template) == len(segments), op["title"]
    for i, part in enumerate(template):
        if part.startswith(":"):
            count = len(unquote(segments[i]).split(","))
            segments[i] = quote(",".join(demo.ids_for(op, template[i - 1], count)), safe="")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)]
    params = [(k, v if (real := demo.value_for(op, k, v)) is None else str(real)) for k, v in params]
    body = example["request_body"]
    if body is not None:
        body = {k: (v if (real := demo.value_for(op, k, v)) is None else real) for k, v in body.items()}
    if op["title"] == "Paginate contact results":  # a real cursor instead of the example's
        first = requests.get(
            f"{api_url}/v1/contacts", params={**CREDS, "query": "country:US", "limit": 1}, timeout=10
        ).json()
        params = [(k, first["data"]["next_page"] if k == "after_page" else v) for k, v in params]
    return {"method": method, "segments": segments, "params": params, "body": body}


def send(api_url: str, req: dict[str, Any]) -> requests.Response:
    url = api_url + "/" + "/".join(req["segments"])
    return requests.request(req["method"], url, params=req["params"] or None, json=req["body"], timeout=10)


def required_to_drop(op: dict[str, Any], req: dict[str, Any]) -> tuple[str, str]:
    """("param", name) for a documented required parameter the example sends, else
    ("segment", index) for a path id, else ("param", "auth_secret")."""
    present = {k for k, _ in req["params"]} | set(req["body"] or {})
    for p in op["params"]:
        if (
            p["required"]
            and p["name"] not in AUTH
            and not p["description"].startswith("(URL")
            and p["name"] in present
        ):
            return "param", p["name"]
    for i, part in enumerate(op["path"].strip("/").split("/")):
        if part.startswith(":"):
            return "segment", str(i)
    return "param", "auth_secret"


@pytest.mark.parametrize(
    "op", OPERATIONS, ids=[f"{o['method']} {o['path']} {o['title']}" for o in OPERATIONS]
)
def test_operation_matches_its_example(srv: SandboxServer, op: dict[str, Any]) -> None:
    srv.set_rate_limit(None)
    demo = Demo(srv.state)
    req = build_request(op, demo, srv.url)
    example = op["example"]

    resp = send(srv.url, req)
    assert resp.status_code == example["response_status"], resp.text
    # A contact's custom variables are keys of the contact, as the Update Single Contact
    # example shows (`custom_variable_name`): the demo's own are allowed on contacts.
    custom = {k for inbox in srv.state.inboxes.values() for c in inbox.contacts.values() for k in c.custom}
    extra_ok = {**NOTES_EXTRA.get(op["title"], {}), "kind:contact": custom}
    assert_shape(example["response_body"], resp.json(), extra_ok=extra_ok)
    assert_rails_headers(resp)

    srv.reset()
    srv.set_rate_limit(None)
    bad = dict(req)
    bad["params"] = [(k, "wrong" if k == "auth_secret" else v) for k, v in req["params"]]
    if req["body"] is not None:
        bad["body"] = {**req["body"], "auth_secret": "wrong"}
    resp = send(srv.url, bad)
    assert resp.status_code == 401, resp.text
    assert resp.json() == {"status": 401, "errors": ["Unauthorized"]}
    assert_rails_headers(resp)

    kind, name = required_to_drop(op, req)
    missing = dict(req)
    if kind == "segment":
        missing["segments"] = [("" if str(i) == name else s) for i, s in enumerate(req["segments"])]
    else:
        missing["params"] = [(k, v) for k, v in req["params"] if k != name]
        if req["body"] is not None:
            missing["body"] = {k: v for k, v in req["body"].items() if k != name}
    resp = send(srv.url, missing)
    assert 400 <= resp.status_code < 500, f"without {name}: {resp.status_code} {resp.text}"
    assert "errors" in resp.json()
    assert_rails_headers(resp)
