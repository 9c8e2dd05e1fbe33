"""How requests reach the sandbox: the three ways of passing parameters, id lists, paths,
credentials, subdomain scoping, the rate limit, and the request log."""

from __future__ import annotations

import time

import pytest
import requests

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import BOB_PHONE
from tests.helpers import Clock
from tests.sandbox.conftest import DEFAULT, MANAGER, Api, http


def _open_ticket(srv: SandboxServer, sub: str = "acme-support") -> str:
    inbox = srv.state.inboxes[sub]
    return next(
        t.id
        for t in inbox.tickets.values()
        if t.status == "Open" and not inbox.contacts[t.contact_id].blocked
    )


def test_it_accepts_parameters_in_the_query_string_for_a_post(srv: SandboxServer) -> None:
    r = http.post(
        f"{srv.url}/v1/messages", params={**DEFAULT, "phone": "+14155550999", "message": "query string"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["message"]["message"].startswith("query string")


def test_it_accepts_a_json_body(srv: SandboxServer) -> None:
    r = http.post(f"{srv.url}/v1/messages", json={**DEFAULT, "phone": "+14155550998", "message": "json body"})
    assert r.status_code == 200, r.text


def test_it_accepts_a_form_body_for_post_and_put(srv: SandboxServer) -> None:
    r = http.post(f"{srv.url}/v1/messages", data={**DEFAULT, "phone": "+14155550997", "message": "form body"})
    assert r.status_code == 200, r.text
    tid = _open_ticket(srv)
    r = http.put(f"{srv.url}/v1/tickets/{tid}", data={**DEFAULT, "status": "Pending"})
    assert r.json()["data"]["tickets"][0]["status"] == "Pending"


def test_it_nests_bracketed_form_parameters(srv: SandboxServer) -> None:
    form = {
        **DEFAULT,
        "contacts[0][phone]": "+14155550111",
        "contacts[0][name]": "Ann Form",
        "contacts[1][phone]": "+14155550112",
        "contacts[1][name]": "Ben Form",
    }
    r = http.post(f"{srv.url}/v1/contacts", data=form)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["contact"]["name"] == "Ben Form"  # the answer names the last one
    now = time.time()
    r = http.get(f"{srv.url}/v1/contacts", params={**DEFAULT, "created_at[from]": now - 60})
    assert {c["name"] for c in r.json()["data"]["contacts"]} == {"Ann Form", "Ben Form"}


def test_it_splits_comma_lists_plain_or_percent_encoded(api: Api, srv: SandboxServer) -> None:
    ids = list(srv.state.inboxes["acme-support"].tickets)[:2]
    for path in (f"/v1/tickets/{ids[0]},{ids[1]}", f"/v1/tickets/{ids[0]}%2C{ids[1]}"):
        got = [t["id"] for t in api.get(path).json()["data"]["tickets"]]
        assert got == ids


def test_it_refuses_empty_and_dot_segments(api: Api) -> None:
    for path in ("/v1/tickets//events", "/v1/tickets/", "/v1/users/..", "/v1/users/./accounts"):
        r = api.get(path)
        assert r.status_code == 404, path
        assert r.json()["errors"]


def test_unknown_path_is_404_and_wrong_method_405(api: Api) -> None:
    assert api.get("/v1/nothing").status_code == 404
    assert api.delete("/v1/whoami").status_code == 405


def test_bad_json_is_a_400(srv: SandboxServer) -> None:
    r = http.post(f"{srv.url}/v1/messages", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["errors"]


def test_bad_or_missing_credentials_are_401(srv: SandboxServer) -> None:
    for params in (
        {},
        {"auth_id": "sandbox"},
        {"auth_id": "sandbox", "auth_secret": "nope"},
        {"auth_id": "nobody", "auth_secret": "sandbox-secret"},
    ):
        r = http.get(f"{srv.url}/v1/whoami", params=params)
        assert r.status_code == 401
        assert r.json() == {"status": 401, "errors": ["Unauthorized"]}


def test_a_credential_whose_user_left_its_inbox_stops_working(api: Api, manager_api: Api) -> None:
    maya = manager_api.get("/v1/whoami").json()["data"]["user"]["id"]
    assert api.delete(f"/v1/users/{maya}").status_code == 200
    assert manager_api.get("/v1/whoami").status_code == 401


def test_environment_credentials_replace_the_default_pair() -> None:
    with SandboxServer(port=0, auth_id="env-id", auth_secret="env-secret") as other:
        ok = http.get(f"{other.url}/v1/whoami", params={"auth_id": "env-id", "auth_secret": "env-secret"})
        assert ok.status_code == 200
        assert http.get(f"{other.url}/v1/whoami", params=DEFAULT).status_code == 401


# -- subdomain scoping -----------------------------------------------------------------------
def test_calls_act_on_the_credentials_inbox_by_default(api: Api) -> None:
    assert api.get("/v1/whoami").json()["data"]["account"]["subdomain"] == "acme-support"


def test_subdomain_selects_another_inbox_the_user_belongs_to(api: Api, srv: SandboxServer) -> None:
    r = api.get("/v1/tickets", subdomain="globex-help", status="Open")
    globex = srv.state.inboxes["globex-help"].tickets
    assert r.status_code == 200
    assert r.json()["data"]["tickets"] and all(t["id"] in globex for t in r.json()["data"]["tickets"])
    assert api.get("/v1/whoami", subdomain="globex-help").json()["data"]["account"]["name"] == "Globex Help"


def test_subdomain_of_an_inbox_the_user_is_not_in_is_403(manager_api: Api) -> None:
    for sub in ("globex-help", "no-such-inbox"):
        r = manager_api.get("/v1/tickets", subdomain=sub)
        assert r.status_code == 403
        assert r.json()["status"] == 403 and r.json()["errors"]


def test_subdomain_in_a_json_body_scopes_writes(api: Api, srv: SandboxServer) -> None:
    r = api.post("/v1/messages", phone="+14155550123", message="to globex", subdomain="globex-help")
    assert r.status_code == 200
    assert srv.state.inboxes["globex-help"].contact_by_phone("+14155550123") is not None
    assert srv.state.inboxes["acme-support"].contact_by_phone("+14155550123") is None


def test_auth_tokens_ignores_subdomain(manager_api: Api) -> None:
    r = manager_api.get("/v1/auth_tokens", subdomain="globex-help")
    assert r.status_code == 200
    assert r.json()["data"]["user"]["email"] == "maya.patel@acme.example"


def test_accounts_lists_only_the_users_inboxes(api: Api, manager_api: Api) -> None:
    subs = lambda a: [x["subdomain"] for x in a.get("/v1/accounts").json()["data"]["accounts"]]  # noqa: E731
    assert subs(api) == ["acme-support", "acme-sales", "globex-help"]
    assert subs(manager_api) == ["acme-support", "acme-sales"]
    fetched = manager_api.get("/v1/accounts/acme-sales,globex-help").json()["data"]["accounts"]
    assert [a["subdomain"] for a in fetched] == ["acme-sales"]


# -- rate limit ------------------------------------------------------------------------------
def test_it_rate_limits_each_credential_with_retry_after(
    srv: SandboxServer, api: Api, manager_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(srv, "clock", clock)
    srv.set_rate_limit(per_second=5)
    codes = [api.get("/v1/whoami").status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    limited = api.get("/v1/whoami")
    assert limited.status_code == 429
    assert limited.json()["status"] == 429 and limited.json()["errors"]
    assert limited.headers["Retry-After"] == "1"
    assert manager_api.get("/v1/whoami").status_code == 200  # per credential
    clock.advance(0.5)
    assert api.get("/v1/whoami").status_code == 429  # the window is one second
    clock.advance(0.5)
    assert api.get("/v1/whoami").status_code == 200


def test_default_rate_limit_is_twenty_per_second(srv: SandboxServer, api: Api) -> None:
    assert srv.rate_limiter.per_second == 20
    codes = [api.get("/v1/whoami").status_code for _ in range(22)]
    assert 429 in codes and codes[:20] == [200] * 20


# -- request log -----------------------------------------------------------------------------
def test_the_request_log_records_and_redacts(srv: SandboxServer, api: Api) -> None:
    api.get("/v1/tickets", status="Open", subdomain="acme-sales")
    api.post("/v1/messages", phone=BOB_PHONE, message="logged")
    http.get(f"{srv.url}/v1/whoami", params={"auth_id": "sandbox", "auth_secret": "bad"})
    log = srv.requests
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/v1/tickets", 200),
        ("POST", "/v1/messages", 200),
        ("GET", "/v1/whoami", 401),
    ]
    assert log[0]["params"]["status"] == "Open" and log[0]["subdomain"] == "acme-sales"
    assert log[1]["params"]["message"] == "logged" and log[1]["subdomain"] == "acme-support"
    assert all(e["params"]["auth_secret"] == "[REDACTED]" for e in log)
    assert "sandbox-secret" not in str(log) and "bad" not in str([e["params"] for e in log])
    assert all(isinstance(e["time"], float) for e in log)
    over_http = http.get(f"{srv.url}/_sandbox/requests").json()["requests"]
    assert [e["path"] for e in over_http] == [e["path"] for e in log]
    srv.clear_log()
    assert srv.requests == []
    api.get("/v1/whoami")
    assert http.delete(f"{srv.url}/_sandbox/requests").status_code == 200
    assert srv.requests == []


def test_it_keeps_connections_alive(srv: SandboxServer) -> None:
    session = requests.Session()
    for _ in range(3):
        assert session.get(f"{srv.url}/v1/whoami", params=DEFAULT).status_code == 200
    assert len(session.adapters["http://"].poolmanager.pools) == 1


def test_manager_credential_exists(manager_api: Api) -> None:
    who = manager_api.get("/v1/users/_", email="maya.patel@acme.example").json()["data"]["user"]
    assert who["role"] == "manager"
    assert MANAGER["auth_id"] == "sandbox-manager"
