"""Database helpers that differ between PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, migrations, transaction


class PostgresOnlySQL(migrations.RunSQL):
    """Raw SQL run on PostgreSQL only (extensions, trigram indexes); a no-op on SQLite."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


@contextmanager
def joins_as_written(using: str = "default") -> Iterator[None]:
    """Queries inside are planned with their joins in the order the ORM wrote them (PostgreSQL).

    For a list read through an index in its sort order with up to seven lookups joined to each row (the
    dossier API's list), PostgreSQL spent 3.1 ms weighing join orders to run the query in 1.0 ms, and chose
    the order as written: dossiers first, each lookup by its key (docs/performance.md, sixth session). Here
    `join_collapse_limit` is 1 for one transaction (`SET LOCAL`); the queries see the same rows either way.
    Inside an open transaction, on SQLite, or on another database, it does nothing.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL join_collapse_limit = 1")
        yield
