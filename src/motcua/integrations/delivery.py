"""Reliable delivery to remote systems: a circuit breaker per destination and a delivery record per event.

Every outbound call goes through here: the national portal push, webhooks, VNPost orders, the notification
channels (SMS, Zalo, e-mail) and the payment gateways' status queries (querydr). The pieces:

- `Destination` (one row per remote system, named "national_portal", "webhook:<subscription id>", "vnpost",
  "sms", "zalo", "email", "payment:<provider>") carries the circuit: closed → (N consecutive failures) →
  open until `opened_until` (calls fail fast, nothing goes on the network) → half-open: one probe call;
  success closes it, failure opens it for another cool-down. `call()` runs the remote work through it.
- `DeliveryRecord` (one per event and destination) is a push that must arrive: its status, attempts, last
  error, the next attempt time, and what the destination has acknowledged so far (`progress`). Its
  `event_key` (the outbox event's key, or a stable key derived from it) is the idempotency key sent to the
  destination wherever the protocol has a place for it, so a retry after a lost answer is not a duplicate.
- A *kind* (the part of the destination name before ":") registers how to deliver a record (`register`): the
  send function, which exceptions mean "refused, do not retry" and "unavailable, retry", and its back-off and
  number of attempts (per destination kind: webhooks, notifications and the post keep the outbox's schedule,
  10 s doubling, 8 attempts; the national portal 30 s doubling, 10 attempts).
- `deliver(record)` makes one attempt and writes down how it went; a remote failure schedules the next
  attempt as a `delivery.retry` outbox event (at the back-off time, or when the circuit lets calls through
  again); too many failures, or a refusal, make the record dead: a dead letter that the admin's "send
  again" action (`records_retry`) puts back in the queue with a fresh set of attempts.

Why the delivery bookkeeping does not raise. The outbox runs each handler in a savepoint and rolls it back
when the handler raises: the failure count of the circuit and the record's attempts and error would vanish
with it. So a delivery catches the remote failure, writes it down (committed with the relay's transaction)
and schedules the next attempt itself. Durability and at-least-once relay stay the outbox's; unexpected
errors (bugs) still raise and get the outbox's own retries and dead letter.

Calls that are not pushes of an event (the notification channels, whose `Message` is its own delivery record
with its own retries; the payment status queries, retried by the reconciliation job) use `call()` only: the
circuit of their destination, nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from motcua.core import outbox
from motcua.dossiers.models import Dossier
from motcua.integrations.models import DeliveryRecord, Destination

logger = logging.getLogger(__name__)

T = TypeVar("T")
Circuit = Destination.Circuit
RecordStatus = DeliveryRecord.Status
RETRY_TOPIC = "delivery.retry"
Exceptions = tuple[type[BaseException], ...]


class CircuitOpen(Exception):
    """The destination is failing: the call was not made."""

    def __init__(self, destination: Destination, until: dt.datetime) -> None:
        super().__init__(f"circuit of {destination.name} open until {until.isoformat()}")
        self.until = until


class Refused(Exception):
    """The destination answered and refused the content: final (dead letter at once); the circuit stays up."""


class Unavailable(Exception):
    """A transient failure of the destination (network, timeout, 5xx): retried with the kind's back-off."""


class Undeliverable(Exception):
    """Nothing was called: the delivery cannot be made as it stands (no address, subscription switched off).

    Final like a refusal, but the circuit is not touched: the destination said nothing.
    """


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def failure_threshold() -> int:
    """Consecutive failures that open a circuit (`MOTCUA_DELIVERY_CIRCUIT_THRESHOLD`, default 5)."""
    return max(1, int(_setting("MOTCUA_DELIVERY_CIRCUIT_THRESHOLD", 5)))


def cooldown() -> dt.timedelta:
    """How long an open circuit stays open (`MOTCUA_DELIVERY_CIRCUIT_COOLDOWN`, seconds, default 60)."""
    return dt.timedelta(seconds=_setting("MOTCUA_DELIVERY_CIRCUIT_COOLDOWN", 60))


def max_attempts() -> int:
    """Attempts of a record before it is dead, for kinds without their own (`MOTCUA_DELIVERY_MAX_ATTEMPTS`, 10)."""
    return max(1, int(_setting("MOTCUA_DELIVERY_MAX_ATTEMPTS", 10)))


