"""`make run`: the sandbox (unless AVOCHATO_API_URL is set), a task worker and the dashboard.

One Ctrl-C stops all three.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def port_answers(port: int, *, seconds: float) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port` within `seconds` (a server
    started in another process: the sandbox here, the whole deployment in the load test)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


class Command(BaseCommand):
    help = "Run the embedded sandbox, a background worker and the dashboard together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--latency-ms", type=int, default=0, help="Sandbox latency per request.")
        parser.add_argument("--scale", type=int, default=0, help="Sandbox: N more users over ten inboxes.")

    def handle(self, *args, **options):
        children: list[subprocess.Popen] = []
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        try:
            if settings.AVOCHATO_SANDBOX:
                children.append(
                    subprocess.Popen(  # noqa: S603 - our own manage.py
                        [
                            *manage,
                            "sandbox",
                            "--port",
                            str(settings.SANDBOX_PORT),
                            "--latency-ms",
                            str(options["latency_ms"]),
                            "--scale",
                            str(options["scale"]),
                        ]
                    )
                )
                if not port_answers(settings.SANDBOX_PORT, seconds=15):
                    self.stderr.write(
                        f"The sandbox did not answer on port {settings.SANDBOX_PORT}; starting anyway."
                    )
            else:
                self.stdout.write(f"Using the Avochato API at {settings.AVOCHATO_API_URL}")
            children.append(subprocess.Popen([*manage, "db_worker", "--interval", "1", "--no-reload"]))  # noqa: S603
            call_command("demo_user")
            self.stdout.write(self.style.SUCCESS(self._banner(options["port"])))
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()

    @staticmethod
    def _banner(port: int) -> str:
        domain = settings.INBOX_HOST_DOMAIN
        if not domain:
            return f"\navodash: http://127.0.0.1:{port}/   (Ctrl-C stops everything)\n"
        # Browsers resolve every *.localhost name to this machine: no DNS set-up.
        inbox = "acme-support" if settings.AVOCHATO_SANDBOX else "<subdomain>"
        return (
            f"\navodash: http://{domain}:{port}/   (Ctrl-C stops everything)"
            f"\n  an inbox by host name: http://{inbox}.{domain}:{port}/\n"
        )
