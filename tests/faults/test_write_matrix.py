"""Issue 16's fault × write-action matrix: every write, under every fault on its own route,
tells the person (and the audit trail) what the sandbox's state says really happened.

For each cell (`test_cell[<action>-<fault>]`) the person opens the form (so the local
directory knows the inbox and the people, as it does in use), the fault is put on the write's
own route (the lookups still work), the form is submitted the way its page submits it, and then:

1. an answer comes within 15 s, never Django's 500 page (our own 502/503/504 panels are fine);
2. what the person is told matches the sandbox's state: done when it is done, not done (with a
   reason) when it is not. "Unknown" is honest only when the write may have reached Avochato,
   the answer did not say (a 5xx, an unreadable or missing answer), and avodash cannot read
   the effect back: the reads fail too ("500 on every call", "refused"), or the API does not
   show the effect (a new message has no id before the answer; a pending MFA phone and a
   password reset email are not in the API). Anywhere else the truth can be known, and is told;
3. exactly one audit row for the attempt, ok iff applied, failed iff not, never left pending;
4. the person's input is kept (in the re-rendered form) when the write did not happen;
5. no write sent twice: a POST or DELETE reaches its route at most once (429s aside: the API
   did not act on them); a PUT may be repeated by the client's own retries.

The faults: 500, 502, 429 (Retry-After 1), 401, 403, 404 and 422 (with the API's words)
answered without acting; `503-applied` (a 503 after the write went through), `html` (a proxy's
page), `truncated` (JSON cut), `hang` (the answer withheld past the client's timeout) and `drop`
(the connection closed unanswered), all after acting;
`refused`: Avochato down for the whole action (a closed port: nothing sent, nothing readable).
The "500 on every call" column (role, disable, password reset: the issue's reproduction) fails
the lookups and the read-back as well.

Jobs (onboarding, offboarding) run inside the request (django-tasks' immediate backend); their
step's status is what the person reads on the job page. Runs on PostgreSQL only (CI's second
pass): the matrix is heavy, and PostgreSQL is where storage faults show.
"""

from __future__ import annotations

import fnmatch
import html
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection

from avodash.models import AuditEntry
from team.models import Job, JobStep
from tests.faults.actions import ACTIONS, ALL_500_ACTIONS, BY_ID, Action
from tests.helpers import INBOX

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the fault × write matrix runs once, in the PostgreSQL pass (DATABASE_URL=postgres://...)",
    ),
]

ANSWER_WITHIN = 15.0
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# --- faults -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    id: str
    knobs: dict[str, Any] = field(default_factory=dict)
    on_every_call: bool = False  # the read-back fails too
    refused: bool = False  # nothing listens: the whole action meets a closed port

    @property
    def reads_fail(self) -> bool:
        return self.on_every_call or self.refused

    @property
    def unclear(self) -> bool:
        """Whether the write may have gone through, as far as avodash can tell (a 5xx, an
        unreadable or missing answer); a 4xx or 429 says it did not."""
        status = self.knobs.get("status")
        return (status is not None and status >= 500) or any(
            self.knobs.get(k) for k in ("body", "truncate", "hang", "drop")
        )


FAULTS = [
    Fault("500", {"status": 500}),
    Fault("502", {"status": 502}),
    Fault("503-applied", {"status": 503, "apply": True}),  # the write went through, then a 503
    Fault("429", {"status": 429, "retry_after": "1"}),
    Fault("401", {"status": 401}),
    Fault("403", {"status": 403}),
    Fault("404", {"status": 404}),
    Fault("422", {"status": 422, "errors": ["Matrix says no: this value is invalid"]}),
    Fault("html", {"body": "<html><body><h1>502 Bad Gateway</h1></body></html>"}),  # processed
    Fault("truncated", {"truncate": True}),  # processed, answer cut
    Fault("hang", {"hang": True, "hang_seconds": 30}),  # processed, answer withheld
    Fault("drop", {"drop": True}),  # processed, connection closed without an answer
    Fault("refused", refused=True),
]
ALL_500 = Fault("500-all", {"status": 500}, on_every_call=True)


# --- what the person is told ---------------------------------------------------------------------

UNKNOWN_WORDS = re.compile(
    r"\bunknown\b(?! contact)|did not say whether|may have (gone through|been)|check before trying", re.I
)
NOT_DONE_WORDS = re.compile(
    r"\bnot\b|could ?n[o']t|failed|refused|try again|did not|didn't|no access|unavailable|problem|"
    r"too many|slow down|held back|invalid|wrong|denied|error",
    re.I,
)
_DONE = (
    r"(sent|changed|cancelled|applied|added|removed|disabled|enabled|set|updated|assigned|scheduled|handed)"
)
CLEARLY_NOT_DONE = re.compile(
    rf"failed|refused|try again|\bnot (been )?{_DONE}|could ?n[o']t (be )?{_DONE}|was not|were not", re.I
)
CHECKED_APPLIED = "checked: it went through"


