"""manage.py verify_backup: after a restore, every dossier is there and every stored file is intact.

Checks each file the database points to (dossier documents, uploads, the citizens' data store, results) in
the configured storage (`MEDIA_ROOT` or the object storage bucket): present, and with the SHA-256 the
database recorded. Prints one summary line whose `codes` digest covers every dossier code, so the line
printed on the primary at backup time and the one printed on the restored copy can be compared as text.
Exits with status 1 when a file is missing or altered. See docs/operations.md, "Backups".
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from motcua.dossiers.models import Document, Dossier, StoredDocument, Upload
from motcua.results.models import ResultDocument

CHUNK = 1024 * 1024


def file_sha256(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Check that every dossier file is present with its recorded SHA-256 (after restoring a backup)."

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[str] = []
        checked = 0
        # (rows, file field, hash field or None: present only)
        sources: list[tuple[Any, str, str | None]] = [
            (Document.objects.order_by("pk"), "file", "sha256"),
            (Upload.objects.order_by("pk"), "file", "sha256"),
            (StoredDocument.objects.order_by("pk"), "file", "sha256"),
            (ResultDocument.objects.order_by("pk"), "file", None),
            (ResultDocument.objects.exclude(sha256="").order_by("pk"), "signed_file", "sha256"),
        ]
        for rows, file_field, hash_field in sources:
            for row in rows.iterator(chunk_size=2000):
                name = getattr(row, file_field).name
                if not name:
                    continue
                checked += 1
                where = f"{row._meta.label} {row.pk} {name}"
                if not default_storage.exists(name):
                    problems.append(f"missing: {where}")
                elif hash_field and file_sha256(name) != getattr(row, hash_field):
                    problems.append(f"altered (SHA-256 differs): {where}")
        codes = hashlib.sha256()
        dossiers = 0
        for code in Dossier.objects.order_by("code").values_list("code", flat=True).iterator(chunk_size=10000):
            codes.update(code.encode() + b"\n")
            dossiers += 1
        for problem in problems:
            self.stderr.write(problem)
        self.stdout.write(
            f"dossiers={dossiers} documents={Document.objects.count()} files={checked} "
            f"problems={len(problems)} codes={codes.hexdigest()}"
        )
        if problems:
            raise CommandError(f"{len(problems)} file(s) missing or altered")
