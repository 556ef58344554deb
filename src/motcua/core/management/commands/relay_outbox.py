"""`manage.py relay_outbox [--loop]`: hand pending outbox events to their handlers.

With `--loop` the relay outlives a database outage (a restart, a failover): a lost connection is logged,
closed and opened again on the next round, like a web request does (docs/faults.md).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import InterfaceError, OperationalError, close_old_connections

from motcua.core import outbox

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Deliver pending outbox events (once, or continuously with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running, polling every --interval seconds")
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            if not options["loop"]:
                report = outbox.relay_pending(limit=options["limit"])
            else:
                close_old_connections()  # as between two requests: drop a connection that broke or aged
                try:
                    report = outbox.relay_pending(limit=options["limit"])
                except (OperationalError, InterfaceError) as exc:  # the database is away: wait for it
                    logger.warning("outbox relay: database unavailable, retrying in %s s: %s", options["interval"], exc)
                    close_old_connections()
                    time.sleep(options["interval"])
                    continue
            if report.delivered or report.failed or report.dead or not options["loop"]:
                self.stdout.write(f"delivered {report.delivered}, failed {report.failed}, dead {report.dead}")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
