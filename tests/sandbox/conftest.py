"""Fixtures for the sandbox's own tests: one server per session, reset before every test.

The lead's tests/conftest.py provides the project-wide `sandbox` fixture; these are local so
the sandbox tests run without Django (`pytest tests/sandbox -p no:django`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import CREDENTIALS

DEFAULT = {"auth_id": "sandbox", "auth_secret": "sandbox-secret"}
MANAGER = {"auth_id": CREDENTIALS["manager"][0], "auth_secret": CREDENTIALS["manager"][1]}
MEMBER = {"auth_id": CREDENTIALS["member"][0], "auth_secret": CREDENTIALS["member"][1]}


@pytest.fixture(autouse=True)
def _quiet_urllib3() -> Iterator[None]:
    """These tests call the API directly, credentials in the query string as the reference
    does; urllib3's DEBUG line would hand the secret to the project's log watch, which is
    there for the dashboard's own calls."""
    logger = logging.getLogger("urllib3")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    srv = SandboxServer(port=0, seed=1).start()
    yield srv
    srv.stop()


@pytest.fixture
def srv(sandbox_server: SandboxServer) -> SandboxServer:
    sandbox_server.reset()
    return sandbox_server


class _Http:
    """`requests` with a timeout on every call: a hung sandbox fails a test instead of stalling it."""

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        timeout = kwargs.pop("timeout", 10)
        return requests.request(method, url, timeout=timeout, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", url, **kwargs)


http = _Http()


class Api:
    """A tiny client for tests: credentials added to every call, the way a test wants them."""

    def __init__(self, srv: SandboxServer, creds: dict[str, str] | None = None):
        self.srv = srv
        self.creds = dict(creds or DEFAULT)
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return self.srv.url + path

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.url(path), params={**self.creds, **params}, timeout=10)

    def delete(self, path: str, **params: Any) -> requests.Response:
        return self.http.delete(self.url(path), params={**self.creds, **params}, timeout=10)

    def post(self, path: str, **body: Any) -> requests.Response:
        return self.http.post(self.url(path), json={**self.creds, **body}, timeout=10)

    def put(self, path: str, **body: Any) -> requests.Response:
        return self.http.put(self.url(path), json={**self.creds, **body}, timeout=10)

    def as_(self, creds: dict[str, str]) -> Api:
        return Api(self.srv, creds)


@pytest.fixture
def api(srv: SandboxServer) -> Api:
    return Api(srv)


@pytest.fixture
def manager_api(srv: SandboxServer) -> Api:
    return Api(srv, MANAGER)


@pytest.fixture
def member_api(srv: SandboxServer) -> Api:
    return Api(srv, MEMBER)
