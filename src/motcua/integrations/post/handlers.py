"""Outbox handlers of the post, subscribed in `IntegrationsConfig.ready()`: thin, each calls one service.

`dossier.approve` -> a result-delivery order when the applicant chose the post; `post.created` -> the order
goes to the provider; `post.cancelled` -> the provider is told. Both calls go through the shared reliable
delivery (`motcua.integrations.delivery`, destination "vnpost", or "post:<provider>" for another provider):
a circuit breaker per provider, one delivery record per event (shown on the dossier's page), a provider
failure (`PostUnavailable`) retried with the outbox's schedule (10 s, doubling, `MOTCUA_OUTBOX_MAX_ATTEMPTS`
attempts), then a dead letter the admin can send again. The idempotency key is our order number: the
provider's API takes no other, and `create_order` gives the same waybill for the same number.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.models import Dossier
from motcua.integrations import delivery
from motcua.integrations.models import DeliveryRecord, PostalOrder
from motcua.integrations.post import services
from motcua.integrations.post.base import PostUnavailable

logger = logging.getLogger(__name__)


def on_dossier_approved(event: OutboxEvent) -> None:
    code = str(event.payload.get("code") or event.subject)
    dossier = Dossier.objects.filter(code=code).first() if code else None
    if dossier is None:
        logger.warning("post: %s for unknown dossier %r ignored", event.topic, code)
        return
    services.postal_order_for_result(dossier=dossier)


def _order(event: OutboxEvent) -> PostalOrder | None:
    order = PostalOrder.objects.filter(pk=event.payload.get("order")).first()
    if order is None:
        logger.warning("post: %s for unknown order %r ignored", event.topic, event.payload.get("order"))
    return order


def _submit(event: OutboxEvent) -> None:
    order = _order(event)
    if order is not None:
        delivery.submit(
            services.destination_name(order.provider),
            event_key=event.key,
            topic=event.topic,
            dossier=order.dossier,
            reference=str(order.pk),
            now=delivery.event_moment(event),
        )


def on_order_created(event: OutboxEvent) -> None:
    _submit(event)


def on_order_cancelled(event: OutboxEvent) -> None:
    order = _order(event)
    if order is not None and (order.item_code or order.sent_at is not None):
        _submit(event)  # else the order never reached the provider: nothing to tell it


def send(record: DeliveryRecord) -> None:
    """The `send` of the post's destinations: the call the record's event asks for."""
    order = PostalOrder.objects.filter(pk=record.reference).first()
    if order is None:
        raise delivery.Undeliverable(f"postal order {record.reference} no longer exists")
    if record.topic == "post.cancelled":
        services.postal_order_cancel_at_provider(order=order)
    else:
        services.postal_order_send(order=order)


def connect() -> None:
    for kind in (services.VNPOST, services.POST_KIND):
        delivery.register(
            kind,
            send,
            label=_("Bưu chính công ích"),
            unavailable=(PostUnavailable,),
            backoff=delivery.outbox_backoff,
            max_attempts=outbox.max_attempts,
        )
    delivery.connect()
    for topic, handler in (
        ("dossier.approve", on_dossier_approved),
        ("post.created", on_order_created),
        ("post.cancelled", on_order_cancelled),
    ):
        outbox.unsubscribe(topic, handler)
    outbox.subscribe("dossier.approve", on_dossier_approved, name="integrations.post.on_dossier_approved")
    outbox.subscribe("post.created", on_order_created, name="integrations.post.on_order_created")
    outbox.subscribe("post.cancelled", on_order_cancelled, name="integrations.post.on_order_cancelled")
