"""Trigram (GIN) indexes for the diacritic-insensitive search on PostgreSQL.

The searched columns hold folded text (lower case, no diacritics); `LIKE '%word%'` on them uses these
indexes. SQLite needs no index for a catalogue of this size and skips this migration's SQL.
"""

from django.db import migrations

from motcua.core.db import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("org", "0001_initial"),
    ]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS catalog_version_search_trgm "
            "ON catalog_procedureversion USING gin (search_text gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS catalog_version_search_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS org_agency_search_trgm ON org_agency USING gin (search_text gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS org_agency_search_trgm",
        ),
    ]
