"""The committed schema (docs/api/openapi.json) is what `make openapi` writes from the code now."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from motcua.api.management.commands.openapi import default_path, render_schema

CONTRACT_PATHS = [
    "/api/v1/dossiers",
    "/api/v1/stats/summary",
    "/api/v1/lookup",
    "/api/v1/procedures",
    "/api/v1/oauth/token",
]


def test_the_committed_schema_is_up_to_date() -> None:
    committed = default_path().read_text(encoding="utf-8")
    assert committed == render_schema(), "docs/api/openapi.json is stale: run make openapi"


def test_the_committed_schema_holds_the_contract() -> None:
    schema = json.loads(default_path().read_text(encoding="utf-8"))
    assert schema["openapi"].startswith("3.")
    assert schema["servers"] == []
    for path in CONTRACT_PATHS:
        assert path in schema["paths"], path
    assert not any(path.startswith("/mo-phong/") for path in schema["paths"])


def test_the_command_writes_and_checks(tmp_path: Path) -> None:
    output = tmp_path / "openapi.json"
    call_command("openapi", output=str(output), stdout=StringIO())
    assert output.read_text(encoding="utf-8") == render_schema()
    call_command("openapi", output=str(output), check=True, stdout=StringIO())

    output.write_text("{}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="is stale: run make openapi"):
        call_command("openapi", output=str(output), check=True, stdout=StringIO())
    assert output.read_text(encoding="utf-8") == "{}\n"
