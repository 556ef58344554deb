"""manage.py load_demo: the demo province, its staff and catalogue (idempotent; refused when DEBUG is off)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.exchange import ImportFailed
from motcua.demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the demo province (Gia Lai), its agencies, accounts and procedures. Refused when DEBUG is off."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_demo()
        except PermissionError as exc:
            raise CommandError(str(exc)) from exc
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError("the demo catalogue is invalid") from exc
        procedures = report.procedures
        self.stdout.write(
            f"demo: {report.agencies} agencies, {report.staff} staff; procedures {len(procedures.created)} created, "
            f"{len(procedures.updated)} updated, {len(procedures.unchanged)} unchanged"
        )
