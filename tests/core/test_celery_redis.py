"""The Celery path against a real Redis: `relay_outbox.delay()` goes through the broker to a worker.

Needs a Redis server: `redis://127.0.0.1:6379/15` unless `MOTCUA_TEST_REDIS_URL` says otherwise. Never
skipped: without Redis the test fails and says so. The worker runs in a thread of the test process (solo
pool) with its own database connection, hence a transactional test (the event must be committed for the
worker to see it).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery import Celery, current_app
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from motcua.core import outbox, tasks
from motcua.core.outbox import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOPIC = "test.celery_redis"


def _close_worker_connections(**kwargs: Any) -> None:
    """Close the worker thread's database connections (the test database is dropped at the end)."""
    connections.close_all()


@pytest.fixture
def redis_app() -> Iterator[Celery]:
    """The project's Celery configuration with the Redis broker, on a queue of its own, as current app."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is unreachable at {REDIS_URL} ({exc}). Start a Redis server or point MOTCUA_TEST_REDIS_URL "
            "at one: the Celery path is tested against the real broker."
        )
    queue = f"motcua-test-{uuid.uuid4().hex[:12]}"
    app = Celery("motcua", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=REDIS_URL,
        broker_transport_options={},
        broker_connection_retry_on_startup=False,
        task_always_eager=False,
        task_default_queue=queue,
        beat_schedule={},
    )
    app.autodiscover_tasks()
    previous = current_app._get_current_object()  # `shared_task` proxies resolve to the current app
    app.set_current()
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        yield app
    finally:
        task_postrun.disconnect(_close_worker_connections)
        previous.set_current()
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        client.close()
        app.close()


def test_relay_outbox_sent_through_redis_is_run_by_a_worker_that_delivers_the_event(redis_app: Celery) -> None:
    done = threading.Event()
    seen: list[tuple[str, str]] = []

    def handler(event: OutboxEvent) -> None:
        seen.append((event.payload["code"], threading.current_thread().name))
        done.set()

    outbox.subscribe(TOPIC, handler)
    try:
        event = outbox.emit(TOPIC, subject="HS-REDIS", payload={"code": "HS-REDIS"})
        with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert tasks.relay_outbox.app is redis_app
            assert redis_app.connection_for_write().as_uri().startswith("redis://")
            result = tasks.relay_outbox.delay()
            assert result.id
            assert done.wait(timeout=8), "the worker did not run relay_outbox within 8 s"
    finally:
        outbox.unsubscribe(TOPIC, handler)
    event.refresh_from_db()
    assert (event.state, event.attempts) == ("delivered", 1)
    assert [code for code, _thread in seen] == ["HS-REDIS"]
    assert seen[0][1] != threading.current_thread().name  # run by the worker, not eagerly in the test
