"""Webhooks: dossier events POSTed to subscribers, signed, at least once, through the outbox.

Two outbox handlers. `on_dossier_event` (every `dossier.*` topic) writes one `WebhookDelivery` per
matching subscription with its body, fixed once so every retry sends the same bytes, and emits one
`webhook.deliver` event per delivery. `on_deliver` hands the delivery to the shared reliable delivery
(`motcua.integrations.delivery`, destination "webhook:<subscription id>", one circuit breaker per
subscription): a network error, a 5xx, a 408 or a 429 is a transient failure, retried with the outbox's
schedule (10 s, doubling, `MOTCUA_OUTBOX_MAX_ATTEMPTS` attempts) through `delivery.retry` events, and
finally a dead letter the admin can send again; any other 4xx (or a 3xx) is permanent: the delivery is marked
failed and not retried (unless an administrator sends its record again). While a subscriber's circuit is
open nothing is POSTed to it; its deliveries wait for the circuit to let a probe through.

The body, `{"id": <event key>, "topic", "occurred_at", "data": {...}}`, carries the dossier's code, status,
procedure, agencies and timestamps, never the applicant. Headers: `X-Motcua-Signature: sha256=<hex HMAC-SHA256
of the raw body with the subscription's secret>`, `X-Motcua-Event: <topic>`, `X-Motcua-Delivery: <delivery
key>`, `Idempotency-Key: <event key>` (the same on every retry: receivers drop duplicates by it).
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from motcua.clients.models import Scope, WebhookDelivery, WebhookSubscription
from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier
from motcua.integrations import delivery as reliable
from motcua.integrations.models import DeliveryRecord

logger = logging.getLogger(__name__)

DELIVER_TOPIC = "webhook.deliver"
TOPICS: tuple[str, ...] = ("dossier.submitted", "dossier.payment_received", *(f"dossier.{a.value}" for a in Action))
RETRIED_CLIENT_ERRORS = frozenset({408, 429})
TIMEOUT_SECONDS = 10
USER_AGENT = "motcua-webhooks/1"


KIND = "webhook"


class DeliveryFailed(reliable.Unavailable):
    """A transient failure: tried again later, with back-off."""


class DeliveryRefused(reliable.Refused):
    """The receiver answered with a status that means "do not send this again"."""


def destination_name(subscription_id: int) -> str:
    return f"{KIND}:{subscription_id}"


@dataclass(frozen=True)
class Answer:
    status: int


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is answered as it is (a 3xx: permanent failure), never followed with the body


def transport(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST `body` to `url`; the receiver's status (tests replace this function)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310  scheme checked
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(status=int(response.status))
    except urllib.error.HTTPError as exc:
        return Answer(status=int(exc.code))


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def event_data(dossier: Dossier) -> dict[str, Any]:
    """What a subscriber learns of a dossier: no applicant, no documents."""
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_code": dossier.status_code,
        "procedure": {"code": dossier.procedure.code, "name": dossier.procedure_version.name},
        "receiving_agency": dossier.receiving_agency.code,
        "competent_agency": dossier.competent_agency.code,
        "channel": dossier.channel,
        "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "finished_at": _iso(dossier.finished_at),
        "returned_at": _iso(dossier.returned_at),
    }


def _wants(subscription: WebhookSubscription, topic: str, agency_ids: set[int]) -> bool:
    if not any(fnmatch.fnmatchcase(topic, pattern) for pattern in subscription.topics or []):
        return False
    chosen = {a.pk for a in subscription.agencies.all()}
    if chosen and not chosen & agency_ids:
        return False
    client = subscription.client
    if client is not None:
        if not client.is_active or Scope.DOSSIERS_READ not in (client.scopes or []):
            return False
        if not {a.pk for a in client.agencies.all()} & agency_ids:
            return False
    return True


def subscriptions_for(topic: str, dossier: Dossier) -> list[WebhookSubscription]:
    agency_ids = {dossier.receiving_agency_id, dossier.competent_agency_id}
    active = (
        WebhookSubscription.objects.filter(is_active=True)
        .filter(Q(client__isnull=True) | Q(client__is_active=True))
        .select_related("client")
        .prefetch_related("agencies", "client__agencies")
        .order_by("pk")
    )
    return [s for s in active if _wants(s, topic, agency_ids)]


def on_dossier_event(event: OutboxEvent) -> None:
    """Fan out: one delivery (and one `webhook.deliver` outbox event) per subscription that wants the event."""
    code = str(event.payload.get("code") or event.subject)
    dossier = (
        Dossier.objects.select_related("procedure", "procedure_version", "receiving_agency", "competent_agency")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        return
    body = json.dumps(
        {
            "id": str(event.key),
            "topic": event.topic,
            "occurred_at": _iso(event.created_at),
            "data": event_data(dossier),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    created = []
    for subscription in subscriptions_for(event.topic, dossier):
        delivery, fresh = WebhookDelivery.objects.get_or_create(
            subscription=subscription, event_key=event.key, defaults={"topic": event.topic, "body": body}
        )
        if fresh:
            created.append(delivery)
    if created:
        outbox.emit_many(DELIVER_TOPIC, ((dossier.code, {"delivery": d.pk}) for d in created), at=event.available_at)


def _allowed_url(url: str) -> bool:
    return url.startswith("https://") or (bool(settings.DEBUG) and url.startswith("http://"))


def on_deliver(event: OutboxEvent) -> None:
    """Hand one delivery to the reliable delivery (its record is made once; a delivered one is left alone)."""
    webhook = WebhookDelivery.objects.filter(pk=event.payload.get("delivery")).first()
    if webhook is None or webhook.status != WebhookDelivery.Status.PENDING:
        return
    dossier = Dossier.objects.filter(code=event.subject).first() if event.subject else None
    reliable.submit(
        destination_name(webhook.subscription_id),
        event_key=webhook.event_key,
        topic=webhook.topic,
        dossier=dossier,
        reference=str(webhook.pk),
        now=reliable.event_moment(event),
    )


def send(record: DeliveryRecord) -> None:
    """POST one delivery (the `send` of the "webhook" kind); raise on a failure, see the module docstring."""
    webhook = (
        WebhookDelivery.objects.select_for_update().select_related("subscription").filter(pk=record.reference).first()
    )
    if webhook is None:
        raise reliable.Undeliverable(f"webhook delivery {record.reference} no longer exists")
    if webhook.status == WebhookDelivery.Status.DELIVERED:
        return
    subscription = webhook.subscription
    webhook.status = WebhookDelivery.Status.PENDING  # a failed one sent again by an administrator
    if not subscription.is_active:
        _finish(webhook, WebhookDelivery.Status.FAILED, None, "The subscription was deactivated.")
        raise reliable.Undeliverable("The subscription was deactivated.")
    if not _allowed_url(subscription.url):
        _finish(webhook, WebhookDelivery.Status.FAILED, None, "The URL must use https.")
        raise reliable.Undeliverable("The URL must use https.")
    raw = webhook.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Motcua-Signature": sign(subscription.secret, raw),
        "X-Motcua-Event": webhook.topic,
        "X-Motcua-Delivery": str(webhook.key),
        "Idempotency-Key": str(webhook.event_key),
    }
    timeout = float(getattr(settings, "MOTCUA_WEBHOOK_TIMEOUT", TIMEOUT_SECONDS))
    try:
        answer = transport(subscription.url, raw, headers, timeout)
    except (OSError, ValueError) as exc:  # network errors, timeouts (URLError is an OSError)
        raise DeliveryFailed(f"{subscription.url}: {exc}") from exc
    if 200 <= answer.status < 300:
        _finish(webhook, WebhookDelivery.Status.DELIVERED, answer.status, "")
        return
    if answer.status >= 500 or answer.status in RETRIED_CLIENT_ERRORS:
        WebhookDelivery.objects.filter(pk=webhook.pk).update(response_code=answer.status)
        raise DeliveryFailed(f"{subscription.url} answered {answer.status}")
    error = f"Refused with HTTP {answer.status}; not retried."
    _finish(webhook, WebhookDelivery.Status.FAILED, answer.status, error)
    raise DeliveryRefused(error)


def _mirror(record: DeliveryRecord) -> None:
    """After each attempt: the delivery shows the record's attempts and, while pending, its last error."""
    webhook = WebhookDelivery.objects.filter(pk=record.reference).first()
    if webhook is None:
        return
    webhook.attempts = record.attempts
    if webhook.status == WebhookDelivery.Status.PENDING and record.last_error:
        webhook.last_error = record.last_error[:2000]
    webhook.save(update_fields=["attempts", "last_error"])


def _finish(webhook: WebhookDelivery, status: str, code: int | None, error: str) -> None:
    webhook.status = status
    webhook.response_code = code
    if error:
        webhook.last_error = error
    if status == WebhookDelivery.Status.DELIVERED:
        webhook.delivered_at = timezone.now()
    webhook.save(update_fields=["status", "response_code", "last_error", "delivered_at"])


def connect() -> None:
    reliable.register(
        KIND,
        send,
        label="Webhook",
        backoff=reliable.outbox_backoff,
        max_attempts=outbox.max_attempts,
        after=_mirror,
    )
    reliable.connect()
    for topic in TOPICS:
        outbox.unsubscribe(topic, on_dossier_event)
        outbox.subscribe(topic, on_dossier_event, name="clients.webhooks.on_dossier_event")
    outbox.unsubscribe(DELIVER_TOPIC, on_deliver)
    outbox.subscribe(DELIVER_TOPIC, on_deliver, name="clients.webhooks.on_deliver")
