"""Working time: due dates per second for (start, period) pairs on one core (goal: 200,000 per second).

Starts are spread over 2025–2026 like real receptions: most during office hours on working days, the rest
at any instant (online submissions at night, on weekends and holidays). Periods are what procedures
declare: a few working hours, or 1 to 30 working days. The calendar is the national one (holidays
package plus our additions); a province's overrides do not change the cost.

Two figures: the batch method `WorkingCalendar.due_dates` (working seconds in, one loop) and the scalar
`WorkingCalendar.add(start, value, unit)` a service calls for one dossier. Both are checked to agree.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import statistics
import time
from typing import Any

from motcua.core.workingtime import VN_TZ, WorkingCalendar, period_seconds

PERIODS: list[tuple[int, str, int]] = [
    # (value, unit, weight)
    (4, "working_hours", 5),
    (8, "working_hours", 10),
    (1, "working_days", 10),
    (2, "working_days", 10),
    (3, "working_days", 15),
    (5, "working_days", 15),
    (7, "working_days", 10),
    (10, "working_days", 10),
    (15, "working_days", 8),
    (20, "working_days", 4),
    (30, "working_days", 3),
]


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned"


def make_pairs(count: int, seed: int = 2026) -> tuple[list[dt.datetime], list[int], list[str]]:
    """`count` starts, values and units (see the module docstring)."""
    rng = random.Random(seed)
    calendar = WorkingCalendar.national()
    first = dt.date(2025, 1, 1)
    working = [first + dt.timedelta(days=n) for n in range(730) if calendar.is_working_day(first + dt.timedelta(n))]
    begin = dt.datetime(2025, 1, 1, tzinfo=VN_TZ).timestamp()
    span = dt.datetime(2027, 1, 1, tzinfo=VN_TZ).timestamp() - begin
    office = [(7 * 3600, 11 * 3600 + 1800), (13 * 3600 + 1800, 17 * 3600)]
    starts: list[dt.datetime] = []
    for _ in range(count):
        if rng.random() < 0.7:
            day = rng.choice(working)
            opening, closing = office[rng.random() < 0.5]
            second = rng.randrange(opening, closing)
            starts.append(dt.datetime(day.year, day.month, day.day, tzinfo=VN_TZ) + dt.timedelta(seconds=second))
        else:
            starts.append(dt.datetime.fromtimestamp(begin + rng.randrange(int(span)), VN_TZ))
    chosen = rng.choices(PERIODS, weights=[weight for _, _, weight in PERIODS], k=count)
    return starts, [value for value, _, _ in chosen], [unit for _, unit, _ in chosen]


def run(count: int = 1_000_000, repeats: int = 3) -> dict[str, Any]:
    pinned = _pin_to_one_core()
    print(f"\n== Working time: {count:,} (start, period) pairs, Python {platform.python_version()}, {pinned} ==")
    started = time.perf_counter()
    starts, values, units = make_pairs(count)
    seconds = [period_seconds(value, unit) for value, unit in zip(values, units, strict=True)]
    print(f"input generated in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    calendar = WorkingCalendar.national()
    calendar.due_dates(starts[:1], seconds[:1])  # holidays loaded, working clock built for the years used
    print(f"calendar built in {(time.perf_counter() - started) * 1000:.1f} ms")

    batch_times: list[float] = []
    batch: list[dt.datetime] = []
    for _ in range(repeats):
        started = time.perf_counter()
        batch = calendar.due_dates(starts, seconds)
        batch_times.append(time.perf_counter() - started)

    scalar_count = min(count, 300_000)
    scalar_times: list[float] = []
    scalar: list[dt.datetime] = []
    add = calendar.add
    for _ in range(repeats):
        started = time.perf_counter()
        scalar = [add(t, v, u) for t, v, u in zip(starts[:scalar_count], values, units, strict=False)]
        scalar_times.append(time.perf_counter() - started)
    if scalar != batch[:scalar_count]:
        raise AssertionError("batch and scalar due dates differ")

    batch_rate = count / min(batch_times)
    scalar_rate = scalar_count / min(scalar_times)
    print(
        f"due_dates (batch): {batch_rate:,.0f} per second "
        f"(best of {repeats}; median {count / statistics.median(batch_times):,.0f}; {min(batch_times):.2f} s)"
    )
    print(
        f"add (one call per pair, {scalar_count:,} pairs): {scalar_rate:,.0f} per second "
        f"(best of {repeats}; median {scalar_count / statistics.median(scalar_times):,.0f})"
    )
    goal = 200_000
    print(
        f"goal {goal:,} per second: {'met' if batch_rate >= goal else 'MISSED'} (batch), "
        f"{'met' if scalar_rate >= goal else 'MISSED'} (one call per pair)"
    )
    return {"batch_per_second": batch_rate, "scalar_per_second": scalar_rate, "pairs": count}


if __name__ == "__main__":
    run()
