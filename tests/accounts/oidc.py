"""A real OpenID provider for the SSO tests: panva/oidc-provider (tests/oidc/) run by Node on
loopback. `npm ci` installs it from the lockfile the first time."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "avodash"
CLIENT_SECRET = "avodash-test-client-secret"  # noqa: S105 - a test provider's client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OidcProvider:
    def __init__(self, redirect_uri: str, accounts: dict) -> None:
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.redirect_uri = redirect_uri
        self.accounts = accounts
        self.proc: subprocess.Popen | None = None

    def start(self) -> OidcProvider:
        node, npm = shutil.which("node"), shutil.which("npm")
        if not node or not npm:
            raise RuntimeError("Node and npm are needed for the SSO tests: apt-get install -y nodejs npm")
        if not (HERE / "node_modules" / "oidc-provider").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, capture_output=True)  # noqa: S603
        env = {
            "PATH": "/usr/bin:/bin",
            "PORT": str(self.port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": self.redirect_uri,
            "ACCOUNTS": json.dumps(self.accounts),
            "NODE_ENV": "test",
        }
        self.proc = subprocess.Popen(  # noqa: S603 - our own node and script
            [node, "server.js"],
            cwd=HERE,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()  # blocks until the server listens (or dies)
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")
        return self

    def set_groups(self, sub: str, groups: list[str]) -> None:
        requests.post(
            f"{self.issuer}/_test/groups/{sub}", data=json.dumps(groups), timeout=5
        ).raise_for_status()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def django_settings(self, settings, label: str = "Acme SSO") -> None:
        settings.SSO_ISSUER_URL, settings.SSO_CLIENT_ID, settings.SSO_CLIENT_SECRET = (
            self.issuer,
            CLIENT_ID,
            CLIENT_SECRET,
        )
        settings.SSO_LABEL = label
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "sso",
                        "name": label,
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": self.issuer, "scope": settings.SSO_SCOPES},
                    }
                ],
            }
        }
