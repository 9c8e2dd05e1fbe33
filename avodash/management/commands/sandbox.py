"""`python manage.py sandbox [--port 8001] [--latency-ms N] [--seed N] [--fault SPEC ...] [--scale N]`.

`--scale N` adds N generated users over ten inboxes (`--scale-inbox SUBDOMAIN`: all in one).

Serves the Avochato API sandbox on 127.0.0.1 and prints its URL and credentials. The default
credential pair is read from AVOCHATO_AUTH_ID / AVOCHATO_AUTH_SECRET in the environment (the
variables the dashboard reads), else sandbox / sandbox-secret.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from avodash.sandbox import cli


class Command(BaseCommand):
    help = "Serve the Avochato API sandbox (demo data, fault knobs) on 127.0.0.1."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        cli.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        cli.run(options, self.stdout)
