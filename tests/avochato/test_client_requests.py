"""What the client puts on the wire, and what it refuses to send or accept."""

from __future__ import annotations

import pytest

from avodash.avochato import AvochatoClient, BadResponseError, NotFoundError

from .conftest import AUTH_ID, SECRET, Reply, ok


def test_it_puts_credentials_and_subdomain_in_the_query_for_get(api, make_client):
    api.script(ok(tickets=[]))
    env = make_client().get(("tickets",), params={"status": "Open", "page": 2})
    assert env == {"status": 200, "data": {"tickets": []}}
    (seen,) = api.requests
    assert seen.method == "GET" and seen.path == "/v1/tickets"
    assert seen.query == {
        "status": "Open",
        "page": "2",
        "auth_id": AUTH_ID,
        "auth_secret": SECRET,
        "subdomain": "acme-support",
    }


def test_it_puts_credentials_in_the_query_for_delete(api, make_client):
    make_client().delete(("messages", "m1"), params={"x": "1"})
    (seen,) = api.requests
    assert seen.method == "DELETE" and seen.path == "/v1/messages/m1"
    assert seen.query["auth_secret"] == SECRET and seen.query["subdomain"] == "acme-support"
    assert seen.query["x"] == "1"


@pytest.mark.parametrize("verb", ["post", "put"])
def test_it_sends_a_json_body_with_credentials_for_post_and_put(api, make_client, verb):
    getattr(make_client(), verb)(("messages",), data={"phone": "+16505551234", "message": "hi"})
    (seen,) = api.requests
    assert seen.query == {}  # nothing (no secret) in the URL
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.body == {
        "phone": "+16505551234",
        "message": "hi",
        "auth_id": AUTH_ID,
        "auth_secret": SECRET,
        "subdomain": "acme-support",
    }


def test_it_omits_subdomain_when_unbound_and_the_binding_wins_over_params(api, make_client):
    make_client(subdomain=None).get(("accounts",))
    assert "subdomain" not in api.requests[0].query
    make_client().get(("tickets",), params={"subdomain": "globex-help"})
    assert api.requests[1].query["subdomain"] == "acme-support"


def test_for_inbox_shares_the_session_and_limiter_but_not_the_inbox(api, make_client):
    client = make_client(rate_limiter=object())
    other = client.for_inbox("acme-sales")
    assert other.session is client.session and other.rate_limiter is client.rate_limiter
    assert client.subdomain == "acme-support" and other.subdomain == "acme-sales"
    other.rate_limiter = None
    other.get(("tickets",))
    assert api.requests[0].query["subdomain"] == "acme-sales"


def test_it_escapes_each_path_segment(api, make_client):
    client = make_client()
    client.get(("tickets", "abc,def", "events"))
    client.get(("users", "a/b?c#d e"))
    assert api.requests[0].path == "/v1/tickets/abc%2Cdef/events"
    assert api.requests[1].path == "/v1/users/a%2Fb%3Fc%23d%20e"


@pytest.mark.parametrize("segment", ["", ".", ".."])
def test_it_refuses_empty_and_dot_segments_before_any_io(api, make_client, segment):
    with pytest.raises(ValueError):
        make_client().get(("tickets", segment))
    with pytest.raises(ValueError):
        make_client().post(("contacts", segment, "tags"), data={})
    assert api.requests == []


def test_it_refuses_a_string_path(api, make_client):
    with pytest.raises(TypeError):
        make_client().get("tickets")
    assert api.requests == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_it_never_follows_redirects(api, make_client, status):
    api.script(Reply(status=status, headers={"Location": api.url + "/v1/elsewhere"}, body=""))
    with pytest.raises(BadResponseError, match="redirected") as info:
        make_client().get(("tickets",))
    assert info.value.status == status
    assert [r.path for r in api.requests] == ["/v1/tickets"]  # not retried, not followed


@pytest.mark.parametrize(
    "url",
    ["http://www.avochato.com", "http://10.0.0.5:8000", "ftp://localhost", "https://u:p@x.example", "nope"],
)
def test_it_refuses_plain_http_and_odd_urls(url):
    with pytest.raises(ValueError):
        AvochatoClient(url, AUTH_ID, SECRET)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.avochato.com",
        "https://www.avochato.com/",
        "http://localhost:8001",
        "http://127.0.0.1:8001",
        "http://[::1]:8001",
    ],
)
def test_it_accepts_https_and_local_http(url):
    assert AvochatoClient(url, AUTH_ID, SECRET).base_url == url.rstrip("/")


def test_it_caps_the_response_size_with_content_length(api, make_client):
    api.script(ok(blob="x" * 5000))
    with pytest.raises(BadResponseError, match="too large"):
        make_client(max_bytes=1000).get(("tickets",))


def test_it_caps_the_response_size_while_streaming(api, make_client):
    api.script(Reply(body={"status": 200, "data": {"blob": "x" * 300_000}}, no_length=True))
    with pytest.raises(BadResponseError, match="too large"):
        make_client(max_bytes=100_000).get(("tickets",))
    api.script(Reply(body={"status": 200, "data": {"n": 1}}, no_length=True))
    assert make_client(max_bytes=100_000).get(("tickets",))["data"] == {"n": 1}


def test_get_one_returns_the_first_item(api, make_client):
    api.script(ok(tickets=[{"id": "t1"}, {"id": "t2"}]))
    assert make_client().get_one(("tickets", "t1"), key="tickets") == {"id": "t1"}


def test_get_one_on_an_empty_array_is_not_found(api, make_client):
    api.script(ok(tickets=[]))
    with pytest.raises(NotFoundError) as info:
        make_client().get_one(("tickets", "nope"), key="tickets")
    assert info.value.status == 404


def test_it_reuses_pooled_connections(api, make_client):
    client = make_client()
    for _ in range(3):
        client.get(("tickets",))
    client.for_inbox("acme-sales").get(("tickets",))
    assert len(api.requests) == 4
    assert len({r.peer for r in api.requests}) == 1  # one keep-alive connection throughout


def test_a_body_json_cannot_carry_fails_before_any_io(api, make_client):
    with pytest.raises(TypeError):
        make_client().post(("messages",), data={"when": object()})
    assert api.requests == []
