"""Targets (chỉ tiêu) per agency and year, and how far each agency is from them, worst first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from motcua.reports import index766
from motcua.reports.models import Target

#: the indicator of the index that measures each target
INDICATOR_CODE = {
    Target.Indicator.ON_TIME: "2.1",
    Target.Indicator.ONLINE: "3.3",
    Target.Indicator.SERVICES_USED: "3.2",
    Target.Indicator.PROCEDURES_ONLINE: "3.1",
    Target.Indicator.ELECTRONIC_RESULT: "4.1",
    Target.Indicator.PAID_ONLINE: "3.6",
    Target.Indicator.REUSED: "4.3",
}


@dataclass(frozen=True)
class Gap:
    agency: Any
    indicator: str
    label: str
    target: Decimal
    actual: float | None
    gap: float  # actual - target (negative: below target); N/A counts as 0 %

    @property
    def met(self) -> bool:
        return self.gap >= 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency.code,
            "agency_name": self.agency.name,
            "indicator": self.indicator,
            "label": self.label,
            "target": float(self.target),
            "actual": self.actual,
            "gap": self.gap,
            "met": self.met,
        }


def targets_for(agency: Any, year: int) -> dict[str, Decimal]:
    """The agency's own targets, falling back to the province's (agency empty) for the others."""
    found: dict[str, Decimal] = {}
    for target in Target.objects.filter(year=year, agency__isnull=True):
        found[target.indicator] = target.value
    for target in Target.objects.filter(year=year, agency=agency):
        found[target.indicator] = target.value
    return found


def targets_of(agencies: Iterable[Any], year: int) -> dict[int, dict[str, Decimal]]:
    """`targets_for` of each agency (by primary key), from one query."""
    agencies = list(agencies)
    province: dict[str, Decimal] = {}
    own: dict[int, dict[str, Decimal]] = {agency.pk: {} for agency in agencies}
    rows = Target.objects.filter(Q(agency__isnull=True) | Q(agency_id__in=sorted(own)), year=year)
    for target in rows.order_by("year", "indicator", "pk"):
        if target.agency_id is None:
            province[target.indicator] = target.value
        else:
            own[target.agency_id][target.indicator] = target.value
    # the province's first, in their order, then the agency's own (replacing or added after them)
    return {pk: {**province, **values} for pk, values in own.items()}


def gaps(units: Iterable[Any], year: int, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> list[Gap]:
    """Every (agency, target) of the year with the actual rate of [start, end], largest shortfall first."""
    return gaps_of(index766.ranking(units, start, end, today=today), year)


def gaps_of(ranked: Iterable[tuple[Any, index766.Index]], year: int) -> list[Gap]:
    """`gaps` from the units' indexes already computed (in the order of `index766.ranking`)."""
    ranked = list(ranked)
    out: list[Gap] = []
    labels = dict(Target.Indicator.choices)
    targets = targets_of((unit for unit, _index in ranked), year)
    for unit, index in ranked:
        wanted = targets[unit.pk]
        if not wanted:
            continue
        by_code = {i.code: i for i in index.indicators}
        for indicator, value in wanted.items():
            actual = by_code[INDICATOR_CODE[Target.Indicator(indicator)]].ratio
            gap = round((actual or 0.0) - float(value), 2)
            out.append(Gap(unit, indicator, str(labels[indicator]), value, actual, gap))
    return sorted(out, key=lambda g: (g.gap, g.agency.name, g.indicator))
