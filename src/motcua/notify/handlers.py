"""Outbox handlers of the notify app, subscribed in `NotifyConfig.ready()`: thin, each calls one service.

Source topics (their events become messages): the dossier actions below, `account.code` (one-time codes
from the accounts app) and `staff.alert` (deadline alerts). `notify.send` sends one message.
"""

from __future__ import annotations

import logging
import uuid

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.models import Dossier
from motcua.integrations import delivery
from motcua.notify import selectors, services
from motcua.notify.models import Event

logger = logging.getLogger(__name__)

DOSSIER_TOPICS: dict[str, str] = {
    "dossier.receive": Event.RECEIVED,
    "dossier.request_supplement": Event.SUPPLEMENT_REQUESTED,
    "dossier.supplement": Event.SUPPLEMENT_RECEIVED,
    "dossier.extend": Event.EXTENSION,
    "dossier.approve": Event.RESULT_READY,
    "dossier.request_payment": Event.PAYMENT_REQUESTED,
}
CODE_TOPIC = "account.code"
ALERT_TOPIC = "staff.alert"


def on_dossier_event(event: OutboxEvent) -> None:
    code = str(event.payload.get("code") or event.subject)
    dossier = Dossier.objects.select_related("procedure_version", "account").filter(code=code).first() if code else None
    if dossier is None:
        logger.warning("notify: %s for unknown dossier %r ignored", event.topic, code)
        return
    services.dossier_notify(
        dossier=dossier,
        event=DOSSIER_TOPICS[event.topic],
        source_key=event.key,
        payload=event.payload,
        at=event.available_at,
    )


def on_account_code(event: OutboxEvent) -> None:
    payload = event.payload
    services.verification_code_send(
        channel=str(payload.get("channel", "")),
        recipient=str(payload.get("recipient", "")),
        code=str(payload.get("code", "")),
        purpose=str(payload.get("purpose", "")),
        language=str(payload.get("language", "vi")),
        source_key=event.key,
        at=event.available_at,
    )


def on_staff_alert(event: OutboxEvent) -> None:
    payload = event.payload
    services.staff_alert_send(
        username=str(payload.get("recipient", "")),
        kind=str(payload.get("kind", "")),
        code=str(payload.get("code", event.subject)),
        due_at=str(payload.get("due_at", "")),
        source_key=event.key,
        at=event.available_at,
    )


def on_send(event: OutboxEvent) -> None:
    message_id = event.payload.get("message")
    if not isinstance(message_id, int):
        logger.warning("notify: %s without a message id ignored", event.key)
        return
    services.message_send(message_id=message_id, send_event_key=uuid.UUID(str(event.key)))


SUBSCRIPTIONS: list[tuple[str, outbox.Handler, str]] = [
    *((topic, on_dossier_event, "notify.dossier") for topic in DOSSIER_TOPICS),
    (CODE_TOPIC, on_account_code, "notify.account_code"),
    (ALERT_TOPIC, on_staff_alert, "notify.staff_alert"),
    (services.SEND_TOPIC, on_send, "notify.send"),
]


def connect() -> None:
    """Subscribe the handlers (again without doubling them when called twice); show the messages about a
    dossier in its delivery status."""
    for topic, handler, name in SUBSCRIPTIONS:
        outbox.unsubscribe(topic, handler)
        outbox.subscribe(topic, handler, name=name)
    delivery.register_status_source("notify", selectors.dossier_messages_status)
