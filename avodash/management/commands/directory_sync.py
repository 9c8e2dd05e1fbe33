"""`manage.py directory_sync [--all | SUBDOMAIN ...] [--reset]`: fill or refresh the local
directory now, in the foreground (the background worker does the same on a schedule)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from avodash.avochato.django import get_client
from avodash.domain import directory


class Command(BaseCommand):
    help = "List every inbox's users and read their details into the local directory, now."

    def add_arguments(self, parser):
        parser.add_argument("subdomains", nargs="*", help="Inboxes to sync (default: every inbox).")
        parser.add_argument("--all", action="store_true", help="Every inbox the credential reaches.")
        parser.add_argument("--reset", action="store_true", help="Forget the directory first.")

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["reset"]:
            directory.clear()
        directory.inboxes_sync(client=get_client(None, background=True))
        subs = options["subdomains"] or [i.subdomain for i in directory.inboxes_present()]
        for sub in subs:
            client = get_client(sub, background=True)
            members = directory.list_pass(client=client)
            read = directory.details_pass(client=client, limit=members, workers=4)
            self.stdout.write(f"{sub}: {members} members, {read} read")
        self.stdout.write(f"directory synced in {time.monotonic() - started:.1f} s")
