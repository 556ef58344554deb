"""The figures of Biểu 06 for an agency (and the agencies under it) and a period, in the contract's shape.

Read from the maintained counters (`motcua.reports.query`); the conventions are those of
`motcua.reports.figures`. Rates with nothing to divide by are 0.0 in the contract.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from motcua.org.models import Agency
from motcua.reports import query
from motcua.reports.figures import Figures, Form06, Form06Row, combine


def as_contract(agency_code: str, figures: Figures) -> dict[str, Any]:
    return {
        "agency": agency_code,
        "from": figures.start.isoformat(),
        "to": figures.end.isoformat(),
        "received": {
            "total": figures.received_total,
            "online": figures.received_online,
            "counter_or_postal": figures.received_counter_or_postal,
            "carried_over": figures.carried_over,
        },
        "resolved": {
            "total": figures.resolved,
            "early": figures.resolved_early,
            "on_time": figures.resolved_on_time,
            "late": figures.resolved_late,
        },
        "in_progress": {
            "total": figures.in_progress,
            "within_time": figures.in_progress_within_time,
            "overdue": figures.in_progress_overdue,
        },
        "on_time_rate": figures.on_time_rate or 0.0,
        "online_rate": figures.online_rate or 0.0,
    }


class Summary:
    def __init__(self, agency: Agency, figures: Figures) -> None:
        self.agency = agency
        self.figures = figures

    def as_contract(self) -> dict[str, Any]:
        return as_contract(self.agency.code, self.figures)


def summary(*, agency: Agency, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> Summary:
    today = timezone.localdate(now) if now is not None else None
    return Summary(agency, query.figures(query.Selection.of(agency), start, end, today=today))


def form06(*, agency: Agency | None, start: dt.date, end: dt.date, today: dt.date | None = None) -> Form06:
    """Biểu 06 of the agency and those under it (None: every agency): a line per (level, field)."""
    from motcua.catalog.models import Field

    selection = query.Selection.of(agency)
    parts = query.figures_by(selection, start, end, ("agency_id", "field_id"), today=today)
    levels = dict(Agency.objects.filter(pk__in={k[0] for k in parts}).values_list("pk", "level"))
    fields = {f.pk: f for f in Field.objects.filter(pk__in={k[1] for k in parts})}
    grouped: dict[tuple[str, int], list[Figures]] = {}
    for (agency_id, field_id), part in parts.items():
        grouped.setdefault((levels.get(agency_id, ""), field_id), []).append(part)
    order = {value: i for i, value in enumerate(Agency.Level.values)}
    rows = []
    for (level, field_id), members in sorted(
        grouped.items(), key=lambda item: (order.get(item[0][0], 9), getattr(fields.get(item[0][1]), "name", ""))
    ):
        found = fields.get(field_id)
        rows.append(
            Form06Row(
                level=level,
                level_label=str(Agency.Level(level).label) if level in Agency.Level.values else "",
                field_code=found.code if found else "",
                field_name=found.name if found else "",
                figures=combine(start, end, members),
            )
        )
    return Form06(
        agency_code=agency.code if agency else "",
        agency_name=agency.name if agency else str(gettext("Toàn tỉnh")),
        start=start,
        end=end,
        rows=rows,
        total=query.figures(selection, start, end, today=today),
        generated_at=timezone.now(),
    )
