"""Reads of the delivery status of a dossier (generic: every destination, see `integrations.delivery`)."""

from __future__ import annotations

from motcua.dossiers.models import Dossier
from motcua.integrations import delivery
from motcua.integrations.delivery import DeliveryStatus


def sync_status(dossier: Dossier, *, destination: str | None = None) -> list[DeliveryStatus]:
    """What was sent (or is waiting to be sent) about a dossier to the national portal, webhooks, the post and
    the applicant (notifications), oldest first; only `destination` (a name, or a kind such as "webhook")
    when given."""
    rows = delivery.dossier_status(dossier)
    if destination is not None:
        rows = [row for row in rows if destination in (row.destination, delivery.kind_of(row.destination))]
    return rows
