"""Template filters for amounts in VND and periods."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from motcua.catalog.models import TimeUnit

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """50000 -> '50.000 đ' (Vietnamese thousands separator)."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đ"


@register.filter
def period(value: Decimal | None, unit: str) -> str:
    """(Decimal('0.5'), 'working_days') -> '0,5 ngày làm việc'."""
    if value is None:
        return ""
    number = str(int(value)) if value == value.to_integral_value() else str(value.normalize()).replace(".", ",")
    label = TimeUnit(unit).label if unit in TimeUnit.values else unit
    return _("%(number)s %(unit)s") % {"number": number, "unit": label}
