"""manage.py export_catalog FILE: write the catalogue in force as .json or .xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from motcua.catalog.exchange import export_json, export_xlsx


class Command(BaseCommand):
    help = "Export the catalogue in force as a motcua-catalog/1 JSON or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        content = export_xlsx() if path.suffix.lower() == ".xlsx" else export_json()
        path.write_bytes(content)
        self.stdout.write(f"written {path} ({len(content)} bytes)")
