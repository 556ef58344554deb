"""Transactional outbox: side effects are recorded in the same transaction as the state change.

`emit()` only inserts a row; a relay (`relay_pending()`, run by `manage.py relay_outbox` or a worker) hands
each event to the handlers registered for its topic, at least once, with back-off on failure and a dead
letter after too many attempts. Handlers must be idempotent: they receive the event's key.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class OutboxEvent(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        DEAD = "dead", "dead"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(max_length=80, db_index=True)
    subject = models.CharField(max_length=60, blank=True, db_index=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        app_label = "core"
        ordering = ["pk"]
        indexes = [models.Index(fields=["state", "available_at"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"


Handler = Callable[[OutboxEvent], None]
_HANDLERS: dict[str, list[Handler]] = {}


def emit(topic: str, *, subject: str = "", payload: dict[str, Any] | None = None) -> OutboxEvent:
    """Record an event; call inside the transaction of the change it announces."""
    return OutboxEvent.objects.create(topic=topic, subject=subject, payload=payload or {})


def subscribe(topic: str, handler: Handler) -> None:
    _HANDLERS.setdefault(topic, []).append(handler)


def unsubscribe(topic: str, handler: Handler) -> None:
    if handler in _HANDLERS.get(topic, []):
        _HANDLERS[topic].remove(handler)


@dataclass
class RelayReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 5 * 2**attempts))


def relay_pending(*, limit: int = 200, now: dt.datetime | None = None) -> RelayReport:
    """Deliver up to `limit` due events; each in its own transaction, locked so relays can run in parallel."""
    report = RelayReport()
    moment = now or timezone.now()
    for _ in range(limit):
        with transaction.atomic():
            event = (
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(state=OutboxEvent.State.PENDING, available_at__lte=moment)
                .order_by("pk")
                .first()
            )
            if event is None:
                break
            try:
                for handler in list(_HANDLERS.get(event.topic, [])):
                    handler(event)
            except Exception as exc:  # a handler's failure must not stop the relay
                event.attempts += 1
                event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if event.attempts >= MAX_ATTEMPTS:
                    event.state = OutboxEvent.State.DEAD
                    report.dead += 1
                    logger.error("outbox event %s is dead after %s attempts: %s", event.key, event.attempts, exc)
                else:
                    event.available_at = moment + _backoff(event.attempts)
                    report.failed += 1
                event.save(update_fields=["attempts", "last_error", "state", "available_at"])
                continue
            event.state = OutboxEvent.State.DELIVERED
            event.delivered_at = timezone.now()
            event.attempts += 1
            event.save(update_fields=["state", "delivered_at", "attempts"])
            report.delivered += 1
    return report


def replay(event: OutboxEvent) -> OutboxEvent:
    """Put a dead event back in the queue (from the admin)."""
    event.state = OutboxEvent.State.PENDING
    event.available_at = timezone.now()
    event.attempts = 0
    event.save(update_fields=["state", "available_at", "attempts"])
    return event
