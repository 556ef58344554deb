"""Create the demo certificate authority and one signing certificate (PKCS#12) per agency; idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from motcua.org.models import Agency
from motcua.results import pki


class Command(BaseCommand):
    help = "Create var/pki/: a demo root CA and a PKCS#12 signing key per agency (existing files are kept)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default="", help="target directory (default: MOTCUA_SIGNING_KEYS_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"] or settings.MOTCUA_SIGNING_KEYS_DIR)
        agencies = Agency.objects.order_by("code").values_list("code", "name")
        created, made = pki.ensure_agency_keys(directory, agencies, settings.MOTCUA_SIGNING_P12_PASSPHRASE)
        self.stdout.write(
            f"demo PKI in {directory}: CA {'created' if created else 'kept'}, {len(made)} new agency certificate(s)"
        )
