"""Reads of postal orders."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.dossiers.models import Dossier
from motcua.integrations.models import PostalOrder


def postal_orders_of(dossier: Dossier) -> QuerySet[PostalOrder]:
    """The postal orders of a dossier, newest first, with their journey (events) prefetched."""
    return PostalOrder.objects.filter(dossier=dossier).prefetch_related("events").order_by("-created_at", "-pk")
