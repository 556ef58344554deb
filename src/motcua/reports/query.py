"""Figures from the maintained counters: any selection (agency subtree, field, procedure), any period.

A period is cut into whole years, whole months and loose days (`segments`), each summed from the table of
its grain; balances (carried over, in progress, overdue) are sums since the beginning, cut the same way.
So a figure reads a few hundred rows at most for a year, whatever the number of dossiers. The drill-down
(`drill_q`) states the same figures as conditions on the per-dossier facts; tests check both agree.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from motcua.dossiers.models import Channel
from motcua.org import access
from motcua.org.models import Agency
from motcua.reports import facts as reports_facts
from motcua.reports.figures import Counters, Figures
from motcua.reports.models import COUNTERS, DayFigures, DossierFacts, MonthFigures, YearFigures

EPOCH = dt.date(2000, 1, 1)
BALANCE = ("received", "closed", "due", "overdue_closed")
GROUPS = frozenset({"agency_id", "procedure_id", "field_id", "channel"})


@dataclass(frozen=True)
class Selection:
    """Which dossiers: those of some agencies (None: all), of a field, of a procedure."""

    agency_ids: frozenset[int] | None = None
    field_id: int | None = None
    procedure_id: int | None = None

    @classmethod
    def of(cls, agency: Agency | None, *, field_id: int | None = None, procedure_id: int | None = None) -> Selection:
        ids = None if agency is None else frozenset(access.agency_subtree_ids([agency.pk]))
        return cls(ids, field_id, procedure_id)

    def q(self) -> Q:
        condition = Q()
        if self.agency_ids is not None:
            condition &= Q(agency_id__in=sorted(self.agency_ids))
        if self.field_id is not None:
            condition &= Q(field_id=self.field_id)
        if self.procedure_id is not None:
            condition &= Q(procedure_id=self.procedure_id)
        return condition


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def segments(start: dt.date, end: dt.date) -> list[tuple[type, dt.date, dt.date]]:
    """[start, end] as ranges of periods of whole years, whole months and days (adjacent ones merged)."""
    pieces: list[tuple[type, dt.date, dt.date]] = []
    day = start
    model: type
    while day <= end:
        if day.month == 1 and day.day == 1 and dt.date(day.year, 12, 31) <= end:
            model, step = YearFigures, dt.date(day.year + 1, 1, 1)
        elif day.day == 1 and _month_end(day) <= end:
            model, step = MonthFigures, _month_end(day) + dt.timedelta(days=1)
        else:
            model, step = DayFigures, day + dt.timedelta(days=1)
        if pieces and pieces[-1][0] is model:
            pieces[-1] = (model, pieces[-1][1], day)
        else:
            pieces.append((model, day, day))
        day = step
    return pieces


def _sums(
    selection: Selection, start: dt.date, end: dt.date, group: Sequence[str], counters: Sequence[str] = COUNTERS
) -> dict[tuple[Any, ...], dict[str, int]]:
    out: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(counters, 0))
    if start > end:
        return out
    condition = selection.q()
    for model, low, high in segments(start, end):
        rows = (
            model.objects.filter(condition, period__gte=low, period__lte=high)  # type: ignore[attr-defined]
            .order_by()
            .values(*group)
            .annotate(**{f"s_{name}": Sum(name) for name in counters})
        )
        for row in rows:
            into = out[tuple(row[g] for g in group)]
            for name in counters:
                into[name] += row[f"s_{name}"] or 0
    return out


def _today() -> dt.date:
    return timezone.localdate()


def overdue_boundary(end: dt.date, today: dt.date | None = None) -> dt.date:
    """Dossiers due before this day are overdue: the day after the period, or today while it runs."""
    return min(end + dt.timedelta(days=1), today or _today())


def figures_by(
    selection: Selection, start: dt.date, end: dt.date, group: Sequence[str] = (), *, today: dt.date | None = None
) -> dict[tuple[Any, ...], Figures]:
    """Figures per value of `group` (a subset of agency_id, procedure_id, field_id, channel)."""
    if not set(group) <= GROUPS:
        raise ValueError(f"cannot group by {group}")
    group = tuple(group)
    with_channel = group if "channel" in group else (*group, "channel")
    flows = _sums(selection, start, end, with_channel)
    before = _sums(selection, EPOCH, start - dt.timedelta(days=1), group, BALANCE)
    boundary = overdue_boundary(end, today)
    result: dict[tuple[Any, ...], Figures] = {}

    def get(key: tuple[Any, ...]) -> Figures:
        if key not in result:
            result[key] = Figures(start=start, end=end)
        return result[key]

    channel_at = with_channel.index("channel")
    for key, values in flows.items():
        own = tuple(v for g, v in zip(with_channel, key, strict=True) if g in group)
        figures = get(own)
        figures.period.add(values)
        channel = key[channel_at]
        received = values["received"]
        if channel == Channel.ONLINE:
            figures.received_online += received
        elif channel == Channel.POSTAL:
            figures.received_postal += received
        else:
            figures.received_counter += received
    for key, values in before.items():
        get(key).carried_over = values["received"] - values["closed"]
    for figures in result.values():
        figures.in_progress = figures.carried_over + figures.period.received - figures.period.closed
    if boundary == end + dt.timedelta(days=1):
        for key, values in before.items():
            get(key).in_progress_overdue = values["due"] - values["overdue_closed"]
        for figures in result.values():
            figures.in_progress_overdue += figures.period.due - figures.period.overdue_closed
    else:
        upto = _sums(selection, EPOCH, boundary - dt.timedelta(days=1), group, ("due", "overdue_closed"))
        for key, values in upto.items():
            get(key).in_progress_overdue = values["due"] - values["overdue_closed"]
        # closed late after the boundary but by the end of the period: no longer in progress at the end
        late_closed = (
            DossierFacts.objects.filter(
                selection.q(), finished_day__gte=boundary, finished_day__lte=end, overdue=True, due_day__lt=boundary
            )
            .exclude(ending__in=("", "rejected"))
            .order_by()
            .values(*group)
            .annotate(n=Count("pk"))
        )
        for row in late_closed:
            get(tuple(row[g] for g in group)).in_progress_overdue -= row["n"]
    return result


def figures(selection: Selection, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> Figures:
    return figures_by(selection, start, end, (), today=today).get((), Figures(start=start, end=end))


def online_services_used(selection: Selection, start: dt.date, end: dt.date) -> set[int]:
    """Procedures with at least one dossier received online in the period."""
    used = _sums(
        Selection(selection.agency_ids, selection.field_id, selection.procedure_id),
        start,
        end,
        ("procedure_id", "channel"),
        ("received",),
    )
    return {key[0] for key, values in used.items() if key[1] == Channel.ONLINE and values["received"] > 0}


def monthly(selection: Selection, months: Sequence[dt.date], *, today: dt.date | None = None) -> list[Figures]:
    """Figures of each month (given by its first day), for trend charts and open data."""
    return [figures(selection, first, _month_end(first), today=today) for first in months]


def last_months(count: int, today: dt.date | None = None) -> list[dt.date]:
    day = (today or _today()).replace(day=1)
    months = []
    for _ in range(count):
        months.append(day)
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


# ---- drill-down ---------------------------------------------------------------------------------------

FLAG_FIGURES = ("with_fees", "paid_online", "electronic_result", "digitised", "reused", "data_store", "population_data")

DRILL_FIGURES = (
    "received",
    "received_online",
    "received_counter",
    "received_postal",
    "carried_over",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "refused",
    "withdrawn",
    "stopped",
    "rejected",
    "in_progress",
    "in_progress_within_time",
    "in_progress_overdue",
    "supplement_requests",
    "multi_supplement",
    "rated",
    "not_satisfied",
    *FLAG_FIGURES,
)


def _with_flags(query: QuerySet[DossierFacts]) -> QuerySet[DossierFacts]:
    def bit(value: int) -> Any:
        return F("flags").bitand(value)

    return query.alias(
        b_fees=bit(reports_facts.WITH_FEES),
        b_paid=bit(reports_facts.PAID_ONLINE),
        b_result=bit(reports_facts.ELECTRONIC_RESULT),
        b_files=bit(reports_facts.COMPONENT_FILES),
        b_reused=bit(reports_facts.REUSED),
        b_store=bit(reports_facts.RESULT_IN_STORE),
        b_population=bit(reports_facts.POPULATION_DATA),
    )


def drill_q(name: str, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> Q:
    """The facts of the dossiers counted by figure `name` of the period (see `DRILL_FIGURES`)."""
    received = Q(received_day__gte=start, received_day__lte=end)
    ended = Q(finished_day__gte=start, finished_day__lte=end)
    open_at_end = Q(received_day__lte=end) & (Q(ending="") | Q(finished_day__gt=end))
    boundary = overdue_boundary(end, today)
    overdue = Q(overdue=True, due_day__lt=boundary)
    resolved = Q(ending__in=("early", "on_time", "late"))
    simple = {
        "received": received,
        "received_online": received & Q(channel=Channel.ONLINE),
        "received_counter": received & Q(channel=Channel.COUNTER),
        "received_postal": received & Q(channel=Channel.POSTAL),
        "carried_over": Q(received_day__lt=start) & (Q(ending="") | Q(finished_day__gte=start)),
        "resolved": ended & resolved,
        "resolved_early": ended & Q(ending="early"),
        "resolved_on_time": ended & Q(ending="on_time"),
        "resolved_late": ended & Q(ending="late"),
        "refused": ended & resolved & Q(refused=True),
        "withdrawn": ended & Q(ending="withdrawn"),
        "stopped": ended & Q(ending="stopped"),
        "rejected": ended & Q(ending="rejected"),
        "in_progress": open_at_end,
        "in_progress_within_time": open_at_end & ~overdue,
        "in_progress_overdue": open_at_end & overdue,
        "supplement_requests": received & Q(supplement_requests__gte=1),
        "multi_supplement": received & Q(supplement_requests__gt=1),
        "rated": received & Q(rating_points__isnull=False),
        "not_satisfied": received & Q(rating_overall="not_satisfied"),
    }
    if name in simple:
        return simple[name]
    bits = {
        "with_fees": Q(b_fees__gt=0),
        "paid_online": Q(b_fees__gt=0, b_paid__gt=0),
        "electronic_result": Q(b_result__gt=0),
        "digitised": Q(b_result__gt=0, b_files__gt=0),
        "reused": Q(b_reused__gt=0),
        "data_store": Q(b_reused__gt=0) | Q(b_store__gt=0),
        "population_data": Q(b_population__gt=0),
    }
    if name in bits:
        return received & bits[name]
    raise KeyError(name)


def drill_down(
    selection: Selection, name: str, start: dt.date, end: dt.date, *, today: dt.date | None = None
) -> QuerySet[DossierFacts]:
    """The facts (hence the dossier ids) behind one figure."""
    return _with_flags(DossierFacts.objects.filter(selection.q())).filter(drill_q(name, start, end, today=today))


def figure_value(figures: Figures, name: str) -> int:
    """The value of a drillable figure, by the same name (supplement_requests: requests, not dossiers)."""
    period = figures.period
    direct = {
        "received": figures.received_in_period,
        "received_online": figures.received_online,
        "received_counter": figures.received_counter,
        "received_postal": figures.received_postal,
        "carried_over": figures.carried_over,
        "resolved": figures.resolved,
        "in_progress": figures.in_progress,
        "in_progress_within_time": figures.in_progress_within_time,
        "in_progress_overdue": figures.in_progress_overdue,
        "not_satisfied": period.not_satisfied,
    }
    if name in direct:
        return direct[name]
    return int(getattr(period, name))


__all__ = ["Counters", "Figures", "Selection", "drill_down", "figures", "figures_by", "segments"]
