"""Django's PostgreSQL backend, reading `timestamptz` values with psycopg's compiled loader, and checking a
persistent connection's health without a round trip.

Django registers its own loader for `timestamptz`: a Python subclass of psycopg's pure-Python loader that
sets the result's zone to UTC. A subclass cannot use psycopg's C implementation (psycopg_binary), so every
date and time read went through Python string parsing: a list page reads about a thousand of them, which
was a tenth of the inbox's CPU at a million dossiers (docs/performance.md, fifth session).

Django sets each session's TimeZone to UTC when `USE_TZ` is on; psycopg's own loader then gives the same
aware datetimes in `datetime.UTC` (its zone for a UTC session), six times faster. So on such connections the
compiled loader is registered instead. Without the C implementation, or with `USE_TZ` off, nothing changes.

With `CONN_HEALTH_CHECKS`, Django checks a persistent connection at the first query of each request by
sending `SELECT 1`: a round trip on every request. A server that ends a connection (a restart, an
administrator's `pg_terminate_backend`, an idle timeout) tells the client and closes the socket, so a
connection used by a request less than `QUIET_SECONDS` ago, idle, whose socket has nothing to read and that
psycopg does not know to be broken, is healthy. Every other one gets Django's `SELECT 1` and is replaced if
it fails: one with something waiting on its socket, and one that has been quiet longer, which a database
host that rebooted or failed over, or a firewall that forgot the connection, may have lost without a word
(the `SELECT 1` then meets the reset, not the request's own query). Under load every connection is used
many times a second, so the round trip is saved where it costs.
"""

from __future__ import annotations

import datetime as dt
import select
import time
from typing import Any

from django.db.backends.postgresql import base
from psycopg import _cmodule, pq
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


# how long a connection may go unused and still be trusted on its socket alone (see the module's docstring)
QUIET_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    _last_checked = 0.0  # `time.monotonic()` of the last health check, passed or not

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        # Django's `timezone` is UTC with USE_TZ; with USE_TZ off it keeps its own loader (naive datetimes)
        if _COMPILED is not None and self.timezone == dt.UTC:
            connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
        return connection

    def close_if_health_check_failed(self) -> None:
        """Django's health check (`CONN_HEALTH_CHECKS`), without its `SELECT 1` for an idle connection whose
        socket has nothing to read (see the module's docstring)."""
        state: Any = self  # (django-stubs do not declare the health check's two attributes)
        due = self.connection is not None and state.health_check_enabled and not state.health_check_done
        if not due:
            return
        now, last = time.monotonic(), self._last_checked
        self._last_checked = now
        if now - last < QUIET_SECONDS and self._quiet():
            state.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        """Whether the connection is open, idle outside a transaction, and has nothing waiting on its socket."""
        connection = self.connection
        try:
            if (
                connection.broken
                or connection.closed
                or connection.info.transaction_status != pq.TransactionStatus.IDLE
            ):
                return False
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            waiting = poller.poll(0)
        except (OSError, ValueError, AttributeError):
            return False
        return not waiting
