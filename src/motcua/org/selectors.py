"""Reads of organisations."""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.core.text import fold
from motcua.org.models import Agency


def agency_search(*, level: str = "", q: str = "") -> QuerySet[Agency]:
    agencies = Agency.objects.filter(is_active=True).select_related("parent", "administrative_unit")
    if level:
        agencies = agencies.filter(level=level)
    for word in fold(q).split():
        agencies = agencies.filter(search_text__contains=word)
    return agencies.order_by("code")
