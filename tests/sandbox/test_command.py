"""The standalone server: `python -m avodash.sandbox` / `python manage.py sandbox` print the URL
and credentials, honour the environment's credentials, and the reference's own curl examples
work against it once the host and credentials are swapped."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).resolve().parent / "reference" / "avochato-api-reference.txt"


def _start(args: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, *args, "--port", "0"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Control:"):
            break
    return proc, lines


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def standalone() -> Iterator[tuple[str, list[str]]]:
    proc, lines = _start(["-m", "avodash.sandbox", "--rate-limit", "0"])
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", lines[0])
    assert match, lines
    yield match.group(1), lines
    _stop(proc)


def test_it_prints_its_url_and_credentials(standalone: tuple[str, list[str]]) -> None:
    _, lines = standalone
    text = "\n".join(lines)
    assert "sandbox / sandbox-secret" in text
    assert "sandbox-manager / sandbox-manager-secret" in text and "(manager in acme-support)" in text
    assert "acme-support, acme-sales, globex-help" in text


def test_credentials_come_from_the_environment() -> None:
    proc, lines = _start(
        ["-m", "avodash.sandbox"], env={"AVOCHATO_AUTH_ID": "my-id", "AVOCHATO_AUTH_SECRET": "my-secret"}
    )
    try:
        assert "my-id / my-secret" in "\n".join(lines)
    finally:
        _stop(proc)


def test_manage_py_sandbox_help_documents_the_knobs() -> None:
    pytest.importorskip("django")
    out = subprocess.run(
        [sys.executable, "manage.py", "sandbox", "--help"],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    for flag in ("--port", "--latency-ms", "--seed", "--fault", "--rate-limit", "--scale", "--scale-inbox"):
        assert flag in out


def test_manage_py_sandbox_serves() -> None:
    pytest.importorskip("django")
    proc, lines = _start(["manage.py", "sandbox"])
    try:
        assert "listening on http://127.0.0.1:" in lines[0], lines
        assert "sandbox / sandbox-secret" in "\n".join(lines)
    finally:
        _stop(proc)


def _curl_commands() -> list[str]:
    text = REFERENCE.read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in joined.splitlines() if line.startswith("curl ")]


# The examples' ids do not exist in the demo data, and one example's time has passed: these
# answer as the real API would (not found / empty / validation), everything else answers 200.
EXPECTED_NOT_200 = {
    "GET /v1/broadcasts/PxB9NV9YOy/audience_count": 404,
    "POST /v1/broadcasts/wd6Jmz87m3/publish": 404,
    "POST /v1/broadcasts/ezjJ7L85yZ": 404,
    "POST /v1/contacts/0nMJLk9vZ2/events": 404,
    "POST /v1/tickets/ezjJ7L85yZ/events": 404,
    "DELETE /v1/messages/ZMvbX0zbRm": 404,
    "GET /v1/messages/EDR8zM4JA2": 404,
    "POST /v1/messages#scheduled": 422,  # scheduled_for 2026-03-31 is in the past now
    "DELETE /v1/users/z1N8xD2837": 404,
    "POST /v1/users/wd6Jmxz97m/disable": 404,
    "GET /v1/users/xDjJBNRJoO": 404,
    "GET /v1/users/EZA9Pl59rw/accounts": 404,
    "POST /v1/users/xoWbqpY8qn/enable": 404,
    "POST /v1/users/xlYJplqJmw/mfa_phone": 404,
    "POST /v1/users/zPG9y3g8aO/password_reset": 404,
    "PUT /v1/users/1K2b2xvJWR": 404,
}


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_the_references_curl_examples_work(standalone: tuple[str, list[str]]) -> None:
    url, _ = standalone
    commands = _curl_commands()
    assert len(commands) == 64
    outcomes = {}
    for command in commands:
        command = command.replace("https://www.avochato.com", url)
        command = re.sub(r"auth_id=[^&\"]*", "auth_id=sandbox", command)
        command = re.sub(r"auth_secret=[^&\"]*", "auth_secret=sandbox-secret", command)
        command = re.sub(r'"auth_id":"[^"]*"', '"auth_id":"sandbox"', command)
        command = re.sub(r'"auth_secret":"[^"]*"', '"auth_secret":"sandbox-secret"', command)
        args = shlex.split(command)
        done = subprocess.run(  # noqa: S603 - the reference's own curl examples
            [*args, "-s", "-w", "\n%{http_code}"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        body, _, code = done.stdout.rpartition("\n")
        method = args[args.index("-X") + 1]
        path = next(a for a in args if a.startswith(url))[len(url) :].split("?")[0]
        key = f"{method} {path}" + (
            "#scheduled" if "scheduled_for" in command and method == "POST" and path == "/v1/messages" else ""
        )
        outcomes[key] = int(code)
        assert json.loads(body)["status"] == int(code) or "data" in json.loads(body), command
    assert set(EXPECTED_NOT_200) <= set(outcomes)
    unexpected = {k: v for k, v in outcomes.items() if v != EXPECTED_NOT_200.get(k, 200)}
    assert unexpected == {}
