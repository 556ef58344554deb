"""Read replica: chosen read-only paths read from the `replica` database alias, everything else from `default`.

Reads are never sent to the replica blindly: a request that has just written must read its own writes, and a
streaming replica is always a little behind. Only code run inside `reading_from_replica()` (a context manager
and a decorator) reads from it: the statistics (public page, open data, /api/v1/stats/*, the back-office
reports) and the public dossier lookup. Even there a read stays on `default`

- when no `replica` alias is configured (DATABASE_REPLICA_URL unset: SQLite or a single server),
- inside a transaction on `default` (a write in progress must see itself),
- for models outside the replicated read paths (sessions, users, API clients: sign-in never lags),
- while the replica is unreachable or lags more than DATABASE_REPLICA_MAX_LAG seconds; it is checked
  again after `RETRY_SECONDS`, and a warning is logged.

Writes always go to `default`; migrations run on `default` only (the replica receives them by replication).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError, InterfaceError, OperationalError

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The apps whose tables the replicated read paths read; other models (auth, sessions, accounts, clients, the
# outbox) are always read from `default`.
REPLICATED_APPS = frozenset({"reports", "dossiers", "catalog", "org", "results", "payments"})
RETRY_SECONDS = 30.0
LAG_CHECK_SECONDS = 10.0
DEFAULT_MAX_LAG_SECONDS = 30.0

_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""

P = ParamSpec("P")
R = TypeVar("R")


class _Reads:
    """State of one `reading_from_replica()` block: whether a read was sent to the replica."""

    def __init__(self) -> None:
        self.used = False


_current: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("motcua_replica_reads", default=None)
_down_until = 0.0  # monotonic time before which the replica is not tried again (shared by the threads)


def configured() -> bool:
    """Whether a `replica` alias exists (DATABASE_REPLICA_URL is set)."""
    return REPLICA in connections.settings


def mark_down(reason: object) -> None:
    """Stop using the replica for RETRY_SECONDS (reads fall back to `default`) and say why in the log."""
    global _down_until
    _down_until = time.monotonic() + RETRY_SECONDS
    logger.warning("read replica unusable, reading from the primary for %.0f s: %s", RETRY_SECONDS, reason)


def reset() -> None:
    """Forget a previous failure (tests, or after the replica is repaired)."""
    global _down_until
    _down_until = 0.0


def replica_lag(connection: Any) -> float:
    """Seconds the replica is behind the primary (0 for a primary, for SQLite, or when it has replayed all)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(_LAG_SQL)
        row = cursor.fetchone()
    return float(row[0] or 0) if row else 0.0


def _usable() -> bool:
    if not configured() or time.monotonic() < _down_until:
        return False
    connection = connections[REPLICA]
    checked = getattr(connection, "_motcua_lag_checked", None)
    if connection.connection is not None and checked is not None and time.monotonic() - checked < LAG_CHECK_SECONDS:
        return True
    try:
        if connection.connection is None:
            with connection.wrap_database_errors:  # ensure_connection(), without a test case's guard on the alias
                connection.connect()
        lag = replica_lag(connection)
    except DatabaseError as exc:
        mark_down(exc)
        _close_quietly()
        return False
    connection._motcua_lag_checked = time.monotonic()  # type: ignore[attr-defined]
    limit = float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", DEFAULT_MAX_LAG_SECONDS))
    if lag > limit:
        mark_down(f"{lag:.1f} s behind the primary (limit {limit:.0f} s)")
        return False
    return True


def _close_quietly() -> None:
    with suppress(DatabaseError):
        connections[REPLICA].close()


def replica_alias() -> str:
    """The alias to read from right now for a replicated read path: `replica` when usable, else `default`."""
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA if _usable() else DEFAULT_DB_ALIAS


@contextmanager
def _replica_block() -> Iterator[_Reads]:
    reads = _Reads()
    token = _current.set(reads)
    try:
        yield reads
    finally:
        _current.reset(token)


class _ReadingFromReplica:
    """Context manager and decorator; see `reading_from_replica`."""

    def __enter__(self) -> None:
        self._token = _current.set(_Reads())

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)

    def __call__(self, function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with _replica_block() as reads:
                try:
                    return function(*args, **kwargs)
                except (OperationalError, InterfaceError) as exc:
                    if not reads.used:
                        raise
                    error = exc
            # the replica failed during the call: it is read-only, so run it again on the primary
            mark_down(error)
            _close_quietly()
            return function(*args, **kwargs)

        return wrapper


def reading_from_replica() -> _ReadingFromReplica:
    """Send the reads of replicated models to the replica, as a block or a decorator.

    `with reading_from_replica(): ...` or `@reading_from_replica()` on a read-only view or function. As a
    decorator it also survives a replica that fails in the middle of the call: the call is run again on the
    primary (so decorate read-only code only).
    """
    return _ReadingFromReplica()


def replica_reads(function: Callable[P, R]) -> Callable[P, R]:
    """`@replica_reads`: the decorator form without parentheses (for ninja's `router.add_decorator`)."""
    return reading_from_replica()(function)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads inside `reading_from_replica()` to the replica, the rest to `default`."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        reads = _current.get()
        if reads is None or model._meta.app_label not in REPLICATED_APPS:  # type: ignore[attr-defined]
            return DEFAULT_DB_ALIAS
        alias = replica_alias()
        if alias == REPLICA:
            reads.used = True
        return alias

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
