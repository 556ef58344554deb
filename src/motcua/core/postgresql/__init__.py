"""Django's PostgreSQL backend with one change: timestamps are read by psycopg's compiled loader (`base`)."""
