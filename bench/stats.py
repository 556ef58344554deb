"""Statistics at scale: rebuild time, the province summary of a quarter and the 766 index of a year,
and what keeping the counters adds to a dossier action.

Runs against the database of `DATABASE_URL` (PostgreSQL for meaningful figures) that already holds the
demo data and generated dossiers (`python -m bench.generate`). Steps:

1. `rebuild_stats` over every dossier (timed);
2. the province-level summary of the last whole quarter of the generated period and the 766 index of its
   last whole year, each `repeat` times after a warm-up (median and worst);
3. the counters' cost per action: `actions` dossiers are received at the counter (they stay), then each is
   forwarded with the statistics signals connected and again disconnected, in a transaction rolled back
   each time (difference of medians).
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min

from bench.official_forms import _dossiers
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.reports import index766, query, signals
from motcua.reports.models import DayFigures, DossierFacts
from motcua.reports.rebuild import rebuild


def _timed(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    work()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


class _Rollback(Exception):
    pass


def _action_times(dossiers: list[Dossier], action: str) -> list[float]:
    """Milliseconds of `forward` (by the step's assignee: the figures do not change) or `stop` (by a leader
    of the competent agency: the dossier ends, three grains of counters change) on each dossier, rolled back."""
    from motcua.org import access
    from motcua.org.models import Staff

    leaders: dict[int, Any] = {}

    def leader_of(agency: Any) -> Any:
        if agency.pk not in leaders:
            leaders[agency.pk] = next(
                (
                    s.user
                    for s in Staff.objects.select_related("user")
                    if access.can(s.user, access.Permission.APPROVE_DOSSIER, agency)
                ),
                None,
            )
        return leaders[agency.pk]

    samples = []
    for dossier in dossiers:
        step = dossier.current_step
        assignee = step.assignee.user if step is not None and step.assignee is not None else None
        try:
            with transaction.atomic():
                start = time.perf_counter()
                if action == "forward" and assignee is not None:
                    services.dossier_forward(dossier=dossier, actor=assignee)
                elif action == "stop":
                    services.dossier_stop(dossier=dossier, actor=leader_of(dossier.competent_agency), reason="Đo")
                samples.append((time.perf_counter() - start) * 1000)
                raise _Rollback
        except _Rollback:
            pass
    return samples


def run(*, repeat: int = 20, actions: int = 200, skip_rebuild: bool = False) -> None:
    count = Dossier.objects.count()
    print(f"# statistics at {count:,} dossiers ({connection.vendor}, {platform.processor() or platform.machine()})")
    if not skip_rebuild:
        result = rebuild()
        print(
            f"rebuild_stats: {result.dossiers:,} dossiers in {result.seconds} s "
            f"({result.dossiers / max(result.seconds, 0.001):,.0f}/s); rows: day {result.day_rows:,}, "
            f"month {result.month_rows:,}, year {result.year_rows:,}"
        )
    span = DossierFacts.objects.aggregate(first=Min("received_day"), last=Max("received_day"))
    last: dt.date = span["last"]
    quarter_end = dt.date(last.year, 3 * ((last.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)
    quarter_start = dt.date(quarter_end.year, quarter_end.month - 2, 1)
    year = last.year - 1 if last.month < 12 else last.year
    province = query.Selection()
    median, worst = _timed(lambda: query.figures(province, quarter_start, quarter_end), repeat)
    print(f"province summary {quarter_start}..{quarter_end}: median {median:.1f} ms, worst {worst:.1f} ms")
    start, end = index766.period_bounds("year", year)
    median, worst = _timed(lambda: index766.compute(province, start, end), repeat)
    print(f"province 766 index {year}: median {median:.1f} ms, worst {worst:.1f} ms")
    print(f"day rows: {DayFigures.objects.count():,}")

    # fresh dossiers received at the counter (kept: they are a few among millions), each forwarded once with
    # the counters and once without, in transactions rolled back
    candidates = [
        Dossier.objects.select_related("current_step__assignee__user").get(pk=d.pk)
        for d in _dossiers(actions, agency_of="lanhdao")
    ]
    for action in ("forward", "stop"):
        # each dossier once with and once without, in alternating order: the second run of a dossier finds
        # its rows cached, which would otherwise favour whichever variant always runs second
        with_counters: list[float] = []
        without: list[float] = []
        for index, dossier in enumerate(candidates):
            for counted in (True, False) if index % 2 == 0 else (False, True):
                if not counted:
                    signals.disconnect()
                try:
                    (with_counters if counted else without).extend(_action_times([dossier], action))
                finally:
                    if not counted:
                        signals.connect()
        a, b = statistics.median(with_counters), statistics.median(without)
        print(
            f"dossier_{action} on {len(with_counters)} dossiers: median {a:.2f} ms with the counters, "
            f"{b:.2f} ms without: {a - b:.2f} ms added"
        )
