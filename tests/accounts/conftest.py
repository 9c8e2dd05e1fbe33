"""Sign-in tests: a clock for sessions and step-up, sign-in through the real form."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import Clock

UA = "Mozilla/5.0 (avodash tests)"


@pytest.fixture
def clock(monkeypatch):
    """Moves the session rules' and step-up's clock; the lockout window's too (allauth's
    rate limits read `time.time()` in their own module)."""
    import allauth.core.internal.ratelimit as ratelimit

    from accounts import sessions

    c = Clock()
    monkeypatch.setattr(sessions, "clock", c)

    import time as real_time

    class _Time:
        monotonic = staticmethod(real_time.monotonic)  # the cache lock's own wait
        sleep = staticmethod(real_time.sleep)

        @staticmethod
        def time() -> float:
            return c()

    monkeypatch.setattr(ratelimit, "time", _Time)
    return c


def sign_in(username: str, password: str | None = None, client: Client | None = None, **extra):
    c = client or Client(HTTP_USER_AGENT=UA)
    r = c.post("/accounts/login/", {"login": username, "password": password or f"pw-{username}"}, **extra)
    return c, r
