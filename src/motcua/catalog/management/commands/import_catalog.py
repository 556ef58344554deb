"""manage.py import_catalog FILE: import a catalogue file (.json or .xlsx), all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.catalog.exchange import ImportFailed, import_json, import_xlsx


class Command(BaseCommand):
    help = "Import procedures from a motcua-catalog/1 JSON or XLSX file; nothing is written if a row is bad."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        content = path.read_bytes()
        try:
            report = import_xlsx(content) if path.suffix.lower() == ".xlsx" else import_json(content)
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} invalid row(s); nothing was imported") from exc
        self.stdout.write(
            f"procedures: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged"
        )
