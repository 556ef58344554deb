"""Transactional outbox: side effects are recorded in the same transaction as the state change.

`emit()` only inserts a row; a relay (`relay_pending()`, run every few seconds by the Celery task
`motcua.core.tasks.relay_outbox`, or by `manage.py relay_outbox`) hands each event to the handlers
registered for its topic: at least once, with exponential back-off on failure, and a dead letter after
`MOTCUA_OUTBOX_MAX_ATTEMPTS` attempts (visible in the admin, which can replay it).

Idempotency. Each handler runs in its own savepoint and, when it returns, a receipt (event, handler) is
written in that savepoint: a handler that raised leaves no database change behind, and a handler that
succeeded is never called again for that event, even when another handler of the topic fails and the
event is retried or replayed. Effects outside the database (an e-mail, a call to a remote system) cannot be
rolled back: do them last in the handler and pass `event.key` to the remote system as the idempotency key,
or guard a part of the work with `once(event, name)`.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core import rows

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # default of the MOTCUA_OUTBOX_MAX_ATTEMPTS setting


def max_attempts() -> int:
    """Failed attempts after which an event is dead (setting `MOTCUA_OUTBOX_MAX_ATTEMPTS`, default 8)."""
    return max(1, int(getattr(settings, "MOTCUA_OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS)))


class OutboxEvent(rows.CompiledSave):
    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        DELIVERED = "delivered", _("Đã gửi")
        DEAD = "dead", _("Gửi lỗi, đã dừng")

    key = models.UUIDField(_("khóa"), default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(_("chủ đề"), max_length=80, db_index=True)
    subject = models.CharField(_("đối tượng"), max_length=60, blank=True, db_index=True)
    payload = models.JSONField(_("nội dung"), default=dict, encoder=DjangoJSONEncoder)
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    available_at = models.DateTimeField(_("gửi từ"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    delivered_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        app_label = "core"
        verbose_name = _("sự kiện chờ gửi (outbox)")
        verbose_name_plural = _("sự kiện chờ gửi (outbox)")
        ordering = ["pk"]
        indexes = [models.Index(fields=["state", "available_at"], name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.topic} {self.key}"


class OutboxReceipt(models.Model):
    """A handler (or a part of one, see `once`) that has done its work for an event."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="receipts")
    handler = models.CharField(max_length=200)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "core"
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="outbox_receipt_unique")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.handler}"


Handler = Callable[[OutboxEvent], None]


@dataclass(frozen=True)
class _Subscription:
    name: str
    handler: Handler


_HANDLERS: dict[str, list[_Subscription]] = {}


def handler_name(handler: Handler) -> str:
    """The name under which a handler's receipts are stored: its module and qualified name."""
    module = getattr(handler, "__module__", "") or ""
    qualname = getattr(handler, "__qualname__", "") or repr(handler)
    return f"{module}.{qualname}"[:200]


def emit(topic: str, *, subject: str = "", payload: dict[str, Any] | None = None) -> OutboxEvent:
    """Record an event; call inside the transaction of the change it announces."""
    return OutboxEvent.objects.create(topic=topic, subject=subject, payload=payload or {})


def emit_many(topic: str, events: Iterable[tuple[str, dict[str, Any]]], *, at: dt.datetime | None = None) -> int:
    """Record several events of one topic, given as (subject, payload), in one insert; returns how many."""
    moment = at or timezone.now()
    rows = [
        OutboxEvent(topic=topic, subject=subject, payload=payload, created_at=moment, available_at=moment)
        for subject, payload in events
    ]
    OutboxEvent.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def subscribe(topic: str, handler: Handler, *, name: str = "") -> None:
    """Register `handler` for `topic`; `name` (default: its dotted path) keys its receipts, keep it stable."""
    _HANDLERS.setdefault(topic, []).append(_Subscription(name or handler_name(handler), handler))


def unsubscribe(topic: str, handler: Handler) -> None:
    _HANDLERS[topic] = [sub for sub in _HANDLERS.get(topic, []) if sub.handler is not handler]


def once(event: OutboxEvent, name: str) -> bool:
    """True the first time it is called for (event, name), False afterwards: a guard inside a handler.

    Call it in the handler (the relay's transaction): when the handler later raises, the mark is rolled back
    with the rest of its work, so the guarded part runs again on the next attempt.
    """
    _receipt, created = OutboxReceipt.objects.get_or_create(event=event, handler=f"once:{name}"[:200])
    return created


@dataclass
class RelayReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.failed + self.dead


def _backoff(attempts: int) -> dt.timedelta:
    """10 s after the first failure, then doubling, at most an hour."""
    return dt.timedelta(seconds=min(3600, 5 * 2**attempts))


def _deliver(event: OutboxEvent, subscriptions: Sequence[_Subscription], moment: dt.datetime) -> list[str]:
    """Call the handlers that have not done their work yet; the errors of those that failed."""
    done: set[str] = set()
    if event.attempts or event.last_error:  # receipts exist only after an earlier attempt (or a replay)
        done = set(event.receipts.values_list("handler", flat=True))
    errors = []
    for subscription in subscriptions:
        if subscription.name in done:
            continue
        try:
            with transaction.atomic():  # savepoint: a failing handler leaves nothing behind
                subscription.handler(event)
                OutboxReceipt.objects.create(event=event, handler=subscription.name, done_at=moment)
        except Exception as exc:  # a handler's failure must not stop the relay nor the other handlers
            logger.warning("outbox handler %s failed on %s: %s", subscription.name, event.key, exc)
            errors.append(f"{type(exc).__name__}: {exc}")
    return errors


def relay_pending(*, limit: int = 200, now: dt.datetime | None = None) -> RelayReport:
    """Deliver up to `limit` due events; each in its own transaction, locked so relays can run in parallel."""
    report = RelayReport()
    moment = now or timezone.now()
    ceiling = max_attempts()
    for _attempt in range(limit):
        with transaction.atomic():
            event = (
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(state=OutboxEvent.State.PENDING, available_at__lte=moment)
                .order_by("pk")
                .first()
            )
            if event is None:
                break
            errors = _deliver(event, list(_HANDLERS.get(event.topic, [])), moment)
            event.attempts += 1
            if errors:
                event.last_error = "\n".join(errors)[:2000]
                if event.attempts >= ceiling:
                    event.state = OutboxEvent.State.DEAD
                    report.dead += 1
                    logger.error("outbox event %s is dead after %s attempts: %s", event.key, event.attempts, errors)
                else:
                    event.available_at = moment + _backoff(event.attempts)
                    report.failed += 1
                event.save(update_fields=["attempts", "last_error", "state", "available_at"])
                continue
            event.state = OutboxEvent.State.DELIVERED
            event.delivered_at = timezone.now()
            event.save(update_fields=["state", "delivered_at", "attempts"])
            report.delivered += 1
    return report


def replay(event: OutboxEvent) -> OutboxEvent:
    """Put an event back in the queue with a fresh set of attempts (handlers that succeeded stay done)."""
    event.state = OutboxEvent.State.PENDING
    event.available_at = timezone.now()
    event.attempts = 0
    event.save(update_fields=["state", "available_at", "attempts"])
    return event


@transaction.atomic
def replay_dead(events: models.QuerySet[OutboxEvent]) -> int:
    """Replay the dead events among `events` (the admin's "Gửi lại" action); returns how many."""
    count = 0
    for event in events.select_for_update().filter(state=OutboxEvent.State.DEAD).order_by("pk"):
        replay(event)
        count += 1
    return count
