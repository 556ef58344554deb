"""Django's PostgreSQL backend, reading `timestamptz` values with psycopg's compiled loader, checking a
persistent connection's health without a round trip, and sending the statements written once as prepared
statements.

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

The statements motcua compiles once (`motcua.core.rows`: the session's and the user's reads, every read and
write of a submission and an action, the inbox's one statement) are registered here
(`prepare_when_run`). On a connection that allows it (`PREPARE` in the alias's settings: `DATABASE_PREPARE`,
on by default), each runs as a prepared statement named by a digest of its text: the first run on a
connection sends `PREPARE motcua_<digest> AS …`, each run `EXECUTE motcua_<digest>(…)`, its values still
written into the statement by psycopg as before (client-side binding, so the web process does no more
work). PostgreSQL then parses and analyses each once a connection, and plans it once when its
generic plan costs no more than the plans for the given values (`plan_cache_mode = auto`); a read whose
best plan depends on its values (the agency's lists) is not registered. Replayed 1,000 times, a forward's
reads cost PostgreSQL 2.4 ms of CPU as sent before, 0.85 ms prepared (docs/performance.md, eleventh session).

A `PREPARE` that fails is rolled back to a savepoint inside a transaction, and the statement sent as it is:
from then on if the trouble is the statement's own (parameters whose types PostgreSQL cannot tell, or tells
otherwise than their values), this time only otherwise (a lock timeout). Prepared statements live
as long as the connection: behind a pooler in transaction mode, which hands a connection to another client
between transactions, they must be turned off (`DATABASE_PREPARE=off`, docs/operations.md). Django's query
log shows the statement, not the `EXECUTE`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import select
import threading
import time
import weakref
from typing import Any

import psycopg
from django.db.backends.postgresql import base, operations
from psycopg import _cmodule, errors, pq
from psycopg.types.datetime import TimestamptzLoader

logger = logging.getLogger(__name__)

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


# --- prepared statements -----------------------------------------------------------------------------------------


class _Statement:
    __slots__ = ("execute", "name", "prepare", "unread")

    def __init__(self, name: str, prepare: str, execute: str, unread: frozenset[int] = frozenset()) -> None:
        self.name, self.prepare, self.execute = name, prepare, execute
        self.unread = unread  # the positions of parameters whose value is never read (`_UNREAD_BEFORE`)


_STATEMENTS: dict[str, _Statement] = {}  # the SQL as Django sends it (`%s` placeholders) → its prepared form
_REFUSED: set[str] = set()  # statements PostgreSQL would not prepare as given: sent as they are
_REGISTERING = threading.Lock()
_PLACEHOLDER = re.compile(r"%[s%]")
# Django writes an `Exists` as `EXISTS(SELECT %s AS "a" FROM …)` with the value 1: PostgreSQL types that
# parameter as text, and nothing reads it (EXISTS asks only whether there is a row)
_UNREAD_BEFORE, _UNREAD_AFTER = "EXISTS(SELECT ", ' AS "a" FROM '
# the statements prepared on each connection (psycopg's), by name
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def prepare_when_run(sql: str) -> None:
    """Send `sql` (with `%s` placeholders, as Django writes it) as a prepared statement on the connections that
    prepare (see the module's docstring). For statements whose text never changes and whose generic plan is
    good for any value: keyed reads and writes.

    A statement's name is a digest of its text: never given to another statement, the same in every process."""
    if sql in _STATEMENTS or sql in _REFUSED:
        return
    count = 0
    unread: set[int] = set()

    def numbered(found: re.Match[str]) -> str:
        nonlocal count
        if found.group(0) == "%%":
            return "%"
        if sql.endswith(_UNREAD_BEFORE, 0, found.start()) and sql.startswith(_UNREAD_AFTER, found.end()):
            unread.add(count)
        count += 1
        return f"${count}"

    text = _PLACEHOLDER.sub(numbered, sql)
    if count == 0:  # nothing to bind: nothing to gain from a plan kept for other values
        return
    name = "motcua_" + hashlib.sha256(sql.encode()).hexdigest()[:32]
    with _REGISTERING:
        if sql not in _STATEMENTS and sql not in _REFUSED:
            _STATEMENTS[sql] = _Statement(
                name,
                f"PREPARE {name} AS {text}",
                f"EXECUTE {name}({', '.join(['%s'] * count)})",
                frozenset(unread),
            )


def _refuse(sql: str, error: Exception) -> None:
    with _REGISTERING:
        _REFUSED.add(sql)
        _STATEMENTS.pop(sql, None)
    logger.info("sent unprepared from now on (%s): %.200s", error, sql)


_DjangoCursor: Any = base.Cursor  # type: ignore[attr-defined]


class PreparingCursor(_DjangoCursor):
    """Django's cursor, running the registered statements as prepared statements (see the module's docstring)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        statement = _STATEMENTS.get(query) if params is not None and not kwargs and type(query) is str else None
        if statement is not None:
            if not isinstance(params, list | tuple | dict):
                params = list(params)  # read twice below
            connection = self.connection
            prepared = _PREPARED.get(connection)
            if prepared is None:
                prepared = _PREPARED.setdefault(connection, set())
            for attempt in (1, 2):
                outside = connection.autocommit and connection.info.transaction_status == pq.TransactionStatus.IDLE
                ready = statement.name in prepared
                if not ready and self._prepare(connection, query, params, statement):
                    prepared.add(statement.name)
                    ready = True
                if not ready:
                    break
                try:
                    return super().execute(statement.execute, params)
                except (errors.InvalidSqlStatementName, errors.FeatureNotSupported):
                    # gone (a `DEALLOCATE` by someone else) or its result's columns changed (a migration while
                    # the connection lived): prepared again and run once more outside a transaction; inside
                    # one, this run fails with its transaction and the next run prepares it again
                    prepared.discard(statement.name)
                    if not outside or attempt == 2:
                        raise
        return super().execute(query, params, **kwargs)

    @staticmethod
    def _prepare(connection: Any, query: str, params: Any, statement: _Statement) -> bool:
        """Prepare `statement` on `connection` (replacing whatever holds its name there: a statement its
        columns' types changed under); False if it is to be sent as it is. PostgreSQL refusing it, or typing a
        parameter otherwise than its value (`_typed_as_given`), has it sent as it is from then on; any other
        failure (a lock or statement timeout), this time only. Inside a transaction, all of it happens in a
        savepoint, rolled back on a failure."""
        status = connection.info.transaction_status
        if status not in (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS):
            return False  # a failed transaction: the statement will fail as it is
        outside = status == pq.TransactionStatus.IDLE and connection.autocommit
        raw = psycopg.ClientCursor(connection)  # not this class: no statement of ours runs prepared
        try:
            if not outside:
                raw.execute("SAVEPOINT motcua_prepare")
            try:
                raw.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [statement.name])
                if raw.fetchone() is not None:
                    raw.execute(f"DEALLOCATE {statement.name}")
                raw.execute(statement.prepare)
                raw.execute(
                    "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = %s", [statement.name]
                )
                found = raw.fetchone()
                types = list(found[0]) if found else []
                if not _typed_as_given(types, params, statement.unread):
                    raw.execute(f"DEALLOCATE {statement.name}")
                    raise _Untyped(f"parameters typed {types}")
            except BaseException:
                if not outside:
                    raw.execute("ROLLBACK TO SAVEPOINT motcua_prepare")
                    raw.execute("RELEASE SAVEPOINT motcua_prepare")
                raise
            if not outside:
                raw.execute("RELEASE SAVEPOINT motcua_prepare")
        except (psycopg.Error, _Untyped) as error:
            if connection.info.transaction_status == pq.TransactionStatus.INERROR or connection.broken:
                raise  # the connection's own trouble, not the statement's
            if isinstance(error, _Untyped) or getattr(error, "sqlstate", None) in _STATEMENT_S_OWN:
                _refuse(query, error)  # the statement's own trouble: for good
            return False
        finally:
            raw.close()
        return True


# what PostgreSQL answers a `PREPARE` whose trouble is the statement itself, whenever it is sent: a syntax
# error; a parameter whose type it cannot tell or tells two ways; a type mismatch; an ambiguous function. (A
# missing table or column is not among them: a deployment ahead of its migration, or a replica behind.)
_STATEMENT_S_OWN = {"42601", "42P18", "42P08", "42804", "42725"}


class _Untyped(Exception):
    """A prepared statement's parameter typed otherwise than the value given for it."""


# the types PostgreSQL gives a parameter it cannot type from its context (in a select list, say)
_UNTYPED = {"text", "unknown", "character varying"}


def _typed_as_given(types: list[str], params: Any, unread: frozenset[int] = frozenset()) -> bool:
    """Whether PostgreSQL typed each parameter as its value would be read. A parameter with nothing around it
    to type it (`Value(True)` in a select list) becomes text, and a `true` sent for it would come back as the
    text 'true' (truthy even when false): such a statement is not prepared. Only a text value may go to a
    parameter typed as text, except at the positions `unread` (an `EXISTS`' select list, never read). Checked
    with the values of the statement's first run on a connection: the ORM gives a statement's parameters the
    same types every time (each through its field)."""
    values = list(params.values()) if isinstance(params, dict) else list(params)
    if len(types) != len(values):
        return False
    return all(
        kind not in _UNTYPED or value is None or isinstance(value, str) or position in unread
        for position, (kind, value) in enumerate(zip(types, values, strict=True))
    )


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str | None:  # type: ignore[override]
        """The statement with its values, as Django logs it: for a prepared one, the statement run, not
        its `EXECUTE`."""
        if sql in _STATEMENTS and params is not None:
            try:
                return str(self.compose_sql(sql, params))
            except errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


# how long a connection may go unused and still be trusted on its socket alone (see the module's docstring)
QUIET_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _last_checked = 0.0  # `time.monotonic()` of the last health check, passed or not

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if self.settings_dict.get("PREPARE") and params.get("cursor_factory") is _DjangoCursor:
            params["cursor_factory"] = PreparingCursor
        return params

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
