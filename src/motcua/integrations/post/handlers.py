"""Outbox handlers of the post, subscribed in `IntegrationsConfig.ready()`: thin, each calls one service.

`dossier.approve` -> a result-delivery order when the applicant chose the post; `post.created` -> the order
goes to the provider (a provider failure raises: the outbox retries with back-off); `post.cancelled` -> the
provider is told.
"""

from __future__ import annotations

import logging

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.models import Dossier
from motcua.integrations.models import PostalOrder
from motcua.integrations.post import services

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


def on_order_created(event: OutboxEvent) -> None:
    order = _order(event)
    if order is not None:
        services.postal_order_send(order=order)


def on_order_cancelled(event: OutboxEvent) -> None:
    order = _order(event)
    if order is not None:
        services.postal_order_cancel_at_provider(order=order)


def connect() -> None:
    outbox.subscribe("dossier.approve", on_dossier_approved, name="integrations.post.on_dossier_approved")
    outbox.subscribe("post.created", on_order_created, name="integrations.post.on_order_created")
    outbox.subscribe("post.cancelled", on_order_cancelled, name="integrations.post.on_order_cancelled")
