"""motcua.core.postgresql: the statements written once run as PostgreSQL prepared statements.

These tests use a connection alias of their own to the server's `postgres` database (as the health check's
tests do), so they run in both CI runs, SQLite's included.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test.utils import CaptureQueriesContext

from motcua.core.postgresql import base as backend
from tests.core.test_postgresql_backend import _server_url


def _wrapper(django_db_blocker: Any, alias: str, *, prepare: bool) -> Any:
    import dj_database_url
    from django.db import connections
    from django.db.utils import ConnectionHandler

    settings_dict = dj_database_url.parse(_server_url() + "/postgres", conn_max_age=60)
    settings_dict["ENGINE"] = "motcua.core.postgresql"
    settings_dict["PREPARE"] = prepare
    connections.settings[alias] = ConnectionHandler({"default": settings_dict}).settings["default"]
    return connections[alias]


@pytest.fixture
def preparing(django_db_blocker: Any) -> Any:
    from django.db import connections

    with django_db_blocker.unblock():
        wrapper = _wrapper(django_db_blocker, "preparing", prepare=True)
        try:
            yield wrapper
        finally:
            wrapper.close()
            del connections["preparing"]
            del connections.settings["preparing"]


def _statement(text: str) -> str:
    """`text` made unique to this run (a comment): the register of statements is the process's."""
    sql = f"{text} /* {uuid.uuid4().hex} */"
    backend.prepare_when_run(sql)
    return sql


def _prepared_names(wrapper: Any) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


def _name_of(sql: str) -> str:
    return backend._STATEMENTS[sql].name


def test_a_registered_statement_runs_prepared_once_a_connection(preparing: Any) -> None:
    sql = _statement("SELECT n, n * %s FROM generate_series(1, %s) AS n WHERE n > %s")
    with preparing.cursor() as cursor:
        cursor.execute(sql, [10, 4, 1])
        assert cursor.fetchall() == [(2, 20), (3, 30), (4, 40)]
    assert _name_of(sql) in _prepared_names(preparing)
    with CaptureQueriesContext(preparing) as queries, preparing.cursor() as cursor:
        cursor.execute(sql, [2, 3, 0])
        assert cursor.fetchall() == [(1, 2), (2, 4), (3, 6)]
    # one statement sent (no second PREPARE), and the log shows the statement, not its EXECUTE
    assert [q["sql"] for q in queries] == [sql.replace("%s", "{}").format(2, 3, 0)]
    assert _prepared_names(preparing).count(_name_of(sql)) == 1


def test_an_unregistered_statement_is_sent_as_before(preparing: Any) -> None:
    before = _prepared_names(preparing)
    with preparing.cursor() as cursor:
        cursor.execute(f"SELECT %s::int + 1 /* {uuid.uuid4().hex} */", [1])
        assert cursor.fetchone() == (2,)
    assert _prepared_names(preparing) == before


def test_writes_run_prepared_with_their_row_counts(preparing: Any) -> None:
    with preparing.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE motcua_t (id int PRIMARY KEY, label text, at timestamptz)")
    insert = _statement("INSERT INTO motcua_t (id, label, at) VALUES (%s, %s, %s) RETURNING id")
    update = _statement("UPDATE motcua_t SET label = %s WHERE id >= %s")
    with preparing.cursor() as cursor:
        for key in (1, 2, 3):
            cursor.execute(insert, [key, f"nhãn {key} 100%", None])
            assert cursor.fetchone() == (key,)
        cursor.execute(update, ["đã sửa", 2])
        assert cursor.rowcount == 2
        cursor.execute("SELECT id, label, at FROM motcua_t ORDER BY id")
        assert cursor.fetchall() == [(1, "nhãn 1 100%", None), (2, "đã sửa", None), (3, "đã sửa", None)]
    assert {_name_of(insert), _name_of(update)} <= set(_prepared_names(preparing))


def test_a_parameter_postgresql_would_type_as_text_keeps_the_statement_unprepared(preparing: Any) -> None:
    """`Value(True)` in a select list: prepared, PostgreSQL would type it as text and return 'false', truthy."""
    sql = _statement("SELECT n, %s AS held FROM generate_series(1, %s) AS n")
    with preparing.cursor() as cursor:
        cursor.execute(sql, [False, 2])
        assert cursor.fetchall() == [(1, False), (2, False)]
        cursor.execute(sql, [True, 1])
        assert cursor.fetchall() == [(1, True)]
    assert sql not in backend._STATEMENTS  # sent as before from now on
    assert all(not name.startswith("motcua_") or name in _names_registered() for name in _prepared_names(preparing))
    text = _statement("SELECT %s || n::text FROM generate_series(1, %s) AS n")
    with preparing.cursor() as cursor:  # a text value for a text parameter: prepared, as given
        cursor.execute(text, ["số ", 2])
        assert cursor.fetchall() == [("số 1",), ("số 2",)]
    assert _name_of(text) in _prepared_names(preparing)


