"""Fault × team write: for every fault on the write's own call, what the person is told matches
the sandbox's state afterwards, exactly one audit entry records the true outcome, the input is
kept when it did not go through, and the answer comes within the page's budget.

Readable writes (role, disable, enable, remove, add) are read back after an unclear answer, so
their outcome is always known here: ok when the sandbox changed, failed when it did not. A
password reset and a pending MFA phone cannot be read back: unknown whenever the answer does not
rule the change out (a 5xx, an unreadable answer, a timeout after sending), failed otherwise.
"""

from __future__ import annotations

import html as html_text
import socket
import time
from dataclasses import dataclass
from typing import Any

import pytest

from avodash.models import AuditEntry
from tests.helpers import INBOX, post
from tests.team.conftest import membership, team_url, uid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]

NEW = "new.hire@acme.example"
PHONE = "+14155550142"

# name -> (fault keywords, whether the answer leaves open that the write went through)
FAULTS: dict[str, tuple[dict[str, Any], bool]] = {
    "500": ({"status": 500}, True),
    "502": ({"status": 502}, True),
    "503": ({"status": 503}, True),
    "429": ({"status": 429, "retry_after": "1"}, False),
    "401": ({"status": 401}, False),
    "403": ({"status": 403}, False),
    "404": ({"status": 404}, False),
    "422": ({"status": 422}, False),
    "html body": ({"body": "<html><body>Bad gateway</body></html>"}, True),
    "truncated json": ({"truncate": True}, True),
    "hang": ({"hang": True, "hang_seconds": 2.0, "times": 1}, True),
    "500 after applying": ({"status": 500, "apply": True}, True),
}


@dataclass(frozen=True)
class Write:
    action: str  # the audit action
    who: str  # the user's email (the add: the new person's)
    method: str
    path: str  # the write's API path, {id} for the user's id
    url: str  # the team page's URL, {id} likewise
    data: dict[str, str]
    readable: bool  # read back after an unclear answer
    done: str  # words when it went through (alternatives separated by |)
    kept: str = ""  # the input, as the page shows it kept

    def applied(self, sandbox) -> bool:
        if self.action == "team.user_role":
            return membership(sandbox, self.who).role == "manager"
        if self.action == "team.user_disable":
            return membership(sandbox, self.who).enabled is False
        if self.action == "team.user_enable":
            return membership(sandbox, self.who).enabled is True
        if self.action == "team.user_remove":
            return membership(sandbox, self.who) is None
        if self.action == "team.user_add":
            user = sandbox.state.user_by_email(self.who)
            return user is not None and user.id in sandbox.state.inbox(INBOX).members
        user = sandbox.state.users[uid(sandbox, self.who)]
        if self.action == "team.user_password_reset":
            return user.password_reset_sent_at is not None
        return user.pending_mfa_phone == PHONE


WRITES = {
    "role": Write(
        "team.user_role",
        "jordan.lee@acme.example",
        "PUT",
        "/v1/users/{id}",
        "{id}/role/",
        {"role": "manager"},
        True,
        "Jordan Lee is now manager in Acme Support.",
        '<option value="manager" selected>',
    ),
    "disable": Write(
        "team.user_disable",
        "jordan.lee@acme.example",
        "POST",
        "/v1/users/{id}/disable",
        "{id}/disable/",
        {"confirm": "yes"},
        True,
        "Jordan Lee is disabled in Acme Support",
    ),
    "enable": Write(
        "team.user_enable",
        "priya.shah@acme.example",
        "POST",
        "/v1/users/{id}/enable",
        "{id}/enable/",
        {},
        True,
        "Priya Shah is enabled again in Acme Support.",
    ),
    "remove": Write(
        "team.user_remove",
        "tom.becker@acme.example",
        "DELETE",
        "/v1/users/{id}",
        "{id}/remove/",
        {"confirm": "yes", "handover_to": ""},
        True,
        "Tom Becker was removed from Acme Support.",
    ),
    "add": Write(
        "team.user_add",
        NEW,
        "POST",
        "/v1/users",
        "add/",
        {"email": NEW, "name": "Nia Hire", "role": "manager"},
        True,
        "an invitation email was sent|is a member of Acme Support now, as manager",
        f'value="{NEW}"',
    ),
    "password reset": Write(
        "team.user_password_reset",
        "sam.rivera@acme.example",
        "POST",
        "/v1/users/{id}/password_reset",
        "{id}/password-reset/",
        {"confirm": "yes"},
        False,
        "Password reset email sent to sam.rivera@acme.example.",
    ),
    "mfa phone": Write(
        "team.user_mfa_phone",
        "grace.kim@acme.example",
        "POST",
        "/v1/users/{id}/mfa_phone",
        "{id}/mfa-phone/",
        {"phone": PHONE},
        False,
        "MFA phone (415) 555-0142 set for Grace Kim.",
        f'value="{PHONE}"',
    ),
}


def _page(client, r) -> str:
    """What the person reads: the page answered, or the one it redirected to."""
    if r.status_code == 302:
        r = client.get(r["Location"])
    return html_text.unescape(r.content.decode())


def _run(client, sandbox, write: Write) -> tuple[str, float, Any]:
    user_id = "" if write.action == "team.user_add" else uid(sandbox, write.who)
    started = time.monotonic()
    r = post(client, team_url(write.url.format(id=user_id)), write.data)
    took = time.monotonic() - started
    return _page(client, r), took, r


def _check_truth(write: Write, sandbox, page: str, expected: str) -> None:
    entries = list(AuditEntry.objects.filter(action=write.action))
    assert [e.outcome for e in entries] == [expected], [(e.outcome, e.error) for e in entries]
    said_done = any(words in page for words in write.done.split("|"))
    if expected == "ok":
        assert said_done
    elif expected == "unknown":
        assert "Unknown whether" in page or "did not say whether" in page
    else:
        assert not said_done and "not" in page
        assert write.kept in page
    if expected != "ok" and write.kept:
        assert write.kept in page


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("name", list(WRITES))
def test_fault_by_write(client_itadmin, sandbox, settings, name, fault):
    settings.AVOCHATO_TIMEOUT = 1.0  # a hang costs a second of the page's budget, not all of it
    write = WRITES[name]
    kwargs, open_question = FAULTS[fault]
    user_id = "" if write.action == "team.user_add" else uid(sandbox, write.who)
    sandbox.faults.add(write.path.format(id=user_id), method=write.method, **kwargs)
    page, took, _r = _run(client_itadmin, sandbox, write)
    applied = write.applied(sandbox)
    if write.readable:
        expected = "ok" if applied else "failed"
    elif applied and not open_question:
        expected = "ok"
    else:
        expected = "unknown" if open_question else "failed"
    assert not (expected == "failed" and applied), "a write that went through is never reported failed"
    _check_truth(write, sandbox, page, expected)
    assert took < 15


@pytest.mark.parametrize("name", list(WRITES))
def test_connection_refused(client_itadmin, sandbox, settings, name):
    """Nothing was sent: failed, the input kept."""
    write = WRITES[name]
    client_itadmin.get(team_url())  # the directory knows the inbox and its people
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings.AVOCHATO_API_URL = f"http://127.0.0.1:{closed}"
    page, took, _r = _run(client_itadmin, sandbox, write)
    assert not write.applied(sandbox)
    _check_truth(write, sandbox, page, "failed")
    assert took < 15
