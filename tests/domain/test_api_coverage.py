"""Every route of the API reference is used by avodash's service layer (except `POST /v1/calls`:
calls need a telephony client). Read from the code itself: each call on an API client
(`client.get/post/put/delete/iter_pages/iter_cursor`) with its path written as a tuple of
segments, directly, through a variable assigned from a tuple, or through `users.addressed()`.
A route that no code calls fails the test, by name."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT.parent / "shared" / "api" / "endpoints.json"
CODE = ["avodash/domain", "avodash/avochato", "inbox", "team", "accounts"]
NOT_USED_ON_PURPOSE = {("POST", "/v1/calls")}  # a call needs a telephony client
METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "delete": "DELETE",
    "iter_pages": "GET",
    "iter_cursor": "GET",
}
ANY = "*"  # a segment the code computes


def _segments(node: ast.expr, paths: dict[str, list[str]]) -> list[str] | None:
    if isinstance(node, ast.Tuple):
        out = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str) and elt.value != "_":
                out.append(elt.value)
            elif isinstance(elt, ast.Starred):
                return None
            else:
                out.append(ANY)
        return out
    if isinstance(node, ast.Name):
        return paths.get(node.id)
    if isinstance(node, ast.Starred) and isinstance(node.value, ast.Call):
        return _addressed(node.value)
    return None


def _addressed(call: ast.Call) -> list[str] | None:
    """`addressed(user, "disable")` -> users/<id>/disable (by id, or `_` plus email=)."""
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    if name != "addressed":
        return None
    suffix = [a.value for a in call.args[1:] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return ["users", ANY, *suffix]


def _calls_in(tree: ast.AST) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        paths: dict[str, list[str]] = {}
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
                if isinstance(target, ast.Name) and (segs := _segments(value, paths)) is not None:
                    paths[target.id] = segs
                elif isinstance(target, ast.Tuple) and isinstance(value, ast.Call) and target.elts:
                    first = target.elts[0]
                    if isinstance(first, ast.Name) and (segs := _addressed(value)) is not None:
                        paths[first.id] = segs
        for node in ast.walk(func):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in METHODS
                and node.args
                and (segs := _segments(node.args[0], paths)) is not None
            ):
                found.add((METHODS[node.func.attr], "/v1/" + "/".join(segs)))
    return found


def _used() -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                used |= _calls_in(ast.parse(path.read_text(), filename=str(path)))
    return used


def _matches(route: str, called: str) -> bool:
    want, got = route.strip("/").split("/"), called.strip("/").split("/")
    return len(want) == len(got) and all(
        (w.startswith(":") and g == ANY) or w == g for w, g in zip(want, got, strict=True)
    )


def test_the_scanner_reads_the_ways_the_code_names_a_path():
    code = """
def f(client, user, ids):
    client.get(("tickets", ",".join(ids), "events"))
    path, params = addressed(user, "disable")
    client.post(path, params)
    client.delete(*addressed(user))
    where = ("contacts", "remove_all")
    client.delete(where)
    client.iter_pages(("accounts",), {}, key="accounts")
"""
    assert _calls_in(ast.parse(code)) == {
        ("GET", "/v1/tickets/*/events"),
        ("POST", "/v1/users/*/disable"),
        ("DELETE", "/v1/users/*"),
        ("DELETE", "/v1/contacts/remove_all"),
        ("GET", "/v1/accounts"),
    }


@pytest.mark.skipif(not API.exists(), reason="the API reference (../shared/api) is not beside this checkout")
def test_every_route_of_the_reference_is_used_by_the_service_layer():
    routes = {(e["method"], e["path"]) for e in json.loads(API.read_text())}
    assert len(routes) == 45
    used = _used()
    unused = sorted(
        f"{method} {route}"
        for method, route in routes - NOT_USED_ON_PURPOSE
        if not any(m == method and _matches(route, called) for m, called in used)
    )
    assert unused == [], "routes no service calls: " + ", ".join(unused)
