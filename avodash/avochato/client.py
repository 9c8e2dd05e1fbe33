"""The one place that speaks HTTP to Avochato.

`AvochatoClient` is bound to a base URL, a credential pair and (optionally) an inbox
subdomain. It puts the credentials on every call (query string for GET/DELETE, JSON
body for POST/PUT), escapes ids as path segments, never follows redirects, caps answer
sizes, retries only what is safe to retry within a time budget, and turns every failure
into one of the typed errors in `errors.py` whose text never carries the secret.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from . import pagination
from .errors import (
    AuthError,
    AvochatoError,
    BadResponseError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnavailableError,
    ValidationError,
    api_errors,
    parse_retry_after,
)
from .ratelimit import RateLimiter, WaitAllowance
from .redaction import SecretBody, SecretForms, SecretStr
from .shared import SharedReads
from .text import UNSTORABLE_ESCAPE, without_nul

log = logging.getLogger("avodash.avochato")

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
IDEMPOTENT = {"GET", "PUT"}
RETRY_STATUSES = {429, 502, 503, 504}
BACKOFF_BASE = 0.25  # seconds; full jitter over base * 2**n, capped
BACKOFF_CAP = 4.0
MIN_TIMEOUT = 0.05  # below this an attempt cannot succeed: stop instead
BUSY_RETRY = 2.0  # seconds to suggest when our own limiter had no slot in time


def new_session(pool_size: int = 16) -> requests.Session:
    """A pooled session: one per client (or per process via the Django glue)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": "avodash"})
    return session


def _nothing_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before any byte of the request left (safe to resend)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def credential_fingerprint(base_url: str, auth_id: str) -> str:
    """A short, stable name for one credential (API URL and auth id, never the secret), for keys
    that show up in caches, monitoring tools and the database."""
    return hashlib.sha256(f"{base_url.rstrip('/')} {auth_id}".encode()).hexdigest()[:16]


