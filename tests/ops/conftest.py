"""Operations tests: a read replica alias on demand, and scratch PostgreSQL databases outside pytest-django's."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from motcua.core import dbrouter

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
ROUTERS = ["motcua.core.dbrouter.ReplicaRouter"]
# The PostgreSQL server for scratch databases (backup, several processes), in both CI runs, SQLite's included.
# Never skipped: without a server the tests fail and say so. A role that may create databases is needed.
PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_PG_URL") or (
    f"postgres://{os.environ.get('PGUSER', 'postgres')}@{os.environ.get('PGHOST', '127.0.0.1')}"
    f":{os.environ.get('PGPORT', '5432')}"
)


def add_replica(settings_dict: dict[str, Any]) -> Any:
    """Register the `replica` alias in this process (as DATABASE_REPLICA_URL does at start-up)."""
    connections.settings[dbrouter.REPLICA] = settings_dict
    dbrouter.reset()
    return connections[dbrouter.REPLICA]


def remove_replica() -> None:
    if dbrouter.REPLICA in connections.settings:
        connections[dbrouter.REPLICA].close()
        del connections[dbrouter.REPLICA]
        del connections.settings[dbrouter.REPLICA]
    dbrouter.reset()


@pytest.fixture
def routed(transactional_db: Any) -> Iterator[None]:
    """The router installed (as with DATABASE_REPLICA_URL set), without a replica alias yet."""
    with override_settings(DATABASE_ROUTERS=ROUTERS):
        try:
            yield
        finally:
            remove_replica()


@pytest.fixture
def replica(routed: None) -> Any:
    """A second connection, alias `replica`, to the test database: a replica that is never behind.

    Being a separate connection, every query it runs is seen by its own CaptureQueriesContext, which is how
    the tests tell which alias a read went to. The tests are transactional, so both connections see the data.
    """
    return add_replica(copy.deepcopy(connections["default"].settings_dict))


# ---- scratch PostgreSQL databases and manage.py in a subprocess ---------------------------------------------


def pg_bin(name: str) -> str:
    """A PostgreSQL client program: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise RuntimeError(f"{name} is not installed")
    return str(candidates[-1])


def psql(sql: str) -> str:
    result = subprocess.run(  # noqa: S603  fixed program, arguments from the test
        [pg_bin("psql"), f"{PG_ADMIN_URL}/postgres", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_URL} refused `{sql}`: {result.stderr.strip()}. These tests need a server "
            "(CI has one); start one or point MOTCUA_TEST_PG_URL at it."
        )
    return result.stdout


def scratch_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def drop_database(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_databases() -> Iterator[list[str]]:
    """Names appended here are PostgreSQL databases dropped at the end of the test, whatever happens."""
    names: list[str] = []
    yield names
    for name in names:
        drop_database(name)


def manage_env(database_url: str, media_root: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "TEST_DATABASE", "DJANGO_", "PYTEST", "MEDIA_ROOT", "MOTCUA_VAR_DIR"))
    }
    if database_url:  # else the embedded set-up: SQLite at MOTCUA_VAR_DIR/motcua.sqlite3, as `make run` uses it
        env["DATABASE_URL"] = database_url
    env.update(
        MEDIA_ROOT=str(media_root),
        MOTCUA_VAR_DIR=str(media_root.parent / "var"),
        DEBUG="false",
        SECRET_KEY="test-only-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        CELERY_TASK_ALWAYS_EAGER="false",
        PYTHONPATH=str(PROJECT / "src"),
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run(  # noqa: S603  fixed program, arguments from the test
        [PYTHON, str(PROJECT / "manage.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=str(PROJECT),
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout
