"""settings.py refuses a credential that cannot be right, and says exactly what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings


def _load(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AVOCHATO_", "DJANGO_ALLOW"))}
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "import avodash.settings"],
        env={**clean, "SECRET_KEY": "k3y-" + "q9Zx7-Lm2p" * 6, **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )


def test_a_standalone_sandbox_on_this_machine_takes_the_sandbox_pair():
    assert _load({"AVOCHATO_API_URL": "http://127.0.0.1:8001"}).returncode == 0
    env = {"AVOCHATO_API_URL": "http://localhost:8001", "AVOCHATO_AUTH_ID": "sandbox"}
    assert _load({**env, "AVOCHATO_AUTH_SECRET": "sandbox-secret"}).returncode == 0


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({}, "set AVOCHATO_AUTH_ID and AVOCHATO_AUTH_SECRET to the API credential"),
        ({"AVOCHATO_AUTH_ID": "live-id"}, "set AVOCHATO_AUTH_SECRET to the API credential"),
        (
            {"AVOCHATO_AUTH_ID": "sandbox", "AVOCHATO_AUTH_SECRET": "sandbox-secret"},
            "are the embedded sandbox's pair",
        ),
    ],
)
def test_the_real_api_with_a_missing_or_sandbox_credential_is_refused_plainly(extra, said):
    out = _load({"AVOCHATO_API_URL": "https://www.avochato.com", **extra})
    assert out.returncode != 0
    assert "AVOCHATO_API_URL points at www.avochato.com" in out.stderr and said in out.stderr


def test_the_real_api_with_a_real_credential_loads():
    env = {
        "AVOCHATO_API_URL": "https://www.avochato.com",
        "AVOCHATO_AUTH_ID": "id-1",
        "AVOCHATO_AUTH_SECRET": "s3",
    }
    assert _load(env).returncode == 0


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"AVOCHATO_RATE_WAIT": "5"}, "AVOCHATO_RATE_WAIT must be between 0 and 2 seconds."),
        ({"AVOCHATO_BACKGROUND_MIN_SHARE": "10"}, "AVOCHATO_BACKGROUND_MIN_SHARE must be between 0 and"),
        (
            {"AVOCHATO_SHARED_READ_TTL": "-1"},
            "AVOCHATO_SHARED_READ_TTL and AVOCHATO_SHARED_READ_WAIT must not",
        ),
    ],
)
def test_capacity_settings_out_of_range_are_refused_plainly(env, said):
    out = _load(env)
    assert out.returncode != 0 and said in out.stderr
    assert _load({k: "0" for k in env}).returncode == 0
