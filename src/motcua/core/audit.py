"""Append-only audit trail with a hash chain per stream (e.g. one dossier).

Every event carries the SHA-256 of its own content and of the previous event of its stream, so editing or
deleting a row breaks the chain; `manage.py verify_audit` finds the break. Events are written in the same
transaction as the change they record; the stream's previous event is read under the lock the service
already holds on the subject (the dossier row), so a chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from motcua.core import rows
from motcua.core.text import person_name

GENESIS = "0" * 64


class AuditEvent(rows.CompiledSave):
    stream = models.CharField(max_length=60, db_index=True)
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    step = models.CharField(max_length=255, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        app_label = "core"
        ordering = ["stream", "seq"]
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_stream_seq_unique")]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit events are append-only")


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "stream": event.stream,
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "step": event.step,
        "comment": event.comment,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }


def content_hash(content: dict[str, Any]) -> str:
    """The SHA-256 of an event's content (the fields of `_content`), as stored in `hash`."""
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def compute_hash(event: AuditEvent) -> str:
    return content_hash(_content(event))


# the stream's last event, read on every action: compiled once
_LAST = rows.Prepared(
    lambda: (
        AuditEvent.objects.filter(stream=rows.param(AuditEvent, "stream"))
        .order_by("-seq")
        .values_list("seq", "hash")[:1]
    )
)


def record(
    *,
    stream: str,
    actor: Any,
    action: str,
    from_status: str = "",
    to_status: str = "",
    step: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    new_stream: bool = False,
) -> AuditEvent:
    """Append an event to `stream`; call inside the transaction that holds the subject's row lock.

    `new_stream`: the caller created the subject in this transaction, so the stream has no event yet and
    this one starts it (no read of the previous event). Were that untrue, the unique (stream, seq) refuses it.
    """
    previous = None if new_stream else _LAST.first(stream=stream)
    seq, prev_hash = (previous[0] + 1, previous[1]) if previous else (1, GENESIS)
    user = actor if getattr(actor, "is_authenticated", False) else None
    name = ""
    if user is not None:
        name = person_name(user)
    event = AuditEvent(
        stream=stream,
        seq=seq,
        at=at or timezone.now(),
        actor=user,
        actor_name=name or (str(actor) if isinstance(actor, str) else ""),
        action=action,
        from_status=from_status,
        to_status=to_status,
        step=step,
        comment=comment,
        data=data or {},
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(event)
    event.save()
    return event


@dataclass(frozen=True)
class ChainBreak:
    stream: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.stream} event {self.seq}: {self.reason}"


def verify_events(events: Iterable[AuditEvent]) -> Iterator[ChainBreak]:
    """Check events ordered by (stream, seq): numbering, links and content hashes."""
    stream = None
    expected_prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.stream != stream:
            stream, expected_prev, expected_seq = event.stream, GENESIS, 1
        if event.seq != expected_seq:
            yield ChainBreak(event.stream, event.seq, f"expected event {expected_seq} (missing or reordered)")
        if event.prev_hash != expected_prev:
            yield ChainBreak(event.stream, event.seq, "link to the previous event does not match")
        if compute_hash(event) != event.hash:
            yield ChainBreak(event.stream, event.seq, "content does not match its hash (modified)")
        expected_prev = event.hash
        expected_seq = event.seq + 1


def verify(stream: str | None = None) -> list[ChainBreak]:
    events = AuditEvent.objects.order_by("stream", "seq")
    if stream is not None:
        events = events.filter(stream=stream)
    return list(verify_events(events.iterator(chunk_size=2000)))


def event_count(stream: str | None = None) -> int:
    events = AuditEvent.objects.all()
    if stream is not None:
        events = events.filter(stream=stream)
    return events.count()
