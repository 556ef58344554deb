"""The figures of a selection of dossiers (agency and the agencies under it, field, procedure) over a period.

Every figure is a sum of maintained counters (`motcua.reports.models`), so it costs the same at a thousand or
at millions of dossiers. Conventions (domain.md §6, index-766.md):

- received, supplement requests and every indicator of the index (electronic results, reuse, online
  payment, ratings...) count the dossiers *received* in the period;
- resolved (early / on time / late), refused, withdrawn, stopped and "not received" count the dossiers whose
  processing *ended* in the period;
- carried over: received before the period and still open when it began; in progress: received by its end
  and still open then, overdue when due before the end (before today, for a period still running) and not
  paused for a supplement or a payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from motcua.reports.models import COUNTERS


def rate(part: int | float, whole: int | float) -> float | None:
    """Percentage rounded to 2 decimals; None (shown "N/A") when there is nothing to divide by."""
    return round(100 * part / whole, 2) if whole else None


@dataclass
class Counters:
    """Sums of the counters of `motcua.reports.models.COUNTERS` for some rows."""

    received: int = 0
    supplement_requests: int = 0
    multi_supplement: int = 0
    with_fees: int = 0
    paid_online: int = 0
    electronic_result: int = 0
    digitised: int = 0
    reused: int = 0
    data_store: int = 0
    population_data: int = 0
    rated: int = 0
    rating_points: int = 0
    very_satisfied: int = 0
    satisfied: int = 0
    not_satisfied: int = 0
    closed: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    refused: int = 0
    withdrawn: int = 0
    stopped: int = 0
    rejected: int = 0
    processing_minutes: int = 0
    overdue_closed: int = 0
    due: int = 0

    def add(self, other: Counters | dict[str, Any]) -> None:
        get = other.get if isinstance(other, dict) else other.__dict__.get
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + int(get(name) or 0))

    def minus(self, other: Counters) -> Counters:
        return Counters(**{name: getattr(self, name) - getattr(other, name) for name in COUNTERS})


assert tuple(f.name for f in fields(Counters)) == COUNTERS


@dataclass
class Figures:
    """Biểu 06 and the indicators of one selection and period."""

    start: dt.date
    end: dt.date
    received_online: int = 0
    received_counter: int = 0
    received_postal: int = 0
    carried_over: int = 0
    in_progress: int = 0
    in_progress_overdue: int = 0
    period: Counters = field(default_factory=Counters)

    # --- Biểu 06 ---------------------------------------------------------------------------------------
    @property
    def received_in_period(self) -> int:
        return self.received_online + self.received_counter + self.received_postal

    @property
    def received_counter_or_postal(self) -> int:
        return self.received_counter + self.received_postal

    @property
    def received_total(self) -> int:
        return self.received_in_period + self.carried_over

    @property
    def resolved_early(self) -> int:
        return self.period.resolved_early

    @property
    def resolved_on_time(self) -> int:
        return self.period.resolved_on_time

    @property
    def resolved_late(self) -> int:
        return self.period.resolved_late

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_progress_within_time(self) -> int:
        return self.in_progress - self.in_progress_overdue

    # --- rates -----------------------------------------------------------------------------------------
    @property
    def on_time_rate(self) -> float | None:
        return rate(self.resolved_early + self.resolved_on_time, self.resolved)

    @property
    def online_rate(self) -> float | None:
        return rate(self.received_online, self.received_in_period)

    @property
    def average_processing_days(self) -> float | None:
        """Average working days from reception to the decision, paused time excluded (resolved dossiers)."""
        return round(self.period.processing_minutes / 480 / self.resolved, 2) if self.resolved else None

    def share(self, counter: str) -> float | None:
        """Share of the dossiers received in the period that `counter` counts, in percent."""
        return rate(getattr(self.period, counter), self.received_in_period)

    @property
    def paid_online_rate(self) -> float | None:
        return rate(self.period.paid_online, self.period.with_fees)

    @property
    def satisfaction_points(self) -> float | None:
        """Average rating in points out of 18."""
        return round(self.period.rating_points / self.period.rated, 2) if self.period.rated else None


@dataclass
class Form06Row:
    """One line of Biểu 06: the dossiers of one field at one level of agencies."""

    level: str  # motcua.org.models.Agency.Level value ("province" / "commune" ...)
    level_label: str
    field_code: str
    field_name: str
    figures: Figures


@dataclass
class Form06:
    """Biểu 06 of an agency (with the agencies under it) for a period: lines by level then field, and totals."""

    agency_code: str
    agency_name: str
    start: dt.date
    end: dt.date
    rows: list[Form06Row]
    total: Figures
    generated_at: dt.datetime


def combine(start: dt.date, end: dt.date, parts: list[Figures]) -> Figures:
    """The figures of several disjoint selections together (e.g. the agencies of one level)."""
    out = Figures(start=start, end=end)
    for part in parts:
        out.received_online += part.received_online
        out.received_counter += part.received_counter
        out.received_postal += part.received_postal
        out.carried_over += part.carried_over
        out.in_progress += part.in_progress
        out.in_progress_overdue += part.in_progress_overdue
        out.period.add(part.period)
    return out
