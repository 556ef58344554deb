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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from motcua.dossiers.models import Channel
from motcua.org import access
from motcua.org.models import Agency
from motcua.reports import facts as reports_facts
from motcua.reports.figures import Counters, Figures, combine
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


def subtrees(root_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Each agency of `root_ids` with every agency under it (as `Selection.of`), from one read of the tree."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Agency.objects.order_by().values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    out: dict[int, frozenset[int]] = {}
    for root in root_ids:
        if root in out:
            continue
        found = {root}
        frontier = [root]
        while frontier:
            below = [child for pk in frontier for child in children.get(pk, ()) if child not in found]
            found.update(below)
            frontier = below
        out[root] = frozenset(found)
    return out


def _common(selections: Sequence[Selection]) -> Selection:
    """The union of the agencies of selections that differ by their agencies only (none may be "all")."""
    if any(s.agency_ids is None for s in selections):
        raise ValueError("every selection must name its agencies")
    if len({(s.field_id, s.procedure_id) for s in selections}) > 1:
        raise ValueError("the selections must share their field and procedure")
    first = selections[0] if selections else Selection(frozenset())
    union = frozenset().union(*(s.agency_ids or () for s in selections))
    return Selection(union, first.field_id, first.procedure_id)


def _members(selections: Sequence[Selection]) -> dict[int, list[int]]:
    """agency id → the positions of the selections that include it."""
    out: dict[int, list[int]] = defaultdict(list)
    for position, selection in enumerate(selections):
        for agency_id in selection.agency_ids or ():
            out[agency_id].append(position)
    return out


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
        if not group:
            # one row of totals (values() without fields would group by every column)
            totals = model.objects.filter(condition, period__gte=low, period__lte=high).aggregate(  # type: ignore[attr-defined]
                **{f"s_{name}": Sum(name) for name in counters}
            )
            if any(value is not None for value in totals.values()):  # some rows matched
                into = out[()]
                for name in counters:
                    into[name] += totals[f"s_{name}"] or 0
            continue
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


def _add_flow(figures: Figures, channel: str, values: dict[str, int]) -> None:
    """Add the counters of one channel's rows over the period to `figures`."""
    figures.period.add(values)
    received = values["received"]
    if channel == Channel.ONLINE:
        figures.received_online += received
    elif channel == Channel.POSTAL:
        figures.received_postal += received
    else:
        figures.received_counter += received


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
        _add_flow(get(own), key[channel_at], values)
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
        for key, overdue in _overdue_before(selection, boundary, end, group).items():
            get(key).in_progress_overdue = overdue
    return result


def _overdue_before(
    selection: Selection, boundary: dt.date, end: dt.date, group: Sequence[str]
) -> dict[tuple[Any, ...], int]:
    """In progress and overdue at the end of a period still running (`boundary` before its end): due before
    the boundary and not closed by it, less those closed (late) between the boundary and the end."""
    upto = _sums(selection, EPOCH, boundary - dt.timedelta(days=1), group, ("due", "overdue_closed"))
    out = {key: values["due"] - values["overdue_closed"] for key, values in upto.items()}
    # closed late after the boundary but by the end of the period: no longer in progress at the end
    late_closed = DossierFacts.objects.filter(
        selection.q(), finished_day__gte=boundary, finished_day__lte=end, overdue=True, due_day__lt=boundary
    ).exclude(ending__in=("", "rejected"))
    if group:
        rows = list(late_closed.order_by().values(*group).annotate(n=Count("pk")))
    else:
        n = late_closed.count()
        rows = [{"n": n}] if n else []
    for row in rows:
        key = tuple(row[g] for g in group)
        out[key] = out.get(key, 0) - row["n"]
    return out


def figures(selection: Selection, start: dt.date, end: dt.date, *, today: dt.date | None = None) -> Figures:
    return figures_by(selection, start, end, (), today=today).get((), Figures(start=start, end=end))


def figures_of(
    selections: Sequence[Selection], start: dt.date, end: dt.date, *, today: dt.date | None = None
) -> list[Figures]:
    """`figures` of each selection (in order), read together: the selections differ by their agencies only,
    the figures are read once per agency of their union and added up for each selection (they may overlap)."""
    if not selections:
        return []
    per_agency = figures_by(_common(selections), start, end, ("agency_id",), today=today)
    parts: list[list[Figures]] = [[] for _ in selections]
    members = _members(selections)
    for (agency_id,), part in sorted(per_agency.items()):
        for position in members.get(agency_id, ()):
            parts[position].append(part)
    return [combine(start, end, own) for own in parts]


#: the counters that tell which procedures had online, paid online and population data dossiers
PROCEDURE_COUNTERS = ("received", "paid_online", "population_data")


def procedures_of(selections: Sequence[Selection], start: dt.date, end: dt.date) -> list[dict[str, set[int]]]:
    """For each selection (in order), the procedures with dossiers received online in the period
    ("online", as `online_services_used`), with dossiers paid online ("paid_online") and with dossiers using
    population data ("population_data"), as the index 766 counts them; read together for every selection."""
    if not selections:
        return []
    rows = _sums(_common(selections), start, end, ("agency_id", "procedure_id", "channel"), PROCEDURE_COUNTERS)
    members = _members(selections)
    totals: list[dict[tuple[Any, ...], dict[str, int]]] = [
        defaultdict(lambda: dict.fromkeys(PROCEDURE_COUNTERS, 0)) for _ in selections
    ]
    for (agency_id, procedure_id, channel), values in rows.items():
        for position in members.get(agency_id, ()):
            into = totals[position][(procedure_id, channel)]
            for name in PROCEDURE_COUNTERS:
                into[name] += values[name]
    return [_procedure_sets(own) for own in totals]


def _procedure_sets(rows: dict[tuple[Any, ...], dict[str, int]]) -> dict[str, set[int]]:
    """From sums per (procedure, channel): the procedures with online dossiers received, with dossiers paid
    online and with dossiers using population data (the sums over the channels above zero)."""
    out: dict[str, set[int]] = {"online": set(), "paid_online": set(), "population_data": set()}
    by_procedure: dict[int, dict[str, int]] = defaultdict(lambda: {"paid_online": 0, "population_data": 0})
    for (procedure_id, channel), values in rows.items():
        if channel == Channel.ONLINE and values["received"] > 0:
            out["online"].add(procedure_id)
        for name in ("paid_online", "population_data"):
            by_procedure[procedure_id][name] += values[name]
    for procedure_id, values in by_procedure.items():
        for name in ("paid_online", "population_data"):
            if values[name] > 0:
                out[name].add(procedure_id)
    return out


def procedures_used(selection: Selection, start: dt.date, end: dt.date) -> dict[str, set[int]]:
    """`procedures_of` for one selection (which may be every agency)."""
    rows = _sums(selection, start, end, ("procedure_id", "channel"), PROCEDURE_COUNTERS)
    return _procedure_sets(rows)


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
    """Figures of each month (given by its first day), for trend charts and open data.

    The months are read together: their counters and those of the months before them in their years from the
    month table, the balances of the years before from the year table (the rows `figures` would sum for each
    month). The overdue dossiers of a month still running are judged today, with their own queries."""
    if not months:
        return []
    if any(first.day != 1 for first in months):
        return [figures(selection, first, _month_end(first), today=today) for first in months]
    condition = selection.q()
    latest = max(months)
    first_year = dt.date(min(months).year, 1, 1)
    month_rows = (
        MonthFigures.objects.filter(condition, period__gte=first_year, period__lte=latest)
        .order_by()
        .values("period", "channel")
        .annotate(**{f"s_{name}": Sum(name) for name in COUNTERS})
    )
    by_month: dict[dt.date, dict[str, dict[str, int]]] = defaultdict(dict)
    for row in month_rows:
        by_month[row["period"]][row["channel"]] = {name: row[f"s_{name}"] or 0 for name in COUNTERS}
    years: dict[dt.date, dict[str, int]] = {}
    if dt.date(latest.year, 1, 1) > EPOCH:
        year_rows = (
            YearFigures.objects.filter(condition, period__gte=EPOCH, period__lt=dt.date(latest.year, 1, 1))
            .order_by()
            .values("period")
            .annotate(**{f"s_{name}": Sum(name) for name in BALANCE})
        )
        years = {row["period"]: {name: row[f"s_{name}"] or 0 for name in BALANCE} for row in year_rows}
    out = []
    for first in months:
        end = _month_end(first)
        result = Figures(start=first, end=end)
        for channel, values in by_month.get(first, {}).items():
            _add_flow(result, channel, values)
        january = dt.date(first.year, 1, 1)
        before = dict.fromkeys(BALANCE, 0)
        earlier = [values for period, values in years.items() if period < january]
        for period, channels in by_month.items():
            if period >= EPOCH and january <= period < first:
                earlier.extend(channels.values())
        for values in earlier:
            for name in BALANCE:
                before[name] += values[name]
        result.carried_over = before["received"] - before["closed"]
        result.in_progress = result.carried_over + result.period.received - result.period.closed
        boundary = overdue_boundary(end, today)
        if boundary == end + dt.timedelta(days=1):
            result.in_progress_overdue = (
                before["due"] - before["overdue_closed"] + result.period.due - result.period.overdue_closed
            )
        else:  # the month is still running: its overdue dossiers are judged today
            result.in_progress_overdue = _overdue_before(selection, boundary, end, ()).get((), 0)
        out.append(result)
    return out


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
