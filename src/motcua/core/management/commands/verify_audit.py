"""`manage.py verify_audit [--stream dossier:42]`: check the audit trail's hash chains."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.core import audit


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exits with an error when an event was changed or removed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stream", help="only this stream (e.g. dossier:42)")

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = audit.verify(options.get("stream"))
        checked = audit.event_count(options.get("stream"))
        if breaks:
            for item in breaks:
                self.stderr.write(str(item))
            raise CommandError(f"audit trail broken: {len(breaks)} problem(s) in {checked} event(s)")
        self.stdout.write(f"audit trail intact: {checked} event(s) checked")
