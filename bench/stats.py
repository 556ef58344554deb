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


def _forward_times(dossiers: list[Dossier]) -> list[float]:
    samples = []
    for dossier in dossiers:
        step = dossier.current_step
        actor = step.assignee.user if step is not None and step.assignee is not None else None
        if actor is None:
            continue
        try:
            with transaction.atomic():
                start = time.perf_counter()
                services.dossier_forward(dossier=dossier, actor=actor)
                samples.append((time.perf_counter() - start) * 1000)
                raise _Rollback
        except _Rollback:
            pass
        except Exception:  # noqa: S112 (a dossier whose step cannot forward is skipped)
            continue
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
        Dossier.objects.select_related("current_step__assignee__user").get(pk=d.pk) for d in _dossiers(actions)
    ]
    with_counters = _forward_times(candidates)
    signals.disconnect()
    without = _forward_times(candidates)
    signals.connect()
    if with_counters and without:
        a, b = statistics.median(with_counters), statistics.median(without)
        print(
            f"dossier_forward on {len(with_counters)} dossiers: median {a:.2f} ms with the counters, "
            f"{b:.2f} ms without: {a - b:.2f} ms added"
        )
