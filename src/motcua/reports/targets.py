"""Targets (chỉ tiêu) per agency and year, and how far each agency is from them, worst first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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


def gaps(units: Iterable[Any], year: int, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> list[Gap]:
    """Every (agency, target) of the year with the actual rate of [start, end], largest shortfall first."""
    out: list[Gap] = []
    labels = dict(Target.Indicator.choices)
    for unit, index in index766.ranking(units, start, end, today=today):
        wanted = targets_for(unit, year)
        if not wanted:
            continue
        by_code = {i.code: i for i in index.indicators}
        for indicator, value in wanted.items():
            actual = by_code[INDICATOR_CODE[Target.Indicator(indicator)]].ratio
            gap = round((actual or 0.0) - float(value), 2)
            out.append(Gap(unit, indicator, str(labels[indicator]), value, actual, gap))
    return sorted(out, key=lambda g: (g.gap, g.agency.name, g.indicator))
