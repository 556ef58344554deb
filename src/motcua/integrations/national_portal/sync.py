"""Every dossier event pushed to the national portal, through the outbox (handlers subscribed in `ready()`).

When: `MOTCUA_NATIONAL_PORTAL_URL` set → the real portal over HTTP; else `MOTCUA_NATIONAL_PORTAL_SIMULATOR`
(default: DEBUG) → the local simulator, in-process; else nothing is pushed and no record is written (the
handler returns at once: test settings and production without a portal).

One event = one delivery record: the dossier as it is *now* (new, or update when the portal has it), then
the steps the portal has not acknowledged yet (or that changed since), 10 per call. A remote failure is
written on the record and retried through a `delivery.retry` outbox event, through the destination's circuit
breaker (the shared `motcua.integrations.delivery`): `PortalRejected` is a refusal (dead letter at once, the
administrator sends it again once the content is fixed), `PortalUnavailable` a transient failure (30 s back-off,
doubling). The record's `progress` remembers whether the portal has the dossier and which steps it acknowledged,
so a retry resumes where the last attempt stopped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from motcua.core import outbox
from motcua.core.outbox import OutboxEvent
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier
from motcua.integrations import delivery
from motcua.integrations.models import DeliveryRecord
from motcua.integrations.national_portal import mapping
from motcua.integrations.national_portal.client import (
    PortalClient,
    PortalRejected,
    PortalUnavailable,
    Transport,
    chunks,
)

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
    for progress in others.values_list("progress", flat=True):
        digests.update((progress or {}).get("steps", []))
    digests.update((record.progress or {}).get("steps", []))
    return digests


def _note(record: DeliveryRecord, **progress: object) -> None:
    """Write down what the portal acknowledged (kept even when a later call of the attempt fails)."""
    record.progress = {**(record.progress or {}), **progress}
    record.save(update_fields=["progress"])


def _push(record: DeliveryRecord) -> None:
    if record.dossier_id is None:
        raise delivery.Undeliverable("the portal is told about dossiers only")
    client = portal_client()
    dossier = Dossier.objects.select_related(
        "procedure", "procedure_version__field", "competent_agency", "receiving_agency"
    ).get(pk=record.dossier_id)
    key = str(record.event_key)
    if not (record.progress or {}).get("accepted"):
        client.push_dossier(mapping.dossier_payload(dossier), key=key)
        _note(record, accepted=True)
    done = _acknowledged_steps(record)
    pending = [step for step in mapping.step_payloads(dossier) if mapping.digest(step) not in done]
    for chunk in chunks(pending):
        digests = [mapping.digest(step) for step in chunk]
        chunk_key = f"{key}:steps:{hashlib.sha256(''.join(digests).encode()).hexdigest()[:12]}"
        client.push_step_chunk(dossier.code, chunk, key=chunk_key)
        _note(record, steps=[*(record.progress or {}).get("steps", []), *digests])


def deliver(record: DeliveryRecord, *, now: dt.datetime | None = None) -> DeliveryRecord:
    """One attempt to bring the record to the portal; the record says how it went."""
    return delivery.deliver(record, now=now)


def on_dossier_event(event: OutboxEvent) -> None:
    if mode() == "off":
        return
    code = str(event.payload.get("code") or event.subject)
    dossier = Dossier.objects.filter(code=code).first() if code else None
    if dossier is None:
        logger.warning("national portal: %s for unknown dossier %r ignored", event.topic, code)
        return
    delivery.submit(DESTINATION, event_key=event.key, topic=event.topic, dossier=dossier)


def connect() -> None:
    delivery.register(
        DESTINATION,
        _push,
        label=_("Cổng Dịch vụ công quốc gia"),
        refused=(PortalRejected,),
        unavailable=(PortalUnavailable,),
        enabled=lambda: mode() != "off",
    )
    delivery.connect()
    for topic in TOPICS:
        outbox.unsubscribe(topic, on_dossier_event)
        outbox.subscribe(topic, on_dossier_event, name="integrations.national_portal.on_dossier_event")
