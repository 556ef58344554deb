"""Django's PostgreSQL backend, reading `timestamptz` values with psycopg's compiled loader.

Django registers its own loader for `timestamptz`: a Python subclass of psycopg's pure-Python loader that
sets the result's zone to UTC. A subclass cannot use psycopg's C implementation (psycopg_binary), so every
date and time read went through Python string parsing: a list page reads about a thousand of them, which
was a tenth of the inbox's CPU at a million dossiers (docs/performance.md, fifth session).

Django sets each session's TimeZone to UTC when `USE_TZ` is on; psycopg's own loader then gives the same
aware datetimes in `datetime.UTC` (its zone for a UTC session), six times faster. So on such connections the
compiled loader is registered instead. Without the C implementation, or with `USE_TZ` off, nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.backends.postgresql import base
from psycopg import _cmodule
from psycopg.types.datetime import TimestamptzLoader

_COMPILED: Any = getattr(_cmodule._psycopg, "TimestamptzLoader", None) if _cmodule._psycopg else None


class UtcTimestamptzLoader(TimestamptzLoader):
    """Registered in place of Django's loader; builds psycopg's compiled one (which cannot be subclassed).

    `timezone` is what Django's `create_cursor` compares with the connection's zone before it would register
    its own loader again for a cursor.
    """

    timezone = dt.UTC

    def __new__(cls, oid: int, context: Any = None) -> Any:
        return _COMPILED(oid, context)


def compiled_loader_available() -> bool:
    return _COMPILED is not None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        # Django's `timezone` is UTC with USE_TZ; with USE_TZ off it keeps its own loader (naive datetimes)
        if _COMPILED is not None and self.timezone == dt.UTC:
            connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
        return connection
