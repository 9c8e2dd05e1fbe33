"""Every answer maps to one typed error with a message fit for a person."""

from __future__ import annotations

import email.utils
import time

import pytest

from avodash.avochato import (
    AuthError,
    AvochatoError,
    BadResponseError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnavailableError,
    ValidationError,
    parse_retry_after,
)

from .conftest import Reply, free_port


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (400, ValidationError),
        (409, ValidationError),
        (422, ValidationError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
def test_it_maps_each_status_to_its_error(api, make_client, status, cls):
    api.script(Reply(status=status, body={"status": status, "errors": ["Nope"]}))
    with pytest.raises(cls) as info:
        make_client(max_attempts=1).get(("tickets",))
    err = info.value
    assert isinstance(err, AvochatoError)
    assert err.status == status
    assert str(err) == err.message and err.message


def test_auth_error_keeps_the_apis_words(api, make_client):
    api.script(Reply(status=401, body={"status": 401, "errors": ["Unauthorized"]}))
    with pytest.raises(AuthError) as info:
        make_client().get(("tickets",))
    assert "credentials" in info.value.message and "Unauthorized" in info.value.message


def test_validation_error_takes_errors_as_a_string(api, make_client):
    text = "+16505551234 is already opted out from receiving messages."
    api.script(Reply(status=400, body={"status": 400, "errors": text}))
    with pytest.raises(ValidationError) as info:
        make_client().post(("messages",), data={})
    assert info.value.errors == [text]
    assert info.value.message == text


def test_validation_error_joins_a_list_of_errors(api, make_client):
    api.script(Reply(status=422, body={"status": 422, "errors": ["Phone is invalid", "Message is too long"]}))
    with pytest.raises(ValidationError) as info:
        make_client().post(("messages",), data={})
    assert info.value.errors == ["Phone is invalid", "Message is too long"]
    assert info.value.message == "Phone is invalid; Message is too long"


def test_validation_error_without_errors_has_a_default_message(api, make_client):
    api.script(Reply(status=400, body="<html>Bad Request</html>"))
    with pytest.raises(ValidationError) as info:
        make_client().post(("messages",), data={})
    assert info.value.errors == [] and info.value.message == ValidationError.default_message


def test_an_error_inside_an_http_200_envelope_is_an_error(api, make_client):
    api.script(Reply(status=200, body={"status": 404, "errors": ["Ticket not found"]}))
    with pytest.raises(NotFoundError):
        make_client().get(("tickets", "x"))


def test_an_html_5xx_page_is_a_server_error(api, make_client):
    api.script(Reply(status=502, body="<html>Bad gateway</html>"))
    with pytest.raises(ServerError) as info:
        make_client(max_attempts=1).get(("tickets",))
    assert "html" not in info.value.message


@pytest.mark.parametrize(
    "body",
    [
        "<html>oops</html>",
        '{"status": 200, "data": {"tickets": [',  # truncated
        "[1, 2]",
        '{"status": 200}',
        '{"status": 200, "data": [1]}',
        '{"tickets": []}',
        "",
    ],
)
def test_an_unreadable_success_is_a_bad_response(api, make_client, body):
    api.script(Reply(status=200, body=body))
    with pytest.raises(BadResponseError) as info:
        make_client().get(("tickets",))
    assert info.value.status == 200


def test_an_envelope_without_status_is_accepted(api, make_client):
    # GET /v1/broadcasts/:id/audience_count answers {"data": {"count": 1}}
    api.script(Reply(body={"data": {"count": 1}}))
    assert make_client().get(("broadcasts", "b1", "audience_count"))["data"] == {"count": 1}


def test_connection_refused_is_unavailable(make_client):
    with pytest.raises(UnavailableError) as info:
        make_client(url=f"http://127.0.0.1:{free_port()}", max_attempts=1).get(("tickets",))
    assert info.value.maybe_sent is False and info.value.status is None


def test_a_timeout_is_unavailable(api, make_client):
    api.script(Reply(hang=2))
    started = time.monotonic()
    with pytest.raises(UnavailableError, match="in time") as info:
        make_client(timeout=(0.5, 0.2), max_attempts=1).get(("tickets",))
    assert time.monotonic() - started < 1.5
    assert info.value.maybe_sent is False  # a GET: nothing to fear


def test_rate_limited_carries_retry_after(api, make_client):
    api.script(Reply(status=429, headers={"Retry-After": "7"}, body={"status": 429, "errors": ["slow down"]}))
    with pytest.raises(RateLimitedError) as info:
        make_client().post(("messages",), data={})
    assert info.value.retry_after == 7.0 and info.value.status == 429


def test_rate_limited_without_retry_after(api, make_client):
    api.script(Reply(status=429, body={"status": 429, "errors": ["slow down"]}))
    with pytest.raises(RateLimitedError) as info:
        make_client().post(("messages",), data={})
    assert info.value.retry_after is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("1.5", 1.5),
        (" 0 ", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-4", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date():
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(future) <= 31
    past = email.utils.formatdate(time.time() - 30, usegmt=True)
    assert parse_retry_after(past) == 0.0


def test_errors_construct_with_defaults():
    assert str(UnavailableError()) == UnavailableError.default_message
    assert ValidationError(errors=["a", "b"]).message == "a; b"
    assert RateLimitedError(retry_after=2.5).retry_after == 2.5
    assert UnavailableError(maybe_sent=True).maybe_sent is True
    assert repr(NotFoundError(status=404)) == f"NotFoundError({NotFoundError.default_message!r}, status=404)"
