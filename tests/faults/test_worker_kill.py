"""A Celery worker killed (SIGKILL) in the middle of webhook deliveries loses no outbox event.

Real processes, real broker, the real handler: a scratch database (a uniquely named PostgreSQL database on the
test server, or an SQLite file on the SQLite run), a copy of the migrated test database; `n` webhook deliveries
queued through the outbox (`webhook.deliver`, the HMAC-signed POST of `motcua.clients.webhooks`) to a receiver
run by this test; a `celery worker` subprocess on a queue of its own on Redis (`MOTCUA_TEST_REDIS_URL`, db 14
by default), fed `relay_outbox` every half second as beat would. The receiver holds one request open and the
worker is killed while it waits for the answer (its transaction open: the remote has acted, the database does
not know), then a second worker is started.

Proved: every event reaches the receiver, each event has exactly one receipt and is delivered, none is left
pending or dead; the one in flight at the kill is sent again (at least once), with the same `Idempotency-Key`,
and the receiver's deduplication by that key applies it once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connections

from tests.faults import support

logger = logging.getLogger(__name__)
REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
EVENTS = 150
KILL_AT = 50  # the receiver holds the 50th request open until the worker is killed
DELAY = 0.005  # the receiver's work per request, seconds
SECRET = "fault-test-webhook-secret"


@dataclass
class Receiver:
    """The remote system: counts requests per Idempotency-Key and applies each key once."""

    requests: list[str] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)
    deduplicated: int = 0
    bad_signatures: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    held_key: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, key: str, body: bytes, signature: str) -> None:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        with self.lock:
            if not hmac.compare_digest(expected, signature):
                self.bad_signatures += 1
                return
            self.requests.append(key)
            if key in self.applied:
                self.deduplicated += 1  # seen before: acknowledged, not applied again
            else:
                self.applied[key] += 1
            hold = len(self.requests) == KILL_AT
            if hold:
                self.held_key = key
        if hold:
            self.holding.set()
            self.release.wait(timeout=30)  # the sender dies while waiting for this answer
        else:
            time.sleep(DELAY)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.receive(self.headers.get("Idempotency-Key", ""), body, self.headers.get("X-Motcua-Signature", ""))
            try:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the worker was killed while it waited

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def scratch_env(tmp_path: Path, django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    """Environment of the subprocesses: a scratch database of the engine under test, with every migration.

    It is a copy of the test database pytest-django migrated for this session (a `migrate` takes half a
    minute on a busy machine); on PostgreSQL, when that one is in use, an empty one that `manage.py migrate`
    migrates.
    """
    with django_db_blocker.unblock():
        connections.close_all()  # the template must have no session
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("postgresql"):
        with support.scratch_postgres_database(default, template=default["NAME"]) as (url, copied):
            env = support.project_env(tmp_path, DATABASE_URL=url, DEBUG="true")
            if not copied:
                support.manage(env, "migrate", "--noinput", timeout=180)
            yield env
    else:  # the embedded default: an SQLite file under the scratch var/ folder
        support.copy_sqlite_database(default["NAME"], tmp_path / "motcua.sqlite3")
        yield support.project_env(tmp_path, DATABASE_URL="", DEBUG="true")


@pytest.fixture
def broker() -> Iterator[tuple[redis.Redis, Celery, str]]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is unreachable at {REDIS_URL} ({exc}); start one or set MOTCUA_TEST_REDIS_URL.")
    queue = f"motcua-faults-{uuid.uuid4().hex[:12]}"
    app = Celery("motcua-faults", broker=REDIS_URL, set_as_current=False)
    app.conf.update(broker_connection_retry_on_startup=False, task_ignore_result=True)
    try:
        yield client, app, queue
    finally:
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        client.close()
        app.close()


def _worker(env: dict[str, str], queue: str, log: Path) -> Any:
    return support.spawn(
        [
            support.PYTHON,
            "-m",
            "celery",
            "-A",
            "motcua",
            "worker",
            "-Q",
            queue,
            "-n",
            f"{queue}-{uuid.uuid4().hex[:6]}@localhost",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        env,
        log,
    )


@pytest.mark.django_db(transaction=True)  # the session's test database exists and is copied, never written
def test_a_worker_killed_mid_delivery_loses_no_outbox_event(
    scratch_env: dict[str, str],
    receiver: tuple[Receiver, str],
    broker: tuple[redis.Redis, Celery, str],
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    remote, url = receiver
    client, app, queue = broker
    env = {**scratch_env, "CELERY_BROKER_URL": REDIS_URL, "MOTCUA_WEBHOOK_TIMEOUT": "20"}
    log = tmp_path / "worker.log"
    workers = [_worker(env, queue, log)]  # starts while the events are written

    def beat() -> None:  # what celery beat does every 10 s, every half second here
        if client.llen(queue) < 2:
            app.send_task("motcua.core.tasks.relay_outbox", queue=queue)

    try:
        keys = set(support.script(scratch_env, "webhooks", str(EVENTS), url, SECRET)["keys"])
        assert len(keys) == EVENTS
        logger.info("%.1f s: events written", time.monotonic() - started)

        def held() -> bool:
            beat()
            assert workers[0].poll() is None, support.tail(log)
            return remote.holding.wait(timeout=0.5)

        support.wait_for("the first worker to deliver some events", held, timeout=40)
        workers[0].kill()  # SIGKILL: no shutdown, no rollback by the worker itself
        workers[0].wait(timeout=10)
        delivered_before = len(remote.requests)
        remote.release.set()
        assert 0 < delivered_before < EVENTS
        logger.info("%.1f s: first worker killed", time.monotonic() - started)

        workers.append(_worker(env, queue, log))

        def drained() -> bool:
            beat()
            assert workers[1].poll() is None, support.tail(log)
            return set(remote.applied) == keys

        support.wait_for("every event to reach the receiver", drained, timeout=40, every=0.5)
        state = support.script(scratch_env, "outbox", "10")
        logger.info("%.1f s: drained", time.monotonic() - started)
    finally:
        for worker in workers:
            support.stop(worker)

    twice = {key: n for key, n in Counter(remote.requests).items() if n > 1}
    logger.info(  # at least once is the promise: how many were sent twice
        "%s events, worker killed after %s requests; %s sent twice, %s dropped by the receiver's idempotency key; %s",
        EVENTS,
        delivered_before,
        len(twice),
        remote.deduplicated,
        state,
    )
    assert remote.bad_signatures == 0
    assert set(remote.applied) == keys and set(remote.applied.values()) == {1}  # each applied exactly once
    assert state["events"] == {"delivered": EVENTS}, state  # nothing pending, nothing dead
    assert state["deliveries"] == {"delivered": EVENTS}, state
    assert state["receipts"] == EVENTS and state["receipts_max_per_event"] == 1, state
    assert state["events_without_receipt"] == 0
    # the request in flight at the kill was rolled back with its transaction and sent again with the same key
    assert twice == {remote.held_key: 2}, twice
    assert remote.deduplicated == 1
    assert len(remote.requests) == EVENTS + 1