def backoff(attempts: int) -> dt.timedelta:
    """The default back-off: 30 s after the first failure, then doubling, at most an hour."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def outbox_backoff(attempts: int) -> dt.timedelta:
    """The outbox's own schedule: 10 s after the first failure, then doubling, at most an hour."""
    return dt.timedelta(seconds=min(3600, 5 * 2 ** max(1, attempts)))


def destination_get(name: str) -> Destination:
    destination, _created = Destination.objects.get_or_create(name=name[:60])
    return destination


def kind_of(name: str) -> str:
    """'webhook:12' → 'webhook'; 'national_portal' → 'national_portal'."""
    return name.split(":", 1)[0]


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


def circuit_release(destination: Destination, *, now: dt.datetime) -> None:
    """The call made no contact (nothing to send): a half-open probe is handed to the next caller at once."""
    if destination.circuit == Circuit.HALF_OPEN:
        Destination.objects.filter(pk=destination.pk, circuit=Circuit.HALF_OPEN).update(
            circuit=Circuit.OPEN, opened_until=now, probe_started_at=None
        )
        destination.refresh_from_db()


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def call(
    destination: Destination,
    work: Callable[[], T],
    *,
    now: dt.datetime,
    permanent: Exceptions = (),
    neutral: Exceptions = (),
) -> T:
    """Run `work` (the remote calls) through the destination's circuit.

    CircuitOpen when it is open (nothing called). An exception in `permanent` (the destination answered and
    refused the content) counts as the destination being up; one in `neutral` (nothing was called) does not
    touch the circuit; any other exception counts against it.
    """
    circuit_allow(destination, now=now)
    try:
        result = work()
    except neutral:
        circuit_release(destination, now=now)
        raise
    except permanent:
        circuit_success(destination, now=now)  # it answered: it is up
        raise
    except Exception as exc:
        circuit_failure(destination, now=now, error=describe(exc))
        raise
    circuit_success(destination, now=now)
    return result


# ---- delivery records -------------------------------------------------------------------------------------


def derived_key(key: uuid.UUID | str, *parts: object) -> uuid.UUID:
    """A stable idempotency key derived from an event's key (the same inputs give the same key)."""
    return uuid.uuid5(uuid.UUID(str(key)), ":".join(str(part) for part in parts))


def record_for_event(
    *,
    dossier: Dossier | None,
    destination: Destination,
    event_key: uuid.UUID | str,
    topic: str,
    reference: str = "",
) -> DeliveryRecord:
    """The record of (destination, event), made the first time: an event handled twice has one record."""
    record, _created = DeliveryRecord.objects.get_or_create(
        destination=destination,
        event_key=event_key,
        defaults={"dossier": dossier, "topic": topic, "reference": reference[:64]},
    )
    return record


_RECORD_FIELDS = ["status", "attempts", "sent_at", "next_attempt_at", "last_error", "progress"]


def record_sent(record: DeliveryRecord, *, now: dt.datetime) -> None:
    record.status = RecordStatus.SENT
    record.attempts += 1
    record.sent_at = now
    record.next_attempt_at = None
    record.last_error = ""
    record.save(update_fields=_RECORD_FIELDS)


def record_dead(record: DeliveryRecord, *, now: dt.datetime, error: str, counted: bool = True) -> None:
    record.status = RecordStatus.DEAD
    if counted:
        record.attempts += 1
    record.next_attempt_at = None
    record.last_error = error[:2000]
    record.save(update_fields=_RECORD_FIELDS)
    logger.error("delivery %s of %s to %s is dead: %s", record.pk, record.event_key, record.destination_id, error)


def record_failed(
    record: DeliveryRecord,
    *,
    now: dt.datetime,
    error: str,
    counted: bool = True,
    retry_at: dt.datetime | None = None,
    schedule: Callable[[int], dt.timedelta] = backoff,
    attempts_allowed: int | None = None,
) -> dt.datetime | None:
    """A transient failure: the record goes dead after too many attempts, else gets a next attempt time.

    `counted=False` (the circuit was open, nothing was called) defers to `retry_at` without using an attempt.
    """
    if counted:
        record.attempts += 1
    record.last_error = error[:2000]
    ceiling = attempts_allowed if attempts_allowed is not None else max_attempts()
    if counted and record.attempts >= ceiling:
        record.status = RecordStatus.DEAD
        record.next_attempt_at = None
        record.save(update_fields=_RECORD_FIELDS)
        logger.error("delivery %s dead after %s attempts: %s", record.pk, record.attempts, error)
        return None
    record.status = RecordStatus.FAILED
    record.next_attempt_at = retry_at or now + schedule(max(1, record.attempts))
    record.save(update_fields=_RECORD_FIELDS)
    return record.next_attempt_at