def test_the_unread_value_of_an_exists_does_not_keep_the_statement_unprepared(preparing: Any) -> None:
    """Django writes an `Exists` as `EXISTS(SELECT %s AS "a" FROM …)` with the value 1, which PostgreSQL types
    as text: nothing reads it, so the statement is prepared (the user's read and the inbox's dossiers' were
    sent unprepared for it until the twelfth session)."""
    sql = _statement(
        'SELECT n, EXISTS(SELECT %s AS "a" FROM generate_series(1, n) AS m WHERE m = %s LIMIT 1) AS reached'
        ' FROM generate_series(1, %s) AS n WHERE NOT EXISTS(SELECT %s AS "a" FROM generate_series(1, %s) AS k'
        " WHERE k = n LIMIT 1)"
    )
    assert backend._STATEMENTS[sql].unread == frozenset({0, 3})
    with preparing.cursor() as cursor:
        cursor.execute(sql, [1, 3, 5, 1, 1])
        assert cursor.fetchall() == [(2, False), (3, True), (4, True), (5, True)]
        cursor.execute(sql, [1, 2, 3, 1, 0])
        assert cursor.fetchall() == [(1, False), (2, True), (3, True)]
    assert _name_of(sql) in _prepared_names(preparing)
    # the same value anywhere else it is read still keeps a statement unprepared
    read = _statement('SELECT n, %s AS "a" FROM generate_series(1, %s) AS n')
    assert backend._STATEMENTS[read].unread == frozenset()
    with preparing.cursor() as cursor:
        cursor.execute(read, [1, 2])
        assert cursor.fetchall() == [(1, 1), (2, 1)]
    assert read not in backend._STATEMENTS


def _names_registered() -> set[str]:
    return {statement.name for statement in backend._STATEMENTS.values()}


def test_a_statement_postgresql_cannot_prepare_leaves_the_transaction_intact(preparing: Any) -> None:
    sql = _statement("SELECT %s IS NULL")  # PostgreSQL cannot tell the parameter's type
    with transaction.atomic(using="preparing"), preparing.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE motcua_kept (id int) ON COMMIT DROP")
        cursor.execute("INSERT INTO motcua_kept VALUES (1)")
        cursor.execute(sql, [None])  # refused inside a savepoint: sent as before
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT count(*) FROM motcua_kept")  # the transaction goes on
        assert cursor.fetchone() == (1,)
    assert sql not in backend._STATEMENTS


def test_a_statement_prepared_in_a_transaction_rolled_back_stays_prepared(preparing: Any) -> None:
    sql = _statement("SELECT %s::int * 3")
    with pytest.raises(RuntimeError), transaction.atomic(using="preparing"), preparing.cursor() as cursor:
        cursor.execute(sql, [2])
        assert cursor.fetchone() == (6,)
        raise RuntimeError("roll back")
    with preparing.cursor() as cursor:
        cursor.execute(sql, [5])
        assert cursor.fetchone() == (15,)
    assert _name_of(sql) in _prepared_names(preparing)


def test_a_statement_refused_leaves_no_name_to_another(preparing: Any) -> None:
    """Names are digests of the statements: one refused (and forgotten) gives its name to no other."""
    refused = _statement("SELECT %s AS flag, 'refused'")  # a bool typed as text: refused
    first = _statement("SELECT %s::int, 'first'")
    with preparing.cursor() as cursor:
        cursor.execute(refused, [True])
        assert cursor.fetchone() == (True, "refused")
        cursor.execute(first, [1])
        assert cursor.fetchone() == (1, "first")
        second = _statement("SELECT %s::int, 'second'")
        cursor.execute(second, [2])
        assert cursor.fetchone() == (2, "second")
        cursor.execute(first, [3])
        assert cursor.fetchone() == (3, "first")
    assert refused not in backend._STATEMENTS and _name_of(first) != _name_of(second)
    assert backend._STATEMENTS[first].name == "motcua_" + backend.hashlib.sha256(first.encode()).hexdigest()[:32]


def test_another_statement_under_its_name_is_replaced(preparing: Any) -> None:
    sql = _statement("SELECT %s::int, 'ours'")
    with preparing.cursor() as cursor:
        cursor.execute(f"PREPARE {_name_of(sql)} AS SELECT $1::int, 'theirs'")
        cursor.execute(sql, [7])
        assert cursor.fetchone() == (7, "ours")
    inside = _statement("SELECT %s::int, 'ours, in a transaction'")
    with transaction.atomic(using="preparing"), preparing.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE motcua_going_on (id int) ON COMMIT DROP")
        cursor.execute(f"PREPARE {_name_of(inside)} AS SELECT $1::int, 'theirs'")
        cursor.execute(inside, [8])
        assert cursor.fetchone() == (8, "ours, in a transaction")
        cursor.execute("INSERT INTO motcua_going_on VALUES (1)")  # the transaction goes on
        cursor.execute("SELECT count(*) FROM motcua_going_on")
        assert cursor.fetchone() == (1,)
        untyped = _statement("SELECT %s AS flag, 'untyped in a transaction'")
        cursor.execute(untyped, [False])  # refused by the type check, in a savepoint rolled back
        assert cursor.fetchone() == (False, "untyped in a transaction")
        cursor.execute("SELECT count(*) FROM motcua_going_on")
        assert cursor.fetchone() == (1,)
        assert untyped not in backend._STATEMENTS


