"""motcua.core.postgresql: Django's backend with timestamps read by psycopg's compiled loader."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from hypothesis import given
from hypothesis import strategies as st
from psycopg.postgres import types
from psycopg.pq import Format

from motcua.core.postgresql.base import UtcTimestamptzLoader, compiled_loader_available

TIMESTAMPTZ = types["timestamptz"].oid


class DjangoUtcLoader(BaseTzLoader):
    """The loader Django registers for a UTC session (its `register_tzloader`)."""

    timezone = dt.UTC


def _text(value: dt.datetime, offset_minutes: int) -> bytes:
    """`value` as PostgreSQL writes a timestamptz in a session at `offset_minutes` from UTC."""
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    local = value.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    if local.microsecond:
        text += f".{local.microsecond:06d}".rstrip("0")
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text += f"{sign}{hours:02d}" + (f":{minutes:02d}" if minutes else "")
    return text.encode()


def test_the_compiled_implementation_is_installed() -> None:
    # psycopg-binary is pinned (requirements/base.txt): without it the backend silently keeps Django's loader
    assert compiled_loader_available()
    loader = UtcTimestamptzLoader(TIMESTAMPTZ, None)
    assert type(loader).__module__.startswith(("psycopg_binary", "psycopg_c"))


@given(
    value=st.datetimes(
        min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.just(dt.UTC)
    ),
    offset=st.sampled_from([0, 420, -300, 330, 345, -570]),
)
def test_it_reads_every_instant_as_djangos_loader_does(value: dt.datetime, offset: int) -> None:
    data = _text(value, offset)
    ours = UtcTimestamptzLoader(TIMESTAMPTZ, None).load(data)
    djangos = DjangoUtcLoader(TIMESTAMPTZ, None).load(data)
    assert ours == djangos == value
    assert ours.tzinfo is dt.UTC
    assert ours.utcoffset() == dt.timedelta(0)


@pytest.mark.django_db
def test_database_sessions_use_it_and_read_the_same_values() -> None:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite stores text; Django parses it, nothing to replace
            assert connection.settings_dict["ENGINE"] == "django.db.backends.sqlite3"
            return
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone()[0] == "UTC"
        adapters = connection.connection.adapters
        assert adapters.get_loader(TIMESTAMPTZ, Format.TEXT) is UtcTimestamptzLoader
        cursor.execute(
            "SELECT '2026-02-16 01:02:03.000450+07'::timestamptz, '1999-12-31 23:59:59.999999+00'::timestamptz, "
            "NULL::timestamptz, '2026-11-24 08:00:00'::timestamp"
        )
        first, second, missing, naive = cursor.fetchone()
    assert first == dt.datetime(2026, 2, 15, 18, 2, 3, 450, tzinfo=dt.UTC)
    assert first.tzinfo is dt.UTC
    assert second == dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
    assert missing is None
    assert naive == dt.datetime(2026, 11, 24, 8, 0)  # a timestamp without zone stays naive


# ---- the health check without a round trip ---------------------------------------------------------------


def _server_url() -> str:
    """The PostgreSQL server the tests use (in both CI runs, SQLite's included; as tests/ops/conftest.py)."""
    import os

    return os.environ.get("MOTCUA_TEST_PG_URL") or (
        f"postgres://{os.environ.get('PGUSER', 'postgres')}@{os.environ.get('PGHOST', '127.0.0.1')}"
        f":{os.environ.get('PGPORT', '5432')}"
    )


@pytest.fixture
def unblocked(django_db_blocker: Any) -> Any:
    """A connection alias of our own (`health`) to the server's `postgres` database, with Django's
    persistent-connection health checks; not the tests' database (pytest-django blocks every wrapper)."""
    import dj_database_url
    from django.db import connections
    from django.db.utils import ConnectionHandler

    settings_dict = dj_database_url.parse(_server_url() + "/postgres", conn_max_age=60, conn_health_checks=True)
    settings_dict["ENGINE"] = "motcua.core.postgresql"
    connections.settings["health"] = ConnectionHandler({"default": settings_dict}).settings["default"]
    with django_db_blocker.unblock():
        try:
            yield connections["health"]
        finally:
            connections["health"].close()
            del connections["health"]
            del connections.settings["health"]


def _new_request(wrapper: Any) -> None:
    """What Django does at the start of each request (`close_old_connections`)."""
    wrapper.close_if_unusable_or_obsolete()


def test_a_healthy_idle_connection_is_kept_without_a_statement(monkeypatch: pytest.MonkeyPatch, unblocked: Any) -> None:
    """Used again within QUIET_SECONDS with nothing on its socket: no SELECT 1. Quiet for longer: Django's
    check, which meets a reset that a lost host would answer with (not the request's own query)."""
    from motcua.core.postgresql import base as backend

    wrapper = unblocked
    clock = [1000.0]
    monkeypatch.setattr(backend.time, "monotonic", lambda: clock[0])
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    asked: list[float] = []
    real = type(wrapper).is_usable
    monkeypatch.setattr(type(wrapper), "is_usable", lambda self: asked.append(clock[0]) or real(self))
    for step in (0.0, 1.0, 2.0, backend.QUIET_SECONDS + 0.5, 0.5):
        clock[0] += step
        _new_request(wrapper)
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] == pid  # the same connection
    # the first check (never checked before) and the one after a quiet spell asked the server; the others not
    assert asked == [1000.0, 1003.0 + backend.QUIET_SECONDS + 0.5]


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(unblocked: Any) -> None:
    import time

    import psycopg

    wrapper = unblocked
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with psycopg.connect(_server_url() + "/postgres", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)  # the server's goodbye reaches the socket
        _new_request(wrapper)
        with wrapper.cursor() as cursor:  # no error: the broken connection was closed and a new one opened
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        wrapper.close()


def test_a_connection_inside_a_transaction_gets_django_s_check(unblocked: Any) -> None:
    wrapper = unblocked
    try:
        wrapper.ensure_connection()
        assert wrapper._quiet() is True
        wrapper.connection.execute("BEGIN")
        assert wrapper._quiet() is False  # not idle: Django's own check decides
        wrapper.connection.execute("ROLLBACK")
        assert wrapper._quiet() is True
    finally:
        wrapper.close()
    assert wrapper.connection is None
