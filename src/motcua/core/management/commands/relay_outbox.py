"""`manage.py relay_outbox [--loop]`: hand pending outbox events to their handlers."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.core import outbox


class Command(BaseCommand):
    help = "Deliver pending outbox events (once, or continuously with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running, polling every --interval seconds")
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = outbox.relay_pending(limit=options["limit"])
            if report.delivered or report.failed or report.dead or not options["loop"]:
                self.stdout.write(f"delivered {report.delivered}, failed {report.failed}, dead {report.dead}")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
