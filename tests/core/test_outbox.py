"""The transactional outbox: events are written with the change, relayed at least once, retried, dead-lettered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from motcua.core import outbox, tasks
from motcua.core.outbox import OutboxEvent, OutboxReceipt
from motcua.org.models import Role
from tests.factories import UserFactory, make_staff

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
        assert outbox.max_attempts() == outbox.MAX_ATTEMPTS == 8
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


@pytest.fixture
def topic() -> Iterator[str]:
    """A topic whose handlers are removed after the test."""
    name = "test.jobs"
    yield name
    outbox._HANDLERS.pop(name, None)


def _due_after(event: OutboxEvent) -> dt.datetime:
    """The instant at which the relay may try `event` again (time travel past its back-off)."""
    event.refresh_from_db()
    return event.available_at + dt.timedelta(seconds=1)


def test_a_handler_failing_twice_then_succeeding_is_called_three_times_and_its_effect_happens_once(
    topic: str,
) -> None:
    calls: list[int] = []
    steady: list[str] = []

    def flaky(event: OutboxEvent) -> None:
        calls.append(len(calls) + 1)
        Group.objects.create(name=f"effect-{event.key}")  # the effect, keyed by the event's key
        if len(calls) <= 2:
            raise ConnectionError(f"remote down ({len(calls)})")  # fails after writing: rolled back

    def other(event: OutboxEvent) -> None:
        steady.append(event.subject)

    outbox.subscribe(topic, flaky)
    outbox.subscribe(topic, other)
    event = outbox.emit(topic, subject="X", payload={})
    now = timezone.now()
    assert outbox.relay_pending(now=now).failed == 1
    event.refresh_from_db()
    assert (event.state, event.attempts, event.last_error) == ("pending", 1, "ConnectionError: remote down (1)")
    assert event.available_at == now + dt.timedelta(seconds=10)
    second = _due_after(event)
    assert outbox.relay_pending(now=second).failed == 1
    event.refresh_from_db()
    assert (event.attempts, event.available_at) == (2, second + dt.timedelta(seconds=20))  # back-off doubles
    assert outbox.relay_pending(now=second + dt.timedelta(seconds=19)).handled == 0  # not due yet
    assert outbox.relay_pending(now=_due_after(event)).delivered == 1
    event.refresh_from_db()
    assert (event.state, event.attempts) == ("delivered", 3)
    assert calls == [1, 2, 3]
    assert Group.objects.filter(name=f"effect-{event.key}").count() == 1
    assert steady == ["X"]  # the handler that succeeded at once was not called again on the retries
    assert sorted(OutboxReceipt.objects.filter(event=event).values_list("handler", flat=True)) == sorted(
        [outbox.handler_name(flaky), outbox.handler_name(other)]
    )
    assert outbox.relay_pending(now=_due_after(event) + dt.timedelta(days=1)).handled == 0


def test_once_guards_part_of_a_handler_and_is_rolled_back_with_a_failure(topic: str) -> None:
    firsts: list[bool] = []

    def handler(event: OutboxEvent) -> None:
        firsts.append(outbox.once(event, "sms"))
        firsts.append(outbox.once(event, "sms"))
        if len(firsts) == 2:
            raise TimeoutError("gateway")

    outbox.subscribe(topic, handler)
    event = outbox.emit(topic, subject="Y", payload={})
    outbox.relay_pending()
    outbox.relay_pending(now=_due_after(event))
    assert firsts == [True, False, True, False]
    event.refresh_from_db()
    assert event.state == "delivered"
    outbox.replay(event)
    assert outbox.relay_pending().delivered == 1
    assert len(firsts) == 4  # replayed: the handler had done its work, it is not called again


def test_relay_task_loops_over_batches_until_nothing_is_due(received: list[str]) -> None:
    for code in "ABCDE":
        outbox.emit("test.topic", subject=code, payload={"code": code})
    assert tasks.relay_outbox(batch=2) == {"delivered": 5, "failed": 0, "dead": 0}
    assert received == list("ABCDE")
    for code in "FGH":
        outbox.emit("test.topic", subject=code, payload={"code": code})
    # three due events, batches of one, at most two batches: the third waits for the next run
    assert tasks.relay_outbox(batch=1, max_batches=2) == {"delivered": 2, "failed": 0, "dead": 0}
    assert received == list("ABCDEFG")


@pytest.fixture
def admin_client(client: Any) -> Any:
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_a_handler_always_failing_is_dead_after_the_configured_attempts_and_replayed_from_the_admin(
    topic: str, settings: Any, admin_client: Any
) -> None:
    settings.MOTCUA_OUTBOX_MAX_ATTEMPTS = 3
    working = False
    seen: list[str] = []

    def remote(event: OutboxEvent) -> None:
        if not working:
            raise ConnectionRefusedError("port 25")
        seen.append(event.subject)

    outbox.subscribe(topic, remote)
    event = outbox.emit(topic, subject="HS-1", payload={})
    delivered = outbox.emit(topic, subject="HS-2", payload={})
    delivered.state = OutboxEvent.State.DELIVERED
    delivered.save()
    moment = timezone.now()
    reports = []
    for _attempt in range(3):
        reports.append(outbox.relay_pending(now=moment))
        moment = _due_after(event)
    assert [(r.failed, r.dead) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    event.refresh_from_db()
    assert (event.state, event.attempts, event.last_error) == ("dead", 3, "ConnectionRefusedError: port 25")
    assert outbox.relay_pending(now=moment + dt.timedelta(days=30)).handled == 0  # dead: never tried again

    listing = admin_client.get("/quan-tri/core/outboxevent/?state__exact=dead")
    page = listing.content.decode()
    assert listing.status_code == 200
    assert "HS-1" in page and "HS-2" not in page
    assert "ConnectionRefusedError: port 25" in page
    assert "Gửi lại" in page
    detail = admin_client.get(f"/quan-tri/core/outboxevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert "HS-1" in detail.content.decode()
    assert 'name="subject"' not in detail.content.decode()  # read-only
    assert admin_client.get("/quan-tri/core/outboxevent/add/").status_code == 403
    assert admin_client.get(f"/quan-tri/core/outboxevent/{event.pk}/delete/").status_code == 403

    response = admin_client.post(
        "/quan-tri/core/outboxevent/",
        {"action": "replay_dead", "_selected_action": [str(event.pk), str(delivered.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Đã đưa 1 sự kiện lỗi vào hàng đợi gửi lại." in response.content.decode()
    event.refresh_from_db()
    delivered.refresh_from_db()
    assert (event.state, event.attempts) == ("pending", 0)
    assert delivered.state == "delivered"  # only dead events are replayed
    working = True
    assert outbox.relay_pending().delivered == 1
    assert seen == ["HS-1"]


def test_only_superusers_and_province_administrators_see_the_outbox(client: Any) -> None:
    outbox.emit("test.none", subject="Z")
    officer = make_staff(Role.ONE_STOP_OFFICER, username="officer", is_staff=True)
    province_admin = make_staff(Role.PROVINCE_ADMIN, username="province", is_staff=True)
    client.force_login(officer.user)
    assert client.get("/quan-tri/core/outboxevent/").status_code == 403
    client.force_login(province_admin.user)
    response = client.get("/quan-tri/core/outboxevent/")
    assert response.status_code == 200
    assert "test.none" in response.content.decode()
