"""The figures of Biểu 06 for an agency (and the agencies under it) and a period, from the dossiers.

- received: dossiers received in the period, online or at the counter/by post, plus those carried over
  (received before the period and not finished when it began);
- resolved: dossiers processed (a decision) in the period, early / on time / late;
- in progress: received by the end of the period and not finished then, within time or overdue at the
  end of the period (or now, for a period that has not ended; paused dossiers are not overdue);
- on-time rate = (early + on time) / resolved; online rate = online / received in the period, as
  percentages rounded to 2 decimals.

Computed with a few aggregate queries over the dossier table (indexed on agency, status and dates); the
maintained per-day aggregates of the reports issue will answer the same question for millions of dossiers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from motcua.dossiers.models import Channel, Dossier, Status, Timeliness
from motcua.org import access
from motcua.org.models import Agency

RESOLVED = (Status.PROCESSED, Status.RETURNED)


@dataclass(frozen=True)
class Summary:
    agency: str
    start: dt.date
    end: dt.date
    received_online: int
    received_counter_or_postal: int
    carried_over: int
    resolved_early: int
    resolved_on_time: int
    resolved_late: int
    in_progress_within_time: int
    in_progress_overdue: int

    @property
    def received_in_period(self) -> int:
        return self.received_online + self.received_counter_or_postal

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    def as_contract(self) -> dict[str, Any]:
        def rate(part: int, whole: int) -> float:
            return round(100 * part / whole, 2) if whole else 0.0

        return {
            "agency": self.agency,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "received": {
                "total": self.received_in_period + self.carried_over,
                "online": self.received_online,
                "counter_or_postal": self.received_counter_or_postal,
                "carried_over": self.carried_over,
            },
            "resolved": {
                "total": self.resolved,
                "early": self.resolved_early,
                "on_time": self.resolved_on_time,
                "late": self.resolved_late,
            },
            "in_progress": {
                "total": self.in_progress_within_time + self.in_progress_overdue,
                "within_time": self.in_progress_within_time,
                "overdue": self.in_progress_overdue,
            },
            "on_time_rate": rate(self.resolved_early + self.resolved_on_time, self.resolved),
            "online_rate": rate(self.received_online, self.received_in_period),
        }


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in Vietnam time."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def agency_dossiers(agency: Agency) -> QuerySet[Dossier]:
    """Dossiers decided by, or received by, the agency or an agency under it."""
    ids = access.agency_subtree_ids([agency.pk])
    return Dossier.objects.filter(Q(competent_agency_id__in=ids) | Q(receiving_agency_id__in=ids))


def summary(*, agency: Agency, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> Summary:
    begin, stop = _bounds(start, end)
    moment = min(now or timezone.now(), stop)
    dossiers = agency_dossiers(agency)
    finished_at_begin = Q(finished_at__isnull=False, finished_at__lt=begin)
    open_at_stop = Q(finished_at__isnull=True) | Q(finished_at__gte=stop)
    figures = dossiers.aggregate(
        online=Count("pk", filter=Q(received_at__gte=begin, received_at__lt=stop, channel=Channel.ONLINE)),
        counter=Count("pk", filter=Q(received_at__gte=begin, received_at__lt=stop) & ~Q(channel=Channel.ONLINE)),
        carried=Count("pk", filter=Q(received_at__lt=begin) & ~finished_at_begin),
        early=Count(
            "pk",
            filter=Q(status__in=RESOLVED, finished_at__gte=begin, finished_at__lt=stop, timeliness=Timeliness.EARLY),
        ),
        on_time=Count(
            "pk",
            filter=Q(status__in=RESOLVED, finished_at__gte=begin, finished_at__lt=stop, timeliness=Timeliness.ON_TIME),
        ),
        late=Count(
            "pk",
            filter=Q(status__in=RESOLVED, finished_at__gte=begin, finished_at__lt=stop, timeliness=Timeliness.LATE),
        ),
        overdue=Count("pk", filter=Q(received_at__lt=stop, paused_at__isnull=True, due_at__lt=moment) & open_at_stop),
        open=Count("pk", filter=Q(received_at__lt=stop) & open_at_stop),
    )
    return Summary(
        agency=agency.code,
        start=start,
        end=end,
        received_online=figures["online"],
        received_counter_or_postal=figures["counter"],
        carried_over=figures["carried"],
        resolved_early=figures["early"],
        resolved_on_time=figures["on_time"],
        resolved_late=figures["late"],
        in_progress_within_time=figures["open"] - figures["overdue"],
        in_progress_overdue=figures["overdue"],
    )