def test_a_statement_whose_columns_changed_type_is_prepared_again(preparing: Any) -> None:
    with preparing.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE motcua_changing (id int, amount int)")
        cursor.execute("INSERT INTO motcua_changing VALUES (1, 5)")
    sql = _statement("SELECT amount FROM motcua_changing WHERE id = %s")
    with preparing.cursor() as cursor:
        cursor.execute(sql, [1])
        assert cursor.fetchone() == (5,)
        cursor.execute("ALTER TABLE motcua_changing ALTER COLUMN amount TYPE text")  # a migration, say
        # "cached plan must not change result type": outside a transaction, prepared again and run again
        cursor.execute(sql, [1])
        assert cursor.fetchone() == ("5",)
        cursor.execute("ALTER TABLE motcua_changing ALTER COLUMN amount TYPE bigint USING amount::bigint")
    with pytest.raises(DatabaseError), transaction.atomic(using="preparing"), preparing.cursor() as cursor:
        cursor.execute(sql, [1])  # inside one, this run fails with its transaction...
    with preparing.cursor() as cursor:
        cursor.execute(sql, [1])  # ...and the next one prepares it again
        assert cursor.fetchone() == (5,)


def test_a_statement_that_could_not_wait_for_a_lock_is_prepared_later(preparing: Any) -> None:
    """A failure that is not the statement's own (a lock timeout) does not keep it unprepared."""
    import psycopg

    table = f"motcua_locked_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_server_url() + "/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE TABLE {table} (id int)")
        try:
            sql = _statement(f"SELECT count(*) FROM {table} WHERE id > %s")  # noqa: S608  our own table
            with admin.transaction():
                admin.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                with preparing.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '100ms'")
                    with pytest.raises(DatabaseError):
                        cursor.execute(sql, [0])
            assert sql in backend._STATEMENTS  # still to be prepared
            with preparing.cursor() as cursor:
                cursor.execute(sql, [0])
                assert cursor.fetchone() == (0,)
            assert _name_of(sql) in _prepared_names(preparing)
        finally:
            preparing.close()
            admin.execute(f"DROP TABLE {table}")


def test_a_statement_deallocated_behind_its_back_is_prepared_again(preparing: Any) -> None:
    sql = _statement("SELECT %s::int + 100")
    with preparing.cursor() as cursor:
        cursor.execute(sql, [1])
        assert cursor.fetchone() == (101,)
        cursor.execute("DEALLOCATE ALL")  # what a pooler resetting the connection does
        cursor.execute(sql, [2])  # outside a transaction: prepared again, run again
        assert cursor.fetchone() == (102,)
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic(using="preparing"), preparing.cursor() as cursor:
        cursor.execute(sql, [3])  # inside one: this run fails with its transaction...
    with preparing.cursor() as cursor:
        cursor.execute(sql, [4])  # ...the next prepares it again
        assert cursor.fetchone() == (104,)


def test_nothing_is_prepared_where_the_setting_is_off(django_db_blocker: Any) -> None:
    from django.db import connections

    with django_db_blocker.unblock():
        wrapper = _wrapper(django_db_blocker, "unprepared", prepare=False)
        try:
            sql = _statement("SELECT %s::int - 1")
            with wrapper.cursor() as cursor:
                cursor.execute(sql, [1])
                assert cursor.fetchone() == (0,)
                assert type(cursor.cursor) is not backend.PreparingCursor
            assert _prepared_names(wrapper) == []
        finally:
            wrapper.close()
            del connections["unprepared"]
            del connections.settings["unprepared"]


def test_the_settings_turn_it_on_for_postgresql_and_the_environment_turns_it_off() -> None:
    import os
    import subprocess
    import sys

    script = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.DATABASES['default'].get('PREPARE'))"
    )
    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "motcua.settings", "DATABASE_URL": _server_url() + "/x"}
    for value, expected in ((None, "True"), ("off", "False"), ("on", "True")):
        env = dict(base_env)
        env.pop("DATABASE_PREPARE", None)
        if value is not None:
            env["DATABASE_PREPARE"] = value
        found = subprocess.run(  # noqa: S603  our own interpreter and script
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert found.stdout.strip() == expected
