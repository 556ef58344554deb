"""Helpers of the fault tests: subprocesses of the project, free ports, waiting, scratch databases.

Every process started here runs in its own session (process group) so that `stop()` can end it and whatever
it spawned, and nothing else, even when a test fails half-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

PROJECT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
T = TypeVar("T")


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel's choice for a bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def project_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a project subprocess: this one's, with its own var/ folder and `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.pop("TEST_DATABASE_NAME", None)
    env.pop("REDIS_URL", None)  # the cache stays in memory; a broker is given explicitly when one is wanted
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT / "src"), str(PROJECT)])
    env["DJANGO_SETTINGS_MODULE"] = "motcua.settings"
    env["MOTCUA_VAR_DIR"] = str(var_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], *, timeout: float = 120, check: bool = True) -> str:
    """Run a command to its end (in its own process group, killed on timeout); its standard output."""
    process = subprocess.Popen(  # noqa: S603  our own interpreter and arguments
        args, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process, grace=0)
        out, err = process.communicate()
        raise AssertionError(f"{' '.join(args[:4])} did not finish in {timeout} s: {err[-2000:]}") from None
    if check and process.returncode != 0:
        raise AssertionError(f"{' '.join(args[:4])} failed ({process.returncode}): {err[-3000:]}")
    return out


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    return run([PYTHON, str(PROJECT / "manage.py"), *args], env, timeout=timeout)


def script(env: dict[str, str], *args: str, timeout: float = 60) -> Any:
    """Run a command of `tests.faults.scratch` in the project's settings; its JSON answer."""
    out = run([PYTHON, "-m", "tests.faults.scratch", *args], env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a long-running process in its own session, its output in `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603  our own interpreter and arguments
            args, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen[Any], *, grace: float = 10) -> None:
    """End a process started by `spawn`/`run` and its group: SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM if grace else signal.SIGKILL)
    try:
        process.wait(timeout=grace or 5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_for(what: str, check: Callable[[], T | None], *, timeout: float, every: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def tail(path: Path, size: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


@contextlib.contextmanager
def scratch_postgres_database(settings_dict: dict[str, Any], *, template: str = "") -> Iterator[tuple[str, bool]]:
    """A uniquely named database on the server of `settings_dict`, dropped afterwards: its URL, and whether it
    is a copy of `template` (False: empty, when no template is given or the template is in use)."""
    import psycopg

    name = f"motcua_faults_{uuid.uuid4().hex[:12]}"
    params = {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": int(settings_dict.get("PORT") or 5432),
        "user": settings_dict.get("USER") or "postgres",
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 5,
        "autocommit": True,
    }
    copied = False
    with psycopg.connect(**params) as admin:
        if template:
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                copied = True
            except psycopg.errors.ObjectInUse:  # another session uses the template: start from scratch
                pass
        if not copied:
            admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['password']}" if params["password"] else ""
    try:
        yield f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}", copied
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_sqlite_database(source: str, target: Path) -> None:
    """Copy an SQLite database file consistently (the online backup API)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
