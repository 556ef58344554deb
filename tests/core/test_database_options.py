"""Connection options motcua sets on its database sessions (settings.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_postgresql_sessions_run_without_the_jit_compiler() -> None:
    """JIT compiled the capped list counts (a high estimate, little work): 20 ms a page at a million dossiers."""
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor == "postgresql":
        assert "-c jit=off" in options["options"]
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
    else:  # SQLite has no such option; nothing PostgreSQL-specific leaks into its settings
        assert "options" not in options