ALERT = re.compile(r'<(\w+)\b[^>]*\brole="(?:alert|status)"[^>]*>(.*?)</\1>', re.S)


def _text(markup: str) -> str:
    markup = re.sub(r"<(script|style|template)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def landing(client, response):
    """The page the person lands on: the answer itself, or where it redirects (PRG, htmx)."""
    target = response.get("HX-Redirect") or (
        response["Location"] if response.status_code in (301, 302, 303) else None
    )
    return client.get(target) if target else response


def told(page) -> str:
    """The words the person reads on the page they land on: the flash messages, the alerts and
    status notes (error panels, field errors, the composer's outcome, a bulk result); a
    fragment without any, as a whole."""
    markup = page.content.decode(errors="replace")
    words = [_text(m.group(2)) for m in ALERT.finditer(markup)]
    if not words and "<html" not in markup[:500].lower():
        words.append(_text(markup))
    return " ".join(w for w in words if w)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CELLS = [pytest.param(a, f, id=f"{a.id}-{f.id}") for a in ACTIONS for f in FAULTS] + [
    pytest.param(BY_ID[a], ALL_500, id=f"{a}-{ALL_500.id}") for a in ALL_500_ACTIONS
]


@pytest.fixture(autouse=True)
def _short_timeouts(settings, sandbox):
    """A hang costs seconds, not 15: the client gives up on an answer after 1.5 s, a page (and a
    job's call) after 5 s (the deployment's 10 s / 15 s, scaled down). Jobs run inside the
    request that starts them. No rate limit in the way."""
    settings.AVOCHATO_TIMEOUT = 1.5
    settings.AVOCHATO_PAGE_BUDGET = 5.0
    settings.AVOCHATO_BACKGROUND_BUDGET = 5.0
    settings.TASKS = IMMEDIATE
    sandbox.set_rate_limit(None)


# --- one cell ------------------------------------------------------------------------------------------


def _writes(srv, action: Action) -> dict[str, list[dict]]:
    """The write route's hits, by exact path (a cancel of several messages hits several paths)."""
    hits: dict[str, list[dict]] = {}
    for r in srv.requests:
        if r["method"] == action.method and fnmatch.fnmatchcase(r["path"], action.route):
            hits.setdefault(r["path"], []).append(r)
    return hits


def _apply_fault(srv, settings, action: Action, fault: Fault) -> None:
    if fault.refused:
        settings.AVOCHATO_API_URL = f"http://127.0.0.1:{closed_port()}"
    elif fault.on_every_call:
        srv.faults.add("*", **fault.knobs)
    else:
        srv.faults.add(action.route, method=action.method, **fault.knobs)


def _check_answer(response, took: float, problems: list[str]) -> None:
    body = response.content.decode(errors="replace")
    if took > ANSWER_WITHIN:
        problems.append(f"answered after {took:.1f} s (> {ANSWER_WITHIN:.0f} s)")
    if response.status_code == 500 or response.status_code > 504:
        problems.append(f"HTTP {response.status_code}: an error page, not avodash's message")
    for crash in ("Traceback", "Server Error (500)", "Something went wrong on our side"):
        if crash in body:
            problems.append(f"the answer shows {crash!r}")


def _check_words(action: Action, text: str, applied: bool, unknown_ok: bool, problems: list[str]) -> None:
    said = bool(action.said and re.search(action.said, text)) or CHECKED_APPLIED in text
    unknown = bool(UNKNOWN_WORDS.search(text))
    shown = f"told: {text[:300]!r}"
    if applied:
        if unknown and not unknown_ok:
            problems.append(f"applied, but the person is told it is unknown ({shown})")
        elif not said and not (unknown and unknown_ok):
            problems.append(f"applied, but the person is not told it was done ({shown})")
        elif said and CLEARLY_NOT_DONE.search(text):
            problems.append(f"applied, but the message also says it failed ({shown})")
    else:
        if unknown and not unknown_ok:
            problems.append(f"not applied (and knowable), but the person is told it is unknown ({shown})")
        elif said and not unknown:
            problems.append(f"not applied, but the person is told it was done ({shown})")
        elif not unknown and not NOT_DONE_WORDS.search(text):
            problems.append(f"not applied, but nothing says it failed ({shown})")


def _check_audit(action: Action, applied: bool, unknown_ok: bool, problems: list[str]) -> None:
    pending = list(AuditEntry.objects.filter(outcome=AuditEntry.PENDING).values_list("action", flat=True))
    if pending:
        problems.append(f"audit rows left pending after the request: {pending}")
    rows = list(AuditEntry.objects.filter(action=action.audit).values_list("outcome", "error"))
    if len(rows) != 1:
        problems.append(f"{len(rows)} audit rows for {action.audit} (want exactly 1): {rows}")
        return
    outcome, error = rows[0]
    want = {AuditEntry.OK} if applied else {AuditEntry.FAILED}
    if unknown_ok:
        want.add(AuditEntry.UNKNOWN)
    if outcome not in want:
        problems.append(
            f"audit outcome {outcome!r} but the sandbox says {'applied' if applied else 'not applied'}"
        )


def _check_no_duplicate(srv, action: Action, problems: list[str]) -> None:
    if action.method == "PUT":
        return  # the client's own retries of an idempotent PUT are allowed
    for path, hits in _writes(srv, action).items():
        acted = [h for h in hits if h["status"] != 429]  # the API ignores a request it answers 429
        if len(acted) > 1:
            problems.append(f"{action.method} {path} sent {len(acted)} times: {[h['status'] for h in hits]}")


def _check_job(action: Action, applied: bool, unknown_ok: bool, problems: list[str]) -> bool:
    """The job's step, as its page shows it; False when there was no attempt at it (no job, or
    the step held back by an earlier one's failure)."""
    job = Job.objects.order_by("-pk").first()
    if job is None:
        return False
    step = job.steps.filter(action=action.step, inbox=INBOX).first()
    if step is None:
        problems.append(f"the job has no {action.step} step")
        return True
    want = {JobStep.DONE} if applied else {JobStep.FAILED, JobStep.BLOCKED}
    if unknown_ok:
        want |= {JobStep.DONE, JobStep.FAILED, "unknown"}
    if step.status not in want:
        problems.append(
            f"step {action.step} is {step.status} ({step.outcome} {step.error}) "
            f"but the sandbox says {'applied' if applied else 'not applied'}"
        )
    if step.status == JobStep.BLOCKED:  # held back by an earlier step: not attempted, not audited
        rows = AuditEntry.objects.filter(action=action.audit).count()
        if rows:
            problems.append(f"step {action.step} was held back, yet {rows} audit rows record an attempt")
        return False
    return True


@pytest.mark.parametrize(("action", "fault"), CELLS)
def test_cell(action: Action, fault: Fault, request, sandbox, settings):
    client = request.getfixturevalue(action.client)
    ctx = action.prepare(sandbox)
    if action.page is not None:  # the person opened the form: the directory knows the inbox and them
        form = client.get(action.page(sandbox, ctx))
        assert form.status_code == 200, f"{action.page(sandbox, ctx)}: HTTP {form.status_code}"
        sandbox.clear_log()
    _apply_fault(sandbox, settings, action, fault)
    started = time.monotonic()
    response = action.submit(client, sandbox, ctx)
    took = time.monotonic() - started
    if fault.knobs.get("hang"):
        sandbox._release_hung()  # the hung requests answer (by closing) and reach the log
        time.sleep(0.3)
    sandbox.faults.clear()
    settings.AVOCHATO_API_URL = sandbox.url

    problems: list[str] = []
    _check_answer(response, took, problems)
    applied = action.applied(sandbox, ctx)
    reached = bool(_writes(sandbox, action))
    # "Unknown" is honest only when the write may have reached Avochato, the answer did not say,
    # and the effect cannot be read back (the reads fail too, or the API does not show it).
    unknown_ok = reached and fault.unclear and (fault.reads_fail or not action.readable)
    page = landing(client, response)
    _check_answer(page, 0.0, problems)
    text = told(page)
    if action.step is not None:
        job = Job.objects.order_by("-pk").first()
        if _check_job(action, applied, unknown_ok, problems):
            _check_audit(action, applied, unknown_ok, problems)
        elif applied:
            problems.append("the step was not attempted, yet the write happened")
        elif job is None:
            _check_words(action, text, applied, unknown_ok, problems)
    else:
        _check_words(action, text, applied, unknown_ok, problems)
        _check_audit(action, applied, unknown_ok, problems)
        if not applied and action.kept is not None:
            if not action.kept(html.unescape(page.content.decode(errors="replace")), text, ctx):
                problems.append(f"not applied, and the input is not kept in the form (told: {text[:200]!r})")
    _check_no_duplicate(sandbox, action, problems)
    assert not problems, (
        f"{action.id} under {fault.id} (sandbox: {'applied' if applied else 'not applied'}, "
        f"HTTP {response.status_code}, {took:.1f} s):\n  " + "\n  ".join(problems)
    )
