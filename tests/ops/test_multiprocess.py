"""Several web and worker processes on one database: two gunicorn servers and two outbox relays.

Dossiers are submitted through both servers at once over HTTP (the public API, as a one-stop officer);
meanwhile two `relay_outbox --loop` processes deliver the outbox. Then: every answer was 201, the codes are
unique, every dossier is in the database, every outbox event was delivered exactly once (one attempt, one
receipt per handler, the relays' delivered counts add up to the number of events), and no process logged an
error. On a scratch PostgreSQL database, and on a SQLite file (the embedded set-up serves several processes
too, one writer at a time).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.factories import PASSWORD
from tests.ops.conftest import PG_ADMIN_URL, PROJECT, PYTHON, manage, manage_env, pg_bin, psql, scratch_name
from tests.ops.seed import DEPARTMENT, OFFICER

DOSSIERS = 24
SUBMITTERS = 6
SEED = "from tests.ops.seed import main_province; main_province()"
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def processes(specs: list[tuple[str, list[str]]], env: dict[str, str], logs: Path) -> Iterator[dict[str, Path]]:
    """Start each (name, command) with its output in logs/<name>.log; stop them all at the end."""
    started: list[tuple[subprocess.Popen[bytes], Any]] = []
    paths = {}
    try:
        for name, command in specs:
            paths[name] = logs / f"{name}.log"
            handle = paths[name].open("wb")
            process = subprocess.Popen(  # noqa: S603  fixed programs, arguments from the test
                command, env=env, cwd=str(PROJECT), stdout=handle, stderr=subprocess.STDOUT
            )
            started.append((process, handle))
        yield paths
    finally:
        for process, _ in started:
            process.terminate()
        for process, handle in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            handle.close()


def call(port: int, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def wait_healthy(port: int, log: Path, deadline: float) -> None:
    while True:
        try:
            if call(port, "GET", "/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"server on {port} did not start:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)


class Database:
    """The scratch database, read directly (not through Django) once the processes have done their work."""

    def __init__(self, url: str, sqlite_file: Path | None) -> None:
        self.url, self.sqlite_file = url, sqlite_file

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file, timeout=30) as connection:
                return [tuple(row) for row in connection.execute(sql).fetchall()]
        database = self.url.rsplit("/", 1)[1]
        out = subprocess.run(  # noqa: S603  fixed program, arguments from the test
            [pg_bin("psql"), f"{PG_ADMIN_URL}/{database}", "-At", "-F", "\t", "-c", sql],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def scalar(self, sql: str) -> int:
        return int(self.rows(sql)[0][0])


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path, scratch_databases: list[str]) -> Database:
    if request.param == "postgresql":
        name = scratch_name("motcua_multi")
        scratch_databases.append(name)
        psql(f'CREATE DATABASE "{name}"')
        return Database(f"{PG_ADMIN_URL}/{name}", None)
    # the embedded set-up (no DATABASE_URL): var/motcua.sqlite3 with its lock timeout and immediate transactions
    return Database("", tmp_path / "var" / "motcua.sqlite3")


def test_two_web_servers_and_two_relays_share_one_database(database: Database, tmp_path: Path) -> None:
    env = manage_env(database.url, tmp_path / "media", MOTCUA_NOTIFY_TEST_MODE="true", LOG_LEVEL="INFO")
    manage(env, "migrate", "--noinput", "-v0")
    seeded = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    ports = [free_port(), free_port()]
    web = [
        (
            f"web{n}",
            [GUNICORN, "motcua.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "60", "--no-control-socket"],
        )
        for n, port in enumerate(ports)
    ]
    relays = [
        (f"relay{n}", [PYTHON, str(PROJECT / "manage.py"), "relay_outbox", "--loop", "--interval", "0.3"])
        for n in range(2)
    ]
    body = {
        "procedure": seeded["procedure"],
        "agency": DEPARTMENT,
        "channel": "counter",
        "applicant": {"kind": "citizen", "full_name": "Nguyễn Văn An", "id_number": "052090001234"},
    }
    with processes(web + relays, env, tmp_path) as logs:
        deadline = time.monotonic() + 60
        for (name, _), port in zip(web, ports, strict=True):
            wait_healthy(port, logs[name], deadline)
        tokens = {}
        for port in ports:
            status, answer = call(port, "POST", "/api/v1/auth/token", {"username": OFFICER, "password": PASSWORD})
            assert status == 200, answer
            tokens[port] = answer["access_token"]

        def submit(number: int) -> tuple[int, int, Any]:
            port = ports[number % 2]
            status, answer = call(port, "POST", "/api/v1/dossiers", body, tokens[port])
            return port, status, answer

        with ThreadPoolExecutor(SUBMITTERS) as pool:
            answers = list(pool.map(submit, range(DOSSIERS)))
        failures = [a for a in answers if a[1] != 201]
        assert not failures, failures[:3]
        codes = [answer["code"] for _, _, answer in answers]
        assert len(set(codes)) == DOSSIERS
        assert {port for port, _, _ in answers} == set(ports)

        # the relays drain the outbox
        drained_by = time.monotonic() + 60
        while database.scalar("SELECT count(*) FROM core_outboxevent WHERE state <> 'delivered'"):
            assert time.monotonic() < drained_by, database.rows("SELECT topic, state, last_error FROM core_outboxevent")
            time.sleep(0.3)

    stored = {row[0] for row in database.rows("SELECT code FROM dossiers_dossier")}
    assert stored == set(codes)
    events = database.scalar("SELECT count(*) FROM core_outboxevent")
    assert events >= DOSSIERS  # at least the submission of each dossier
    assert database.scalar("SELECT count(*) FROM core_outboxevent WHERE attempts <> 1") == 0
    receipts = database.rows("SELECT event_id, handler FROM core_outboxreceipt")
    assert len(receipts) == len(set(receipts))
    delivered = 0
    for name, _ in relays:
        text = logs[name].read_text()
        delivered += sum(
            int(line.split()[1].rstrip(",")) for line in text.splitlines() if line.startswith("delivered ")
        )
    assert delivered == events  # each event delivered by exactly one relay, once
    for name, path in logs.items():
        text = path.read_text()
        errors = [mark for mark in ("Traceback", " ERROR ", " CRITICAL ", "[ERROR]", "[CRITICAL]") if mark in text]
        assert not errors, f"{name}:\n{text[-3000:]}"
