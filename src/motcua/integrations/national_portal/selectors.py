"""Reads of the delivery status."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.dossiers.models import Dossier
from motcua.integrations.national_portal.models import DeliveryRecord


def sync_status(dossier: Dossier, *, destination: str | None = None) -> QuerySet[DeliveryRecord]:
    """The delivery records of a dossier (every destination, or one), oldest first."""
    records = DeliveryRecord.objects.filter(dossier=dossier).select_related("destination").order_by("pk")
    if destination is not None:
        records = records.filter(destination__name=destination)
    return records