def schedule_retry(record: DeliveryRecord, *, at: dt.datetime) -> outbox.OutboxEvent:
    """A new outbox event that brings the record back to its destination's kind at `at`."""
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
    ids = list(records.values_list("pk", flat=True))
    locked = (
        DeliveryRecord.objects.select_for_update(of=("self",))
        .select_related("destination")
        .filter(pk__in=ids, status__in=[RecordStatus.DEAD, RecordStatus.FAILED])
        .order_by("pk")
    )
    for record in locked:
        record.status = RecordStatus.PENDING
        record.attempts = 0
        record.next_attempt_at = now
        record.save(update_fields=["status", "attempts", "next_attempt_at"])
        schedule_retry(record, at=now)
        count += 1
    return count


# ---- kinds of destinations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How records of one kind of destination are delivered (see `register`)."""

    name: str
    send: Callable[[DeliveryRecord], None]
    label: str | Promise = ""
    refused: Exceptions = ()
    unavailable: Exceptions = ()
    backoff: Callable[[int], dt.timedelta] = backoff
    max_attempts: Callable[[], int] | None = None
    enabled: Callable[[], bool] | None = None
    after: Callable[[DeliveryRecord], None] | None = None


_KINDS: dict[str, Kind] = {}


def register(
    kind: str,
    send: Callable[[DeliveryRecord], None],
    *,
    label: str | Promise = "",
    refused: Exceptions = (),
    unavailable: Exceptions = (),
    backoff: Callable[[int], dt.timedelta] = backoff,
    max_attempts: Callable[[], int] | None = None,
    enabled: Callable[[], bool] | None = None,
    after: Callable[[DeliveryRecord], None] | None = None,
) -> None:
    """Declare how to deliver the records of destinations `kind` or `kind:<anything>`.

    `send(record)` makes the remote calls and returns when the destination has it all; it raises `Refused`
    (or one of `refused`) when the destination answered no, `Unavailable` (or one of `unavailable`) for a
    transient failure, `Undeliverable` when there is nothing it can call. `backoff(attempts)` and
    `max_attempts()` are the kind's retry schedule; `enabled()` false leaves records waiting (switched off);
    `after(record)` runs after each attempt (to mirror the record on the kind's own rows).
    """
    _KINDS[kind] = Kind(
        name=kind,
        send=send,
        label=label,
        refused=refused,
        unavailable=unavailable,
        backoff=backoff,
        max_attempts=max_attempts,
        enabled=enabled,
        after=after,
    )


def kind_for(destination: str) -> Kind | None:
    return _KINDS.get(destination) or _KINDS.get(kind_of(destination))


def deliver(record: DeliveryRecord, *, now: dt.datetime | None = None) -> DeliveryRecord:
    """One attempt to bring the record to its destination; the record says how it went. Never raises for a
    remote failure (see the module's docstring)."""
    if record.status in (RecordStatus.SENT, RecordStatus.DEAD):
        return record
    destination = record.destination
    kind = kind_for(destination.name)
    if kind is None:
        logger.warning("delivery: no kind registered for destination %s (record %s)", destination.name, record.pk)
        return record
    if kind.enabled is not None and not kind.enabled():
        return record  # switched off meanwhile: the record waits for an administrator's "send again"
    moment = now or timezone.now()
    refused: Exceptions = (Refused, *kind.refused)
    unavailable: Exceptions = (Unavailable, *kind.unavailable)
    try:
        call(destination, lambda: kind.send(record), now=moment, permanent=refused, neutral=(Undeliverable,))
    except CircuitOpen as exc:
        record_failed(record, now=moment, error=str(exc), counted=False, retry_at=exc.until)
        schedule_retry(record, at=exc.until)
    except Undeliverable as exc:
        record_dead(record, now=moment, error=describe(exc), counted=False)
    except refused as exc:
        record_dead(record, now=moment, error=describe(exc))
    except unavailable as exc:
        attempts_allowed = kind.max_attempts() if kind.max_attempts is not None else None
        retry_at = record_failed(
            record, now=moment, error=describe(exc), schedule=kind.backoff, attempts_allowed=attempts_allowed
        )
        if retry_at is not None:
            destination.refresh_from_db(fields=["opened_until", "circuit"])
            if destination.circuit == Circuit.OPEN and destination.opened_until:
                retry_at = max(retry_at, destination.opened_until)
                record.next_attempt_at = retry_at
                record.save(update_fields=["next_attempt_at"])
            schedule_retry(record, at=retry_at)
    else:
        record_sent(record, now=moment)
    if kind.after is not None:
        kind.after(record)
    return record


