"""Reliable delivery to a remote system: a circuit breaker per destination and a delivery record per event.

Generic: nothing here knows the national portal; another destination (a ministry's system, a webhook) uses
the same `Destination` row, `attempt()` and `DeliveryRecord`.

Why the delivery bookkeeping does not raise. The outbox runs each handler in a savepoint and rolls it back
when the handler raises: the failure count of the circuit and the record's attempts and error would vanish
with it. So a delivery handler catches the remote failure, writes it down (committed with the relay's
transaction) and schedules the next attempt as a new outbox event (`schedule_retry`), available at the
back-off time or when the circuit lets calls through again. Durability, at-least-once relay, dead letters
(for unexpected errors, which do raise) and their admin replay stay the outbox's; the back-off of a
*remote* failure and the circuit are here.

Circuit: closed → (N consecutive failures) → open until `opened_until` (calls fail fast, no network) →
half-open: one probe call; success closes it, failure opens it again for another cool-down.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from motcua.core import outbox
from motcua.dossiers.models import Dossier
from motcua.integrations.national_portal.models import DeliveryRecord, Destination

logger = logging.getLogger(__name__)

T = TypeVar("T")
Circuit = Destination.Circuit
RecordStatus = DeliveryRecord.Status
RETRY_TOPIC = "delivery.retry"


class CircuitOpen(Exception):
    """The destination is failing: the call was not made."""

    def __init__(self, destination: Destination, until: dt.datetime) -> None:
        super().__init__(f"circuit of {destination.name} open until {until.isoformat()}")
        self.until = until


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def failure_threshold() -> int:
    return max(1, int(_setting("MOTCUA_DELIVERY_CIRCUIT_THRESHOLD", 5)))


def cooldown() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("MOTCUA_DELIVERY_CIRCUIT_COOLDOWN", 60))


def max_attempts() -> int:
    return max(1, int(_setting("MOTCUA_DELIVERY_MAX_ATTEMPTS", 10)))


def backoff(attempts: int) -> dt.timedelta:
    """30 s after the first failure, then doubling, at most an hour."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def destination_get(name: str) -> Destination:
    destination, _created = Destination.objects.get_or_create(name=name)
    return destination


# ---- circuit breaker ---------------------------------------------------------------------------------------


def circuit_allow(destination: Destination, *, now: dt.datetime) -> None:
    """Raise CircuitOpen when a call must not be made now; move open → half-open after the cool-down."""
    destination.refresh_from_db(fields=["circuit", "opened_until", "probe_started_at", "consecutive_failures"])
    if destination.circuit == Circuit.CLOSED:
        return
    if destination.circuit == Circuit.OPEN:
        until = destination.opened_until or now
        if now < until:
            raise CircuitOpen(destination, until)
        # cool-down over: this call is the probe (the conditional update makes one caller win)
        won = Destination.objects.filter(pk=destination.pk, circuit=Circuit.OPEN).update(
            circuit=Circuit.HALF_OPEN, probe_started_at=now, updated_at=now
        )
        if not won:
            raise CircuitOpen(destination, now + cooldown())
        destination.circuit = Circuit.HALF_OPEN
        return
    # half-open: a probe is under way; another one only when it is stale (its worker died)
    started = destination.probe_started_at or now
    if now - started < cooldown():
        raise CircuitOpen(destination, started + cooldown())
    Destination.objects.filter(pk=destination.pk).update(probe_started_at=now, updated_at=now)


def circuit_success(destination: Destination, *, now: dt.datetime) -> None:
    if destination.circuit == Circuit.CLOSED and destination.consecutive_failures == 0:
        Destination.objects.filter(pk=destination.pk).update(last_success_at=now)
        return
    Destination.objects.filter(pk=destination.pk).update(
        circuit=Circuit.CLOSED,
        consecutive_failures=0,
        opened_until=None,
        probe_started_at=None,
        last_success_at=now,
        updated_at=now,
    )
    destination.refresh_from_db()
    logger.info("delivery: circuit of %s closed", destination.name)


def circuit_failure(destination: Destination, *, now: dt.datetime, error: str) -> None:
    Destination.objects.filter(pk=destination.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error=error[:2000], updated_at=now
    )
    destination.refresh_from_db()
    if destination.circuit == Circuit.HALF_OPEN or destination.consecutive_failures >= failure_threshold():
        Destination.objects.filter(pk=destination.pk).update(
            circuit=Circuit.OPEN, opened_until=now + cooldown(), probe_started_at=None
        )
        destination.refresh_from_db()
        logger.warning("delivery: circuit of %s open until %s: %s", destination.name, destination.opened_until, error)


