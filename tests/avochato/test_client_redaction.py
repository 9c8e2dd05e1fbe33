"""The API secret never shows in a log record, an error's text or a client's repr."""

from __future__ import annotations

import logging
import traceback

import pytest

from avodash.avochato import AvochatoError

from .conftest import AUTH_ID, SECRET, Reply, free_port, ok


def leaks(text: str) -> bool:
    return SECRET in text or SECRET.replace("-", "%2D") in text


def test_the_client_repr_shows_no_secret(make_client):
    client = make_client()
    assert repr(client) == (
        f"AvochatoClient(base_url={client.base_url!r}, auth_id={AUTH_ID!r}, subdomain='acme-support')"
    )
    assert not leaks(repr(client.for_inbox("acme-sales")))
    assert not leaks(repr(vars(client)))  # even a debug dump of its attributes


def test_requests_are_logged_with_the_secret_redacted(api, make_client, caplog):
    caplog.set_level(logging.DEBUG, logger="avodash.avochato")
    api.script(ok())
    make_client().get(("tickets", "a,b"), params={"status": "Open"})
    (record,) = [r for r in caplog.records if r.name == "avodash.avochato"]
    text = record.getMessage()
    assert text.startswith(
        f"GET {api.url}/v1/tickets/a%2Cb?status=Open&auth_id={AUTH_ID}&auth_secret=[redacted]"
    )
    assert "-> 200 in " in text and text.endswith(" ms")
    assert not leaks(text)


SCENARIOS = {
    "server error": (Reply(status=500, body={"status": 500, "errors": [f"bad secret {SECRET}"]}), "get"),
    "validation echoing the secret": (
        Reply(status=400, body={"errors": f"auth_secret={SECRET} invalid"}),
        "post",
    ),
    "rate limited": (Reply(status=429, headers={"Retry-After": "99"}), "get"),
    "read timeout (get)": (Reply(hang=2), "get"),
    "read timeout (post)": (Reply(hang=2), "post"),
    "dropped": (Reply(drop=True), "delete"),
    "redirect": (Reply(status=302, headers={"Location": "https://evil.example/"}, body=""), "get"),
    "html": (Reply(body="<html>oops</html>"), "get"),
    "too large": (ok(blob="x" * 5000), "get"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_no_failure_leaks_the_secret(api, make_client, caplog, name):
    caplog.set_level(logging.DEBUG)
    reply, verb = SCENARIOS[name]
    api.script(reply)
    client = make_client(timeout=(0.5, 0.2), max_attempts=2, max_bytes=2000)
    with pytest.raises(AvochatoError) as info:
        getattr(client, verb)(("tickets", "x"), {"status": "Open"})
    assert_no_leak(info.value, caplog)


def test_connection_refused_leaks_nothing(make_client, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AvochatoError) as info:
        make_client(url=f"http://127.0.0.1:{free_port()}", max_attempts=2).get(("tickets",))
    assert_no_leak(info.value, caplog)


def assert_no_leak(err: AvochatoError, caplog) -> None:
    assert not leaks(str(err)) and not leaks(repr(err)) and not leaks(err.message)
    # Nothing from requests (whose messages hold the URL with the query) is chained.
    assert err.__cause__ is None and err.__context__ is None
    assert not leaks("".join(traceback.format_exception(err)))
    for record in caplog.records:
        assert not leaks(record.getMessage())
        if record.exc_info:
            assert not leaks("".join(traceback.format_exception(*record.exc_info)))
    assert any(r.name == "avodash.avochato" for r in caplog.records)


def _client_frames(err: BaseException):
    tb = err.__traceback__
    while tb is not None:
        if "/avochato/client/" in tb.tb_frame.f_code.co_filename:
            yield tb.tb_frame
        tb = tb.tb_next


@pytest.mark.parametrize("verb", ["post", "put", "get", "delete"])
def test_no_local_of_the_clients_frames_shows_the_secret(api, make_client, verb):
    """Debug pages and error reporters print each frame's locals (repr / pprint)."""
    import pprint

    api.script(Reply(status=400, body={"status": 400, "errors": ["nope"]}))
    client = make_client(max_attempts=1)
    with pytest.raises(AvochatoError) as info:
        getattr(client, verb)(("tickets", "x"), {"status": "Open"})
    frames = list(_client_frames(info.value))
    names = {f.f_code.co_name for f in frames}
    assert {"_request", "_attempt"} <= names
    for frame in frames:
        for name, value in frame.f_locals.items():
            assert not leaks(repr(value)), (frame.f_code.co_name, name)
            assert not leaks(pprint.pformat(value)), (frame.f_code.co_name, name)
            assert not (isinstance(value, str) and type(value) is str and SECRET in value), name
    text = "".join(traceback.TracebackException.from_exception(info.value, capture_locals=True).format())
    assert not leaks(text)
    if verb in ("post", "put"):
        # The body did go out with the credentials (only its repr hides them).
        assert api.requests[-1].body["auth_secret"] == SECRET


@pytest.mark.parametrize(
    "form",
    [
        lambda s: s.upper(),
        lambda s: "".join(f"%{b:02X}" for b in s.encode()),
        lambda s: "".join(f"%{b:02x}" for b in s.encode()),
        lambda s: __import__("base64").b64encode(s.encode()).decode(),
        lambda s: __import__("base64").urlsafe_b64encode(s.encode()).decode().rstrip("="),
    ],
    ids=["upper case", "every byte percent-encoded", "lower-case hex", "base64", "url-safe base64"],
)
def test_an_api_error_echoing_the_secret_in_another_form_is_redacted(form):
    from avodash.avochato.redaction import SecretForms

    secret = "s3cr-et/Value+1"
    text = f"bad credential {form(secret)} given"
    assert SecretForms(secret).redact(text) == "bad credential [redacted] given"
    assert "s3cr" not in repr(SecretForms(secret))
