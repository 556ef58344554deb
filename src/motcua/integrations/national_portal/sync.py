"""Every dossier event pushed to the national portal, through the outbox (handlers subscribed in `ready()`).

When: `MOTCUA_NATIONAL_PORTAL_URL` set → the real portal over HTTP; else `MOTCUA_NATIONAL_PORTAL_SIMULATOR`
(default: DEBUG) → the local simulator, in-process; else nothing is pushed and no record is written (the
handler returns at once: test settings and production without a portal).

One event = one delivery record: the dossier as it is *now* (new, or update when the portal has it), then
the steps the portal has not acknowledged yet (or that changed since), 10 per call. A remote failure is
written on the record and retried through a `delivery.retry` outbox event (see `delivery`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.utils import timezone

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier
from motcua.integrations.national_portal import delivery, mapping
from motcua.integrations.national_portal.client import (
    PortalClient,
    PortalRejected,
    PortalUnavailable,
    Transport,
    chunks,
)
from motcua.integrations.national_portal.models import DeliveryRecord

logger = logging.getLogger(__name__)

DESTINATION = "national_portal"
TOPICS: tuple[str, ...] = (
    "dossier.submitted",
    *(f"dossier.{action.value}" for action in Action),
    "dossier.payment_received",
)
SIMULATOR_BASE_URL = "simulator://dvcqg"

_transport_override: Transport | None = None


def use_transport(transport: Transport | None) -> None:
    """Tests: send every call through `transport` (None: back to the default)."""
    global _transport_override
    _transport_override = transport


def mode() -> str:
    """ "remote", "simulator" or "off"."""
    if getattr(settings, "MOTCUA_NATIONAL_PORTAL_URL", ""):
        return "remote"
    if getattr(settings, "MOTCUA_NATIONAL_PORTAL_SIMULATOR", False):
        return "simulator"
    return "off"


def portal_client() -> PortalClient:
    if mode() == "remote":
        return PortalClient.from_settings(transport=_transport_override)
    from motcua.integrations.national_portal.simulator import InProcessTransport

    return PortalClient(base_url=SIMULATOR_BASE_URL, transport=_transport_override or InProcessTransport())


def _acknowledged_steps(record: DeliveryRecord) -> set[str]:
    digests: set[str] = set()
    others = DeliveryRecord.objects.filter(dossier=record.dossier, destination=record.destination).exclude(pk=record.pk)
    for row in others.values_list("step_digests", flat=True):
        digests.update(row or [])
    digests.update(record.step_digests or [])
    return digests


def _push(record: DeliveryRecord, client: PortalClient) -> None:
    dossier = Dossier.objects.select_related(
        "procedure", "procedure_version__field", "competent_agency", "receiving_agency"
    ).get(pk=record.dossier_id)
    key = str(record.event_key)
    if not record.dossier_accepted:
        client.push_dossier(mapping.dossier_payload(dossier), key=key)
        record.dossier_accepted = True
        record.save(update_fields=["dossier_accepted"])
    done = _acknowledged_steps(record)
    pending = [step for step in mapping.step_payloads(dossier) if mapping.digest(step) not in done]
    for chunk in chunks(pending):
        digests = [mapping.digest(step) for step in chunk]
        chunk_key = f"{key}:steps:{hashlib.sha256(''.join(digests).encode()).hexdigest()[:12]}"
        client.push_step_chunk(dossier.code, chunk, key=chunk_key)
        record.step_digests = [*(record.step_digests or []), *digests]
        record.save(update_fields=["step_digests"])


def deliver(record: DeliveryRecord, *, now: dt.datetime | None = None) -> DeliveryRecord:
    """One attempt to bring the record to the portal; the record says how it went."""
    if mode() == "off":
        return record  # the portal was switched off meanwhile: the record waits for an administrator's retry
    moment = now or timezone.now()
    destination = record.destination
    client = portal_client()
    try:
        delivery.call(destination, lambda: _push(record, client), now=moment, permanent=(PortalRejected,))
    except delivery.CircuitOpen as exc:
        delivery.record_failed(record, now=moment, error=str(exc), counted=False)
        delivery.schedule_retry(record, at=exc.until)
    except PortalRejected as exc:
        delivery.record_dead(record, now=moment, error=str(exc))
    except PortalUnavailable as exc:
        retry_at = delivery.record_failed(record, now=moment, error=str(exc))
        if retry_at is not None:
            destination.refresh_from_db(fields=["opened_until", "circuit"])
            if destination.circuit == destination.Circuit.OPEN and destination.opened_until:
                retry_at = max(retry_at, destination.opened_until)
            delivery.schedule_retry(record, at=retry_at)
    else:
        delivery.record_sent(record, now=moment)
    return record


def on_dossier_event(event: OutboxEvent) -> None:
    if mode() == "off":
        return
    code = str(event.payload.get("code") or event.subject)
    dossier = Dossier.objects.filter(code=code).first() if code else None
    if dossier is None:
        logger.warning("national portal: %s for unknown dossier %r ignored", event.topic, code)
        return
    record = delivery.record_for_event(
        dossier=dossier, destination=delivery.destination_get(DESTINATION), event_key=event.key, topic=event.topic
    )
    if record.status in (DeliveryRecord.Status.SENT, DeliveryRecord.Status.DEAD):
        return
    deliver(record)


def connect() -> None:
    for topic in TOPICS:
        outbox.unsubscribe(topic, on_dossier_event)
        outbox.subscribe(topic, on_dossier_event, name="integrations.national_portal.on_dossier_event")
    outbox.unsubscribe(delivery.RETRY_TOPIC, delivery.on_retry)
    outbox.subscribe(delivery.RETRY_TOPIC, delivery.on_retry, name="integrations.delivery.on_retry")
    delivery.register_retry(DESTINATION, deliver)
