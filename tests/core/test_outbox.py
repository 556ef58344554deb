"""The transactional outbox: events are written with the change, relayed at least once, retried, dead-lettered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[str]]:
    seen: list[str] = []

    def handler(event: OutboxEvent) -> None:
        seen.append(event.payload["code"])

    outbox.subscribe("test.topic", handler)
    yield seen
    outbox.unsubscribe("test.topic", handler)


def test_an_event_of_a_rolled_back_transaction_is_never_sent(received: list[str]) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.emit("test.topic", subject="A", payload={"code": "A"})
        raise RuntimeError("the change failed")
    outbox.emit("test.topic", subject="B", payload={"code": "B"})
    report = outbox.relay_pending()
    assert (report.delivered, received) == (1, ["B"])
    assert OutboxEvent.objects.get(subject="B").state == "delivered"


def test_a_failing_handler_is_retried_with_back_off_then_dead_lettered() -> None:
    calls: list[int] = []

    def flaky(event: OutboxEvent) -> None:
        calls.append(event.pk)
        raise ConnectionError("remote down")

    outbox.subscribe("test.flaky", flaky)
    try:
        event = outbox.emit("test.flaky", subject="X", payload={})
        now = timezone.now()
        report = outbox.relay_pending(now=now)
        assert (report.delivered, report.failed) == (0, 1)
        event.refresh_from_db()
        assert (event.state, event.attempts, event.last_error) == ("pending", 1, "ConnectionError: remote down")
        assert event.available_at == now + dt.timedelta(seconds=10)
        assert outbox.relay_pending(now=now).failed == 0  # not due yet
        for day in range(1, outbox.MAX_ATTEMPTS):
            outbox.relay_pending(now=now + dt.timedelta(days=day))
        event.refresh_from_db()
        assert (event.state, event.attempts) == ("dead", outbox.MAX_ATTEMPTS)
        assert len(calls) == outbox.MAX_ATTEMPTS
        outbox.replay(event)
        event.refresh_from_db()
        assert (event.state, event.attempts) == ("pending", 0)
    finally:
        outbox.unsubscribe("test.flaky", flaky)


def test_relay_command_delivers(received: list[str], capsys: Any) -> None:
    outbox.emit("test.topic", subject="C", payload={"code": "C"})
    call_command("relay_outbox")
    assert "delivered 1, failed 0, dead 0" in capsys.readouterr().out
    assert received == ["C"]