def submit(
    destination: str,
    *,
    event_key: uuid.UUID | str,
    topic: str,
    dossier: Dossier | None = None,
    reference: str = "",
    now: dt.datetime | None = None,
) -> DeliveryRecord:
    """The record of (destination, event), delivered now unless it already went (or was given up)."""
    record = record_for_event(
        dossier=dossier,
        destination=destination_get(destination),
        event_key=event_key,
        topic=topic,
        reference=reference,
    )
    return deliver(record, now=now)


def event_moment(event: outbox.OutboxEvent) -> dt.datetime:
    """When a handler of `event` acts: now, and never before the event was due (a relay run late, or ahead)."""
    return max(timezone.now(), event.available_at)


def on_retry(event: outbox.OutboxEvent) -> None:
    """Outbox handler of `delivery.retry`: one more attempt of the record."""
    record = (
        DeliveryRecord.objects.select_related("destination", "dossier").filter(pk=event.payload.get("record")).first()
    )
    if record is None or record.status in (RecordStatus.SENT, RecordStatus.DEAD):
        return  # delivered meanwhile (an earlier retry), or given up: nothing to do
    deliver(record, now=event_moment(event))


def connect() -> None:
    """Subscribe the retry handler (again without doubling it when called twice)."""
    outbox.unsubscribe(RETRY_TOPIC, on_retry)
    outbox.subscribe(RETRY_TOPIC, on_retry, name="integrations.delivery.on_retry")


# ---- delivery status per dossier --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryStatus:
    """One delivery concerning a dossier, whatever keeps it (a delivery record, a notification message)."""

    destination: str
    label: str
    topic: str
    status: str
    status_label: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    last_error: str
    problem: bool

    def get_status_display(self) -> str:
        return self.status_label


StatusSource = Callable[[Dossier], Iterable[DeliveryStatus]]
_STATUS_SOURCES: dict[str, StatusSource] = {}


def register_status_source(name: str, source: StatusSource) -> None:
    """Add deliveries that are not delivery records (e.g. notification messages) to a dossier's status."""
    _STATUS_SOURCES[name] = source


def destination_label(name: str) -> str:
    kind = kind_for(name)
    label = str(kind.label) if kind is not None and kind.label else kind_of(name)
    suffix = name.split(":", 1)[1] if ":" in name else ""
    return f"{label} ({suffix})" if suffix else label


def records_of(dossier: Dossier, *, destination: str | None = None) -> QuerySet[DeliveryRecord]:
    """The delivery records of a dossier (every destination, or one), oldest first."""
    records = DeliveryRecord.objects.filter(dossier=dossier).select_related("destination").order_by("pk")
    if destination is not None:
        records = records.filter(destination__name=destination)
    return records


def dossier_status(dossier: Dossier) -> list[DeliveryStatus]:
    """Every outbound delivery concerning `dossier` (records and the registered sources), oldest first."""
    rows = [
        DeliveryStatus(
            destination=record.destination.name,
            label=destination_label(record.destination.name),
            topic=record.topic,
            status=record.status,
            status_label=str(record.get_status_display()),
            attempts=record.attempts,
            created_at=record.created_at,
            sent_at=record.sent_at,
            next_attempt_at=record.next_attempt_at,
            last_error=record.last_error,
            problem=record.status in (RecordStatus.FAILED, RecordStatus.DEAD),
        )
        for record in records_of(dossier)
    ]
    for source in _STATUS_SOURCES.values():
        rows.extend(source(dossier))
    return sorted(rows, key=lambda row: (row.created_at, row.destination))
