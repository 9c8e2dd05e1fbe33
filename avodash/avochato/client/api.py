"""`AvochatoClient`: the verbs, the conveniences over them, and one call's attempts within its
time budget (the package's docstring says what the client guarantees)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from .. import pagination
from ..errors import AvochatoError, BadResponseError, NotFoundError, RateLimitedError, UnavailableError
from ..ratelimit import RateLimiter, WaitAllowance
from ..redaction import SecretBody, SecretForms, SecretStr
from ..shared import SharedReads
from . import answer, retries
from .retries import MIN_TIMEOUT
from .transport import LOCAL_HOSTS, credential_fingerprint, new_session, nothing_sent, transport_error

log = logging.getLogger("avodash.avochato")

BUSY_RETRY = 2.0  # seconds to suggest when our own limiter had no slot in time


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
        now, end = self._clock(), self._call_deadline()
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

    def _call_deadline(self) -> float:
        """When a call starting now must end: its budget, or the page's deadline if sooner."""
        end = self._clock() + self.budget
        return end if self.deadline is None else min(end, self.deadline)

    def _remaining(self) -> float:
        """Seconds left of this call's budget (and the page's, when it has one)."""
        return max(0.0, self._call_deadline() - self._clock())

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
        deadline = self._call_deadline()
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
                raise retries.told(err, sent) from None
            timeout = (min(self.timeout[0], remaining), min(self.timeout[1], remaining))
            try:
                return self._attempt(method, url, log_url, query, body, timeout, deadline)
            except AvochatoError as err:
                if isinstance(err, RateLimitedError) and err.status == 429 and self.rate_limiter is not None:
                    self.rate_limiter.pause(err.retry_after)  # Avochato ignored it: everyone waits
                if err.may_have_applied:
                    sent = err
                delay = retries.backoff(attempt, err)
                if (
                    attempt >= self.max_attempts
                    or not retries.retryable(method, err)
                    or delay + MIN_TIMEOUT > deadline - self._clock()  # sleeping would spend the budget
                ):
                    caller_hears = retries.told(err, sent)
                    if caller_hears is err:
                        raise
                    raise caller_hears from err
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
            failure = transport_error(method, exc, sent=not nothing_sent(exc))
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
                    raw = answer.read_body(
                        resp, max_bytes=self.max_bytes, deadline=deadline, clock=self._clock
                    )
                    envelope = answer.envelope(
                        status, raw, resp.headers.get("Retry-After"), redact=self._redact
                    )
            except AvochatoError as err:
                failure = err
            except requests.RequestException as exc:
                failure = transport_error(method, exc, sent=True)
            finally:
                resp.close()
        elapsed = (self._clock() - started) * 1000
        if failure is None:
            log.info("%s %s -> %s in %.0f ms", method, log_url, status, elapsed)
            return envelope
        log.warning("%s %s -> %s in %.0f ms: %s", method, log_url, status or "no answer", elapsed, failure)
        raise failure
