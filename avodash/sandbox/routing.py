"""Request plumbing shared by the handlers: parameters, errors, the route table.

Parameters arrive as the real API accepts them: the query string, a JSON body or a form body
(merged, body winning). Bracketed names (`created_at[from]`, `contacts[0][phone]`,
`via_field[field]`) are nested into dicts/lists whichever way they came, so a handler asks
`params.range("created_at")` or `params.get("contacts")` without caring about the encoding.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from avodash.sandbox.state import Credential, Inbox, Membership, SandboxState, User

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_BRACKETS = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}


class ApiError(Exception):
    """An error answer: `{"status": status, "errors": errors}` (errors: list of str, or one str)."""

    def __init__(self, status: int, errors: list[str] | str, headers: dict[str, str] | None = None):
        super().__init__(errors if isinstance(errors, str) else "; ".join(errors))
        self.status = status
        self.errors = errors
        self.headers = headers or {}


def invalid(*messages: str) -> ApiError:
    return ApiError(422, list(messages))


def not_found(what: str = "Not found") -> ApiError:
    return ApiError(404, [what])


def forbidden(what: str) -> ApiError:
    return ApiError(403, [what])


# -- parameters -------------------------------------------------------------------------------
def _set_nested(target: dict[str, Any], name: str, value: Any) -> None:
    m = _BRACKETS.match(name)
    if not m:
        target[name] = value
        return
    keys = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
    node = target
    for key in keys[:-1]:
        nxt = node.get(key)
        if not isinstance(nxt, dict):
            # `a[]` style lists are collected under the pseudo-key "" and turned into lists below
            nxt = {} if not isinstance(nxt, list) else {str(j): v for j, v in enumerate(nxt)}
            node[key] = nxt
        node = nxt
    last = keys[-1]
    if last == "":
        node.setdefault("", []).append(value)
    else:
        node[last] = value


def _listify(value: Any) -> Any:
    """Turn {"0": a, "1": b} / {"": [a, b]} into lists, recursively."""
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if set(value) == {""}:
            return value[""]
        if value and all(k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
        return value
    if isinstance(value, list):
        return [_listify(v) for v in value]
    return value


def nest(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        _set_nested(out, name, value)
    return {k: _listify(v) for k, v in out.items()}


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """A JSON object or a form body; raises ApiError(400) when it is neither."""
    if not raw.strip():
        return {}
    text = raw.decode("utf-8", errors="replace")
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json" or (
        ctype not in ("application/x-www-form-urlencoded",) and text.lstrip()[:1] in "{["
    ):
        try:
            data = json.loads(text)
        except ValueError:
            raise ApiError(400, ["The request body is not valid JSON."]) from None
        if not isinstance(data, dict):
            raise ApiError(400, ["The request body must be a JSON object."])
        return nest(list(data.items()))
    return nest(parse_qsl(text, keep_blank_values=True))


class Params:
    """Typed access to the merged parameters of one request."""

    def __init__(self, data: dict[str, Any]):
        self.data = data

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.data:
            return self.data[name]
        m = _BRACKETS.match(name)
        if m:
            node: Any = self.data
            for key in [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2)):
                if not isinstance(node, dict) or key not in node:
                    return default
                node = node[key]
            return node
        return default

    def str(self, name: str, default: str | None = None) -> str | None:
        """The value as a stripped string; None when absent, empty or null."""
        value = self.get(name)
        if value is None or isinstance(value, (dict, list)):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            value = repr(value)
        text = str(value).strip()
        return text if text else default

    def require(self, name: str) -> str:
        value = self.str(name)
        if value is None:
            raise invalid(f"{name} is required")
        return value

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise invalid(f"{name} must be true or false")

    def float(self, name: str, default: float | None = None) -> float | None:
        value = self.str(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise invalid(f"{name} must be a number") from None
        if not math.isfinite(number):
            raise invalid(f"{name} must be a number")
        return number

    def int(self, name: str, default: int | None = None) -> int | None:
        number = self.float(name)
        return default if number is None else int(number)

    def list(self, name: str) -> list[str]:
        """A comma-separated string or a list, as clean strings."""
        value = self.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(v).strip() for v in items if v is not None and str(v).strip()]

    def range(self, name: str) -> tuple[float | None, float | None]:
        return self.float(f"{name}[from]"), self.float(f"{name}[to]")

    def page(self) -> int:
        page = self.int("page", 1) or 1
        return max(page, 1)

    def redacted(self) -> dict[str, Any]:
        out = dict(self.data)
        if "auth_secret" in out:
            out["auth_secret"] = "[REDACTED]"
        return out


def normalize_phone(raw: str) -> str | None:
    """E.164 from what people type (10 US digits get +1); None when it cannot be one."""
    text = raw.strip()
    digits = re.sub(r"[\s().-]", "", text)
    if re.fullmatch(r"\d{10}", digits):
        digits = "+1" + digits
    elif re.fullmatch(r"1\d{10}", digits):
        digits = "+" + digits
    return digits if E164.match(digits) else None


def require_phone(params: Params, name: str = "phone") -> str:
    raw = params.require(name)
    phone = normalize_phone(raw)
    if phone is None:
        raise invalid(f"{name} '{raw}' is not a valid phone number (E.164, e.g. +14155551234)")
    return phone


# -- request context and routes ---------------------------------------------------------------
@dataclass
class Ctx:
    """One authenticated API call, scoped to one inbox."""

    state: SandboxState
    params: Params
    credential: Credential
    user: User  # the acting API user
    inbox: Inbox
    path_args: list[str] = field(default_factory=list)
    now: float = 0.0

    @property
    def membership(self) -> Membership:
        return self.inbox.members[self.user.id]

    def ids(self, index: int = 0) -> list[str]:
        """A comma-separated path segment as a list of ids."""
        return [i.strip() for i in self.path_args[index].split(",") if i.strip()]


Handler = Callable[[Ctx], "Response"]


@dataclass
class Response:
    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def ok(data: dict[str, Any], **envelope: Any) -> Response:
    return Response({"status": 200, "data": data, **envelope})


@dataclass
class Route:
    method: str
    pattern: tuple[str, ...]  # literal segments, or "*" for a path argument
    handler: Handler
    ignores_subdomain: bool = False


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler, *, ignores_subdomain: bool = False) -> None:
        pattern = tuple("*" if s.startswith(":") else s for s in path.strip("/").split("/"))
        self.routes.append(Route(method, pattern, handler, ignores_subdomain))

    def route(self, method: str, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.add(method, path, fn, **kw)
            return fn

        return deco

    def match(self, method: str, segments: list[str]) -> tuple[Route, list[str]] | None:
        """Literal segments win over arguments (`/v1/messages/scheduled` before `/v1/messages/:id`)."""
        best: tuple[int, Route, list[str]] | None = None
        path_exists = False
        for route in self.routes:
            if len(route.pattern) != len(segments):
                continue
            args: list[str] = []
            score = 0
            for pat, seg in zip(route.pattern, segments, strict=True):
                if pat == "*":
                    args.append(seg)
                elif pat == seg:
                    score += 1
                else:
                    break
            else:
                path_exists = True
                if route.method == method and (best is None or score > best[0]):
                    best = (score, route, args)
        if best is None:
            if path_exists:
                raise ApiError(405, [f"{method} is not allowed here"])
            return None
        return best[1], best[2]


def paginate(items: list[Any], page: int, per_page: int) -> list[Any]:
    start = (page - 1) * per_page
    return items[start : start + per_page]


def in_range(value: float | None, lo: float | None, hi: float | None) -> bool:
    if value is None:
        return lo is None and hi is None
    return (lo is None or value >= lo) and (hi is None or value <= hi)
