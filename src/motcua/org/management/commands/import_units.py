"""manage.py import_units [--province 52]: load administrative units from vietnam-provinces."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.org.units import administrative_units_import


class Command(BaseCommand):
    help = "Import the 34 provinces and their communes from the vietnam-provinces package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", help="only this province code (e.g. 52)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = administrative_units_import(province=options["province"])
        self.stdout.write(
            f"administrative units: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        )
