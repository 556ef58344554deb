"""manage.py import_national_catalog FILE.json --agency CODE: procedures of the national procedure database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from motcua.catalog.exchange import ImportFailed, import_document
from motcua.integrations.inbound.catalog import to_catalog_document


class Command(BaseCommand):
    help = (
        "Nhập thủ tục từ tệp JSON của CSDL quốc gia về TTHC (import procedures exported by the national "
        "procedure database); all or nothing, like import_catalog."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--agency",
            action="append",
            default=[],
            help="electronic identifier of the implementing agency, for procedures whose agency has no mapping",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"{path}: not JSON ({exc})") from exc
        items = (
            data
            if isinstance(data, list)
            else data.get("data") or data.get("items") or []
            if isinstance(data, dict)
            else []
        )
        if not isinstance(items, list):
            raise CommandError(f"{path}: expected a list of procedures")
        try:
            report = import_document(to_catalog_document(items, agencies=options["agency"]))
        except ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} invalid row(s); nothing was imported") from exc
        self.stdout.write(
            f"procedures: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged"
        )
