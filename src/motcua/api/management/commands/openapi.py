"""Write the API's OpenAPI schema to docs/api/openapi.json (`make openapi`); `--check` fails when it is stale.

The output is sorted, indented JSON that depends only on the code: no server URL, no host, no DEBUG-only
route (the simulators under /mo-phong/ are plain Django views, outside the Ninja API), and descriptions
rendered in the project's fixed language.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

DEFAULT_OUTPUT = "docs/api/openapi.json"


def default_path() -> Path:
    return Path(settings.PROJECT_DIR) / DEFAULT_OUTPUT


def render_schema() -> str:
    """The schema of the API as the committed file holds it (text ending with a newline)."""
    from motcua.api.urls import api

    with translation.override(settings.LANGUAGE_CODE):
        schema: dict[str, Any] = dict(api.get_openapi_schema())
        schema["servers"] = []  # where the API runs is a deployment matter, not part of the contract
        # the client-credentials token endpoint is a plain Django view (form, JSON or Basic): described by hand
        from motcua.clients.views import OPENAPI_PATH

        schema["paths"] = {**schema["paths"], "/api/v1/oauth/token": OPENAPI_PATH}
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return text + "\n"


class Command(BaseCommand):
    help = f"Write the OpenAPI schema of /api/v1/ to {DEFAULT_OUTPUT}; --check fails when that file is stale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", metavar="PATH", help=f"where to write (default: {DEFAULT_OUTPUT})")
        parser.add_argument("--check", action="store_true", help="write nothing; exit non-zero when the file differs")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"]) if options["output"] else default_path()
        text = render_schema()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                raise CommandError(f"{shown_path(path)} is stale: run make openapi")
            self.stdout.write(f"{shown_path(path)} is up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {shown_path(path)}")


def shown_path(path: Path) -> str:
    return DEFAULT_OUTPUT if path.resolve() == default_path().resolve() else str(path)
