"""The connection to Avochato: the pooled session, and what a failure to exchange bytes with it
means (`transport_error`: sent or not, worth another try or not), in words that never carry the
URL (and so never the secret in its query string)."""

from __future__ import annotations

import hashlib

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from ..errors import UnavailableError
from .retries import IDEMPOTENT

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}  # the only hosts plain http may reach


def new_session(pool_size: int = 16) -> requests.Session:
    """A pooled session: one per client (or per process via the Django glue)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": "avodash"})
    return session


def credential_fingerprint(base_url: str, auth_id: str) -> str:
    """A short, stable name for one credential (API URL and auth id, never the secret), for keys
    that show up in caches, monitoring tools and the database."""
    return hashlib.sha256(f"{base_url.rstrip('/')} {auth_id}".encode()).hexdigest()[:16]


def nothing_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before any byte of the request left (safe to resend)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def transport_error(method: str, exc: requests.RequestException, *, sent: bool) -> UnavailableError:
    """Map a requests exception to our error, keeping none of its text (it may hold the URL)."""
    maybe_sent = sent and method not in IDEMPOTENT
    if isinstance(exc, requests.exceptions.SSLError):
        msg, transient = "Could not make a secure connection to Avochato.", False
    elif isinstance(exc, requests.exceptions.Timeout) or isinstance(
        exc.args[0] if exc.args else None, urllib3.exceptions.ReadTimeoutError
    ):
        msg, transient = "Avochato did not answer in time.", True
    elif isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError):
        msg = "Could not connect to Avochato." if not sent else "The connection to Avochato broke."
        transient = True
    else:
        msg, transient = "The request to Avochato failed.", False
    if maybe_sent:
        msg += " The request may have gone through: check before trying again."
    else:
        msg += " Try again in a moment."
    err = UnavailableError(msg, maybe_sent=maybe_sent, sent=sent)
    err._transient = transient  # type: ignore[attr-defined]
    err._nothing_sent = not sent  # type: ignore[attr-defined]
    return err