def call(
    destination: Destination,
    work: Callable[[], T],
    *,
    now: dt.datetime,
    permanent: tuple[type[BaseException], ...] = (),
) -> T:
    """Run `work` (the remote calls) through the destination's circuit.

    CircuitOpen when it is open (nothing called). An exception in `permanent` (the destination answered and
    refused the content) does not count against the circuit; any other exception does.
    """
    circuit_allow(destination, now=now)
    try:
        result = work()
    except permanent:
        circuit_success(destination, now=now)  # it answered: it is up
        raise
    except Exception as exc:
        circuit_failure(destination, now=now, error=f"{type(exc).__name__}: {exc}")
        raise
    circuit_success(destination, now=now)
    return result


# ---- delivery records -------------------------------------------------------------------------------------


def record_for_event(
    *, dossier: Dossier, destination: Destination, event_key: uuid.UUID | str, topic: str
) -> DeliveryRecord:
    record, _created = DeliveryRecord.objects.get_or_create(
        destination=destination, event_key=event_key, defaults={"dossier": dossier, "topic": topic}
    )
    return record


def record_sent(record: DeliveryRecord, *, now: dt.datetime) -> None:
    record.status = RecordStatus.SENT
    record.attempts += 1
    record.sent_at = now
    record.next_attempt_at = None
    record.last_error = ""
    record.save(
        update_fields=[
            "status",
            "attempts",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "step_digests",
            "dossier_accepted",
        ]
    )


def record_dead(record: DeliveryRecord, *, now: dt.datetime, error: str) -> None:
    record.status = RecordStatus.DEAD
    record.attempts += 1
    record.next_attempt_at = None
    record.last_error = error[:2000]
    record.save(
        update_fields=["status", "attempts", "next_attempt_at", "last_error", "step_digests", "dossier_accepted"]
    )
    logger.error("delivery %s of %s is dead: %s", record.pk, record.event_key, error)


def record_failed(record: DeliveryRecord, *, now: dt.datetime, error: str, counted: bool = True) -> dt.datetime | None:
    """A transient failure: the record goes dead after too many attempts, else gets a next attempt time.

    `counted=False` (the circuit was open, nothing was called) defers without using an attempt.
    """
    if counted:
        record.attempts += 1
    record.last_error = error[:2000]
    if counted and record.attempts >= max_attempts():
        record.status = RecordStatus.DEAD
        record.next_attempt_at = None
        record.save(
            update_fields=["status", "attempts", "next_attempt_at", "last_error", "step_digests", "dossier_accepted"]
        )
        logger.error("delivery %s dead after %s attempts: %s", record.pk, record.attempts, error)
        return None
    record.status = RecordStatus.FAILED
    record.next_attempt_at = now + backoff(max(1, record.attempts))
    record.save(
        update_fields=["status", "attempts", "next_attempt_at", "last_error", "step_digests", "dossier_accepted"]
    )
    return record.next_attempt_at


def schedule_retry(record: DeliveryRecord, *, at: dt.datetime) -> outbox.OutboxEvent:
    """A new outbox event that brings the record back to its destination's handler at `at`."""
    event = outbox.emit(
        RETRY_TOPIC,
        subject=str(record.event_key),
        payload={"record": record.pk, "destination": record.destination.name},
    )
    event.available_at = at
    event.save(update_fields=["available_at"])
    return event


@transaction.atomic
def records_retry(records: QuerySet[DeliveryRecord]) -> int:
    """Send the dead or failed records again now, with a fresh set of attempts (the admin's action)."""
    count = 0
    now = timezone.now()
    for record in records.select_for_update().filter(status__in=[RecordStatus.DEAD, RecordStatus.FAILED]):
        record.status = RecordStatus.PENDING
        record.attempts = 0
        record.next_attempt_at = now
        record.save(update_fields=["status", "attempts", "next_attempt_at"])
        schedule_retry(record, at=now)
        count += 1
    return count


_HANDLERS: dict[str, Callable[[DeliveryRecord], Any]] = {}


def register_retry(destination: str, handler: Callable[[DeliveryRecord], Any]) -> None:
    """Which function re-delivers a record of `destination` when its retry event comes."""
    _HANDLERS[destination] = handler


def on_retry(event: outbox.OutboxEvent) -> None:
    """Outbox handler of `delivery.retry`: hand the record to its destination's function."""
    record = (
        DeliveryRecord.objects.select_related("destination", "dossier").filter(pk=event.payload.get("record")).first()
    )
    if record is None or record.status in (RecordStatus.SENT, RecordStatus.DEAD):
        return  # delivered meanwhile (an earlier retry), or given up: nothing to do
    handler = _HANDLERS.get(record.destination.name)
    if handler is None:
        logger.warning("delivery: no handler for destination %s (record %s)", record.destination.name, record.pk)
        return
    handler(record)