class AvochatoClient:
    """A client for one credential pair and (optionally) one inbox; see docs/contracts.md."""

    def __init__(
        self,
        base_url: str,
        auth_id: str,
        auth_secret: str,
        subdomain: str | None = None,
        *,
        timeout: tuple[float, float] = (3.05, 10.0),
        budget: float = 15.0,
        max_bytes: int = 5_000_000,
        session: requests.Session | None = None,
        rate_limiter: RateLimiter | None = None,
        rate_wait: WaitAllowance | None = None,
        shared_reads: SharedReads | None = None,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        deadline: float | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not host:
            raise ValueError("AVOCHATO_API_URL must be an https:// URL.")
        if parts.scheme == "http" and host not in LOCAL_HOSTS:
            raise ValueError("AVOCHATO_API_URL must use https:// (plain http only for localhost).")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("AVOCHATO_API_URL must not carry credentials, a query or a fragment.")
        if subdomain is not None and not subdomain:
            raise ValueError("subdomain must be a non-empty string or None.")
        self.base_url = base_url.rstrip("/")
        self.auth_id = auth_id
        self._auth_secret = SecretStr(auth_secret)
        self._secret_forms = SecretForms(auth_secret) if auth_secret else None
        self.subdomain = subdomain
        self.timeout = timeout
        self.budget = budget
        self.max_bytes = max_bytes
        self.session = session or new_session()
        self.rate_limiter = rate_limiter
        # How long, all calls together, this client's owner (a page) may wait for the limiter.
        self.rate_wait = rate_wait
        self.shared_reads = shared_reads
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._clock = clock
        # An absolute clock time no call may run past (a page's total budget across all its calls).
        self.deadline = deadline

    def __repr__(self) -> str:
        return (
            f"AvochatoClient(base_url={self.base_url!r}, auth_id={self.auth_id!r}, "
            f"subdomain={self.subdomain!r})"
        )

    @property
    def fingerprint(self) -> str:
        """This client's credential, named without its secret (`credential_fingerprint`)."""
        return credential_fingerprint(self.base_url, self.auth_id)

    def for_inbox(self, subdomain: str) -> AvochatoClient:
        """The same credentials, session and limiter, scoped to another inbox."""
        return AvochatoClient(
            self.base_url,
            self.auth_id,
            self._auth_secret,
            subdomain,
            timeout=self.timeout,
            budget=self.budget,
            max_bytes=self.max_bytes,
            session=self.session,
            rate_limiter=self.rate_limiter,
            rate_wait=self.rate_wait,
            shared_reads=self.shared_reads,
            max_attempts=self.max_attempts,
            sleep=self._sleep,
            clock=self._clock,
            deadline=self.deadline,
        )

    def leaving(self, share: float = 0.25, most: float = 3.0) -> AvochatoClient:
        """The same client, giving up earlier: `share` of the time left (at most `most`
        seconds) stays unspent for what must follow, e.g. reading back a write whose answer
        did not come, instead of retrying it until the page's budget is gone."""
        now = self._clock()
        end = now + self.budget if self.deadline is None else min(self.deadline, now + self.budget)
        copy = self.for_inbox(self.subdomain)  # type: ignore[arg-type]  # None: no inbox, as here
        copy.deadline = end - min(most, max(0.0, end - now) * share)
        return copy

    # --- the four verbs -------------------------------------------------------------

    def get(self, path: Sequence[str], params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if self.shared_reads is None or not self.shared_reads.enabled:
            return self._request("GET", path, params=params)
        return self.shared_reads.read(
            self.subdomain,
            self._url(path),
            params,
            lambda: self._request("GET", path, params=params),
            max_wait=self._remaining(),
        )

    def delete(self, path: Sequence[str], params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._request("DELETE", path, params=params)

    def post(self, path: Sequence[str], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._request("POST", path, data=data)

    def put(self, path: Sequence[str], data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._request("PUT", path, data=data)

    # --- conveniences -----------------------------------------------------------------

    def get_one(
        self, path: Sequence[str], *, key: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """First item of `data[key]`: the API answers single fetches with arrays."""
        items = pagination.items_of(self.get(path, params), key)
        if not items:
            raise NotFoundError(status=404)
        if not isinstance(items[0], dict):
            raise BadResponseError()
        return items[0]

    def iter_pages(
        self,
        path: Sequence[str],
        params: Mapping[str, Any] | None = None,
        *,
        key: str,
        max_pages: int = 200,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of `data[key]` over page=1,2,... (stops at a short or empty page).

        `page_size`: the API's fixed page size where known (25 for messages and users,
        NOTES.md), so a short first page ends the walk without asking for an empty one.
        """
        return pagination.iter_pages(
            self.get, path, params, key=key, max_pages=max_pages, page_size=page_size
        )

    def iter_cursor(
        self,
        path: Sequence[str],
        params: Mapping[str, Any] | None = None,
        *,
        key: str,
        cursor: str = "last_key",
        param: str = "after",
        max_pages: int = 200,
    ) -> Iterator[dict[str, Any]]:
        """Every item of `data[key]`, following `data[cursor]` sent back as `param`."""
        return pagination.iter_cursor(
            self.get, path, params, key=key, cursor=cursor, param=param, max_pages=max_pages
        )

    # --- the machinery ----------------------------------------------------------------

    def _url(self, path: Sequence[str]) -> str:
        if isinstance(path, str) or not path:
            raise TypeError("path must be a non-empty tuple of segments, e.g. ('tickets', id)")
        segments = []
        for seg in path:
            if not isinstance(seg, str) or seg in ("", ".", ".."):
                raise ValueError(f"Refusing path segment {seg!r}: ids must be non-empty and not . or ..")
            segments.append(quote(seg, safe=""))
        return f"{self.base_url}/v1/{'/'.join(segments)}"

    def _credentials(self) -> dict[str, str]:
        creds = {"auth_id": self.auth_id, "auth_secret": self._auth_secret}
        if self.subdomain:
            creds["subdomain"] = self.subdomain
        return creds

    def _json_body(self, data: Mapping[str, Any] | None) -> SecretBody:
        """The POST/PUT body: `data` plus the credentials, as JSON. Built in one expression so
        no local ever holds the secret in plain text."""
        return SecretBody(json.dumps({**(data or {}), **self._credentials()}).encode())

    def _redact(self, text: str) -> str:
        # The secret is used in place: no plain-str local holds it.
        if not self._auth_secret:
            return text
        return self._secret_forms.redact(text)

    def _remaining(self) -> float:
        """Seconds left of this call's budget (and the page's, when it has one)."""
        deadline = self._clock() + self.budget
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        return max(0.0, deadline - self._clock())

    def _request(
        self,
        method: str,
        path: Sequence[str],
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        if method == "GET" or self.shared_reads is None:
            return self._exchange(method, path, params=params, data=data)
        try:
            return self._exchange(method, path, params=params, data=data)
        finally:
            # Even a failed write may have applied: the inbox's shared reads are retired either way.
            self.shared_reads.written(self.subdomain)

    def _exchange(
        self,
        method: str,
        path: Sequence[str],
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = self._url(path)  # validates before any I/O
        query = body = None
        if method in ("GET", "DELETE"):
            query = {**(params or {}), **self._credentials()}
            shown = {**query, "auth_secret": "[redacted]"}
            log_url = f"{url}?{urlencode(shown, doseq=True)}".replace("%5Bredacted%5D", "[redacted]")
        else:
            # Serialised here: a value JSON cannot carry is a caller's bug, raised before any I/O.
            body = self._json_body(data)
            log_url = url
        deadline = self._clock() + self.budget
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        attempt = 0
        sent: AvochatoError | None = None  # an earlier attempt's error that may have applied
        while True:
            attempt += 1
            try:
                self._take_slot(deadline)
                remaining = deadline - self._clock()
                if remaining < MIN_TIMEOUT:
                    raise UnavailableError("Avochato did not answer in time; try again in a moment.")
            except AvochatoError as err:
                # A retry that cannot start does not undo an attempt that reached Avochato.
                raise (sent or err) from None
            timeout = (min(self.timeout[0], remaining), min(self.timeout[1], remaining))
            try:
                return self._attempt(method, url, log_url, query, body, timeout, deadline)
            except AvochatoError as err:
                if isinstance(err, RateLimitedError) and err.status == 429 and self.rate_limiter is not None:
                    self.rate_limiter.pause(err.retry_after)  # Avochato ignored it: everyone waits
                if err.may_have_applied:
                    sent = err
                # What the caller hears: an earlier attempt that may have gone through outweighs
                # a later one that was refused.
                told = err if sent is None or err.may_have_applied else sent
                delay = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))
                if isinstance(err, RateLimitedError) and err.retry_after is not None:
                    delay = err.retry_after
                if (
                    attempt >= self.max_attempts
                    or not self._retryable(method, err)
                    or delay + MIN_TIMEOUT > deadline - self._clock()  # sleeping would spend the budget
                ):
                    if told is err:
                        raise
                    raise told from err
                log.info(
                    "retrying %s %s in %.2f s (attempt %d failed: %s)", method, log_url, delay, attempt, err
                )
                self._sleep(delay)

    def _take_slot(self, deadline: float) -> None:
        """Wait for the shared limiter (at most until the deadline), or raise RateLimitedError."""
        if self.rate_limiter is None:
            return
        max_wait = max(0.0, deadline - self._clock() - MIN_TIMEOUT)
        if self.rate_wait is None:
            acquired = self.rate_limiter.acquire(max_wait)
        else:
            self.rate_wait.begin()
            try:
                acquired = self.rate_limiter.acquire(min(max_wait, self.rate_wait.remaining))
            finally:
                self.rate_wait.end()
        if not acquired:
            raise RateLimitedError(
                "Avochato is busy: the dashboard is holding its requests back to stay within "
                "the API's rate limit.",
                status=None,
                retry_after=BUSY_RETRY,
            )

    @staticmethod
    def _retryable(method: str, err: AvochatoError) -> bool:
        if isinstance(err, UnavailableError):
            transient = getattr(err, "_transient", False)
            return transient and (method in IDEMPOTENT or getattr(err, "_nothing_sent", False))
        return method in IDEMPOTENT and err.status in RETRY_STATUSES

    def _attempt(
        self,
        method: str,
        url: str,
        log_url: str,
        query: dict[str, Any] | None,
        body: SecretBody | None,
        timeout: tuple[float, float],
        deadline: float,
    ) -> dict[str, Any]:
        """One HTTP exchange. Errors are raised outside `except` blocks so no exception
        from requests (whose text may hold the URL with the secret) is ever chained."""
        started = self._clock()
        failure: AvochatoError | None = None
        status: int | None = None
        envelope: dict[str, Any] = {}
        try:
            resp = self.session.request(
                method,
                url,
                params=query,
                data=body,
                headers={"Content-Type": "application/json"} if body is not None else None,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            failure = self._transport_error(method, exc, sent=not _nothing_sent(exc))
        else:
            status = resp.status_code
            try:
                if 300 <= status < 400:
                    failure = BadResponseError(
                        f"The Avochato API redirected the request (HTTP {status}); "
                        "redirects are not followed.",
                        status=status,
                    )
                else:
                    envelope = self._envelope(
                        status, self._read_body(resp, deadline), resp.headers.get("Retry-After")
                    )
            except AvochatoError as err:
                failure = err
            except requests.RequestException as exc:
                failure = self._transport_error(method, exc, sent=True)
            finally:
                resp.close()
        elapsed = (self._clock() - started) * 1000
        if failure is None:
            log.info("%s %s -> %s in %.0f ms", method, log_url, status, elapsed)
            return envelope
        log.warning("%s %s -> %s in %.0f ms: %s", method, log_url, status or "no answer", elapsed, failure)
        raise failure

    def _transport_error(
        self, method: str, exc: requests.RequestException, *, sent: bool
    ) -> UnavailableError:
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

    def _read_body(self, resp: requests.Response, deadline: float) -> bytes:
        """Read at most max_bytes, and not past the budget (a slow drip has no read timeout)."""
        too_large = BadResponseError("Avochato's answer was too large to read.", status=resp.status_code)
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        chunks, size = [], 0
        for chunk in resp.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            if self._clock() > deadline:
                raise requests.exceptions.ReadTimeout()
            chunks.append(chunk)
        return b"".join(chunks)

    def _envelope(self, status: int, raw: bytes, retry_after: str | None) -> dict[str, Any]:
        """Check the `{"status": 2xx, "data": {...}}` envelope, or raise the typed error."""
        try:
            parsed: Any = json.loads(raw)
        except (ValueError, RecursionError):
            parsed = None
        if UNSTORABLE_ESCAPE.search(raw):  # a NUL or a lone surrogate, escaped as JSON must
            parsed = without_nul(parsed)
        if 200 <= status < 300 and isinstance(parsed, dict):
            inner = parsed.get("status", status)
            if isinstance(inner, int) and not 200 <= inner < 300:
                status = inner  # an error wrapped in HTTP 200
            elif isinstance(parsed.get("data"), dict):
                return parsed
        if 200 <= status < 300:
            raise BadResponseError(status=status)
        errors = [self._redact(e)[:500] for e in api_errors(parsed)]
        said = f" Avochato said: {'; '.join(errors)}" if errors else ""
        if status == 401:
            raise AuthError(AuthError.default_message + said, status=status)
        if status == 403:
            raise ForbiddenError(ForbiddenError.default_message + said, status=status)
        if status == 404:
            raise NotFoundError(NotFoundError.default_message + said, status=status)
        if status == 429:
            raise RateLimitedError(status=status, retry_after=parse_retry_after(retry_after))
        if 400 <= status < 500:
            raise ValidationError(status=status, errors=errors)
        if 500 <= status < 600:
            raise ServerError(ServerError.default_message + said, status=status)
        raise BadResponseError(status=status)
